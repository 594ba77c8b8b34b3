//! `/api/v1/public/{municipality_code}`: what anyone may read without a token. The adopted
//! vision, perspectives, adopted overarching goals and their adopted department goals, in
//! response types of their own: never drafts, retired or archived records, never people's
//! names, never internal fields (organization, version, external ids). Every answer carries
//! `Cache-Control` and an `ETag` of its body; `If-None-Match` with it gets a 304.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::{AcceptEncoding, IfNoneMatch, NoCache, QueryParams};
use crate::cache::Cached;
use crate::db::types::Id;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::validate::is_municipality_code;
use crate::store::department_goals::{self, DepartmentGoal};
use crate::store::goals::{self, Goal, GoalState};
use crate::store::organizations::{self, Organization};
use crate::store::perspectives::{self, Focus};
use crate::store::plan_periods::{self, PlanPeriod};
use crate::store::units;
use crate::store::visions;
use crate::store::{Record, Store};

/// How long a client or proxy may reuse a public answer without asking again.
pub const CACHE_CONTROL: &str = "public, max-age=60";

/// A municipality's public face.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicOrganization {
    #[schema(example = "Värnamo kommun")]
    pub name: String,
    #[schema(example = "0683")]
    pub municipality_code: String,
    /// The plan periods with anything adopted, by start date.
    pub plan_periods: Vec<PublicPlanPeriod>,
}

/// A plan period (mandatperiod).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicPlanPeriod {
    pub id: Id,
    #[schema(example = "Mandatperioden 2011–2014")]
    pub name: String,
    #[schema(example = "2011-01-01")]
    pub start_date: NaiveDate,
    #[schema(example = "2014-12-31")]
    pub end_date: NaiveDate,
}

/// The vision and purpose (syfte) the council adopted.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicVision {
    #[schema(example = "Värnamo – den mänskliga tillväxtkommunen.")]
    pub vision: String,
    pub purpose: String,
    #[schema(example = "KF 2010-11-25 § 123")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<NaiveDate>,
}

/// A perspective (huvudinriktning) with its adopted goals by number.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicPerspective {
    pub id: Id,
    #[schema(example = "Medborgar/kundmål")]
    pub name: String,
    pub description: Option<String>,
    pub focus: Focus,
    /// Order among the plan period's perspectives.
    pub position: i32,
    pub goals: Vec<PublicGoal>,
}

/// An adopted overarching goal with its adopted department goals.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicGoal {
    pub id: Id,
    pub plan_period_id: Id,
    pub perspective_id: Id,
    #[schema(example = 3)]
    pub number: i32,
    pub title: String,
    pub description: Option<String>,
    pub footnotes: Vec<String>,
    #[schema(example = "KF 2010-11-25 § 123")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// Adopted department goals, by board and number.
    pub department_goals: Vec<PublicDepartmentGoal>,
}

/// An adopted department goal (förvaltningsmål) of a board.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicDepartmentGoal {
    pub id: Id,
    #[schema(example = 1)]
    pub number: i32,
    pub title: String,
    pub description: Option<String>,
    pub footnotes: Vec<String>,
    #[schema(example = "BUN 2011-02-15 § 12")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub board: PublicBoard,
}

/// The board (nämnd) that adopted a department goal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicBoard {
    #[schema(example = "Barn- och utbildningsnämnden")]
    pub name: String,
    #[schema(example = "BUN")]
    pub short_code: Option<String>,
}

/// The adopted goal model of one plan period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicGoalTree {
    pub plan_period: PublicPlanPeriod,
    /// Null when the plan period has no adopted vision (a draft, retired or archived one is
    /// not shown).
    pub vision: Option<PublicVision>,
    /// The perspectives in order, each with its adopted goals.
    pub perspectives: Vec<PublicPerspective>,
}

/// The adopted overarching goals of one plan period.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicGoalList {
    pub plan_period: PublicPlanPeriod,
    /// By number.
    pub goals: Vec<PublicGoal>,
}

