//! Measurements (mätvärden, utfall): an indicator's value for one period, optionally broken
//! down by gender as Kolada does (T total, K women, M men), or marked missing.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::measurements;
use crate::db::types::{Id, JsonDocument, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Kind;
use crate::store::indicators::{Indicator, Source};
use crate::store::Tx;
use crate::store::{is_new, referenced, PageRequest};
use crate::{impl_record, paged, text_enum};

text_enum! {
    /// What a value is: the outcome (utfall) for its period, or a full-year forecast
    /// (helårsprognos) given during the year.
    MeasurementKind {
        Outcome => "outcome",
        /// A forecast of the whole year's outcome; its period is a year.
        Forecast => "forecast",
    }
}

/// A value of an indicator for one period.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = measurements, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Measurement {
    pub id: Id,
    pub organization_id: Id,
    pub indicator_id: Id,
    /// A year (`2011`), half year (`2011-H1`), tertial (`2011-T2`), quarter (`2011-Q3`),
    /// month (`2011-05`) or year to date (`2011-YTD08`, January through August); one outcome
    /// and one forecast per indicator and period.
    #[schema(example = "2011")]
    pub period: String,
    /// The first day of the period.
    pub period_start: NaiveDate,
    /// The last day of the period.
    pub period_end: NaiveDate,
    pub kind: MeasurementKind,
    /// The value (total, T); null exactly when `missing`.
    #[schema(example = 2.4)]
    pub value: Option<f64>,
    /// Women (K).
    pub value_women: Option<f64>,
    /// Men (M).
    pub value_men: Option<f64>,
    /// No value exists for the period (e.g. Kolada status `Missing`): insufficient data, not zero.
    pub missing: bool,
    pub note: Option<String>,
    pub source: Source,
    /// The token subject that recorded or imported it.
    pub recorded_by: String,
    /// Its display name.
    pub recorded_by_name: Option<String>,
    /// Where an imported value came from, e.g. for Kolada the KPI, period, municipality or
    /// unit, and each gender's status.
    #[schema(value_type = Option<Object>)]
    pub provenance: Option<JsonDocument>,
    /// When it was imported.
    pub imported_at: Option<UtcTime>,
    pub external_id: Option<String>,
    pub archived_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub version: i32,
}

impl_record!(Measurement, measurements, Kind::Measurement);

#[derive(Debug, Default)]
pub struct MeasurementFilter {
    pub indicator_id: Option<Id>,
    pub period: Option<String>,
    /// Periods ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Periods ending on or before this day.
    pub to: Option<NaiveDate>,
}

pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    filter: &MeasurementFilter,
    page: &PageRequest,
) -> QueryResult<Vec<Measurement>> {
    use crate::db::schema::measurements::dsl as t;
    let mut query = t::measurements
        .filter(t::organization_id.eq(org))
        .into_boxed();
    if let Some(indicator) = &filter.indicator_id {
        query = query.filter(t::indicator_id.eq(indicator.clone()));
    }
    if let Some(period) = &filter.period {
        query = query.filter(t::period.eq(period.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(t::period_end.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(t::period_end.le(to));
    }
    paged!(query, t, page).load(conn)
}

/// The measurements (not archived) of these indicators, oldest period first.
pub fn of_indicators(
    conn: &mut DbConnection,
    org: &Id,
    indicator_ids: &[Id],
) -> QueryResult<Vec<Measurement>> {
    use crate::db::schema::measurements::dsl as t;
    t::measurements
        .filter(t::organization_id.eq(org))
        .filter(t::archived_at.is_null())
        .filter(t::indicator_id.eq_any(indicator_ids.to_vec()))
        .order((t::period_end.asc(), t::id.asc()))
        .load(conn)
}

/// The outcomes (not forecasts), archived ones too, of these indicators for these periods.
pub fn outcomes_of_indicators_in_periods(
    conn: &mut DbConnection,
    org: &Id,
    indicator_ids: &[Id],
    periods: &[String],
) -> QueryResult<Vec<Measurement>> {
    use crate::db::schema::measurements::dsl as t;
    t::measurements
        .filter(t::organization_id.eq(org))
        .filter(t::indicator_id.eq_any(indicator_ids.to_vec()))
        .filter(t::period.eq_any(periods.to_vec()))
        .filter(t::kind.eq(MeasurementKind::Outcome))
        .order(t::id.asc())
        .load(conn)
}

/// The measurement of an indicator of a kind for a period, archived or not.
pub fn for_period(
    conn: &mut DbConnection,
    org: &Id,
    indicator: &Id,
    period: &str,
    kind: MeasurementKind,
) -> QueryResult<Option<Measurement>> {
    use crate::db::schema::measurements::dsl as t;
    t::measurements
        .filter(t::organization_id.eq(org))
        .filter(t::indicator_id.eq(indicator))
        .filter(t::kind.eq(kind))
        .filter(t::period.eq(period))
        .first(conn)
        .optional()
}

/// The indicator exists in the organization; one outcome and one forecast per indicator and
/// period.
pub fn check(
    conn: &mut Tx,
    measurement: &Measurement,
    before: Option<&Measurement>,
) -> AppResult<Indicator> {
    let org = &measurement.organization_id;
    let indicator = referenced::<Indicator>(
        conn,
        org,
        &measurement.indicator_id,
        "indicator_id",
        is_new(before.map(|b| &b.indicator_id), &measurement.indicator_id),
    )?;
    let moved = before.is_none_or(|b| {
        b.indicator_id != measurement.indicator_id || b.period != measurement.period
    });
    if moved {
        let (indicator, period) = (&measurement.indicator_id, &measurement.period);
        if let Some(existing) = for_period(conn, org, indicator, period, measurement.kind)? {
            return Err(AppError::conflict(
                "period",
                format!(
                    "the indicator already has {} {} for {} ({}): change that one",
                    match measurement.kind {
                        MeasurementKind::Outcome => "an",
                        MeasurementKind::Forecast => "a",
                    },
                    measurement.kind,
                    measurement.period,
                    existing.id
                ),
            ));
        }
    }
    Ok(indicator)
}
