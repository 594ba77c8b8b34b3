//! `/api/v1/measurements`: an indicator's values, one per period.

use actix_web::{delete, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::rules::periods;
use crate::rules::validate::{Checks, MAX_NAME, MAX_TEXT};
use crate::store::audit::Actor;
use crate::store::indicators::{Indicator, Source};
use crate::store::measurements::{self, Measurement, MeasurementFilter, MeasurementKind};
use crate::store::Record;
use crate::store::Tx;

/// A new measurement.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMeasurement {
    pub indicator_id: Id,
    /// A year (`2011`), half year (`2011-H1`), tertial (`2011-T2`), quarter (`2011-Q3`),
    /// month (`2011-05`) or year to date (`2011-YTD08`: January through August).
    #[schema(example = "2011", format = "text:period")]
    pub period: String,
    /// `outcome` (the default) or `forecast`: a full-year forecast given during the year,
    /// whose period is the year.
    pub kind: Option<MeasurementKind>,
    /// The value (total); leave it out, or null, with `missing: true` when there is none.
    #[schema(example = 2.4)]
    pub value: Option<f64>,
    pub value_women: Option<f64>,
    pub value_men: Option<f64>,
    /// True when there is no value for the period (insufficient data, not zero); then
    /// `value` is left out. Defaults to false.
    pub missing: Option<bool>,
    #[schema(format = "text:long")]
    pub note: Option<String>,
    /// Defaults to `manual`.
    pub source: Option<Source>,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to a measurement: only the fields given change; null clears an optional field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeasurement {
    #[schema(format = "text:period")]
    pub period: Option<String>,
    /// A new value (clears `missing`); null marks it missing.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub value: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub value_women: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<f64>)]
    pub value_men: Option<Option<f64>>,
    /// `true` marks it missing (as a null `value` does; a value may not be given with it);
    /// `false` needs a value, given or stored. What an export writes, so a row read back
    /// changes what it says.
    pub missing: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:long")]
    pub note: Option<Option<String>>,
    pub source: Option<Source>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for Measurement {
    type Create = CreateMeasurement;
    type Patch = UpdateMeasurement;
    const PATH: &'static str = "/api/v1/measurements";

    fn build(
        organization_id: Id,
        input: CreateMeasurement,
        now: UtcTime,
    ) -> AppResult<Measurement> {
        let meta = new_meta(now);
        let missing = input.missing.unwrap_or(false);
        let mut checks = Checks::new();
        if missing && input.value.is_some() {
            checks.fail("value", "a missing measurement has no value");
        }
        if !missing && input.value.is_none() {
            checks.fail(
                "value",
                "is required; with no value for the period, send `missing: true` instead",
            );
        }
        let (period_start, period_end) = period_span(&mut checks, &input.period);
        let kind = input.kind.unwrap_or(MeasurementKind::Outcome);
        forecast_of_a_year(&mut checks, kind, &input.period);
        checks.finish()?;
        let mut measurement = Measurement {
            id: meta.id,
            organization_id,
            indicator_id: input.indicator_id,
            period: input.period,
            period_start,
            period_end,
            kind,
            value: input.value,
            value_women: input.value_women,
            value_men: input.value_men,
            missing,
            note: input.note,
            source: input.source.unwrap_or(Source::Manual),
            recorded_by: String::new(),
            recorded_by_name: None,
            provenance: None,
            imported_at: None,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut measurement)?;
        Ok(measurement)
    }

    fn apply(&mut self, patch: UpdateMeasurement) -> AppResult<()> {
        let mut checks = Checks::new();
        if let Some(period) = patch.period {
            (self.period_start, self.period_end) = period_span(&mut checks, &period);
            forecast_of_a_year(&mut checks, self.kind, &period);
            self.period = period;
        }
        let new_value = patch.value.flatten().is_some();
        if let Some(value) = patch.value {
            self.value = value;
            self.missing = value.is_none();
        }
        match patch.missing {
            Some(true) if new_value => checks.fail("value", "a missing measurement has no value"),
            Some(true) => {
                self.value = None;
                self.missing = true;
            }
            Some(false) if self.value.is_none() => checks.fail(
                "value",
                "is required: a measurement that is not missing has a value",
            ),
            Some(false) | None => {}
        }
        if let Some(value) = patch.value_women {
            self.value_women = value;
        }
        if let Some(value) = patch.value_men {
            self.value_men = value;
        }
        if let Some(note) = patch.note {
            self.note = note;
        }
        if let Some(source) = patch.source {
            self.source = source;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        checks.finish()?;
        validate(self)
    }

    fn created_by(&mut self, actor: &Actor) {
        self.recorded_by = actor.subject.clone();
        self.recorded_by_name = actor.name.clone();
    }

    /// A measurement is in the scope of its indicator's owner.
    fn scope(&self, conn: &mut DbConnection) -> AppResult<Option<Id>> {
        let indicator = Indicator::find(conn, &self.organization_id, &self.indicator_id)?;
        Ok(indicator.and_then(|i| i.owner_unit_id))
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&Measurement>) -> AppResult<()> {
        measurements::check(conn, self, before).map(|_| ())
    }
}

/// The days of a period, or a failed check naming the format.
/// A forecast is of a whole year's outcome: its period is the year.
fn forecast_of_a_year(checks: &mut Checks, kind: MeasurementKind, period: &str) {
    if kind == MeasurementKind::Forecast
        && periods::span(period).is_some()
        && !periods::is_year(period)
    {
        checks.fail(
            "period",
            format!("a forecast is of the whole year: its period is a year (2011), not {period}"),
        );
    }
}

fn period_span(checks: &mut Checks, period: &str) -> (NaiveDate, NaiveDate) {
    periods::span(period).unwrap_or_else(|| {
        checks.fail("period", format!("must be {}", periods::FORMAT));
        (NaiveDate::MIN, NaiveDate::MIN)
    })
}

fn validate(measurement: &mut Measurement) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.optional_text("note", &mut measurement.note, MAX_TEXT);
    checks.optional_text("external_id", &mut measurement.external_id, MAX_NAME);
    checks.finish()
}

/// Filters for listing measurements.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MeasurementListParams {
    pub indicator_id: Option<Id>,
    /// Exactly this period, e.g. `2011`.
    #[param(format = "text:query")]
    pub period: Option<String>,
    /// Periods that end on or after this day.
    pub from: Option<NaiveDate>,
    /// Periods that end on or before this day.
    pub to: Option<NaiveDate>,
    /// Include archived measurements.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's measurements.
    fn list_measurements("/measurements", tag = "indicators", MeasurementListParams => Measurement)
    |params| move |conn, org, page| {
        let filter = MeasurementFilter {
            indicator_id: params.indicator_id,
            period: params.period,
            from: params.from,
            to: params.to,
        };
        Ok(measurements::list(conn, org, &filter, page)?)
    }
}

crate::crud_endpoints! {
    record: Measurement,
    tag: "indicators",
    collection: "/measurements",
    item: "/measurements/{id}",
    create: create_measurement(CreateMeasurement) "Record an indicator's value for a period (admin; manager for indicators its units own).",
    get: get_measurement "Get one measurement.",
    update: update_measurement(UpdateMeasurement) "Change a measurement; a null `value` marks it missing.",
    archive: archive_measurement "/measurements/{id}/archive" "Archive a measurement: it leaves lists and statuses.",
    unarchive: unarchive_measurement "/measurements/{id}/unarchive" "Restore an archived measurement.",
    delete: delete_measurement "Delete a measurement.",
}
