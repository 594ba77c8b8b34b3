//! Overarching goals (övergripande mål), owned by the council, numbered per plan period.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::goals;
use crate::db::types::{Id, TextList, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Kind;
use crate::store::perspectives::Perspective;
use crate::store::plan_periods::PlanPeriod;
use crate::store::units::{self, UnitKind};
use crate::store::Tx;
use crate::store::{is_new, referenced, PageRequest};
use crate::{impl_record, paged, text_enum};

text_enum! {
    /// Where a goal is in its life cycle.
    GoalState {
        /// Being prepared; may be deleted.
        Draft => "draft",
        /// Decided and in force.
        Adopted => "adopted",
        /// No longer in force.
        Retired => "retired",
    }
}

/// An overarching goal adopted by the council for a plan period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = goals, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Goal {
    pub id: Id,
    pub organization_id: Id,
    pub plan_period_id: Id,
    pub perspective_id: Id,
    /// The council (or municipality) unit that owns the goal.
    pub owner_unit_id: Id,
    /// The goal's number within the plan period, from 1.
    #[schema(example = 3)]
    pub number: i32,
    #[schema(
        example = "Årets resultat bör för ett enskilt år inte understiga 2 % och för perioden* ska genomsnittet inte understiga 2,5 %."
    )]
    pub title: String,
    pub description: Option<String>,
    /// The goal's footnotes, in the order of their markers (*, **, ***).
    #[schema(example = json!(["* Perioden avser mandatperioden 2011–2014."]))]
    pub footnotes: TextList,
    #[schema(example = "KF 2010-11-25 § 123")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// The deciding body (a council, or the board for a department goal) of the decision
    /// in force.
    pub decided_by_unit_id: Option<Id>,
    pub state: GoalState,
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

impl_record!(Goal, goals, Kind::Goal);

#[derive(Debug, Default)]
pub struct GoalFilter {
    pub plan_period_id: Option<Id>,
    pub perspective_id: Option<Id>,
    pub state: Option<GoalState>,
    pub owner_unit_id: Option<Id>,
}

pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    filter: &GoalFilter,
    page: &PageRequest,
) -> QueryResult<Vec<Goal>> {
    use crate::db::schema::goals::dsl as t;
    let mut query = t::goals.filter(t::organization_id.eq(org)).into_boxed();
    if let Some(plan_period) = &filter.plan_period_id {
        query = query.filter(t::plan_period_id.eq(plan_period.clone()));
    }
    if let Some(perspective) = &filter.perspective_id {
        query = query.filter(t::perspective_id.eq(perspective.clone()));
    }
    if let Some(state) = filter.state {
        query = query.filter(t::state.eq(state));
    }
    if let Some(owner) = &filter.owner_unit_id {
        query = query.filter(t::owner_unit_id.eq(owner.clone()));
    }
    paged!(query, t, page).load(conn)
}

/// All goals of a plan period in number order (archived ones only when asked).
pub fn of_plan_period(
    conn: &mut DbConnection,
    org: &Id,
    plan_period: &Id,
    include_archived: bool,
) -> QueryResult<Vec<Goal>> {
    use crate::db::schema::goals::dsl as t;
    let mut query = t::goals
        .filter(t::organization_id.eq(org))
        .filter(t::plan_period_id.eq(plan_period))
        .into_boxed();
    if !include_archived {
        query = query.filter(t::archived_at.is_null());
    }
    query.order(t::number.asc()).load(conn)
}

/// The perspective belongs to the goal's plan period, the owner is the council, and the
/// number is free in the plan period.
pub fn check(conn: &mut Tx, goal: &Goal, before: Option<&Goal>) -> AppResult<()> {
    let org = &goal.organization_id;
    referenced::<PlanPeriod>(
        conn,
        org,
        &goal.plan_period_id,
        "plan_period_id",
        is_new(before.map(|b| &b.plan_period_id), &goal.plan_period_id),
    )?;
    let perspective = referenced::<Perspective>(
        conn,
        org,
        &goal.perspective_id,
        "perspective_id",
        is_new(before.map(|b| &b.perspective_id), &goal.perspective_id),
    )?;
    if perspective.plan_period_id != goal.plan_period_id {
        return Err(AppError::invalid(
            "perspective_id",
            "the perspective belongs to another plan period",
        ));
    }
    units::require_kind(
        conn,
        org,
        &goal.owner_unit_id,
        "owner_unit_id",
        is_new(before.map(|b| &b.owner_unit_id), &goal.owner_unit_id),
        &[UnitKind::Council, UnitKind::Municipality],
    )?;
    let renumbered =
        before.is_none_or(|b| b.number != goal.number || b.plan_period_id != goal.plan_period_id);
    if renumbered {
        use crate::db::schema::goals::dsl as t;
        let taken: Option<Id> = t::goals
            .filter(t::organization_id.eq(org))
            .filter(t::plan_period_id.eq(&goal.plan_period_id))
            .filter(t::number.eq(goal.number))
            .filter(t::id.ne(&goal.id))
            .select(t::id)
            .first(&mut **conn)
            .optional()?;
        if let Some(other) = taken {
            return Err(AppError::conflict(
                "number",
                format!(
                    "goal number {} is already used in this plan period (by {other})",
                    goal.number
                ),
            ));
        }
    }
    Ok(())
}

/// A record that serves one goal (an activity, an indicator, a follow-up) names exactly one
/// overarching goal or department goal of the organization; a reference that is new or
/// changed may not point at an archived one. `links` are (goal_id, department_goal_id) now
/// and, for an update, before; `exactly_one` is the 422 message when it names both or neither.
pub fn check_goal_link(
    conn: &mut Tx,
    org: &Id,
    links: (Option<&Id>, Option<&Id>),
    before: Option<(Option<&Id>, Option<&Id>)>,
    exactly_one: &str,
) -> AppResult<()> {
    match links {
        (Some(goal), None) => {
            let new = is_new(before.and_then(|b| b.0), goal);
            referenced::<Goal>(conn, org, goal, "goal_id", new)?;
        }
        (None, Some(goal)) => {
            let new = is_new(before.and_then(|b| b.1), goal);
            referenced::<crate::store::department_goals::DepartmentGoal>(
                conn,
                org,
                goal,
                "department_goal_id",
                new,
            )?;
        }
        _ => return Err(AppError::invalid("goal_id", exactly_one)),
    }
    Ok(())
}
