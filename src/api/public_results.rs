//! The public view of the follow-up: indicators with their values and targets, and per
//! reporting period the statuses and the published follow-ups. As in `public`: adopted goals
//! only, never drafts, never people's names (who recorded a value, who wrote a follow-up),
//! never internal notes; cached with an `ETag`.

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::extract::{AcceptEncoding, IfNoneMatch, QueryParams};
use crate::api::public::{answer, plan_period, PublicPlanPeriod, PublicPlanPeriodParams};
use crate::api::status::{Cycle, StatusReport};
use crate::db::types::{Id, UtcTime};
use crate::error::{AppError, AppResult};
use crate::store::follow_ups::{Assessment, FollowUpState};
use crate::store::goals::GoalState;
use crate::store::indicators::{Direction, Source, Target, UpdateFrequency};
use crate::store::measurements;
use crate::store::reporting_periods::{self, ReportingPeriod, ReportingPeriodKind};
use crate::store::{Record, Store};

/// A measured value as the public sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicValue {
    #[schema(example = "2011")]
    pub period: String,
    /// An outcome, or the full-year forecast given during the year.
    pub kind: crate::store::measurements::MeasurementKind,
    pub value: Option<f64>,
    pub value_women: Option<f64>,
    pub value_men: Option<f64>,
    /// No value exists for the period: not zero.
    pub missing: bool,
}

/// An indicator of an adopted goal, with its values oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicIndicator {
    pub id: Id,
    pub goal_id: Option<Id>,
    pub department_goal_id: Option<Id>,
    pub name: String,
    pub description: Option<String>,
    pub unit_of_measure: String,
    pub direction: Direction,
    pub baseline_value: Option<f64>,
    pub baseline_period: Option<String>,
    pub targets: Vec<Target>,
    pub source: Source,
    pub kolada_kpi: Option<String>,
    pub update_frequency: UpdateFrequency,
    pub values: Vec<PublicValue>,
}

/// The indicators of a plan period's adopted goals.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicIndicatorList {
    pub plan_period: PublicPlanPeriod,
    pub indicators: Vec<PublicIndicator>,
}

/// A reporting period as the public sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicReportingPeriod {
    pub id: Id,
    pub kind: ReportingPeriodKind,
    #[schema(example = "Årsredovisning 2011")]
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

impl From<ReportingPeriod> for PublicReportingPeriod {
    fn from(p: ReportingPeriod) -> Self {
        PublicReportingPeriod {
            id: p.id,
            kind: p.kind,
            name: p.name,
            start_date: p.start_date,
            end_date: p.end_date,
        }
    }
}

/// The reporting periods of a plan period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicReportingPeriodList {
    pub plan_period: PublicPlanPeriod,
    pub reporting_periods: Vec<PublicReportingPeriod>,
}

/// A published follow-up: the assessment and analysis, not who wrote it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicFollowUp {
    pub id: Id,
    pub goal_id: Option<Id>,
    pub department_goal_id: Option<Id>,
    pub assessment: Assessment,
    pub analysis: Option<String>,
    pub planned_measures: Option<String>,
    pub proposed_revision: Option<String>,
    pub published_at: Option<UtcTime>,
}

/// How it went in a reporting period: each adopted goal's status (with why; only published
/// follow-ups override the computed one) and the published follow-ups.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicResults {
    pub reporting_period: PublicReportingPeriod,
    pub goals: Vec<StatusReport>,
    pub follow_ups: Vec<PublicFollowUp>,
}

const PUBLISHED: &[FollowUpState] = &[FollowUpState::Published];

