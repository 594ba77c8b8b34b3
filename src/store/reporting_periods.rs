//! Reporting periods (tertial, delårsrapport, årsredovisning): follow-ups are made per one.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::reporting_periods;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult, FieldError};
use crate::rules::permissions::Kind;
use crate::store::plan_periods::PlanPeriod;
use crate::store::Tx;
use crate::store::{is_new, referenced, PageRequest};
use crate::{impl_record, paged, text_enum};

text_enum! {
    /// What kind of reporting period it is.
    ReportingPeriodKind {
        Month => "month",
        Quarter => "quarter",
        /// Four months (tertial).
        Tertial => "tertial",
        /// The interim report (delårsrapport).
        InterimReport => "interim_report",
        /// The annual report (årsredovisning).
        AnnualReport => "annual_report",
        Other => "other",
    }
}

text_enum! {
    /// Whether follow-ups may still be made for the period.
    ReportingPeriodStatus {
        Open => "open",
        Closed => "closed",
    }
}

/// A reporting period within a plan period.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = reporting_periods, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ReportingPeriod {
    pub id: Id,
    pub organization_id: Id,
    pub plan_period_id: Id,
    pub kind: ReportingPeriodKind,
    #[schema(example = "Delårsrapport 2011")]
    pub name: String,
    #[schema(example = "2011-01-01")]
    pub start_date: NaiveDate,
    #[schema(example = "2011-08-31")]
    pub end_date: NaiveDate,
    /// When follow-ups for the period are due.
    #[schema(example = "2011-09-30")]
    pub follow_up_deadline: Option<NaiveDate>,
    pub status: ReportingPeriodStatus,
    pub external_id: Option<String>,
    pub archived_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub version: i32,
}

impl_record!(ReportingPeriod, reporting_periods, Kind::ReportingPeriod);

#[derive(Debug, Default)]
pub struct ReportingPeriodFilter {
    pub plan_period_id: Option<Id>,
    pub status: Option<ReportingPeriodStatus>,
    pub kind: Option<ReportingPeriodKind>,
}

pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    filter: &ReportingPeriodFilter,
    page: &PageRequest,
) -> QueryResult<Vec<ReportingPeriod>> {
    use crate::db::schema::reporting_periods::dsl as t;
    let mut query = t::reporting_periods
        .filter(t::organization_id.eq(org))
        .into_boxed();
    if let Some(plan_period) = &filter.plan_period_id {
        query = query.filter(t::plan_period_id.eq(plan_period.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(t::status.eq(status));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(t::kind.eq(kind));
    }
    paged!(query, t, page).load(conn)
}

/// The period lies within its plan period; the follow-up deadline is not before its end.
pub fn check(
    conn: &mut Tx,
    period: &ReportingPeriod,
    before: Option<&ReportingPeriod>,
) -> AppResult<()> {
    let plan = referenced::<PlanPeriod>(
        conn,
        &period.organization_id,
        &period.plan_period_id,
        "plan_period_id",
        is_new(before.map(|b| &b.plan_period_id), &period.plan_period_id),
    )?;
    let mut errors = Vec::new();
    if period.start_date < plan.start_date || period.start_date > plan.end_date {
        errors.push(FieldError::new(
            "start_date",
            format!(
                "must lie within the plan period {} – {}",
                plan.start_date, plan.end_date
            ),
        ));
    }
    if period.end_date > plan.end_date || period.end_date < plan.start_date {
        errors.push(FieldError::new(
            "end_date",
            format!(
                "must lie within the plan period {} – {}",
                plan.start_date, plan.end_date
            ),
        ));
    }
    if period.end_date < period.start_date {
        errors.push(FieldError::new("end_date", "must not be before start_date"));
    }
    if let Some(deadline) = period.follow_up_deadline {
        if deadline < period.end_date {
            errors.push(FieldError::new(
                "follow_up_deadline",
                "must not be before end_date",
            ));
        }
    }
    AppError::check_fields(errors)
}

/// The reporting periods of a plan period that are not archived.
pub fn of_plan_period(
    conn: &mut DbConnection,
    org: &Id,
    plan_period: &Id,
) -> QueryResult<Vec<ReportingPeriod>> {
    use crate::db::schema::reporting_periods::dsl as t;
    t::reporting_periods
        .filter(t::organization_id.eq(org))
        .filter(t::plan_period_id.eq(plan_period))
        .filter(t::archived_at.is_null())
        .order(t::id.asc())
        .load(conn)
}