/// Which plan period to show.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PublicPlanPeriodParams {
    /// One of the organization's public plan periods; by default the one whose dates
    /// contain today, else the latest.
    pub plan_period_id: Option<Id>,
}

impl From<PlanPeriod> for PublicPlanPeriod {
    fn from(p: PlanPeriod) -> Self {
        PublicPlanPeriod {
            id: p.id,
            name: p.name,
            start_date: p.start_date,
            end_date: p.end_date,
        }
    }
}

/// The organization with this municipality code, unless it is unknown or archived.
pub(crate) fn organization(conn: &mut DbConnection, code: &str) -> AppResult<Organization> {
    let unknown =
        || AppError::NotFound("no municipality with that code publishes its goals here".into());
    if !is_municipality_code(code) {
        return Err(unknown());
    }
    organizations::find_by_code(conn, code)?
        .filter(|org| org.archived_at.is_none())
        .ok_or_else(unknown)
}

/// The requested public plan period, or by default the one whose dates contain today
/// (the latest-starting if several do), else the latest.
pub(crate) fn plan_period(
    conn: &mut DbConnection,
    org: &Id,
    requested: Option<Id>,
) -> AppResult<PlanPeriod> {
    let today = chrono::Utc::now().date_naive();
    let periods = plan_periods::public(conn, org)?;
    let chosen = match requested {
        Some(id) => periods.into_iter().find(|p| p.id == id),
        None => {
            let current = periods
                .iter()
                .rposition(|p| p.start_date <= today && today <= p.end_date);
            let index = current.or(periods.len().checked_sub(1));
            index.and_then(|i| periods.into_iter().nth(i))
        }
    };
    chosen.ok_or_else(|| {
        AppError::NotFound("no plan period of this municipality with anything adopted".into())
    })
}

/// Adopted and not archived.
fn is_public(state: GoalState, archived: bool) -> bool {
    state == GoalState::Adopted && !archived
}

/// The adopted goals of a plan period by number, each with its adopted department goals.
fn adopted_goals(
    conn: &mut DbConnection,
    org: &Id,
    plan_period: &Id,
) -> AppResult<Vec<PublicGoal>> {
    let goal_rows: Vec<Goal> = goals::of_plan_period(conn, org, plan_period, false)?
        .into_iter()
        .filter(|g| is_public(g.state, g.archived_at.is_some()))
        .collect();
    let department_rows: Vec<DepartmentGoal> =
        department_goals::of_plan_period(conn, org, plan_period, false)?
            .into_iter()
            .filter(|g| is_public(g.state, g.archived_at.is_some()))
            .collect();
    let board_ids: Vec<Id> = department_rows
        .iter()
        .map(|g| g.owner_unit_id.clone())
        .collect();
    let boards: HashMap<Id, PublicBoard> = units::by_ids(conn, org, &board_ids)?
        .into_iter()
        .map(|unit| {
            let board = PublicBoard {
                name: unit.name,
                short_code: unit.short_code,
            };
            (unit.id, board)
        })
        .collect();
    let mut by_goal: HashMap<Id, Vec<PublicDepartmentGoal>> = HashMap::new();
    for row in department_rows {
        let Some(board) = boards.get(&row.owner_unit_id).cloned() else {
            continue;
        };
        by_goal
            .entry(row.goal_id)
            .or_default()
            .push(PublicDepartmentGoal {
                id: row.id,
                number: row.number,
                title: row.title,
                description: row.description,
                footnotes: row.footnotes.items().to_vec(),
                decision_reference: row.decision_reference,
                decided_on: row.decided_on,
                board,
            });
    }
    Ok(goal_rows
        .into_iter()
        .map(|goal| PublicGoal {
            department_goals: by_goal.remove(goal.id()).unwrap_or_default(),
            footnotes: goal.footnotes.items().to_vec(),
            id: goal.id,
            plan_period_id: goal.plan_period_id,
            perspective_id: goal.perspective_id,
            number: goal.number,
            title: goal.title,
            description: goal.description,
            decision_reference: goal.decision_reference,
            decided_on: goal.decided_on,
        })
        .collect())
}

