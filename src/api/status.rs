//! Status that explains itself, per reporting period: an indicator's, a goal's and a
//! department goal's traffic light with the rule and values behind it, an indicator's time
//! series, and the steering group's overview of the reporting cycle. The rules are in
//! `crate::rules::status`; this file loads what they need.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{AcceptEncoding, NoCache, QueryParams};
use crate::api::goal_tree::ActivityCounts;
use crate::api::indicators::{as_decided_on, decided_for, target_revisions};
use crate::auth::Caller;
use crate::db::types::Id;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Action;
use crate::rules::status::{self, GoalStatus, IndicatorStatus, Light, RollUpChild};
use crate::store::activities::{self, ActivityFacts};
use crate::store::department_goals::{self, DepartmentGoal};
use crate::store::follow_ups::{self, FollowUp, FollowUpState};
use crate::store::goals::{self, Goal, GoalState};
use crate::store::indicators::{self, Indicator, Target};
use crate::store::measurements::{self, Measurement};
use crate::store::perspectives;
use crate::store::reporting_periods::ReportingPeriod;
use crate::store::revisions::Revision;
use crate::store::units;
use crate::store::{Record, Store};

/// Which reporting period a status is for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatusParams {
    /// The reporting period; its last day is the day values are taken up to.
    pub reporting_period_id: Id,
}

/// Everything of a plan period the status rules read, for one reporting period.
pub struct Cycle {
    pub period: ReportingPeriod,
    pub goals: Vec<Goal>,
    pub department_goals: Vec<DepartmentGoal>,
    pub indicators: Vec<Indicator>,
    measurements: HashMap<Id, Vec<Measurement>>,
    pub follow_ups: Vec<FollowUp>,
    activities: Vec<ActivityFacts>,
    /// Which follow-ups may override a computed status: approved and published ones
    /// internally, published ones in the public view.
    overriding: &'static [FollowUpState],
}

impl Cycle {
    /// Loads the reporting period's plan period: goals and department goals that are not
    /// archived, their indicators and values, the period's follow-ups and the activities.
    pub fn load(
        conn: &mut DbConnection,
        org: &Id,
        reporting_period: &Id,
        overriding: &'static [FollowUpState],
    ) -> AppResult<Cycle> {
        let period = ReportingPeriod::find(conn, org, reporting_period)?
            .ok_or_else(|| AppError::not_found("reporting period"))?;
        // In the wording in force on the period's last day: a later revision does not reword
        // a report already given.
        let day = period.end_date;
        let goals = goals::of_plan_period(conn, org, &period.plan_period_id, false)?;
        let goals = crate::domain::revisions::worded_on(conn, org, goals, day)?;
        let department_goals =
            department_goals::of_plan_period(conn, org, &period.plan_period_id, false)?;
        let department_goals =
            crate::domain::revisions::worded_on(conn, org, department_goals, day)?;
        let goal_ids: Vec<Id> = goals.iter().map(|g| g.id.clone()).collect();
        let department_ids: Vec<Id> = department_goals.iter().map(|g| g.id.clone()).collect();
        // The targets decided for the period's last day: a later revision does not rewrite it.
        let indicators = indicators::of_goals(conn, org, &goal_ids, &department_ids)?;
        let adopted: Vec<&Id> = goals
            .iter()
            .filter(|g| g.state == GoalState::Adopted)
            .map(|g| &g.id)
            .chain(
                department_goals
                    .iter()
                    .filter(|g| g.state == GoalState::Adopted)
                    .map(|g| &g.id),
            )
            .collect();
        let governed = |i: &Indicator| {
            [&i.goal_id, &i.department_goal_id]
                .into_iter()
                .flatten()
                .any(|g| adopted.contains(&g))
        };
        let indicators = as_decided_on(conn, org, indicators, period.end_date, governed)?;
        let indicator_ids: Vec<Id> = indicators.iter().map(|i| i.id.clone()).collect();
        let mut by_indicator: HashMap<Id, Vec<Measurement>> = HashMap::new();
        for m in measurements::of_indicators(conn, org, &indicator_ids)? {
            by_indicator
                .entry(m.indicator_id.clone())
                .or_default()
                .push(m);
        }
        Ok(Cycle {
            follow_ups: follow_ups::of_reporting_period(conn, org, &period.id)?,
            activities: activities::facts_for_goals(conn, org, &goal_ids, &department_ids)?,
            period,
            goals,
            department_goals,
            indicators,
            measurements: by_indicator,
            overriding,
        })
    }

