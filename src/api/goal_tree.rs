//! The goal tree of one plan period in one response: vision and purpose → perspectives →
//! overarching goals → department goals, each with its activities counted by status; on
//! request (`?expand=`) also their indicators, statuses, owners and the steering group, so
//! that a dashboard needs one request instead of one per goal.

use std::collections::HashMap;

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{AcceptEncoding, CommaList, NoCache, QueryParams};
use crate::api::revisions::as_in_force;
use crate::api::status::{Cycle, StatusReport, INTERNAL};
use crate::api::MAX_LIMIT;
use crate::auth::Caller;
use crate::db::types::Id;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Action;
use crate::rules::status::{GoalStatus, IndicatorStatus};
use crate::store::activities::{self, ActivityStatus};
use crate::store::contacts::{self, Contact, ContactFilter, ContactRole};
use crate::store::department_goals::{self, DepartmentGoal};
use crate::store::goals::{self, Goal};
use crate::store::indicators::{self, Indicator};
use crate::store::perspectives::{self, Perspective};
use crate::store::plan_periods::PlanPeriod;
use crate::store::units::{self, Unit};
use crate::store::visions::{self, Vision};
use crate::store::{PageRequest, Record, Store};
use crate::text_enum;

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

/// An indicator in the tree (`expand=indicators`): the indicator as `GET /indicators/{id}`
/// answers it, with its status when `expand=status` is asked for too.
#[derive(Debug, Serialize, ToSchema)]
pub struct TreeIndicator {
    #[serde(flatten)]
    pub indicator: Indicator,
    /// With `expand=status`: its status for the reporting period (its latest value on or
    /// before the period's last day against the targets decided for that day), with why.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status: Option<IndicatorStatus>,
}

/// A department goal in the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentGoalNode {
    pub department_goal: DepartmentGoal,
    pub activities: ActivityCounts,
    /// With `expand=owner`: the board that owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub owner_unit: Option<Unit>,
    /// With `expand=indicators`: its indicators (not archived), oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub indicators: Option<Vec<TreeIndicator>>,
    /// With `expand=status`: its status for the reporting period, as
    /// `GET /department-goals/{id}/status` gives it (without the parts repeated elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status: Option<GoalStatus>,
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
    /// With `expand=owner`: the council that owns it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub owner_unit: Option<Unit>,
    /// With `expand=indicators`: its own indicators (not archived), oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub indicators: Option<Vec<TreeIndicator>>,
    /// With `expand=status`: its status for the reporting period, rolled up from its
    /// indicators and department goals or overridden by an approved follow-up, as
    /// `GET /goals/{id}/status` gives it (without the parts repeated elsewhere).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status: Option<GoalStatus>,
}

/// A perspective with its goals in number order.
#[derive(Debug, Serialize, ToSchema)]
pub struct PerspectiveNode {
    pub perspective: Perspective,
    pub goals: Vec<GoalNode>,
    /// With `expand=contacts`: the steering group's responsible for this perspective.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub contacts: Option<Vec<Contact>>,
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
    /// With `expand=status`: the reporting period the statuses are for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub reporting_period_id: Option<Id>,
    /// With `expand=contacts`: the steering group's lead.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub contacts: Option<Vec<Contact>>,
}

text_enum! {
    /// What `expand=` adds to the goal tree.
    GoalTreeExpand {
        /// Each goal's and department goal's indicators, in `indicators`.
        Indicators => "indicators",
        /// Each goal's, department goal's and (with `indicators`) indicator's status for
        /// `reporting_period_id`, in `status`.
        Status => "status",
        /// The unit owning each goal and department goal, in `owner_unit`.
        Owner => "owner",
        /// The steering group: its lead in the tree's `contacts`, each perspective's
        /// responsible in the perspective's `contacts`.
        Contacts => "contacts",
    }
}

/// `?as_of=`, `?expand=` and `?reporting_period_id=` on the goal tree.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GoalTreeParams {
    /// Only the vision, goals and department goals in force on this day, as they read then
    /// (those with no adopted revision then are left out); activity counts are today's, with
    /// `overdue` judged against this day.
    pub as_of: Option<NaiveDate>,
    /// Related records to include, comma-separated (`expand=indicators,status`): `indicators`
    /// (each goal's and department goal's indicators, in `indicators`), `status` (each goal's,
    /// department goal's and, with `indicators`, indicator's status for `reporting_period_id`,
    /// in `status`), `owner` (the owning unit, in `owner_unit`), `contacts` (the steering
    /// group: its lead in the tree's `contacts`, each perspective's responsible in the
    /// perspective's). Each is loaded in one or two queries for the whole tree. Without it
    /// none of these members is present. An unknown name is 400.
    #[serde(default)]
    #[param(inline, value_type = Option<Vec<GoalTreeExpand>>, style = Form, explode = false)]
    pub expand: CommaList<GoalTreeExpand>,
    /// The reporting period the statuses of `expand=status` are for (its last day is the day
    /// values are taken up to); required with `expand=status` and only read with it. It must
    /// be of this plan period (422 otherwise).
    pub reporting_period_id: Option<Id>,
}