/// A public answer: `Cache-Control` and a strong `ETag` of the body.
fn public_answer<T: Serialize>(body: &T) -> AppResult<Cached> {
    let answer = Cached::json(body)?;
    let digest = Sha256::digest(&answer.body);
    let mut answer = answer.with_etag(&hex::encode(&digest[..16]));
    answer.cache_control = Some(CACHE_CONTROL);
    Ok(answer)
}

/// The answer, or 304 without a body when the client already holds it.
fn respond(if_none_match: &IfNoneMatch, encoding: AcceptEncoding, answer: &Cached) -> HttpResponse {
    if answer.held_by(if_none_match) {
        answer
            .headers(encoding)
            .status(StatusCode::NOT_MODIFIED)
            .finish()
    } else {
        answer.response(encoding)
    }
}

/// A public read: `read` runs for the organization with this code (404 when there is none).
/// Once the code's organization is known its answer is kept in the answer cache under
/// `key`; it is answered with an `ETag`.
pub(crate) async fn answer<T, F>(
    store: &Store,
    code: String,
    key: String,
    if_none_match: &IfNoneMatch,
    encoding: AcceptEncoding,
    read: F,
) -> AppResult<HttpResponse>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut DbConnection, Organization) -> AppResult<T> + Send + 'static,
{
    let known = store.cache.organization_of(&code);
    let code_key = code.clone();
    let cache = store.cache.clone();
    let expected = known.clone();
    let fill = store.run(move |conn| {
        let org = organization(conn, &code)?;
        if expected.as_ref() != Some(&org.id) {
            // The code names another organization than before: keep nothing this time.
            cache.remember_code(&code, &org.id);
            if let Some(before) = &expected {
                cache.invalidate(before);
            }
        }
        public_answer(&read(conn, org)?)
    });
    let answer = match known {
        Some(org) => {
            store
                .cache
                // Keyed by the code too: an answer is served only under the code it was
                // read for, whatever the code names later (codes change, by the operator).
                .serve(
                    &org,
                    &format!("public/{code_key}/{key}"),
                    NoCache::default(),
                    fill,
                )
                .await?
        }
        None => fill.await?,
    };
    Ok(respond(if_none_match, encoding, &answer))
}

/// A municipality's public face: name, code and the plan periods with anything adopted.
#[utoipa::path(
    tag = "public",
    params(
        ("municipality_code" = String, Path, description = "The municipality code (kommunkod), four digits", example = "0683", format = "text:municipality"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before; when it still matches the answer is 304"),
    ),
    responses(
        (status = 200, description = "The organization's public face", body = PublicOrganization, headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`; no body", headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 404, description = "No municipality with that code (or the code is not four digits)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/public/{municipality_code}")]
pub async fn get_public_organization(
    store: web::Data<Store>,
    code: web::Path<String>,
    if_none_match: IfNoneMatch,
    encoding: AcceptEncoding,
) -> AppResult<HttpResponse> {
    answer(
        &store,
        code.into_inner(),
        "organization".into(),
        &if_none_match,
        encoding,
        |conn, org| {
            let plan_periods = plan_periods::public(conn, &org.id)?
                .into_iter()
                .map(PublicPlanPeriod::from)
                .collect();
            Ok(PublicOrganization {
                name: org.name,
                municipality_code: org.municipality_code,
                plan_periods,
            })
        },
    )
    .await
}

/// The adopted goal model of a plan period: vision and purpose → perspectives → adopted goals → adopted department goals.
#[utoipa::path(
    tag = "public",
    params(
        ("municipality_code" = String, Path, description = "The municipality code (kommunkod), four digits", example = "0683", format = "text:municipality"),
        PublicPlanPeriodParams,
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before; when it still matches the answer is 304"),
    ),
    responses(
        (status = 200, description = "The tree; nothing draft, retired or archived", body = PublicGoalTree, headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`; no body", headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 400, description = "A bad query parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No municipality with that code, or no such plan period with anything adopted", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/public/{municipality_code}/goal-tree")]
pub async fn get_public_goal_tree(
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
        format!("goal-tree?{requested:?}"),
        &if_none_match,
        encoding,
        move |conn, org| {
            let period = plan_period(conn, &org.id, requested)?;
            let vision = visions::for_plan_period(conn, &org.id, &period.id)?
                .filter(|v| is_public(v.state, v.archived_at.is_some()))
                .map(|v| PublicVision {
                    vision: v.vision,
                    purpose: v.purpose,
                    decision_reference: v.decision_reference,
                    decided_on: v.decided_on,
                });
            let mut by_perspective: HashMap<Id, Vec<PublicGoal>> = HashMap::new();
            for goal in adopted_goals(conn, &org.id, &period.id)? {
                by_perspective
                    .entry(goal.perspective_id.clone())
                    .or_default()
                    .push(goal);
            }
            let perspectives = perspectives::of_plan_period(conn, &org.id, &period.id)?
                .into_iter()
                .map(|p| PublicPerspective {
                    goals: by_perspective.remove(&p.id).unwrap_or_default(),
                    id: p.id,
                    name: p.name,
                    description: p.description,
                    focus: p.focus,
                    position: p.position,
                })
                .collect();
            Ok(PublicGoalTree {
                plan_period: period.into(),
                vision,
                perspectives,
            })
        },
    )
    .await
}

