//! `/api/v1/follow-ups`: per reporting period, a unit's assessment and analysis of a goal,
//! moved draft → submitted → approved → published by the roles the matrix names.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::extract::IfMatch;
use crate::api::{double_option, new_meta, Answer, Resource, Writer};
use crate::auth::Caller;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::{self, FollowUpStep, Reach};
use crate::rules::validate::{Checks, MAX_NAME, MAX_TEXT};
use crate::store::audit::{Actor, AuditAction};
use crate::store::department_goals::DepartmentGoal;
use crate::store::follow_ups::{self, Assessment, FollowUp, FollowUpFilter, FollowUpState};
use crate::store::reporting_periods::ReportingPeriod;
use crate::store::Tx;
use crate::store::{Record, Store};

/// A new follow-up; it starts as a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFollowUp {
    pub reporting_period_id: Id,
    /// The overarching goal followed up; give this or `department_goal_id`.
    pub goal_id: Option<Id>,
    /// The department goal followed up; give this or `goal_id`.
    pub department_goal_id: Option<Id>,
    /// The unit that reports (usually the goal's owner).
    pub reporting_unit_id: Id,
    /// Defaults to `not_assessed`.
    pub assessment: Option<Assessment>,
    #[schema(example = "Resultatet 2011 blev 2,4 % tack vare engångsintäkter.")]
    #[schema(format = "text:long")]
    pub analysis: Option<String>,
    #[schema(format = "text:long")]
    pub planned_measures: Option<String>,
    #[schema(format = "text:long")]
    pub proposed_revision: Option<String>,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to a draft follow-up: only the fields given change; null clears an optional field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFollowUp {
    pub reporting_unit_id: Option<Id>,
    pub assessment: Option<Assessment>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:long")]
    pub analysis: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:long")]
    pub planned_measures: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:long")]
    pub proposed_revision: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for FollowUp {
    type Create = CreateFollowUp;
    type Patch = UpdateFollowUp;
    const PATH: &'static str = "/api/v1/follow-ups";

    fn build(organization_id: Id, input: CreateFollowUp, now: UtcTime) -> AppResult<FollowUp> {
        let meta = new_meta(now);
        let mut follow_up = FollowUp {
            id: meta.id,
            organization_id,
            reporting_period_id: input.reporting_period_id,
            goal_id: input.goal_id,
            department_goal_id: input.department_goal_id,
            reporting_unit_id: input.reporting_unit_id,
            assessment: input.assessment.unwrap_or(Assessment::NotAssessed),
            analysis: input.analysis,
            planned_measures: input.planned_measures,
            proposed_revision: input.proposed_revision,
            state: FollowUpState::Draft,
            author_subject: String::new(),
            author_name: None,
            submitted_at: None,
            approved_at: None,
            published_at: None,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
            withdrawal_reason: None,
            approved_by: None,
            approved_by_name: None,
            published_by: None,
            published_by_name: None,
            decision_reference: None,
            decided_on: None,
            decided_by_unit_id: None,
            return_reason: None,
        };
        validate(&mut follow_up)?;
        Ok(follow_up)
    }

    fn apply(&mut self, patch: UpdateFollowUp) -> AppResult<()> {
        if self.state != FollowUpState::Draft {
            return Err(AppError::Conflict {
                detail: format!(
                    "the follow-up is {}: only a draft changes (a submitted one can be returned to draft)",
                    self.state
                ),
                errors: vec![],
            });
        }
        if let Some(unit) = patch.reporting_unit_id {
            self.reporting_unit_id = unit;
        }
        if let Some(assessment) = patch.assessment {
            self.assessment = assessment;
        }
        if let Some(analysis) = patch.analysis {
            self.analysis = analysis;
        }
        if let Some(measures) = patch.planned_measures {
            self.planned_measures = measures;
        }
        if let Some(revision) = patch.proposed_revision {
            self.proposed_revision = revision;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn created_by(&mut self, actor: &Actor) {
        self.author_subject = actor.subject.clone();
        self.author_name = actor.name.clone();
    }

    fn scope_unit(&self) -> Option<&Id> {
        Some(&self.reporting_unit_id)
    }

    fn writable(&self, conn: &mut DbConnection) -> AppResult<()> {
        let period = ReportingPeriod::find(conn, &self.organization_id, &self.reporting_period_id)?
            .ok_or_else(|| AppError::not_found("reporting period"))?;
        follow_ups::require_open(&period)
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&FollowUp>) -> AppResult<()> {
        follow_ups::check(conn, self, before)
    }

    fn archivable(&self, _conn: &mut DbConnection, archive: bool, _: bool) -> AppResult<()> {
        if self.state == FollowUpState::Draft {
            return Ok(());
        }
        let detail = if archive {
            format!("the follow-up is {}: archiving would take back what was reported; only whoever may approve it withdraws it, with a reason (POST /api/v1/follow-ups/{}/withdraw)", self.state, self.id)
        } else {
            format!("the follow-up is {} and was withdrawn: a withdrawal stands (draft a new follow-up instead)", self.state)
        };
        Err(AppError::Conflict {
            detail,
            errors: vec![],
        })
    }

    fn deletable(&self, _conn: &mut DbConnection) -> AppResult<()> {
        if self.state != FollowUpState::Draft {
            return Err(AppError::Conflict {
                detail: format!(
                    "the follow-up is {}: only a draft can be deleted (archive it instead)",
                    self.state
                ),
                errors: vec![],
            });
        }
        Ok(())
    }
}

fn validate(follow_up: &mut FollowUp) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.optional_text("analysis", &mut follow_up.analysis, MAX_TEXT);
    checks.optional_text(
        "planned_measures",
        &mut follow_up.planned_measures,
        MAX_TEXT,
    );
    checks.optional_text(
        "proposed_revision",
        &mut follow_up.proposed_revision,
        MAX_TEXT,
    );
    checks.optional_text("external_id", &mut follow_up.external_id, MAX_NAME);
    if follow_up.goal_id.is_some() == follow_up.department_goal_id.is_some() {
        checks.fail(
            "goal_id",
            "give exactly one of goal_id and department_goal_id",
        );
    }
    checks.finish()
}

/// What a step is given besides the follow-up: the reason for a return or a withdrawal, the
/// council's decision for a publication.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepNote {
    /// Why: required to return or withdraw a follow-up.
    #[schema(example = "Analysen saknar utfallet för 2011; komplettera.")]
    #[schema(format = "text:wording")]
    pub reason: Option<String>,
    /// The council's decision that publishes it (publish only): give all three or none.
    #[schema(example = "KF 2012-04-26 § 52", format = "text:short")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<chrono::NaiveDate>,
    /// The deciding body, a council.
    pub decided_by_unit_id: Option<Id>,
}

/// Moves a follow-up one step: checks the state, the period, the caller's right and scope.
/// Takes one step of a follow-up inside the caller's transaction, as every write is made:
/// the organization's lock first, then the writer's right and scope, the state rules, and
/// the versioned write with its audit entry.
fn step_in(
    conn: &mut Tx,
    writer: &Writer,
    id: &Id,
    if_match: &IfMatch,
    step: FollowUpStep,
    note: StepNote,
) -> AppResult<FollowUp> {
    let org = writer.organization_id.clone();
    let id = id.clone();
    // The organization's lock before reading, as every write takes it.
    crate::store::changes::lock_for_writing(conn, &org)?;
    let before =
        FollowUp::find(conn, &org, &id)?.ok_or_else(|| AppError::not_found("follow-up"))?;
    let of_department_goal = before.department_goal_id.is_some();
    let reach = match &writer.roles {
        // The operator's command line takes every step.
        None => Reach::Organization,
        Some(roles) => permissions::step_reach(roles, step, of_department_goal)
            .ok_or_else(|| AppError::Forbidden(step.forbidden(of_department_goal)))?,
    };
    if reach == Reach::Scope {
        // Submitting answers for the reporting unit; approving a department goal's
        // follow-up is for the board that owns the department goal.
        let unit = match (step, &before.department_goal_id) {
            (FollowUpStep::Submit, _) | (_, None) => before.reporting_unit_id.clone(),
            (_, Some(goal)) => {
                DepartmentGoal::find(conn, &org, goal)?
                    .ok_or_else(|| AppError::not_found("department goal"))?
                    .owner_unit_id
            }
        };
        if !crate::store::units::scope(conn, &org, &writer.scope)?.contains(&unit) {
            return Err(AppError::Forbidden(
                "the follow-up is outside the units your token is scoped to".into(),
            ));
        }
    }
    if_match.check(before.version())?;
    if before.archived_at.is_some() {
        return Err(AppError::Conflict {
            detail: "the follow-up is archived: unarchive it first".into(),
            errors: vec![],
        });
    }
    before.writable(conn)?;
    let (from, to) = step.states();
    if !from.contains(&before.state) {
        return Err(AppError::Conflict {
            detail: format!(
                "a {} follow-up cannot be {}: {}",
                before.state,
                step.past_tense(),
                step.rule()
            ),
            errors: vec![],
        });
    }
    if step == FollowUpStep::Submit && before.analysis.is_none() {
        return Err(AppError::invalid(
            "analysis",
            "a follow-up is submitted with its analysis",
        ));
    }
    let now = UtcTime::now();
    let mut record = before.clone();
    let mut archived_at = None;
    let mut action = AuditAction::Update;
    let actor = &writer.actor;
    match step {
        FollowUpStep::Submit => record.submitted_at = Some(now),
        FollowUpStep::Approve => {
            record.approved_at = Some(now);
            record.approved_by = Some(actor.subject.clone());
            record.approved_by_name = actor.name.clone();
        }
        FollowUpStep::Publish => {
            record.published_at = Some(now);
            record.published_by = Some(actor.subject.clone());
            record.published_by_name = actor.name.clone();
            let note = publishing_decision(conn, &org, note)?;
            record.decision_reference = note.decision_reference;
            record.decided_on = note.decided_on;
            record.decided_by_unit_id = note.decided_by_unit_id;
        }
        FollowUpStep::Return => {
            record.return_reason = Some(reason_of(note, "returned")?);
            record.submitted_at = None;
            record.approved_at = None;
            record.approved_by = None;
            record.approved_by_name = None;
        }
        FollowUpStep::Withdraw => {
            record.withdrawal_reason = Some(reason_of(note, "withdrawn")?);
            archived_at = Some(now);
            action = AuditAction::Archive;
        }
    }
    if let Some(to) = to {
        record.state = to;
    }
    record.mark_changed(now, archived_at);
    writer.update(conn, action, &before, &record, || if_match.lost_race())?;
    Ok(record)
}

async fn take_step(
    store: &Store,
    caller: &Caller,
    id: Id,
    if_match: IfMatch,
    step: FollowUpStep,
    note: StepNote,
) -> AppResult<HttpResponse> {
    let writer = Writer::of(caller);
    let caller = caller.clone();
    let answer = store
        .transaction(move |conn| {
            let record = step_in(conn, &writer, &id, &if_match, step, note)?;
            Answer::record(actix_web::http::StatusCode::OK, &record)?.kept(conn, &caller)
        })
        .await?;
    Ok(answer.response())
}

macro_rules! step_endpoint {
    ($name:ident, $path:literal, $step:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            tag = "follow-ups",
            params(
                ("id" = uuid::Uuid, Path, description = "The follow-up's id"),
                ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one gets 412 and changes nothing"),
            ),
            request_body(content = Option<StepNote>, content_type = "application/json",
                description = "A return's `reason` (required); a publication's decision (optional); nothing for the other steps"),
            responses(
                (status = 200, description = "The follow-up in its new state", body = FollowUp,
                    headers(("ETag" = String, description = "The record's version"))),
                (status = 400, description = "A malformed id", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 403, description = "The caller's roles or unit scope do not allow this step", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such follow-up in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The follow-up's state does not allow this step, its reporting period is closed, or another request changed it at the same moment (retry)", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "Submitting needs an analysis", body = crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $name(
            store: web::Data<Store>,
            caller: Caller,
            id: web::Path<Id>,
            if_match: IfMatch,
            body: web::Bytes,
        ) -> AppResult<HttpResponse> {
            let note = optional_body(&body)?;
            take_step(&store, &caller, id.into_inner(), if_match, $step, note).await
        }
    };
}

/// The reason a step is taken for, required (422 without it).
fn reason_of(note: StepNote, done: &str) -> AppResult<String> {
    let mut reason = note.reason;
    let mut checks = Checks::new();
    checks.optional_text("reason", &mut reason, MAX_TEXT);
    match reason {
        Some(reason) => checks.finish().map(|_| reason),
        None => {
            checks.fail(
                "reason",
                format!("a follow-up is {done} with the reason why"),
            );
            checks.finish().map(|_| String::new())
        }
    }
}

/// The council's decision a publication names: all of reference, date and deciding council,
/// or none of them.
fn publishing_decision(conn: &mut Tx, org: &Id, note: StepNote) -> AppResult<StepNote> {
    let mut note = note;
    let mut checks = Checks::new();
    checks.optional_text("decision_reference", &mut note.decision_reference, MAX_NAME);
    let given = [
        note.decision_reference.is_some(),
        note.decided_on.is_some(),
        note.decided_by_unit_id.is_some(),
    ];
    if given.contains(&true) && given.contains(&false) {
        for (field, given) in ["decision_reference", "decided_on", "decided_by_unit_id"]
            .into_iter()
            .zip(given)
        {
            if !given {
                checks.fail(
                    field,
                    "a decision gives its reference, date and deciding council",
                );
            }
        }
    }
    checks.finish()?;
    if let Some(unit) = &note.decided_by_unit_id {
        let kinds = [crate::store::units::UnitKind::Council];
        crate::store::units::require_kind(conn, org, unit, "decided_by_unit_id", true, &kinds)?;
    }
    Ok(note)
}

step_endpoint!(
    submit_follow_up,
    "/follow-ups/{id}/submit",
    FollowUpStep::Submit,
    "Submit a draft follow-up (manager of the reporting unit); it needs its analysis."
);
step_endpoint!(
    approve_follow_up,
    "/follow-ups/{id}/approve",
    FollowUpStep::Approve,
    "Approve a submitted follow-up: the board for its department goals, the council for overarching goals."
);
step_endpoint!(
    publish_follow_up,
    "/follow-ups/{id}/publish",
    FollowUpStep::Publish,
    "Publish an approved follow-up (council): it appears in the public view."
);
step_endpoint!(
    return_follow_up,
    "/follow-ups/{id}/return",
    FollowUpStep::Return,
    "Send a submitted or approved follow-up back to draft (whoever may approve it)."
);

/// A step's body, which may be left out (or be `null`): its default then.
fn optional_body<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> AppResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    Ok(crate::domain::input::parse_json::<Option<T>>(body)?.unwrap_or_default())
}

/// Which of a reporting period's follow-ups to approve or publish at once, and the
/// publication's decision.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepAll {
    /// Only the follow-ups this unit reports; all of the period's when left out.
    pub reporting_unit_id: Option<Id>,
    /// The council's decision that publishes them (publish only): all three or none.
    #[schema(example = "KF 2012-04-26 § 52", format = "text:short")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<chrono::NaiveDate>,
    pub decided_by_unit_id: Option<Id>,
}

