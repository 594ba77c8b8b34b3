//! `/api/v1/visions`: the vision and purpose (syfte) of a plan period, adopted and revised by
//! the council like an overarching goal (see `revisions`).

use actix_web::{delete, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::goals::only_drafts;
use crate::api::revisions::{self, check_life_cycle, page_as_of, Governed, Revised, RevisionNote};
use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::rules::validate::{Checks, MAX_NAME, MAX_TEXT};
use crate::store::audit::Actor;
use crate::store::goals::GoalState;
use crate::store::units::UnitKind;
use crate::store::visions::{self, Vision};
use crate::store::Tx;

/// A new vision; one per plan period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVision {
    pub plan_period_id: Id,
    #[schema(example = "Värnamo – den mänskliga tillväxtkommunen.")]
    #[schema(format = "text:wording")]
    pub vision: String,
    #[schema(
        example = "Värnamo kommun skall på kommunmedborgarnas uppdrag tillhandahålla service kostnadseffektivt och med god kvalitet."
    )]
    #[schema(format = "text:wording")]
    pub purpose: String,
    #[schema(example = "KF 2010-11-25 § 123")]
    #[schema(format = "text:short")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<NaiveDate>,
    /// The deciding body, a council; required (with the reference and date) to create it
    /// adopted.
    pub decided_by_unit_id: Option<Id>,
    /// Defaults to `draft`.
    pub state: Option<GoalState>,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to a vision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVision {
    #[schema(format = "text:wording")]
    pub vision: Option<String>,
    #[schema(format = "text:wording")]
    pub purpose: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub decision_reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub decided_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Id>)]
    pub decided_by_unit_id: Option<Option<Id>>,
    /// Adopting needs the decision fields; retiring needs `revision`.
    pub state: Option<GoalState>,
    /// The decision behind changing an adopted vision's vision or purpose, or retiring it;
    /// its decision becomes the vision's.
    pub revision: Option<RevisionNote>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for Vision {
    type Create = CreateVision;
    type Patch = UpdateVision;
    const PATH: &'static str = "/api/v1/visions";

    fn build(organization_id: Id, input: CreateVision, now: UtcTime) -> AppResult<Vision> {
        let meta = new_meta(now);
        let mut vision = Vision {
            id: meta.id,
            organization_id,
            plan_period_id: input.plan_period_id,
            vision: input.vision,
            purpose: input.purpose,
            decision_reference: input.decision_reference,
            decided_on: input.decided_on,
            decided_by_unit_id: input.decided_by_unit_id,
            state: input.state.unwrap_or(GoalState::Draft),
            predecessor_id: None,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut vision)?;
        Ok(vision)
    }

    fn apply(&mut self, patch: UpdateVision) -> AppResult<()> {
        if let Some(text) = patch.vision {
            self.vision = text;
        }
        if let Some(purpose) = patch.purpose {
            self.purpose = purpose;
        }
        if let Some(reference) = patch.decision_reference {
            self.decision_reference = reference;
        }
        if let Some(decided_on) = patch.decided_on {
            self.decided_on = decided_on;
        }
        if let Some(body) = patch.decided_by_unit_id {
            self.decided_by_unit_id = body;
        }
        if let Some(state) = patch.state {
            self.state = state;
        }
        if let Some(note) = patch.revision {
            note.decide(
                &mut self.decision_reference,
                &mut self.decided_on,
                &mut self.decided_by_unit_id,
            );
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&Vision>) -> AppResult<()> {
        visions::check(conn, self, before)?;
        check_life_cycle(conn, self, before)
    }

    fn revision_note(patch: &Self::Patch) -> Option<RevisionNote> {
        patch.revision.clone()
    }

    fn record_history(
        &self,
        conn: &mut Tx,
        actor: &Actor,
        before: Option<&Self>,
        note: Option<RevisionNote>,
    ) -> AppResult<()> {
        revisions::record_history(conn, actor, self, before, note)
    }

    fn deletable(&self, _conn: &mut DbConnection) -> AppResult<()> {
        only_drafts(self.state, "vision")
    }
}

impl Revised for Vision {
    const ENTITY: &'static str = "vision";
    const CONTENT: &'static [&'static str] = &["vision", "purpose"];

    fn organization(&self) -> &Id {
        &self.organization_id
    }
}

impl Governed for Vision {
    const BODIES: &'static [UnitKind] = &[UnitKind::Council];

    fn state(&self) -> GoalState {
        self.state
    }

    fn decision(&self) -> (Option<&String>, Option<NaiveDate>, Option<&Id>) {
        (
            self.decision_reference.as_ref(),
            self.decided_on,
            self.decided_by_unit_id.as_ref(),
        )
    }
}

fn validate(vision: &mut Vision) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.text("vision", &mut vision.vision, MAX_TEXT);
    checks.text("purpose", &mut vision.purpose, MAX_TEXT);
    checks.optional_text(
        "decision_reference",
        &mut vision.decision_reference,
        MAX_NAME,
    );
    checks.optional_text("external_id", &mut vision.external_id, MAX_NAME);
    checks.finish()
}

/// Filters for listing visions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VisionListParams {
    /// Only the vision of this plan period.
    pub plan_period_id: Option<Id>,
    /// Only the visions in force on this day, as they read then (those with no adopted
    /// revision then are left out).
    pub as_of: Option<NaiveDate>,
    /// Include archived visions.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's visions.
    fn list_visions("/visions", tag = "visions", VisionListParams => Vision)
    |params| {
        let (plan_period, as_of) = (params.plan_period_id, params.as_of);
        move |conn, org, page| match as_of {
            None => Ok(visions::list(conn, org, plan_period.as_ref(), None, page)?),
            Some(day) => page_as_of(conn, org, day, |conn, ids| {
                visions::list(conn, org, plan_period.as_ref(), Some(ids), page)
            }),
        }
    }
}

crate::crud_endpoints! {
    record: Vision,
    tag: "visions",
    collection: "/visions",
    item: "/visions/{id}",
    create: create_vision(CreateVision) "Create the vision and purpose of a plan period, as a draft or adopted (council).",
    update: update_vision(UpdateVision) "Change a vision (council); an adopted one changes its vision or purpose only with a `revision`.",
    archive: archive_vision "/visions/{id}/archive" "Archive a vision.",
    unarchive: unarchive_vision "/visions/{id}/unarchive" "Restore an archived vision.",
    delete: delete_vision "Delete a draft vision (otherwise archive it).",
}

crate::governed_endpoints! {
    record: Vision,
    tag: "visions",
    item: "/visions/{id}",
    revisions: "/visions/{id}/revisions",
    get: get_vision "Get one vision; with `as_of`, the version in force on that day.",
    list: list_vision_revisions "The revisions of an adopted vision, oldest first: each decision, what it changed and when it was in force.",
}
