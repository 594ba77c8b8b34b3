//! Rolling a plan period over into the next: a new plan period with copies of the old one's
//! goal model as drafts, each naming the record it was copied from (`predecessor_id`).
//!
//! What is copied: the vision, the perspectives, the goals and department goals, their
//! indicators (targets and baseline as they were) and their open activities (planned or in
//! progress). What stays behind: anything archived or retired, with everything under it
//! (a goal whose perspective stays behind stays too), and whatever an archived unit owns; an
//! indicator whose owner unit is archived is copied without an owner. Measurements,
//! follow-ups, reporting periods and done or cancelled activities are the old period's
//! history and are not copied. Copies are drafts without a decision, so they have no
//! revisions, and have no external id (external ids are unique in the organization).

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::domain::write::Writer;
use crate::error::{AppError, AppResult, FieldError};
use crate::store::activities::{self, Activity};
use crate::store::department_goals::{self, DepartmentGoal};
use crate::store::goals::{self, Goal, GoalState};
use crate::store::indicators::{self, Indicator};
use crate::store::perspectives::{self, Perspective};
use crate::store::plan_periods::{self, PlanPeriod};
use crate::store::visions::{self, Vision};
use crate::store::Tx;
use crate::store::{units, Record};

/// How many records of each kind a roll-over copied.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct RollOverCounts {
    pub visions: u32,
    pub perspectives: u32,
    pub goals: u32,
    pub department_goals: u32,
    pub indicators: u32,
    pub activities: u32,
}

/// What a roll-over made.
#[derive(Debug, Serialize, ToSchema)]
pub struct RollOver {
    /// The new plan period.
    pub plan_period: PlanPeriod,
    /// The plan period that was rolled over (unchanged).
    pub source_plan_period_id: Id,
    pub copied: RollOverCounts,
    /// Each copy's id by the id of the record it was copied from, all kinds in one map.
    #[schema(value_type = BTreeMap<String, Id>)]
    pub ids: BTreeMap<Id, Id>,
}

/// Writes the copies: each inserted, audited as a create, and remembered by its predecessor.
struct Copier<'a> {
    writer: &'a Writer,
    now: UtcTime,
    ids: BTreeMap<Id, Id>,
    counts: RollOverCounts,
}

impl Copier<'_> {
    fn write<R: Record>(&mut self, conn: &mut Tx, predecessor: &Id, copy: &R) -> AppResult<()> {
        self.writer.insert(conn, copy)?;
        self.ids.insert(predecessor.clone(), copy.id().clone());
        Ok(())
    }

    /// The copy of a record, if it was copied.
    fn copy_of(&self, predecessor: &Id) -> Option<Id> {
        self.ids.get(predecessor).cloned()
    }
}

