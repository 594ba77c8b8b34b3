//! The goal tree of one plan period in one response: vision and purpose → perspectives →
//! overarching goals → department goals, each with its activities counted by status.

use std::collections::HashMap;

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::QueryParams;
use crate::api::revisions::as_in_force;
use crate::auth::Caller;
use crate::db::types::Id;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Action;
use crate::store::activities::{self, ActivityStatus};
use crate::store::department_goals::{self, DepartmentGoal};
use crate::store::goals::{self, Goal};
use crate::store::perspectives::{self, Perspective};
use crate::store::plan_periods::PlanPeriod;
use crate::store::visions::{self, Vision};
use crate::store::{Record, Store};

/// Activities counted by status; `overdue` counts open ones past their due date.
#[derive(Debug, Default, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
pub struct ActivityCounts {
    pub planned: u32,
    pub in_progress: u32,
    pub done: u32,
    pub cancelled: u32,
    pub overdue: u32,
    pub total: u32,
}

impl ActivityCounts {
    pub fn add(&mut self, status: ActivityStatus, due: Option<NaiveDate>, today: NaiveDate) {
        match status {
            ActivityStatus::Planned => self.planned += 1,
            ActivityStatus::InProgress => self.in_progress += 1,
            ActivityStatus::Done => self.done += 1,
            ActivityStatus::Cancelled => self.cancelled += 1,
        }
        if status.is_open() && due.is_some_and(|d| d < today) {
            self.overdue += 1;
        }
        self.total += 1;
    }

    fn plus(mut self, other: &ActivityCounts) -> ActivityCounts {
        self.planned += other.planned;
        self.in_progress += other.in_progress;
        self.done += other.done;
        self.cancelled += other.cancelled;
        self.overdue += other.overdue;
        self.total += other.total;
        self
    }
}

/// A department goal in the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentGoalNode {
    pub department_goal: DepartmentGoal,
    pub activities: ActivityCounts,
}

/// An overarching goal in the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoalNode {
    pub goal: Goal,
    /// Activities linked directly to the goal.
    pub activities: ActivityCounts,
    /// Direct activities plus those of its department goals.
    pub activities_with_department_goals: ActivityCounts,
    pub department_goals: Vec<DepartmentGoalNode>,
}

/// A perspective with its goals in number order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PerspectiveNode {
    pub perspective: Perspective,
    pub goals: Vec<GoalNode>,
}

/// The whole goal tree of a plan period.
#[derive(Debug, Serialize, ToSchema)]
pub struct GoalTree {
    pub plan_period: PlanPeriod,
    /// The vision and purpose (with `as_of`, as in force that day); null when there is none.
    pub vision: Option<Vision>,
    pub perspectives: Vec<PerspectiveNode>,
    /// The day `overdue` was judged against: today, or the `as_of` asked for.
    pub as_of: NaiveDate,
}

/// `?as_of=` on the goal tree.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GoalTreeParams {
    /// Only the vision, goals and department goals in force on this day, as they read then
    /// (those with no adopted revision then are left out); activity counts are today's, with
    /// `overdue` judged against this day.
    pub as_of: Option<NaiveDate>,
}

/// The goal tree of a plan period: vision → perspectives → goals → department goals → activity counts.
#[utoipa::path(
    tag = "goals",
    params(("id" = uuid::Uuid, Path, description = "The plan period's id"), GoalTreeParams),
    responses(
        (status = 200, description = "The tree (archived records left out)", body = GoalTree),
        (status = 400, description = "The id is not a UUID, or a bad `as_of`", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is not reachable; retry shortly", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan period in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/plan-periods/{id}/goal-tree")]
pub async fn get_goal_tree(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
    params: QueryParams<GoalTreeParams>,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let org = caller.organization_id.clone();
    let plan_period_id = id.into_inner();
    let as_of = params.0.as_of;
    let today = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let tree = store
        .run(move |conn| {
            let plan_period = PlanPeriod::find(conn, &org, &plan_period_id)?
                .ok_or_else(|| AppError::not_found("plan period"))?;
            let mut vision = visions::for_plan_period(conn, &org, &plan_period_id)?
                .filter(|v| v.archived_at.is_none());
            let perspective_rows = perspectives::of_plan_period(conn, &org, &plan_period_id)?;
            let mut goal_rows = goals::of_plan_period(conn, &org, &plan_period_id, false)?;
            let mut department_rows =
                department_goals::of_plan_period(conn, &org, &plan_period_id, false)?;
            if let Some(day) = as_of {
                vision = as_in_force(conn, &org, vision.into_iter().collect(), day)?.pop();
                goal_rows = as_in_force(conn, &org, goal_rows, day)?;
                goal_rows.sort_by_key(|g| g.number);
                department_rows = as_in_force(conn, &org, department_rows, day)?;
                department_rows.sort_by(|a, b| {
                    (&a.owner_unit_id, a.number).cmp(&(&b.owner_unit_id, b.number))
                });
            }
            let goal_ids: Vec<Id> = goal_rows.iter().map(|g| g.id.clone()).collect();
            let department_ids: Vec<Id> = department_rows.iter().map(|g| g.id.clone()).collect();
            let mut counts: HashMap<Id, ActivityCounts> = HashMap::new();
            for (goal, department_goal, status, due) in
                activities::facts_for_goals(conn, &org, &goal_ids, &department_ids)?
            {
                if let Some(key) = goal.or(department_goal) {
                    counts.entry(key).or_default().add(status, due, today);
                }
            }
            let count_of = |id: &Id| counts.get(id).copied().unwrap_or_default();
            let mut department_by_goal: HashMap<Id, Vec<DepartmentGoalNode>> = HashMap::new();
            for department_goal in department_rows {
                let activities = count_of(department_goal.id());
                department_by_goal
                    .entry(department_goal.goal_id.clone())
                    .or_default()
                    .push(DepartmentGoalNode {
                        department_goal,
                        activities,
                    });
            }
            let mut goals_by_perspective: HashMap<Id, Vec<GoalNode>> = HashMap::new();
            for goal in goal_rows {
                let department_goals = department_by_goal.remove(&goal.id).unwrap_or_default();
                let activities = count_of(&goal.id);
                let activities_with_department_goals = department_goals
                    .iter()
                    .fold(activities, |sum, node| sum.plus(&node.activities));
                goals_by_perspective
                    .entry(goal.perspective_id.clone())
                    .or_default()
                    .push(GoalNode {
                        goal,
                        activities,
                        activities_with_department_goals,
                        department_goals,
                    });
            }
            let perspectives = perspective_rows
                .into_iter()
                .map(|perspective| {
                    let goals = goals_by_perspective
                        .remove(&perspective.id)
                        .unwrap_or_default();
                    PerspectiveNode { perspective, goals }
                })
                .collect();
            Ok(GoalTree {
                plan_period,
                vision,
                perspectives,
                as_of: today,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(tree))
}