/// A follow-up a batch left as it was, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedFollowUp {
    pub follow_up_id: Id,
    /// The refusal its own step would have got (a role or scope that does not reach it).
    pub reason: String,
}

/// What a batch step did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SteppedFollowUps {
    /// The follow-ups in their new state, each step audited as if taken alone.
    pub follow_ups: Vec<FollowUp>,
    /// Those of the period in the state the step starts from that the caller may not step.
    pub skipped: Vec<SkippedFollowUp>,
}

/// Takes `step` for every follow-up of a reporting period in the state it starts from, in one
/// transaction; each through `step_in`, so each is checked and audited as if taken alone. One
/// the caller's roles or scope do not reach is skipped, with the reason.
async fn step_all(
    store: &Store,
    caller: &Caller,
    period: Id,
    step: FollowUpStep,
    body: StepAll,
) -> AppResult<HttpResponse> {
    let writer = Writer::of(caller);
    let caller = caller.clone();
    let answer = store
        .transaction(move |conn| {
            let org = writer.organization_id.clone();
            crate::store::changes::lock_for_writing(conn, &org)?;
            ReportingPeriod::find(conn, &org, &period)?
                .ok_or_else(|| AppError::not_found("reporting period"))?;
            let from = match step {
                FollowUpStep::Approve => FollowUpState::Submitted,
                _ => FollowUpState::Approved,
            };
            let unit = body.reporting_unit_id.as_ref();
            let candidates = follow_ups::of_period_in_state(conn, &org, &period, from, unit)?;
            let mut stepped = SteppedFollowUps {
                follow_ups: Vec::new(),
                skipped: Vec::new(),
            };
            for candidate in candidates {
                let note = StepNote {
                    reason: None,
                    decision_reference: body.decision_reference.clone(),
                    decided_on: body.decided_on,
                    decided_by_unit_id: body.decided_by_unit_id.clone(),
                };
                let id = &candidate.id;
                match conn
                    .savepoint(|conn| step_in(conn, &writer, id, &IfMatch::default(), step, note))
                {
                    Ok(record) => stepped.follow_ups.push(record),
                    Err(AppError::Forbidden(reason)) => stepped.skipped.push(SkippedFollowUp {
                        follow_up_id: candidate.id,
                        reason,
                    }),
                    Err(other) => return Err(other),
                }
            }
            Answer::json(actix_web::http::StatusCode::OK, &stepped)?.kept(conn, &caller)
        })
        .await?;
    Ok(answer.response())
}