    /// Keeps only adopted goals and department goals and their indicators: what the public
    /// view shows.
    pub fn adopted_only(mut self) -> Cycle {
        self.goals.retain(|g| g.state == GoalState::Adopted);
        let goal_ids: Vec<Id> = self.goals.iter().map(|g| g.id.clone()).collect();
        self.department_goals
            .retain(|g| g.state == GoalState::Adopted && goal_ids.contains(&g.goal_id));
        let department_ids: Vec<Id> = self.department_goals.iter().map(|g| g.id.clone()).collect();
        self.indicators.retain(|i| {
            i.goal_id.as_ref().is_some_and(|g| goal_ids.contains(g))
                || i.department_goal_id
                    .as_ref()
                    .is_some_and(|g| department_ids.contains(g))
        });
        // A follow-up is public only with its goal: none of a draft, retired or archived one.
        self.follow_ups.retain(|f| {
            f.goal_id.as_ref().is_some_and(|g| goal_ids.contains(g))
                || f.department_goal_id
                    .as_ref()
                    .is_some_and(|g| department_ids.contains(g))
        });
        self
    }

    pub fn as_of(&self) -> NaiveDate {
        self.period.end_date
    }

    pub fn indicator_status(&self, indicator: &Indicator) -> IndicatorStatus {
        let values: Vec<&Measurement> = self
            .measurements
            .get(&indicator.id)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        status::indicator_status(indicator, &values, self.as_of())
    }

    fn indicators_of(&self, goal: Option<&Id>, department_goal: Option<&Id>) -> Vec<&Indicator> {
        self.indicators
            .iter()
            .filter(|i| {
                serves(
                    (i.goal_id.as_ref(), i.department_goal_id.as_ref()),
                    goal,
                    department_goal,
                )
            })
            .collect()
    }

    /// The follow-up whose assessment may override (rule G5): the most recently changed
    /// one in an overriding state.
    fn assessment_of(&self, goal: Option<&Id>, department_goal: Option<&Id>) -> Option<&FollowUp> {
        self.follow_ups
            .iter()
            .filter(|f| {
                self.overriding.contains(&f.state)
                    && serves(
                        (f.goal_id.as_ref(), f.department_goal_id.as_ref()),
                        goal,
                        department_goal,
                    )
            })
            .max_by_key(|f| f.updated_at.0)
    }

    fn indicator_children(
        &self,
        indicators: &[&Indicator],
    ) -> (Vec<IndicatorStatus>, Vec<RollUpChild>) {
        let statuses: Vec<IndicatorStatus> = indicators
            .iter()
            .map(|i| self.indicator_status(i))
            .collect();
        let children = statuses
            .iter()
            .map(|s| RollUpChild {
                kind: "indicator".into(),
                id: s.indicator_id.clone(),
                name: s.name.clone(),
                status: s.status,
                weight: s.weight,
                counted: false,
            })
            .collect();
        (statuses, children)
    }

    pub fn department_goal_report(&self, goal: &DepartmentGoal) -> StatusReport {
        let (indicators, children) =
            self.indicator_children(&self.indicators_of(None, Some(&goal.id)));
        let status = status::goal_status(children, self.assessment_of(None, Some(&goal.id)));
        StatusReport {
            id: goal.id.clone(),
            title: goal.title.clone(),
            reporting_period_id: self.period.id.clone(),
            as_of: self.as_of(),
            status,
            indicators,
            department_goals: Vec::new(),
            activities: self.activity_counts(&[&goal.id]),
        }
    }

    pub fn goal_report(&self, goal: &Goal) -> StatusReport {
        let (indicators, mut children) =
            self.indicator_children(&self.indicators_of(Some(&goal.id), None));
        let department_goals: Vec<StatusReport> = self
            .department_goals
            .iter()
            .filter(|d| d.goal_id == goal.id)
            .map(|d| self.department_goal_report(d))
            .collect();
        children.extend(department_goals.iter().map(|d| RollUpChild {
            kind: "department_goal".into(),
            id: d.id.clone(),
            name: d.title.clone(),
            status: d.status.status,
            weight: 1.0,
            counted: false,
        }));
        let status = status::goal_status(children, self.assessment_of(Some(&goal.id), None));
        let mut ids = vec![&goal.id];
        ids.extend(department_goals.iter().map(|d| &d.id));
        StatusReport {
            id: goal.id.clone(),
            title: goal.title.clone(),
            reporting_period_id: self.period.id.clone(),
            as_of: self.as_of(),
            status,
            activities: self.activity_counts(&ids),
            indicators,
            department_goals,
        }
    }

