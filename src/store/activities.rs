//! Activities: what a work team does for a goal, who is responsible and when it is due.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::activities;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::rules::permissions::Kind;
use crate::store::units::{self, UnitKind};
use crate::store::{is_new, PageRequest, Tx};
use crate::{impl_record, paged, text_enum};

text_enum! {
    /// Where an activity stands.
    ActivityStatus {
        Planned => "planned",
        InProgress => "in_progress",
        /// Done (struck through on the activity plan); `done_on` says when.
        Done => "done",
        Cancelled => "cancelled",
    }
}

impl ActivityStatus {
    /// Still to be done: counts as overdue once its due date has passed.
    pub fn is_open(&self) -> bool {
        matches!(self, ActivityStatus::Planned | ActivityStatus::InProgress)
    }
}

/// An activity of a work team's activity plan, for one overarching or department goal.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = activities, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Activity {
    pub id: Id,
    pub organization_id: Id,
    /// The work team (a unit of kind `team`) whose plan this is on.
    pub team_id: Id,
    /// The overarching goal it serves (exactly one of `goal_id` and `department_goal_id`).
    pub goal_id: Option<Id>,
    /// The department goal it serves.
    pub department_goal_id: Option<Id>,
    #[schema(example = "Trygghetsvandring i centrum tillsammans med polisen")]
    pub title: String,
    pub description: Option<String>,
    /// Who is responsible (ansvarig): a name or role as the team writes it.
    #[schema(example = "Arbetslagsledaren")]
    pub responsible: Option<String>,
    /// When it should be done (klart när).
    #[schema(example = "2011-05-31")]
    pub due_date: Option<NaiveDate>,
    pub status: ActivityStatus,
    /// When it was done; set exactly when `status` is `done`.
    pub done_on: Option<NaiveDate>,
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

impl_record!(Activity, activities, Kind::Activity);

impl Activity {
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.due_date.is_some_and(|due| due < today)
    }
}

#[derive(Debug, Default)]
pub struct ActivityFilter {
    /// Activities of these teams.
    pub team_ids: Option<Vec<Id>>,
    pub goal_id: Option<Id>,
    pub department_goal_id: Option<Id>,
    pub status: Option<ActivityStatus>,
    pub responsible: Option<String>,
    pub due_before: Option<NaiveDate>,
    pub due_after: Option<NaiveDate>,
    /// Only open activities whose due date is before this day.
    pub overdue_on: Option<NaiveDate>,
}

/// The page's activities. Its ids come first, then their rows: a filter by teams and status
/// (what a board's or a team's list asks) is answered from `activities_by_team` alone, so
/// only the ids of every match are sorted for the page, not their whole rows.
pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    filter: &ActivityFilter,
    page: &PageRequest,
) -> QueryResult<Vec<Activity>> {
    use crate::db::schema::activities::dsl as t;
    let ids: Vec<Id> = paged!(matching(org, filter), t, page).load(conn)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // By id alone: the ids are the organization's, and SQLite would otherwise walk all of
    // the organization's rows for them.
    t::activities
        .filter(t::id.eq_any(ids))
        .order(t::id.asc())
        .load(conn)
}

/// The ids of the organization's activities that pass the filter.
fn matching<'a>(
    org: &Id,
    filter: &ActivityFilter,
) -> activities::BoxedQuery<'a, <DbConnection as Connection>::Backend, diesel::sql_types::Text> {
    use crate::db::schema::activities::dsl as t;
    let mut query = t::activities
        .select(t::id)
        .filter(t::organization_id.eq(org.clone()))
        .into_boxed();
    if let Some(teams) = &filter.team_ids {
        query = query.filter(t::team_id.eq_any(teams.clone()));
    }
    if let Some(goal) = &filter.goal_id {
        query = query.filter(t::goal_id.eq(goal.clone()));
    }
    if let Some(goal) = &filter.department_goal_id {
        query = query.filter(t::department_goal_id.eq(goal.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(t::status.eq(status));
    }
    if let Some(responsible) = &filter.responsible {
        query = query.filter(t::responsible.eq(responsible.clone()));
    }
    if let Some(before) = filter.due_before {
        query = query.filter(t::due_date.lt(before));
    }
    if let Some(after) = filter.due_after {
        query = query.filter(t::due_date.gt(after));
    }
    if let Some(today) = filter.overdue_on {
        query = query
            .filter(t::due_date.lt(today))
            .filter(t::status.eq_any([ActivityStatus::Planned, ActivityStatus::InProgress]));
    }
    query
}

/// A team's activities that are not archived, optionally for one goal or department goal,
/// ordered as the activity plan shows them: by due date (undated last), then creation.
pub fn plan_of_team(conn: &mut DbConnection, org: &Id, team: &Id) -> QueryResult<Vec<Activity>> {
    use crate::db::schema::activities::dsl as t;
    let mut rows: Vec<Activity> = t::activities
        .filter(t::organization_id.eq(org))
        .filter(t::team_id.eq(team))
        .filter(t::archived_at.is_null())
        .load(conn)?;
    rows.sort_by(|a, b| {
        (a.due_date.is_none(), a.due_date, &a.id).cmp(&(b.due_date.is_none(), b.due_date, &b.id))
    });
    Ok(rows)
}

/// The open activities (planned or in progress, not archived) of these goals and department
/// goals, in creation order.
pub fn open_of_goals(
    conn: &mut DbConnection,
    org: &Id,
    goal_ids: &[Id],
    department_goal_ids: &[Id],
) -> QueryResult<Vec<Activity>> {
    use crate::db::schema::activities::dsl as t;
    t::activities
        .filter(t::organization_id.eq(org))
        .filter(t::archived_at.is_null())
        .filter(t::status.eq_any([ActivityStatus::Planned, ActivityStatus::InProgress]))
        .filter(
            t::goal_id
                .eq_any(goal_ids.to_vec())
                .or(t::department_goal_id.eq_any(department_goal_ids.to_vec())),
        )
        .order(t::id.asc())
        .load(conn)
}

/// (goal_id, department_goal_id, status, due_date) of every active activity for the given goals.
pub type ActivityFacts = (Option<Id>, Option<Id>, ActivityStatus, Option<NaiveDate>);

pub fn facts_for_goals(
    conn: &mut DbConnection,
    org: &Id,
    goal_ids: &[Id],
    department_goal_ids: &[Id],
) -> QueryResult<Vec<ActivityFacts>> {
    use crate::db::schema::activities::dsl as t;
    t::activities
        .filter(t::organization_id.eq(org))
        .filter(t::archived_at.is_null())
        .filter(
            t::goal_id
                .eq_any(goal_ids.to_vec())
                .or(t::department_goal_id.eq_any(department_goal_ids.to_vec())),
        )
        .select((t::goal_id, t::department_goal_id, t::status, t::due_date))
        .load(conn)
}

/// The team is a `team` unit; the activity serves exactly one goal of this organization.
pub fn check(conn: &mut Tx, activity: &Activity, before: Option<&Activity>) -> AppResult<()> {
    let org = &activity.organization_id;
    units::require_kind(
        conn,
        org,
        &activity.team_id,
        "team_id",
        is_new(before.map(|b| &b.team_id), &activity.team_id),
        &[UnitKind::Team],
    )?;
    crate::store::goals::check_goal_link(
        conn,
        org,
        (
            activity.goal_id.as_ref(),
            activity.department_goal_id.as_ref(),
        ),
        before.map(|b| (b.goal_id.as_ref(), b.department_goal_id.as_ref())),
        "an activity serves exactly one goal: give either goal_id or department_goal_id",
    )?;
    Ok(())
}