/// The indicators of the adopted goals and department goals of a plan period, with their values.
#[utoipa::path(
    tag = "public",
    params(
        ("municipality_code" = String, Path, description = "The municipality code (kommunkod), four digits", example = "0683", format = "text:municipality"),
        PublicPlanPeriodParams,
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before; when it still matches the answer is 304"),
    ),
    responses(
        (status = 200, description = "The indicators", body = PublicIndicatorList, headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`; no body", headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 400, description = "A bad query parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No municipality with that code, or no such public plan period", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/public/{municipality_code}/indicators")]
pub async fn list_public_indicators(
    store: web::Data<Store>,
    code: web::Path<String>,
    params: QueryParams<PublicPlanPeriodParams>,
    if_none_match: IfNoneMatch,
    encoding: AcceptEncoding,
) -> AppResult<HttpResponse> {
    let requested = params.0.plan_period_id;
    answer(
        &store,
        code.into_inner(),
        format!("indicators?{requested:?}"),
        &if_none_match,
        encoding,
        move |conn, org| {
            let period = plan_period(conn, &org.id, requested)?;
            let goals = crate::store::goals::of_plan_period(conn, &org.id, &period.id, false)?;
            let departments =
                crate::store::department_goals::of_plan_period(conn, &org.id, &period.id, false)?;
            let goal_ids: Vec<Id> = goals
                .into_iter()
                .filter(|g| g.state == GoalState::Adopted)
                .map(|g| g.id)
                .collect();
            let department_ids: Vec<Id> = departments
                .into_iter()
                .filter(|g| g.state == GoalState::Adopted)
                .map(|g| g.id)
                .collect();
            let indicators =
                crate::store::indicators::of_goals(conn, &org.id, &goal_ids, &department_ids)?;
            // Every goal here is adopted: its drafts (no decision yet) are not public.
            let today = chrono::Utc::now().date_naive();
            let indicators =
                crate::api::indicators::as_decided_on(conn, &org.id, indicators, today, |_| true)?;
            let ids: Vec<Id> = indicators.iter().map(|i| i.id.clone()).collect();
            let mut values = measurements::of_indicators(conn, &org.id, &ids)?;
            let indicators = indicators
                .into_iter()
                .map(|i| {
                    let (mine, rest): (Vec<_>, Vec<_>) =
                        values.drain(..).partition(|m| m.indicator_id == i.id);
                    values = rest;
                    PublicIndicator {
                        values: mine
                            .into_iter()
                            .map(|m| PublicValue {
                                period: m.period,
                                kind: m.kind,
                                value: m.value,
                                value_women: m.value_women,
                                value_men: m.value_men,
                                missing: m.missing,
                            })
                            .collect(),
                        id: i.id,
                        goal_id: i.goal_id,
                        department_goal_id: i.department_goal_id,
                        name: i.name,
                        description: i.description,
                        unit_of_measure: i.unit_of_measure,
                        direction: i.direction,
                        baseline_value: i.baseline_value,
                        baseline_period: i.baseline_period,
                        targets: i.targets.items().to_vec(),
                        source: i.source,
                        kolada_kpi: i.kolada_kpi,
                        update_frequency: i.update_frequency,
                    }
                })
                .collect();
            Ok(PublicIndicatorList {
                plan_period: period.into(),
                indicators,
            })
        },
    )
    .await
}

/// The reporting periods of a plan period.
#[utoipa::path(
    tag = "public",
    params(
        ("municipality_code" = String, Path, description = "The municipality code (kommunkod), four digits", example = "0683", format = "text:municipality"),
        PublicPlanPeriodParams,
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before; when it still matches the answer is 304"),
    ),
    responses(
        (status = 200, description = "The reporting periods by start date", body = PublicReportingPeriodList, headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`; no body", headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 400, description = "A bad query parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No municipality with that code, or no such public plan period", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/public/{municipality_code}/reporting-periods")]
pub async fn list_public_reporting_periods(
    store: web::Data<Store>,
    code: web::Path<String>,
    params: QueryParams<PublicPlanPeriodParams>,
    if_none_match: IfNoneMatch,
    encoding: AcceptEncoding,
) -> AppResult<HttpResponse> {
    let requested = params.0.plan_period_id;
    answer(
        &store,
        code.into_inner(),
        format!("reporting-periods?{requested:?}"),
        &if_none_match,
        encoding,
        move |conn, org| {
            let period = plan_period(conn, &org.id, requested)?;
            let mut rows = reporting_periods::of_plan_period(conn, &org.id, &period.id)?;
            rows.sort_by_key(|p| (p.start_date, p.end_date));
            Ok(PublicReportingPeriodList {
                plan_period: period.into(),
                reporting_periods: rows.into_iter().map(Into::into).collect(),
            })
        },
    )
    .await
}

/// How it went in a reporting period: the adopted goals' statuses with why, and the
/// published follow-ups. Only published follow-ups override a computed status.
#[utoipa::path(
    tag = "public",
    params(
        ("municipality_code" = String, Path, description = "The municipality code (kommunkod), four digits", example = "0683", format = "text:municipality"),
        ("id" = uuid::Uuid, Path, description = "The reporting period's id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before; when it still matches the answer is 304"),
    ),
    responses(
        (status = 200, description = "The results", body = PublicResults, headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`; no body", headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 400, description = "The id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No municipality with that code, or no such reporting period of a public plan period", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/public/{municipality_code}/reporting-periods/{id}/results")]
pub async fn get_public_results(
    store: web::Data<Store>,
    path: web::Path<(String, Id)>,
    if_none_match: IfNoneMatch,
    encoding: AcceptEncoding,
) -> AppResult<HttpResponse> {
    let (code, id) = path.into_inner();
    answer(
        &store,
        code,
        format!("reporting-periods/{id}/results"),
        &if_none_match,
        encoding,
        move |conn, org| {
            let not_found = || AppError::NotFound("no such reporting period here".into());
            let period = ReportingPeriod::find(conn, &org.id, &id)?
                .filter(|p| p.archived_at.is_none())
                .ok_or_else(not_found)?;
            // The reporting period's plan period must itself be public.
            plan_period(conn, &org.id, Some(period.plan_period_id.clone()))
                .map_err(|_| not_found())?;
            let cycle = Cycle::load(conn, &org.id, &period.id, PUBLISHED)?.adopted_only();
            let goals = cycle.goals.iter().map(|g| cycle.goal_report(g)).collect();
            let follow_ups = cycle
                .follow_ups
                .iter()
                .filter(|f| f.state == FollowUpState::Published)
                .map(|f| PublicFollowUp {
                    id: f.id.clone(),
                    goal_id: f.goal_id.clone(),
                    department_goal_id: f.department_goal_id.clone(),
                    assessment: f.assessment,
                    analysis: f.analysis.clone(),
                    planned_measures: f.planned_measures.clone(),
                    proposed_revision: f.proposed_revision.clone(),
                    published_at: f.published_at,
                })
                .collect();
            Ok(PublicResults {
                reporting_period: period.into(),
                goals,
                follow_ups,
            })
        },
    )
    .await
}