    /// Activities of these goals, counted by status (overdue judged on the period's last day).
    fn activity_counts(&self, goal_ids: &[&Id]) -> ActivityCounts {
        let mut counts = ActivityCounts::default();
        for (goal, department_goal, status, due) in &self.activities {
            let of = goal.as_ref().or(department_goal.as_ref());
            if of.is_some_and(|id| goal_ids.contains(&id)) {
                counts.add(*status, *due, self.as_of());
            }
        }
        counts
    }
}

/// Whether a record linked to (goal, department goal) serves the given goal or department
/// goal; an absent one matches nothing.
fn serves(
    link: (Option<&Id>, Option<&Id>),
    goal: Option<&Id>,
    department_goal: Option<&Id>,
) -> bool {
    (goal.is_some() && link.0 == goal) || (department_goal.is_some() && link.1 == department_goal)
}

/// A goal's or department goal's status for a reporting period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusReport {
    pub id: Id,
    pub title: String,
    pub reporting_period_id: Id,
    /// Values are taken up to this day: the reporting period's last day.
    pub as_of: NaiveDate,
    #[serde(flatten)]
    pub status: GoalStatus,
    /// Its indicators, each with its own status and why.
    pub indicators: Vec<IndicatorStatus>,
    /// For an overarching goal: its department goals, each with its status.
    #[schema(no_recursion)]
    pub department_goals: Vec<StatusReport>,
    /// Activity completion, a separate figure: it does not enter the status.
    pub activities: ActivityCounts,
}

/// The follow-ups whose assessment overrides a computed status in the internal reads.
pub const INTERNAL: &[FollowUpState] = &[FollowUpState::Approved, FollowUpState::Published];

/// An indicator's status for a reporting period: its latest value on or before the period's
/// last day against the targets that apply, with the rule and values.
#[utoipa::path(
    tag = "indicators",
    params(("id" = uuid::Uuid, Path, description = "The indicator's id"), StatusParams),
    responses(
        (status = 200, description = "The status and why", body = IndicatorStatus),
        (status = 400, description = "A bad id or parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such indicator or reporting period in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/indicators/{id}/status")]