/// Creates `successor` (validated as a new plan period) and copies `source`'s goal model
/// into it, in the caller's transaction.
pub fn roll_over(
    conn: &mut Tx,
    writer: &Writer,
    source: &PlanPeriod,
    successor: PlanPeriod,
) -> AppResult<RollOver> {
    let org = source.organization_id.clone();
    check_successor(conn, source, &successor)?;
    writer.insert(conn, &successor)?;
    let now = successor.created_at;
    let period = successor.id.clone();
    let archived_units = units::archived_ids(conn, &org)?;
    let mut copier = Copier {
        writer,
        now,
        ids: BTreeMap::new(),
        counts: RollOverCounts::default(),
    };

    if let Some(vision) = visions::for_plan_period(conn, &org, &source.id)?
        .filter(|v| v.archived_at.is_none() && v.state != GoalState::Retired)
    {
        let copy = Vision {
            id: Id::new(),
            plan_period_id: period.clone(),
            decision_reference: None,
            decided_on: None,
            decided_by_unit_id: None,
            state: GoalState::Draft,
            predecessor_id: Some(vision.id.clone()),
            external_id: None,
            archived_at: None,
            created_at: copier.now,
            updated_at: copier.now,
            version: 1,
            ..vision.clone()
        };
        copier.write(conn, &vision.id, &copy)?;
        copier.counts.visions += 1;
    }

    for perspective in perspectives::of_plan_period(conn, &org, &source.id)? {
        let copy = Perspective {
            id: Id::new(),
            plan_period_id: period.clone(),
            predecessor_id: Some(perspective.id.clone()),
            external_id: None,
            archived_at: None,
            created_at: copier.now,
            updated_at: copier.now,
            version: 1,
            ..perspective.clone()
        };
        copier.write(conn, &perspective.id, &copy)?;
        copier.counts.perspectives += 1;
    }

    let mut goal_ids = Vec::new();
    for goal in goals::of_plan_period(conn, &org, &source.id, false)? {
        let Some(perspective) = copier.copy_of(&goal.perspective_id) else {
            continue;
        };
        if goal.state == GoalState::Retired || archived_units.contains(&goal.owner_unit_id) {
            continue;
        }
        let copy = Goal {
            id: Id::new(),
            plan_period_id: period.clone(),
            perspective_id: perspective,
            decision_reference: None,
            decided_on: None,
            decided_by_unit_id: None,
            state: GoalState::Draft,
            predecessor_id: Some(goal.id.clone()),
            external_id: None,
            archived_at: None,
            created_at: copier.now,
            updated_at: copier.now,
            version: 1,
            ..goal.clone()
        };
        copier.write(conn, &goal.id, &copy)?;
        copier.counts.goals += 1;
        goal_ids.push(goal.id);
    }

    let mut department_goal_ids = Vec::new();
    for goal in department_goals::of_plan_period(conn, &org, &source.id, false)? {
        let Some(parent) = copier.copy_of(&goal.goal_id) else {
            continue;
        };
        if goal.state == GoalState::Retired || archived_units.contains(&goal.owner_unit_id) {
            continue;
        }
        let copy = DepartmentGoal {
            id: Id::new(),
            plan_period_id: period.clone(),
            goal_id: parent,
            decision_reference: None,
            decided_on: None,
            decided_by_unit_id: None,
            state: GoalState::Draft,
            predecessor_id: Some(goal.id.clone()),
            external_id: None,
            archived_at: None,
            created_at: copier.now,
            updated_at: copier.now,
            version: 1,
            ..goal.clone()
        };
        copier.write(conn, &goal.id, &copy)?;
        copier.counts.department_goals += 1;
        department_goal_ids.push(goal.id);
    }

    for indicator in indicators::of_goals(conn, &org, &goal_ids, &department_goal_ids)? {
        let copy = Indicator {
            id: Id::new(),
            goal_id: indicator.goal_id.as_ref().and_then(|g| copier.copy_of(g)),
            department_goal_id: indicator
                .department_goal_id
                .as_ref()
                .and_then(|g| copier.copy_of(g)),
            owner_unit_id: indicator
                .owner_unit_id
                .clone()
                .filter(|unit| !archived_units.contains(unit)),
            predecessor_id: Some(indicator.id.clone()),
            external_id: None,
            archived_at: None,
            created_at: copier.now,
            updated_at: copier.now,
            version: 1,
            ..indicator.clone()
        };
        copier.write(conn, &indicator.id, &copy)?;
        copier.counts.indicators += 1;
    }

    for activity in activities::open_of_goals(conn, &org, &goal_ids, &department_goal_ids)? {
        if archived_units.contains(&activity.team_id) {
            continue;
        }
        let copy = Activity {
            id: Id::new(),
            goal_id: activity.goal_id.as_ref().and_then(|g| copier.copy_of(g)),
            department_goal_id: activity
                .department_goal_id
                .as_ref()
                .and_then(|g| copier.copy_of(g)),
            predecessor_id: Some(activity.id.clone()),
            external_id: None,
            archived_at: None,
            created_at: copier.now,
            updated_at: copier.now,
            version: 1,
            ..activity.clone()
        };
        copier.write(conn, &activity.id, &copy)?;
        copier.counts.activities += 1;
    }

    Ok(RollOver {
        plan_period: successor,
        source_plan_period_id: source.id.clone(),
        copied: copier.counts,
        ids: copier.ids,
    })
}

/// The successor comes after the source and overlaps no plan period that is not archived
/// (422 naming the dates), and its name is not another's (409).
fn check_successor(
    conn: &mut DbConnection,
    source: &PlanPeriod,
    successor: &PlanPeriod,
) -> AppResult<()> {
    if successor.start_date <= source.end_date {
        return Err(AppError::invalid(
            "start_date",
            format!(
                "must be after the end of the plan period rolled over ({}, ending {})",
                source.name, source.end_date
            ),
        ));
    }
    let others = plan_periods::not_archived(conn, &source.organization_id)?;
    if let Some(other) = others
        .iter()
        .find(|p| p.start_date <= successor.end_date && successor.start_date <= p.end_date)
    {
        let message = format!(
            "overlaps the plan period {} ({} – {})",
            other.name, other.start_date, other.end_date
        );
        return Err(AppError::Unprocessable {
            detail: format!("the new plan period {message}"),
            errors: vec![
                FieldError::new("start_date", &message),
                FieldError::new("end_date", &message),
            ],
        });
    }
    let name = successor.name.to_lowercase();
    if let Some(other) = others.iter().find(|p| p.name.to_lowercase() == name) {
        return Err(AppError::conflict(
            "name",
            format!(
                "the plan period {} ({} – {}) already has this name",
                other.id, other.start_date, other.end_date
            ),
        ));
    }
    Ok(())
}