macro_rules! step_all_endpoint {
    ($name:ident, $path:literal, $step:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(
            tag = "follow-ups",
            params(("id" = uuid::Uuid, Path, description = "The reporting period's id")),
            request_body(content = Option<StepAll>, content_type = "application/json",
                description = "Only one reporting unit's follow-ups, and a publication's decision"),
            responses(
                (status = 200, description = "The follow-ups stepped, and those skipped", body = SteppedFollowUps),
                (status = 400, description = "A malformed id or JSON", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such reporting period in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 409, description = "The reporting period is closed, or another request changed a follow-up at the same moment (retry); nothing was stepped", body = crate::error::Problem, content_type = "application/problem+json"),
                (status = 422, description = "An incomplete decision, or one not by a council; nothing was stepped", body = crate::error::Problem, content_type = "application/problem+json"),
            ),
            security(("bearer" = []))
        )]
        #[post($path)]
        pub async fn $name(
            store: web::Data<Store>,
            caller: Caller,
            id: web::Path<Id>,
            body: web::Bytes,
        ) -> AppResult<HttpResponse> {
            let body = optional_body(&body)?;
            step_all(&store, &caller, id.into_inner(), $step, body).await
        }
    };
}

step_all_endpoint!(
    approve_all_follow_ups,
    "/reporting-periods/{id}/follow-ups/approve",
    FollowUpStep::Approve,
    "Approve every submitted follow-up of a reporting period the caller may approve (or one unit's), each audited as if approved alone."
);
step_all_endpoint!(
    publish_all_follow_ups,
    "/reporting-periods/{id}/follow-ups/publish",
    FollowUpStep::Publish,
    "Publish every approved follow-up of a reporting period (council), or one unit's, with the council's decision; each audited as if published alone."
);

