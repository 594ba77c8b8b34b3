//! Indicators (nyckeltal): what is measured for a goal or department goal, with a baseline,
//! targets per period, the thresholds of the traffic light and where the values come from.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::indicators;
use crate::db::types::{Id, JsonList, UtcTime};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::rules::permissions::Kind;
use crate::store::units::Unit;
use crate::store::Tx;
use crate::store::{is_new, referenced, PageRequest};
use crate::{impl_record, paged, text_enum};

text_enum! {
    /// Which way is better.
    Direction {
        HigherIsBetter => "higher_is_better",
        LowerIsBetter => "lower_is_better",
        /// The value should lie within a target's `min`..`max`.
        TargetRange => "target_range",
    }
}

text_enum! {
    /// How `yellow_tolerance` is measured: in the indicator's unit, or in percent of the target.
    ToleranceUnit {
        Absolute => "absolute",
        Percent => "percent",
    }
}

text_enum! {
    /// Where the values come from.
    Source {
        Manual => "manual",
        Survey => "survey",
        /// Kolada, the national KPI database: `kolada_kpi` names the KPI.
        Kolada => "kolada",
    }
}

text_enum! {
    /// How often a new value is expected; an indicator without one for longer is stale.
    UpdateFrequency {
        Monthly => "monthly",
        Quarterly => "quarterly",
        Tertially => "tertially",
        HalfYearly => "half_yearly",
        Yearly => "yearly",
    }
}

impl UpdateFrequency {
    pub fn months(&self) -> u32 {
        match self {
            UpdateFrequency::Monthly => 1,
            UpdateFrequency::Quarterly => 3,
            UpdateFrequency::Tertially => 4,
            UpdateFrequency::HalfYearly => 6,
            UpdateFrequency::Yearly => 12,
        }
    }
}

text_enum! {
    /// How the outcome for part of a year (year to date, `2011-YTD08`) compares with an
    /// annual target when the year's outcome and forecast are not there yet.
    #[derive(Default)]
    YearToDate {
        /// Not at all (a value that only makes sense for a whole year): no status from it.
        #[default]
        NotComparable => "not_comparable",
        /// As it is (a share, a rate, an average: 81 % so far is compared with 80 %).
        AsIs => "as_is",
        /// Against the target pro-rated to the months (a sum: a net cost of 53 after eight
        /// months is compared with 8/12 of a budget of 80).
        ProRata => "pro_rata",
    }
}

text_enum! {
    /// What a target is compared with.
    TargetBasis {
        /// The value of every period from `from` to `to` must meet it.
        EachPeriod => "each_period",
        /// The mean of the values from `from` to `to` must meet it.
        Average => "average",
    }
}

/// A target for one period or a span of periods. Give `value` (in the indicator's unit), or
/// `change_from_baseline_percent` (e.g. −40: 40 % below the baseline), or for a
/// `target_range` indicator `min` and/or `max`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The first period it applies to, e.g. `2011`.
    #[schema(example = "2011", format = "text:period")]
    pub from: String,
    /// The last period it applies to; the same as `from` when left out.
    #[schema(example = "2014", format = "text:period")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Defaults to `each_period`.
    #[serde(default = "each_period")]
    pub basis: TargetBasis,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = 2.0)]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_from_baseline_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

fn each_period() -> TargetBasis {
    TargetBasis::EachPeriod
}

/// An indicator of an overarching or department goal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = indicators, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Indicator {
    pub id: Id,
    pub organization_id: Id,
    /// The overarching goal it measures (exactly one of `goal_id` and `department_goal_id`).
    pub goal_id: Option<Id>,
    pub department_goal_id: Option<Id>,
    /// The unit that owns the indicator and reports its values; an indicator without an owner
    /// is flagged in its status.
    pub owner_unit_id: Option<Id>,
    #[schema(example = "Årets resultat i procent av skatteintäkter och generella statsbidrag")]
    pub name: String,
    pub description: Option<String>,
    #[schema(example = "%")]
    pub unit_of_measure: String,
    pub direction: Direction,
    /// The value the targets are measured against, e.g. the 1990 emissions.
    pub baseline_value: Option<f64>,
    #[schema(example = "1990")]
    pub baseline_period: Option<String>,
    #[schema(value_type = Vec<Target>)]
    pub targets: JsonList<Target>,
    /// Yellow: short of the target by at most this much; green: at or beyond the target.
    pub yellow_tolerance: f64,
    pub tolerance_unit: ToleranceUnit,
    /// Its weight when its goal's status is rolled up.
    pub weight: f64,
    pub source: Source,
    /// The Kolada KPI id, e.g. `N03101`.
    #[schema(example = "N03101")]
    pub kolada_kpi: Option<String>,
    /// The Kolada municipality code the values are for (4 digits).
    #[schema(example = "0683")]
    pub kolada_municipality: Option<String>,
    /// Or the Kolada organisational unit id (e.g. a school).
    pub kolada_ou: Option<String>,
    pub update_frequency: UpdateFrequency,
    /// How an outcome for part of a year compares with an annual target.
    #[serde(default)]
    pub year_to_date: YearToDate,
    /// How many years after a year its value is published (0–5): a reporting period's
    /// status judges the latest year whose value can exist.
    #[serde(default)]
    pub publication_lag_years: i32,
    /// The record of the previous plan period this one was copied from when that plan period
    /// was rolled over (`POST /plan-periods/{id}/roll-over`); null otherwise. Only the
    /// roll-over sets it.
    pub predecessor_id: Option<Id>,
    pub external_id: Option<String>,
    pub archived_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub version: i32,
}