/// The goal tree of a plan period: vision → perspectives → goals → department goals → activity
/// counts; with `expand=` their indicators, statuses, owners and the steering group as well.
#[utoipa::path(
    tag = "goals",
    params(("id" = uuid::Uuid, Path, description = "The plan period's id"), GoalTreeParams, NoCache),
    responses(
        (status = 200, description = "The tree (archived records left out)", body = GoalTree),
        (status = 400, description = "The id is not a UUID, a bad `as_of`, an unknown `expand` name, or `reporting_period_id` missing with `expand=status` (or given without it)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan period, or no such reporting period for `expand=status`, in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The `reporting_period_id` is of another plan period", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/plan-periods/{id}/goal-tree")]
pub async fn get_goal_tree(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
    params: QueryParams<GoalTreeParams>,
    encoding: AcceptEncoding,
    no_cache: NoCache,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let org = caller.organization_id.clone();
    let plan_period_id = id.into_inner();
    let GoalTreeParams {
        as_of,
        expand,
        reporting_period_id,
    } = params.0;
    let status_period = match (
        expand.contains(&GoalTreeExpand::Status),
        reporting_period_id,
    ) {
        (true, Some(period)) => Some(period),
        (false, None) => None,
        (true, None) => {
            return Err(AppError::bad_request(
                "reporting_period_id",
                "is required with expand=status: the reporting period the statuses are for",
            ))
        }
        (false, Some(_)) => {
            return Err(AppError::bad_request(
                "reporting_period_id",
                "is only read with expand=status",
            ))
        }
    };
    let today = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let key = format!(
        "goal-tree/{plan_period_id}?as_of={as_of:?}&expand={expand:?}&status={status_period:?}"
    );
    let cache_org = org.clone();
    let tree = store.run(move |conn| {
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
            department_rows
                .sort_by(|a, b| (&a.owner_unit_id, a.number).cmp(&(&b.owner_unit_id, b.number)));
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
        let mut extra = Expansions::load(
            conn,
            &org,
            &expand,
            &plan_period_id,
            status_period.as_ref(),
            (&goal_rows, &department_rows),
        )?;
        let count_of = |id: &Id| counts.get(id).copied().unwrap_or_default();
        let mut department_by_goal: HashMap<Id, Vec<DepartmentGoalNode>> = HashMap::new();
        for department_goal in department_rows {
            let activities = count_of(department_goal.id());
            let node = DepartmentGoalNode {
                owner_unit: extra.owner_of(&department_goal.owner_unit_id),
                indicators: extra.indicators_of(&department_goal.id),
                status: extra.status_of(&department_goal.id),
                department_goal,
                activities,
            };
            department_by_goal
                .entry(node.department_goal.goal_id.clone())
                .or_default()
                .push(node);
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
                    owner_unit: extra.owner_of(&goal.owner_unit_id),
                    indicators: extra.indicators_of(&goal.id),
                    status: extra.status_of(&goal.id),
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
                PerspectiveNode {
                    contacts: extra.contacts_of(&perspective.id),
                    perspective,
                    goals,
                }
            })
            .collect();
        Ok(GoalTree {
            plan_period,
            vision,
            perspectives,
            as_of: today,
            reporting_period_id: status_period,
            contacts: extra.steering_group_lead.take(),
        })
    });
    store
        .cache
        .serve_json(&cache_org, &key, encoding, no_cache, tree)
        .await
}

/// What `expand=` asked for, loaded for the whole tree at once: a fixed number of queries
/// whatever the number of goals. Each part is `None` when not asked for.
#[derive(Default)]
struct Expansions {
    owners: Option<HashMap<Id, Unit>>,
    /// Indicators by the goal or department goal they measure.
    indicators: Option<HashMap<Id, Vec<Indicator>>>,
    /// Goal and department goal statuses by id, and indicator statuses by indicator id.
    statuses: Option<(HashMap<Id, GoalStatus>, HashMap<Id, IndicatorStatus>)>,
    /// Steering-group members by perspective.
    perspective_contacts: Option<HashMap<Id, Vec<Contact>>>,
    steering_group_lead: Option<Vec<Contact>>,
}

impl Expansions {
    fn load(
        conn: &mut DbConnection,
        org: &Id,
        expand: &CommaList<GoalTreeExpand>,
        plan_period: &Id,
        reporting_period: Option<&Id>,
        (goals, department_goals): (&[Goal], &[DepartmentGoal]),
    ) -> AppResult<Expansions> {
        let mut extra = Expansions::default();
        if expand.contains(&GoalTreeExpand::Owner) {
            let ids: Vec<Id> = goals
                .iter()
                .map(|g| g.owner_unit_id.clone())
                .chain(department_goals.iter().map(|g| g.owner_unit_id.clone()))
                .collect();
            let owners = units::by_ids(conn, org, &ids)?;
            extra.owners = Some(owners.into_iter().map(|u| (u.id.clone(), u)).collect());
        }
        if expand.contains(&GoalTreeExpand::Indicators) {
            let goal_ids: Vec<Id> = goals.iter().map(|g| g.id.clone()).collect();
            let department_ids: Vec<Id> = department_goals.iter().map(|g| g.id.clone()).collect();
            extra.indicators = Some(indicators_by_goal(conn, org, &goal_ids, &department_ids)?);
        }
        if let Some(period) = reporting_period {
            let cycle = Cycle::load(conn, org, period, INTERNAL)?;
            if &cycle.period.plan_period_id != plan_period {
                return Err(AppError::invalid(
                    "reporting_period_id",
                    format!(
                        "the reporting period {} is of another plan period",
                        cycle.period.name
                    ),
                ));
            }
            let mut goal_statuses = HashMap::new();
            let mut indicator_statuses = HashMap::new();
            let mut reports: Vec<StatusReport> =
                cycle.goals.iter().map(|g| cycle.goal_report(g)).collect();
            while let Some(report) = reports.pop() {
                for status in report.indicators {
                    indicator_statuses.insert(status.indicator_id.clone(), status);
                }
                reports.extend(report.department_goals);
                goal_statuses.insert(report.id, report.status);
            }
            extra.statuses = Some((goal_statuses, indicator_statuses));
        }
        if expand.contains(&GoalTreeExpand::Contacts) {
            let mut by_perspective: HashMap<Id, Vec<Contact>> = HashMap::new();
            for contact in contacts_in_role(conn, org, ContactRole::SteeringGroupMember)? {
                if let Some(perspective) = &contact.perspective_id {
                    by_perspective
                        .entry(perspective.clone())
                        .or_default()
                        .push(contact);
                }
            }
            extra.perspective_contacts = Some(by_perspective);
            extra.steering_group_lead =
                Some(contacts_in_role(conn, org, ContactRole::SteeringGroupLead)?);
        }
        Ok(extra)
    }

    fn owner_of(&self, unit: &Id) -> Option<Unit> {
        self.owners.as_ref()?.get(unit).cloned()
    }

    fn indicators_of(&mut self, goal: &Id) -> Option<Vec<TreeIndicator>> {
        let indicators = self.indicators.as_mut()?.remove(goal).unwrap_or_default();
        let statuses = self.statuses.as_ref().map(|(_, by_indicator)| by_indicator);
        Some(
            indicators
                .into_iter()
                .map(|indicator| TreeIndicator {
                    status: statuses.and_then(|s| s.get(&indicator.id).cloned()),
                    indicator,
                })
                .collect(),
        )
    }

    fn status_of(&self, goal: &Id) -> Option<GoalStatus> {
        self.statuses.as_ref()?.0.get(goal).cloned()
    }

    fn contacts_of(&mut self, perspective: &Id) -> Option<Vec<Contact>> {
        Some(
            self.perspective_contacts
                .as_mut()?
                .remove(perspective)
                .unwrap_or_default(),
        )
    }
}

/// The indicators (not archived) of these goals and department goals, by the one each
/// measures, oldest first: one query.
pub fn indicators_by_goal(
    conn: &mut DbConnection,
    org: &Id,
    goal_ids: &[Id],
    department_goal_ids: &[Id],
) -> AppResult<HashMap<Id, Vec<Indicator>>> {
    let mut by_goal: HashMap<Id, Vec<Indicator>> = HashMap::new();
    for indicator in indicators::of_goals(conn, org, goal_ids, department_goal_ids)? {
        if let Some(goal) = indicator
            .goal_id
            .as_ref()
            .or(indicator.department_goal_id.as_ref())
        {
            by_goal.entry(goal.clone()).or_default().push(indicator);
        }
    }
    Ok(by_goal)
}

/// Every contact (not archived) in a role, oldest first: the list read page by page, so
/// one query unless there are more than `MAX_LIMIT`.
pub fn contacts_in_role(
    conn: &mut DbConnection,
    org: &Id,
    role: ContactRole,
) -> AppResult<Vec<Contact>> {
    let filter = ContactFilter {
        role: Some(role),
        ..ContactFilter::default()
    };
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest {
            after,
            limit: MAX_LIMIT,
            include_archived: false,
        };
        let mut rows = contacts::list(conn, org, &filter, &page)?;
        let more = rows.len() as i64 > MAX_LIMIT;
        rows.truncate(MAX_LIMIT as usize);
        after = rows.last().map(|c| c.id.clone());
        all.extend(rows);
        if !more {
            return Ok(all);
        }
    }
}