/// Why an approved or published follow-up is withdrawn.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawFollowUp {
    /// Kept on the follow-up (`withdrawal_reason`) and in the audit trail.
    #[schema(example = "Fel underlag: analysen avsåg fel period; ny uppföljning lämnas.")]
    #[schema(format = "text:wording")]
    pub reason: String,
}

/// Withdraw an approved or published follow-up, with the reason (whoever may approve it: the
/// board for its department goals, the council for overarching goals). It is archived, leaves
/// the public results and the status override, and is not restored.
#[utoipa::path(
    tag = "follow-ups",
    params(
        ("id" = uuid::Uuid, Path, description = "The follow-up's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; a stale one gets 412 and changes nothing"),
    ),
    request_body = WithdrawFollowUp,
    responses(
        (status = 200, description = "The follow-up, withdrawn", body = FollowUp,
            headers(("ETag" = String, description = "The record's version"))),
        (status = 400, description = "A malformed id or JSON", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller's roles or unit scope do not allow this step", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such follow-up in the caller's organization", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The follow-up is not approved or published, is archived, or its reporting period is closed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "`If-Match` is stale", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/follow-ups/{id}/withdraw")]
pub async fn withdraw_follow_up(
    store: web::Data<Store>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: crate::api::extract::JsonBody<WithdrawFollowUp>,
) -> AppResult<HttpResponse> {
    let note = StepNote {
        reason: Some(body.into_inner().reason),
        ..StepNote::default()
    };
    let step = FollowUpStep::Withdraw;
    take_step(&store, &caller, id.into_inner(), if_match, step, note).await
}