pub async fn indicator_status(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
    params: QueryParams<StatusParams>,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let org = caller.organization_id.clone();
    let id = id.into_inner();
    let period_id = params.0.reporting_period_id;
    let report = store
        .run(move |conn| {
            let indicator = Indicator::find(conn, &org, &id)?
                .ok_or_else(|| AppError::not_found("indicator"))?;
            let period = ReportingPeriod::find(conn, &org, &period_id)?
                .ok_or_else(|| AppError::not_found("reporting period"))?;
            let revised = target_revisions(conn, &org, &indicator)?;
            let indicator = decided_for(&indicator, &revised, period.end_date)?;
            let values = measurements::of_indicators(conn, &org, std::slice::from_ref(&id))?;
            let values: Vec<&Measurement> = values.iter().collect();
            Ok(status::indicator_status(
                &indicator,
                &values,
                period.end_date,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// A goal's status for a reporting period: rolled up from its indicators and department
/// goals, overridden by an approved follow-up's assessment with analysis; with why.
#[utoipa::path(
    tag = "goals",
    params(("id" = uuid::Uuid, Path, description = "The goal's id"), StatusParams),
    responses(
        (status = 200, description = "The status and why", body = StatusReport),
        (status = 400, description = "A bad id or parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such goal or reporting period in the caller's organization, or the goal is not of the period's plan period", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/goals/{id}/status")]
pub async fn goal_status(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
    params: QueryParams<StatusParams>,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let org = caller.organization_id.clone();
    let id = id.into_inner();
    let period_id = params.0.reporting_period_id;
    let report = store
        .run(move |conn| {
            Goal::find(conn, &org, &id)?.ok_or_else(|| AppError::not_found("goal"))?;
            let cycle = Cycle::load(conn, &org, &period_id, INTERNAL)?;
            let goal = cycle.goals.iter().find(|g| g.id == id).ok_or_else(|| {
                AppError::NotFound(
                    "the goal is archived or not of the reporting period's plan period".into(),
                )
            })?;
            Ok(cycle.goal_report(goal))
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// A department goal's status for a reporting period, rolled up from its indicators; with why.
#[utoipa::path(
    tag = "department-goals",
    params(("id" = uuid::Uuid, Path, description = "The department goal's id"), StatusParams),
    responses(
        (status = 200, description = "The status and why", body = StatusReport),
        (status = 400, description = "A bad id or parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such department goal or reporting period in the caller's organization, or not of the period's plan period", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/department-goals/{id}/status")]
pub async fn department_goal_status(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
    params: QueryParams<StatusParams>,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let org = caller.organization_id.clone();
    let id = id.into_inner();
    let period_id = params.0.reporting_period_id;
    let report = store
        .run(move |conn| {
            DepartmentGoal::find(conn, &org, &id)?
                .ok_or_else(|| AppError::not_found("department goal"))?;
            let cycle = Cycle::load(conn, &org, &period_id, INTERNAL)?;
            let goal = cycle
                .department_goals
                .iter()
                .find(|g| g.id == id)
                .ok_or_else(|| {
                    AppError::NotFound(
                        "the department goal is archived or not of the reporting period's plan period".into(),
                    )
                })?;
            Ok(cycle.department_goal_report(goal))
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// One period of an indicator's time series.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesPoint {
    pub period: String,
    pub period_end: NaiveDate,
    /// An outcome, or the full-year forecast given during the year.
    pub kind: crate::store::measurements::MeasurementKind,
    pub value: Option<f64>,
    pub value_women: Option<f64>,
    pub value_men: Option<f64>,
    pub missing: bool,
    /// The targets that cover this period, as decided for its last day.
    pub targets: Vec<Target>,
}

/// An indicator's values over time with their targets.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorSeries {
    pub indicator: Indicator,
    /// Oldest period first.
    pub points: Vec<SeriesPoint>,
}

/// An indicator's time series: every value, oldest first, with the targets covering each period.
#[utoipa::path(
    tag = "indicators",
    params(("id" = uuid::Uuid, Path, description = "The indicator's id")),
    responses(
        (status = 200, description = "The series", body = IndicatorSeries),
        (status = 400, description = "A bad id", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such indicator in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/indicators/{id}/series")]
pub async fn indicator_series(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let org = caller.organization_id.clone();
    let id = id.into_inner();
    let series = store
        .run(move |conn| {
            let indicator = Indicator::find(conn, &org, &id)?
                .ok_or_else(|| AppError::not_found("indicator"))?;
            let values = measurements::of_indicators(conn, &org, std::slice::from_ref(&id))?;
            let revised = target_revisions(conn, &org, &indicator)?;
            series_of(indicator, values, &revised)
        })
        .await?;
    Ok(HttpResponse::Ok().json(series))
}

/// The series, each point with the targets decided for its period's last day.
pub fn series_of(
    indicator: Indicator,
    values: Vec<Measurement>,
    revised: &[Revision],
) -> AppResult<IndicatorSeries> {
    let points = values
        .into_iter()
        .map(|m| {
            let targets = decided_for(&indicator, revised, m.period_end)?
                .targets
                .items()
                .iter()
                .filter(|t| status::target_covers(t, m.period_start, m.period_end))
                .cloned()
                .collect();
            Ok(SeriesPoint {
                period: m.period,
                period_end: m.period_end,
                kind: m.kind,
                value: m.value,
                value_women: m.value_women,
                value_men: m.value_men,
                missing: m.missing,
                targets,
            })
        })
        .collect::<AppResult<_>>()?;
    Ok(IndicatorSeries { indicator, points })
}

/// Statuses counted.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct StatusCounts {
    pub green: u32,
    pub yellow: u32,
    pub red: u32,
    pub insufficient_data: u32,
}

impl StatusCounts {
    fn add(&mut self, light: Light) {
        match light {
            Light::Green => self.green += 1,
            Light::Yellow => self.yellow += 1,
            Light::Red => self.red += 1,
            Light::InsufficientData => self.insufficient_data += 1,
        }
    }
}

/// A follow-up the reporting period expects and has not had submitted.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingReport {
    /// `goal` or `department_goal`.
    pub kind: String,
    pub id: Id,
    pub title: String,
    /// The follow-up under way, if a draft exists.
    pub draft_follow_up_id: Option<Id>,
}

/// The follow-ups a unit still owes.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitMissing {
    pub unit_id: Id,
    pub unit_name: String,
    pub missing: Vec<MissingReport>,
}

/// Status counts for a group (a perspective's goals, a board's department goals).
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupCounts {
    pub id: Id,
    pub name: String,
    pub counts: StatusCounts,
}

/// A goal and its department goals with their statuses, in the overview's tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusNode {
    pub id: Id,
    pub number: i32,
    pub title: String,
    pub status: Light,
    pub computed_status: Light,
    #[schema(no_recursion)]
    pub department_goals: Vec<StatusNode>,
}

/// A perspective's goals with their statuses.
#[derive(Debug, Serialize, ToSchema)]
pub struct PerspectiveStatus {
    pub perspective_id: Id,
    pub name: String,
    pub goals: Vec<StatusNode>,
}

/// An indicator the steering group should look at.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlaggedIndicator {
    pub indicator_id: Id,
    pub name: String,
    /// `stale` (no value for longer than its update frequency) or `without_owner`.
    pub flag: String,
}

/// The reporting cycle at a glance, for the steering group.
#[derive(Debug, Serialize, ToSchema)]
pub struct CycleOverview {
    pub reporting_period: ReportingPeriod,
    /// Values are taken up to this day: the period's last day.
    pub as_of: NaiveDate,
    /// Adopted goals and department goals, each expecting a follow-up from its owner.
    pub expected_reports: u32,
    /// Of those, how many have a submitted (or further) follow-up.
    pub submitted_reports: u32,
    /// The deadline has passed with reports still missing.
    pub overdue: bool,
    /// Per owning unit, the follow-ups not yet submitted; empty when all are in.
    pub missing_by_unit: Vec<UnitMissing>,
    pub by_perspective: Vec<GroupCounts>,
    pub by_board: Vec<GroupCounts>,
    /// Perspectives → goals → department goals, with statuses.
    pub tree: Vec<PerspectiveStatus>,
    pub flagged_indicators: Vec<FlaggedIndicator>,
}

/// The reporting cycle for the steering group: who has not reported, status counts per
/// perspective and per board, the goal tree with statuses, and indicators to look at.
#[utoipa::path(
    tag = "reporting-periods",
    params(("id" = uuid::Uuid, Path, description = "The reporting period's id"), NoCache),
    responses(
        (status = 200, description = "The overview", body = CycleOverview),
        (status = 400, description = "A bad id", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reporting period in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/reporting-periods/{id}/overview")]
pub async fn cycle_overview(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
    encoding: AcceptEncoding,
    no_cache: NoCache,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let org = caller.organization_id.clone();
    let id = id.into_inner();
    let today = chrono::Utc::now().date_naive();
    let key = format!("reporting-periods/{id}/overview");
    let cache_org = org.clone();
    let overview = store.run(move |conn| {
        let cycle = Cycle::load(conn, &org, &id, INTERNAL)?;
        overview_of(conn, &org, cycle, today)
    });
    store
        .cache
        .serve_json(&cache_org, &key, encoding, no_cache, overview)
        .await
}

fn overview_of(
    conn: &mut DbConnection,
    org: &Id,
    cycle: Cycle,
    today: NaiveDate,
) -> AppResult<CycleOverview> {
    let adopted_goals: Vec<&Goal> = cycle
        .goals
        .iter()
        .filter(|g| g.state == GoalState::Adopted)
        .collect();
    let adopted_departments: Vec<&DepartmentGoal> = cycle
        .department_goals
        .iter()
        .filter(|g| g.state == GoalState::Adopted)
        .collect();
    let follow_up_of = |goal: Option<&Id>, department: Option<&Id>| {
        let of_it = |f: &&FollowUp| {
            serves(
                (f.goal_id.as_ref(), f.department_goal_id.as_ref()),
                goal,
                department,
            )
        };
        let submitted = cycle
            .follow_ups
            .iter()
            .filter(of_it)
            .any(|f| f.state.is_reported());
        let draft = cycle
            .follow_ups
            .iter()
            .filter(of_it)
            .find(|f| f.state == FollowUpState::Draft)
            .map(|f| f.id.clone());
        (submitted, draft)
    };
    let mut missing: BTreeMap<Id, Vec<MissingReport>> = BTreeMap::new();
    let mut submitted_reports = 0;
    let expected = adopted_goals
        .iter()
        .map(|g| ("goal", &g.id, &g.title, &g.owner_unit_id, Some(&g.id), None))
        .chain(adopted_departments.iter().map(|g| {
            (
                "department_goal",
                &g.id,
                &g.title,
                &g.owner_unit_id,
                None,
                Some(&g.id),
            )
        }));
    let mut expected_reports = 0;
    for (kind, id, title, owner, goal, department) in expected {
        expected_reports += 1;
        let (submitted, draft) = follow_up_of(goal, department);
        if submitted {
            submitted_reports += 1;
        } else {
            missing
                .entry(owner.clone())
                .or_default()
                .push(MissingReport {
                    kind: kind.into(),
                    id: id.clone(),
                    title: title.clone(),
                    draft_follow_up_id: draft,
                });
        }
    }
    let unit_ids: Vec<Id> = missing.keys().cloned().collect();
    let names: HashMap<Id, String> = units::by_ids(conn, org, &unit_ids)?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let missing_by_unit = missing
        .into_iter()
        .map(|(unit_id, missing)| UnitMissing {
            unit_name: names.get(&unit_id).cloned().unwrap_or_default(),
            unit_id,
            missing,
        })
        .collect::<Vec<_>>();

    let reports: Vec<StatusReport> = cycle.goals.iter().map(|g| cycle.goal_report(g)).collect();
    let mut by_board: BTreeMap<Id, StatusCounts> = BTreeMap::new();
    for department in &cycle.department_goals {
        let report = reports
            .iter()
            .flat_map(|r| &r.department_goals)
            .find(|r| r.id == department.id);
        if let Some(report) = report {
            by_board
                .entry(department.owner_unit_id.clone())
                .or_default()
                .add(report.status.status);
        }
    }
    let board_ids: Vec<Id> = by_board.keys().cloned().collect();
    let board_names: HashMap<Id, String> = units::by_ids(conn, org, &board_ids)?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let by_board = by_board
        .into_iter()
        .map(|(id, counts)| GroupCounts {
            name: board_names.get(&id).cloned().unwrap_or_default(),
            id,
            counts,
        })
        .collect();

    let mut by_perspective = Vec::new();
    let mut tree = Vec::new();
    for perspective in perspectives::of_plan_period(conn, org, &cycle.period.plan_period_id)? {
        let mut counts = StatusCounts::default();
        let mut goals = Vec::new();
        for (goal, report) in cycle.goals.iter().zip(&reports) {
            if goal.perspective_id != perspective.id {
                continue;
            }
            counts.add(report.status.status);
            let department_goals = cycle
                .department_goals
                .iter()
                .filter_map(|d| {
                    let r = report.department_goals.iter().find(|r| r.id == d.id)?;
                    Some(StatusNode {
                        id: d.id.clone(),
                        number: d.number,
                        title: d.title.clone(),
                        status: r.status.status,
                        computed_status: r.status.computed_status,
                        department_goals: Vec::new(),
                    })
                })
                .collect();
            goals.push(StatusNode {
                id: goal.id.clone(),
                number: goal.number,
                title: goal.title.clone(),
                status: report.status.status,
                computed_status: report.status.computed_status,
                department_goals,
            });
        }
        by_perspective.push(GroupCounts {
            id: perspective.id.clone(),
            name: perspective.name.clone(),
            counts,
        });
        tree.push(PerspectiveStatus {
            perspective_id: perspective.id,
            name: perspective.name,
            goals,
        });
    }

    let mut flagged_indicators = Vec::new();
    for indicator in &cycle.indicators {
        let status = cycle.indicator_status(indicator);
        for (flag, raised) in [
            ("stale", status.stale),
            ("without_owner", status.without_owner),
        ] {
            if raised {
                flagged_indicators.push(FlaggedIndicator {
                    indicator_id: indicator.id.clone(),
                    name: indicator.name.clone(),
                    flag: flag.into(),
                });
            }
        }
    }
    let overdue =
        !missing_by_unit.is_empty() && cycle.period.follow_up_deadline.is_some_and(|d| d < today);
    Ok(CycleOverview {
        as_of: cycle.as_of(),
        reporting_period: cycle.period,
        expected_reports,
        submitted_reports,
        overdue,
        missing_by_unit,
        by_perspective,
        by_board,
        tree,
        flagged_indicators,
    })
}
