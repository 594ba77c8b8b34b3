//! `/api/v1/plan-periods`: the periods goals are decided for (mandatperioder).

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::JsonBody;
use crate::api::{double_option, new_meta, Answer, Resource, Writer};
use crate::auth::Caller;
use crate::db::types::{Id, UtcTime};
use crate::domain::rollover::{self, RollOver};
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Action;
use crate::rules::validate::{Checks, MAX_NAME};
use crate::store::plan_periods::{self, PlanPeriod};
use crate::store::Tx;
use crate::store::{Record, Store};

/// A new plan period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePlanPeriod {
    #[schema(example = "Mandatperioden 2011–2014")]
    #[schema(format = "text:name")]
    pub name: String,
    #[schema(example = "2011-01-01")]
    pub start_date: NaiveDate,
    #[schema(example = "2014-12-31")]
    pub end_date: NaiveDate,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to a plan period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePlanPeriod {
    #[schema(format = "text:name")]
    pub name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for PlanPeriod {
    type Create = CreatePlanPeriod;
    type Patch = UpdatePlanPeriod;
    const PATH: &'static str = "/api/v1/plan-periods";

    fn build(organization_id: Id, input: CreatePlanPeriod, now: UtcTime) -> AppResult<PlanPeriod> {
        let meta = new_meta(now);
        let mut period = PlanPeriod {
            id: meta.id,
            organization_id,
            name: input.name,
            start_date: input.start_date,
            end_date: input.end_date,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut period)?;
        Ok(period)
    }

    fn apply(&mut self, patch: UpdatePlanPeriod) -> AppResult<()> {
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(start) = patch.start_date {
            self.start_date = start;
        }
        if let Some(end) = patch.end_date {
            self.end_date = end;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&PlanPeriod>) -> AppResult<()> {
        plan_periods::check(conn, self, before)
    }
}

fn validate(period: &mut PlanPeriod) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.text("name", &mut period.name, MAX_NAME);
    checks.date_order("start_date", period.start_date, "end_date", period.end_date);
    checks.optional_text("external_id", &mut period.external_id, MAX_NAME);
    checks.finish()
}

/// Paging for plan periods.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanPeriodListParams {
    /// Include archived plan periods.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's plan periods.
    fn list_plan_periods("/plan-periods", tag = "plan-periods", PlanPeriodListParams => PlanPeriod)
    |_params| |conn, org, page| Ok(plan_periods::list(conn, org, page)?)
}

crate::crud_endpoints! {
    record: PlanPeriod,
    tag: "plan-periods",
    collection: "/plan-periods",
    item: "/plan-periods/{id}",
    create: create_plan_period(CreatePlanPeriod) "Create a plan period (admin).",
    get: get_plan_period "Get one plan period.",
    update: update_plan_period(UpdatePlanPeriod) "Change a plan period (admin).",
    archive: archive_plan_period "/plan-periods/{id}/archive" "Archive a plan period: nothing new can be planned in it.",
    unarchive: unarchive_plan_period "/plan-periods/{id}/unarchive" "Restore an archived plan period.",
    delete: delete_plan_period "Delete a plan period that nothing references (otherwise archive it).",
}

/// Roll a plan period over into a new one (admin, council).
///
/// Creates the plan period in the body and copies into it, as drafts without a decision, the
/// source's vision, perspectives, goals and department goals, their indicators and their open
/// (planned or in progress) activities. Each copy names the record it was copied from in
/// `predecessor_id`, points at the other copies (perspective, overarching goal, plan period)
/// and has no external id. Archived and retired records stay behind with everything under
/// them, as does whatever an archived unit owns (an indicator whose owner is archived is
/// copied without an owner). Measurements, follow-ups, reporting periods and done or
/// cancelled activities are not copied, and the source is not changed. One transaction:
/// every record written is audited as a create, and a refusal writes nothing. The new plan
/// period must start after the source ends, overlap no plan period that is not archived and
/// not take the name of one.
#[utoipa::path(
    tag = "plan-periods",
    params(("id" = uuid::Uuid, Path, description = "The plan period to roll over")),
    request_body(content = CreatePlanPeriod, description = "The new plan period"),
    responses(
        (status = 201, description = "The new plan period, how many records of each kind were copied, and each copy's id by its predecessor's", body = RollOver,
            headers(("Location" = String, description = "The new plan period's URL"))),
        (status = 400, description = "Malformed JSON or a bad id", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only admin and council roll a plan period over", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such plan period in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another plan period has this name or external id", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields: the end before the start, a start not after the source's end, dates overlapping another plan period; `errors` names each field", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/plan-periods/{id}/roll-over")]
pub async fn roll_over_plan_period(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
    body: JsonBody<CreatePlanPeriod>,
) -> AppResult<HttpResponse> {
    caller.require(Action::RollOver)?;
    let org = caller.organization_id.clone();
    let writer = Writer::of(&caller);
    let source_id = id.into_inner();
    let input = body.into_inner();
    let answer = store
        .transaction(move |conn| {
            crate::store::changes::lock_for_writing(conn, &org)?;
            let source = PlanPeriod::find(conn, &org, &source_id)?
                .ok_or_else(|| AppError::not_found("plan period"))?;
            let mut successor = PlanPeriod::build(org, input, UtcTime::now())?;
            successor.check(conn, None)?;
            let result = rollover::roll_over(conn, &writer, &source, successor)?;
            let location = format!("{}/{}", PlanPeriod::PATH, result.plan_period.id);
            Answer::json(actix_web::http::StatusCode::CREATED, &result)?
                .header(header::LOCATION, location)
                .kept(conn, &caller)
        })
        .await?;
    Ok(answer.response())
}