/// Filters for listing follow-ups.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FollowUpListParams {
    pub reporting_period_id: Option<Id>,
    pub goal_id: Option<Id>,
    pub department_goal_id: Option<Id>,
    pub reporting_unit_id: Option<Id>,
    pub state: Option<FollowUpState>,
    /// Include archived follow-ups.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's follow-ups.
    fn list_follow_ups("/follow-ups", tag = "follow-ups", FollowUpListParams => FollowUp)
    |params| move |conn, org, page| {
        let filter = FollowUpFilter {
            reporting_period_id: params.reporting_period_id,
            goal_id: params.goal_id,
            department_goal_id: params.department_goal_id,
            reporting_unit_id: params.reporting_unit_id,
            state: params.state,
        };
        Ok(follow_ups::list(conn, org, &filter, page)?)
    }
}

crate::crud_endpoints! {
    record: FollowUp,
    tag: "follow-ups",
    collection: "/follow-ups",
    item: "/follow-ups/{id}",
    create: create_follow_up(CreateFollowUp) "Draft a follow-up of a goal or department goal for a reporting period (manager for its units).",
    get: get_follow_up "Get one follow-up.",
    update: update_follow_up(UpdateFollowUp) "Change a draft follow-up.",
    archive: archive_follow_up "/follow-ups/{id}/archive" "Archive a draft follow-up (an approved or published one is withdrawn instead).",
    unarchive: unarchive_follow_up "/follow-ups/{id}/unarchive" "Restore an archived draft follow-up.",
    delete: delete_follow_up "Delete a draft follow-up.",
}