impl_record!(Indicator, indicators, Kind::Indicator);

#[derive(Debug, Default)]
pub struct IndicatorFilter {
    pub goal_id: Option<Id>,
    pub department_goal_id: Option<Id>,
    pub owner_unit_id: Option<Id>,
    pub source: Option<Source>,
    pub kolada_kpi: Option<String>,
}

pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    filter: &IndicatorFilter,
    page: &PageRequest,
) -> QueryResult<Vec<Indicator>> {
    use crate::db::schema::indicators::dsl as t;
    let mut query = t::indicators
        .filter(t::organization_id.eq(org))
        .into_boxed();
    if let Some(goal) = &filter.goal_id {
        query = query.filter(t::goal_id.eq(goal.clone()));
    }
    if let Some(goal) = &filter.department_goal_id {
        query = query.filter(t::department_goal_id.eq(goal.clone()));
    }
    if let Some(owner) = &filter.owner_unit_id {
        query = query.filter(t::owner_unit_id.eq(owner.clone()));
    }
    if let Some(source) = filter.source {
        query = query.filter(t::source.eq(source));
    }
    if let Some(kpi) = &filter.kolada_kpi {
        query = query.filter(t::kolada_kpi.eq(kpi.clone()));
    }
    paged!(query, t, page).load(conn)
}

/// The indicators (not archived) of these goals and department goals.
pub fn of_goals(
    conn: &mut DbConnection,
    org: &Id,
    goal_ids: &[Id],
    department_goal_ids: &[Id],
) -> QueryResult<Vec<Indicator>> {
    use crate::db::schema::indicators::dsl as t;
    t::indicators
        .filter(t::organization_id.eq(org))
        .filter(t::archived_at.is_null())
        .filter(
            t::goal_id
                .eq_any(goal_ids.to_vec())
                .or(t::department_goal_id.eq_any(department_goal_ids.to_vec())),
        )
        .order(t::id.asc())
        .load(conn)
}

/// Every indicator of a goal or department goal, archived ones too.
pub fn measuring(conn: &mut DbConnection, org: &Id, goal: &Id) -> QueryResult<Vec<Indicator>> {
    use crate::db::schema::indicators::dsl as t;
    t::indicators
        .filter(t::organization_id.eq(org))
        .filter(t::goal_id.eq(goal).or(t::department_goal_id.eq(goal)))
        .order(t::id.asc())
        .load(conn)
}

/// The indicators (not archived) fed by a Kolada KPI.
pub fn by_kolada_kpi(conn: &mut DbConnection, org: &Id, kpi: &str) -> QueryResult<Vec<Indicator>> {
    use crate::db::schema::indicators::dsl as t;
    t::indicators
        .filter(t::organization_id.eq(org))
        .filter(t::archived_at.is_null())
        .filter(t::kolada_kpi.eq(kpi))
        .load(conn)
}

/// The indicator measures exactly one goal of this organization; its owner is a unit of it.
pub fn check(conn: &mut Tx, indicator: &Indicator, before: Option<&Indicator>) -> AppResult<()> {
    let org = &indicator.organization_id;
    crate::store::goals::check_goal_link(
        conn,
        org,
        (
            indicator.goal_id.as_ref(),
            indicator.department_goal_id.as_ref(),
        ),
        before.map(|b| (b.goal_id.as_ref(), b.department_goal_id.as_ref())),
        "an indicator measures exactly one goal: give either goal_id or department_goal_id",
    )?;
    if let Some(owner) = &indicator.owner_unit_id {
        referenced::<Unit>(
            conn,
            org,
            owner,
            "owner_unit_id",
            is_new(before.and_then(|b| b.owner_unit_id.as_ref()), owner),
        )?;
    }
    Ok(())
}

/// The first and last day of each indicator's plan period, found through its goal or
/// department goal.
pub fn plan_period_days(
    conn: &mut DbConnection,
    org: &Id,
    indicators: &[Indicator],
) -> QueryResult<std::collections::HashMap<Id, (chrono::NaiveDate, chrono::NaiveDate)>> {
    use crate::db::schema::{department_goals as d, goals as g, plan_periods as p};
    let goal_ids: Vec<Id> = indicators
        .iter()
        .filter_map(|i| i.goal_id.clone())
        .collect();
    let department_ids: Vec<Id> = indicators
        .iter()
        .filter_map(|i| i.department_goal_id.clone())
        .collect();
    let mut period_of: std::collections::HashMap<Id, Id> = g::table
        .filter(g::organization_id.eq(org))
        .filter(g::id.eq_any(goal_ids))
        .select((g::id, g::plan_period_id))
        .load::<(Id, Id)>(conn)?
        .into_iter()
        .collect();
    period_of.extend(
        d::table
            .filter(d::organization_id.eq(org))
            .filter(d::id.eq_any(department_ids))
            .select((d::id, d::plan_period_id))
            .load::<(Id, Id)>(conn)?,
    );
    let days: std::collections::HashMap<Id, (chrono::NaiveDate, chrono::NaiveDate)> = p::table
        .filter(p::organization_id.eq(org))
        .select((p::id, p::start_date, p::end_date))
        .load::<(Id, chrono::NaiveDate, chrono::NaiveDate)>(conn)?
        .into_iter()
        .map(|(id, start, end)| (id, (start, end)))
        .collect();
    Ok(indicators
        .iter()
        .filter_map(|i| {
            let goal = i.goal_id.as_ref().or(i.department_goal_id.as_ref())?;
            let period = days.get(period_of.get(goal)?)?;
            Some((i.id.clone(), *period))
        })
        .collect())
}