/// The adopted overarching goals of a plan period, by number, with their adopted department goals.
#[utoipa::path(
    tag = "public",
    params(
        ("municipality_code" = String, Path, description = "The municipality code (kommunkod), four digits", example = "0683", format = "text:municipality"),
        PublicPlanPeriodParams,
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before; when it still matches the answer is 304"),
    ),
    responses(
        (status = 200, description = "The goals; nothing draft, retired or archived", body = PublicGoalList, headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`; no body", headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 400, description = "A bad query parameter", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No municipality with that code, or no such plan period with anything adopted", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/public/{municipality_code}/goals")]
pub async fn list_public_goals(
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
        format!("goals?{requested:?}"),
        &if_none_match,
        encoding,
        move |conn, org| {
            let period = plan_period(conn, &org.id, requested)?;
            let goals = adopted_goals(conn, &org.id, &period.id)?;
            Ok(PublicGoalList {
                plan_period: period.into(),
                goals,
            })
        },
    )
    .await
}

/// One adopted overarching goal with its adopted department goals.
#[utoipa::path(
    tag = "public",
    params(
        ("municipality_code" = String, Path, description = "The municipality code (kommunkod), four digits", example = "0683", format = "text:municipality"),
        ("id" = uuid::Uuid, Path, description = "The goal's id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag read before; when it still matches the answer is 304"),
    ),
    responses(
        (status = 200, description = "The goal", body = PublicGoal, headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 304, description = "Unchanged since the ETag in `If-None-Match`; no body", headers(
            ("ETag" = String, description = "A hash of the body"),
            ("Cache-Control" = String, description = "`public, max-age=60`"))),
        (status = 400, description = "The id is not a UUID", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No municipality with that code, or no adopted goal with that id in it (drafts, retired and archived goals included)", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/public/{municipality_code}/goals/{id}")]
pub async fn get_public_goal(
    store: web::Data<Store>,
    path: web::Path<(String, Id)>,
    if_none_match: IfNoneMatch,
    encoding: AcceptEncoding,
) -> AppResult<HttpResponse> {
    let (code, id) = path.into_inner();
    answer(
        &store,
        code,
        format!("goals/{id}"),
        &if_none_match,
        encoding,
        move |conn, org| {
            let not_found = || AppError::NotFound("no adopted goal with that id here".into());
            let goal = Goal::find(conn, &org.id, &id)?
                .filter(|g| is_public(g.state, g.archived_at.is_some()))
                .ok_or_else(not_found)?;
            PlanPeriod::find(conn, &org.id, &goal.plan_period_id)?
                .filter(|p| p.archived_at.is_none())
                .ok_or_else(not_found)?;
            adopted_goals(conn, &org.id, &goal.plan_period_id)?
                .into_iter()
                .find(|g| g.id == id)
                .ok_or_else(not_found)
        },
    )
    .await
}
