//! Plan periods (mandatperiod): goals are decided for one.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::plan_periods;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldError};
use crate::rules::permissions::Kind;
use crate::store::goals::GoalState;
use crate::store::PageRequest;
use crate::{impl_record, paged};

/// A plan period, e.g. the term of office 2011–2014.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = plan_periods, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct PlanPeriod {
    pub id: Id,
    pub organization_id: Id,
    #[schema(example = "Mandatperioden 2011–2014")]
    pub name: String,
    #[schema(example = "2011-01-01")]
    pub start_date: NaiveDate,
    #[schema(example = "2014-12-31")]
    pub end_date: NaiveDate,
    pub external_id: Option<String>,
    pub archived_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub version: i32,
}

impl_record!(PlanPeriod, plan_periods, Kind::PlanPeriod);

pub fn list(conn: &mut DbConnection, org: &Id, page: &PageRequest) -> QueryResult<Vec<PlanPeriod>> {
    use crate::db::schema::plan_periods::dsl as t;
    let query = t::plan_periods
        .filter(t::organization_id.eq(org))
        .into_boxed();
    paged!(query, t, page).load(conn)
}

/// The organization's plan periods that are not archived, by start date.
pub fn not_archived(conn: &mut DbConnection, org: &Id) -> QueryResult<Vec<PlanPeriod>> {
    use crate::db::schema::plan_periods::dsl as t;
    t::plan_periods
        .filter(t::organization_id.eq(org))
        .filter(t::archived_at.is_null())
        .order((t::start_date.asc(), t::id.asc()))
        .load(conn)
}

/// The current plan period on `day`: the one (not archived) that covers it, or else the
/// latest that has begun, or else the first to come.
pub fn current(
    conn: &mut DbConnection,
    org: &Id,
    day: NaiveDate,
) -> QueryResult<Option<PlanPeriod>> {
    let periods = not_archived(conn, org)?;
    let latest = |begun: &dyn Fn(&&PlanPeriod) -> bool| periods.iter().rev().find(begun).cloned();
    Ok(latest(&|p| p.start_date <= day && day <= p.end_date)
        .or_else(|| latest(&|p| p.start_date <= day))
        .or_else(|| periods.first().cloned()))
}

/// The plan periods the public sees, by start date: not archived, with an adopted vision or
/// an adopted overarching goal that is not archived.
pub fn public(conn: &mut DbConnection, org: &Id) -> QueryResult<Vec<PlanPeriod>> {
    use crate::db::schema::goals::dsl as g;
    use crate::db::schema::plan_periods::dsl as t;
    use crate::db::schema::visions::dsl as v;
    let mut adopted: Vec<Id> = g::goals
        .filter(g::organization_id.eq(org))
        .filter(g::state.eq(GoalState::Adopted))
        .filter(g::archived_at.is_null())
        .select(g::plan_period_id)
        .distinct()
        .load(conn)?;
    adopted.extend(
        v::visions
            .filter(v::organization_id.eq(org))
            .filter(v::state.eq(GoalState::Adopted))
            .filter(v::archived_at.is_null())
            .select(v::plan_period_id)
            .load::<Id>(conn)?,
    );
    let periods: Vec<PlanPeriod> = t::plan_periods
        .filter(t::organization_id.eq(org))
        .filter(t::archived_at.is_null())
        .order((t::start_date.asc(), t::id.asc()))
        .load(conn)?;
    Ok(periods
        .into_iter()
        .filter(|p| adopted.contains(&p.id))
        .collect())
}

/// A plan period that changes its dates still holds every reporting period of it.
pub fn check(
    conn: &mut DbConnection,
    period: &PlanPeriod,
    before: Option<&PlanPeriod>,
) -> AppResult<()> {
    let moved =
        before.is_some_and(|b| b.start_date != period.start_date || b.end_date != period.end_date);
    if !moved {
        return Ok(());
    }
    use crate::db::schema::reporting_periods::dsl as r;
    let outside: Option<String> = r::reporting_periods
        .filter(r::plan_period_id.eq(&period.id))
        .filter(
            r::start_date
                .lt(period.start_date)
                .or(r::end_date.gt(period.end_date)),
        )
        .select(r::name)
        .first(conn)
        .optional()?;
    match outside {
        Some(name) => Err(AppError::Conflict {
            detail: format!(
                "the reporting period {name} would fall outside the plan period's new dates"
            ),
            errors: vec![
                FieldError::new(
                    "start_date",
                    "must not be after the start of any of its reporting periods",
                ),
                FieldError::new(
                    "end_date",
                    "must not be before the end of any of its reporting periods",
                ),
            ],
        }),
        None => Ok(()),
    }
}
