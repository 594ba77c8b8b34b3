//! Follow-ups (uppföljning): per reporting period, a unit's assessment and analysis of a
//! goal or department goal, from draft to published.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::follow_ups;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Kind;
use crate::store::reporting_periods::ReportingPeriod;
use crate::store::units::Unit;
use crate::store::Tx;
use crate::store::{is_new, referenced, PageRequest};
use crate::{impl_record, paged, text_enum};

text_enum! {
    /// How it went.
    Assessment {
        Achieved => "achieved",
        PartlyAchieved => "partly_achieved",
        NotAchieved => "not_achieved",
        NotAssessed => "not_assessed",
    }
}

text_enum! {
    /// draft → submitted → approved → published; a submitted one can be sent back to draft.
    FollowUpState {
        Draft => "draft",
        Submitted => "submitted",
        Approved => "approved",
        Published => "published",
    }
}

impl FollowUpState {
    /// Counts as reported: submitted or further.
    pub fn is_reported(&self) -> bool {
        *self != FollowUpState::Draft
    }
}

/// A follow-up of a goal or department goal for one reporting period by one unit.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = follow_ups, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct FollowUp {
    pub id: Id,
    pub organization_id: Id,
    pub reporting_period_id: Id,
    /// The overarching goal followed up (exactly one of `goal_id` and `department_goal_id`).
    pub goal_id: Option<Id>,
    pub department_goal_id: Option<Id>,
    /// The unit that reports.
    pub reporting_unit_id: Id,
    pub assessment: Assessment,
    /// Why it went as it did; required for an assessment to override the computed status.
    pub analysis: Option<String>,
    /// What will be done (åtgärder).
    pub planned_measures: Option<String>,
    /// A proposed revision of the goal, if any.
    pub proposed_revision: Option<String>,
    pub state: FollowUpState,
    /// The token subject that wrote it.
    pub author_subject: String,
    pub author_name: Option<String>,
    pub submitted_at: Option<UtcTime>,
    pub approved_at: Option<UtcTime>,
    pub published_at: Option<UtcTime>,
    pub external_id: Option<String>,
    pub archived_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub version: i32,
    /// Why the body that approved it withdrew it (`POST /follow-ups/{id}/withdraw`); set
    /// only on a withdrawn, and so archived, follow-up.
    pub withdrawal_reason: Option<String>,
    /// The token subject that approved it.
    pub approved_by: Option<String>,
    pub approved_by_name: Option<String>,
    /// The token subject that published it.
    pub published_by: Option<String>,
    pub published_by_name: Option<String>,
    /// The council's decision that published it, when the publisher gave it.
    #[schema(example = "KF 2012-04-26 § 52")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<chrono::NaiveDate>,
    pub decided_by_unit_id: Option<Id>,
    /// Why it was last returned to its author (`POST /follow-ups/{id}/return`).
    pub return_reason: Option<String>,
}

impl_record!(FollowUp, follow_ups, Kind::FollowUp);

#[derive(Debug, Default)]
pub struct FollowUpFilter {
    pub reporting_period_id: Option<Id>,
    pub goal_id: Option<Id>,
    pub department_goal_id: Option<Id>,
    pub reporting_unit_id: Option<Id>,
    pub state: Option<FollowUpState>,
}

/// A reporting period's follow-ups in a state, not archived, oldest first; of one reporting
/// unit when given.
pub fn of_period_in_state(
    conn: &mut DbConnection,
    org: &Id,
    period: &Id,
    state: FollowUpState,
    unit: Option<&Id>,
) -> QueryResult<Vec<FollowUp>> {
    use crate::db::schema::follow_ups::dsl as t;
    let mut query = t::follow_ups
        .filter(t::organization_id.eq(org))
        .filter(t::reporting_period_id.eq(period))
        .filter(t::state.eq(state))
        .filter(t::archived_at.is_null())
        .into_boxed();
    if let Some(unit) = unit {
        query = query.filter(t::reporting_unit_id.eq(unit.clone()));
    }
    query.order(t::id.asc()).load(conn)
}

pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    filter: &FollowUpFilter,
    page: &PageRequest,
) -> QueryResult<Vec<FollowUp>> {
    use crate::db::schema::follow_ups::dsl as t;
    let mut query = t::follow_ups
        .filter(t::organization_id.eq(org))
        .into_boxed();
    if let Some(period) = &filter.reporting_period_id {
        query = query.filter(t::reporting_period_id.eq(period.clone()));
    }
    if let Some(goal) = &filter.goal_id {
        query = query.filter(t::goal_id.eq(goal.clone()));
    }
    if let Some(goal) = &filter.department_goal_id {
        query = query.filter(t::department_goal_id.eq(goal.clone()));
    }
    if let Some(unit) = &filter.reporting_unit_id {
        query = query.filter(t::reporting_unit_id.eq(unit.clone()));
    }
    if let Some(state) = filter.state {
        query = query.filter(t::state.eq(state));
    }
    paged!(query, t, page).load(conn)
}

/// Every follow-up (not archived) of a reporting period.
pub fn of_reporting_period(
    conn: &mut DbConnection,
    org: &Id,
    reporting_period: &Id,
) -> QueryResult<Vec<FollowUp>> {
    use crate::db::schema::follow_ups::dsl as t;
    t::follow_ups
        .filter(t::organization_id.eq(org))
        .filter(t::reporting_period_id.eq(reporting_period))
        .filter(t::archived_at.is_null())
        .order(t::id.asc())
        .load(conn)
}

/// The references exist in the organization, and the reporting period is open: a closed
/// period's follow-ups are read-only.
pub fn check(conn: &mut Tx, follow_up: &FollowUp, before: Option<&FollowUp>) -> AppResult<()> {
    let org = &follow_up.organization_id;
    let period = referenced::<ReportingPeriod>(
        conn,
        org,
        &follow_up.reporting_period_id,
        "reporting_period_id",
        is_new(
            before.map(|b| &b.reporting_period_id),
            &follow_up.reporting_period_id,
        ),
    )?;
    require_open(&period)?;
    if let Some(before) = before {
        if before.reporting_period_id != follow_up.reporting_period_id {
            let old = referenced::<ReportingPeriod>(
                conn,
                org,
                &before.reporting_period_id,
                "reporting_period_id",
                false,
            )?;
            require_open(&old)?;
        }
    }
    referenced::<Unit>(
        conn,
        org,
        &follow_up.reporting_unit_id,
        "reporting_unit_id",
        is_new(
            before.map(|b| &b.reporting_unit_id),
            &follow_up.reporting_unit_id,
        ),
    )?;
    crate::store::goals::check_goal_link(
        conn,
        org,
        (
            follow_up.goal_id.as_ref(),
            follow_up.department_goal_id.as_ref(),
        ),
        before.map(|b| (b.goal_id.as_ref(), b.department_goal_id.as_ref())),
        "a follow-up is of exactly one goal: give either goal_id or department_goal_id",
    )?;
    Ok(())
}

/// A closed reporting period's follow-ups are read-only.
pub fn require_open(period: &ReportingPeriod) -> AppResult<()> {
    if period.status == crate::store::reporting_periods::ReportingPeriodStatus::Closed {
        return Err(AppError::Conflict {
            detail: format!(
                "the reporting period {} is closed: its follow-ups are read-only",
                period.name
            ),
            errors: vec![],
        });
    }
    Ok(())
}
