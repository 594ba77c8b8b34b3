//! Department goals (förvaltningsmål, nämndmål): a board's breakdown of an overarching goal.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::department_goals;
use crate::db::types::{Id, TextList, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Kind;
use crate::store::goals::{Goal, GoalState};
use crate::store::units::{self, UnitKind};
use crate::store::Tx;
use crate::store::{is_new, referenced, PageRequest};
use crate::{impl_record, paged};

/// A department goal adopted by a board, linked to one overarching goal of the same plan period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = department_goals, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct DepartmentGoal {
    pub id: Id,
    pub organization_id: Id,
    /// The plan period, always the overarching goal's.
    pub plan_period_id: Id,
    /// The overarching goal this one breaks down.
    pub goal_id: Id,
    /// The board (nämnd) that owns the goal.
    pub owner_unit_id: Id,
    /// The goal's number among the board's goals in the plan period, from 1.
    #[schema(example = 1)]
    pub number: i32,
    #[schema(example = "Alla elever ska känna sig trygga i skolan.")]
    pub title: String,
    pub description: Option<String>,
    pub footnotes: TextList,
    #[schema(example = "BUN 2011-02-15 § 12")]
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

impl_record!(DepartmentGoal, department_goals, Kind::DepartmentGoal);

#[derive(Debug, Default)]
pub struct DepartmentGoalFilter {
    pub goal_id: Option<Id>,
    pub owner_unit_id: Option<Id>,
    pub plan_period_id: Option<Id>,
    pub state: Option<GoalState>,
}

pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    filter: &DepartmentGoalFilter,
    page: &PageRequest,
) -> QueryResult<Vec<DepartmentGoal>> {
    use crate::db::schema::department_goals::dsl as t;
    let mut query = t::department_goals
        .filter(t::organization_id.eq(org))
        .into_boxed();
    if let Some(goal) = &filter.goal_id {
        query = query.filter(t::goal_id.eq(goal.clone()));
    }
    if let Some(owner) = &filter.owner_unit_id {
        query = query.filter(t::owner_unit_id.eq(owner.clone()));
    }
    if let Some(plan_period) = &filter.plan_period_id {
        query = query.filter(t::plan_period_id.eq(plan_period.clone()));
    }
    if let Some(state) = filter.state {
        query = query.filter(t::state.eq(state));
    }
    paged!(query, t, page).load(conn)
}

/// All department goals of a plan period, by board and number.
pub fn of_plan_period(
    conn: &mut DbConnection,
    org: &Id,
    plan_period: &Id,
    include_archived: bool,
) -> QueryResult<Vec<DepartmentGoal>> {
    use crate::db::schema::department_goals::dsl as t;
    let mut query = t::department_goals
        .filter(t::organization_id.eq(org))
        .filter(t::plan_period_id.eq(plan_period))
        .into_boxed();
    if !include_archived {
        query = query.filter(t::archived_at.is_null());
    }
    query
        .order((t::owner_unit_id.asc(), t::number.asc()))
        .load(conn)
}

/// The overarching goal exists in this organization (its plan period becomes this goal's),
/// the owner is a board, and the number is free among the board's goals.
pub fn check(
    conn: &mut Tx,
    goal: &mut DepartmentGoal,
    before: Option<&DepartmentGoal>,
) -> AppResult<()> {
    let org = goal.organization_id.clone();
    let parent = referenced::<Goal>(
        conn,
        &org,
        &goal.goal_id,
        "goal_id",
        is_new(before.map(|b| &b.goal_id), &goal.goal_id),
    )?;
    goal.plan_period_id = parent.plan_period_id;
    units::require_kind(
        conn,
        &org,
        &goal.owner_unit_id,
        "owner_unit_id",
        is_new(before.map(|b| &b.owner_unit_id), &goal.owner_unit_id),
        &[UnitKind::Board],
    )?;
    let renumbered = before.is_none_or(|b| {
        b.number != goal.number
            || b.owner_unit_id != goal.owner_unit_id
            || b.plan_period_id != goal.plan_period_id
    });
    if renumbered {
        use crate::db::schema::department_goals::dsl as t;
        let taken: Option<Id> = t::department_goals
            .filter(t::organization_id.eq(&org))
            .filter(t::owner_unit_id.eq(&goal.owner_unit_id))
            .filter(t::plan_period_id.eq(&goal.plan_period_id))
            .filter(t::number.eq(goal.number))
            .filter(t::id.ne(&goal.id))
            .select(t::id)
            .first(&mut **conn)
            .optional()?;
        if let Some(other) = taken {
            return Err(AppError::conflict(
                "number",
                format!("the board already has a department goal number {} in this plan period ({other})", goal.number),
            ));
        }
    }
    Ok(())
}
