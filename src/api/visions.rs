//! `/api/v1/visions`: the vision and purpose (syfte) of a plan period.

use actix_web::{delete, get, patch, post};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::rules::validate::{clean, Checks, MAX_NAME, MAX_TEXT};
use crate::store::visions::{self, Vision};

/// A new vision; one per plan period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVision {
    pub plan_period_id: Id,
    #[schema(example = "Värnamo – den mänskliga tillväxtkommunen.")]
    #[schema(min_length = 1, pattern = "^[^\\u0000]*\\S[^\\u0000]*$")]
    pub vision: String,
    #[schema(
        example = "Värnamo kommun skall på kommunmedborgarnas uppdrag tillhandahålla service kostnadseffektivt och med god kvalitet."
    )]
    #[schema(min_length = 1, pattern = "^[^\\u0000]*\\S[^\\u0000]*$")]
    pub purpose: String,
    #[schema(example = "KF 2010-11-25 § 123")]
    #[schema(pattern = "^[^\\u0000]*$")]
    pub decision_reference: Option<String>,
    pub decided_on: Option<NaiveDate>,
    #[schema(pattern = "^[^\\u0000]*$")]
    pub external_id: Option<String>,
}

/// Changes to a vision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVision {
    #[schema(min_length = 1, pattern = "^[^\\u0000]*\\S[^\\u0000]*$")]
    pub vision: Option<String>,
    #[schema(min_length = 1, pattern = "^[^\\u0000]*\\S[^\\u0000]*$")]
    pub purpose: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub decision_reference: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub decided_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
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
            decision_reference: clean(input.decision_reference),
            decided_on: input.decided_on,
            external_id: clean(input.external_id),
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
            self.decision_reference = clean(reference);
        }
        if let Some(decided_on) = patch.decided_on {
            self.decided_on = decided_on;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = clean(external_id);
        }
        validate(self)
    }

    fn check(&mut self, conn: &mut DbConnection, before: Option<&Vision>) -> AppResult<()> {
        visions::check(conn, self, before)
    }
}

fn validate(vision: &mut Vision) -> AppResult<()> {
    vision.vision = vision.vision.trim().to_string();
    vision.purpose = vision.purpose.trim().to_string();
    let mut checks = Checks::new();
    checks.text("vision", &vision.vision, MAX_TEXT);
    checks.text("purpose", &vision.purpose, MAX_TEXT);
    checks.optional_text(
        "decision_reference",
        vision.decision_reference.as_ref(),
        MAX_NAME,
    );
    checks.optional_text("external_id", vision.external_id.as_ref(), MAX_NAME);
    checks.finish()
}

/// Filters for listing visions.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VisionListParams {
    /// Only the vision of this plan period.
    pub plan_period_id: Option<Id>,
    /// Include archived visions.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's visions.
    fn list_visions("/visions", tag = "visions", VisionListParams => Vision)
    |params| {
        let plan_period = params.plan_period_id;
        move |conn, org, page| Ok(visions::list(conn, org, plan_period.as_ref(), page)?)
    }
}

crate::crud_endpoints! {
    record: Vision,
    tag: "visions",
    collection: "/visions",
    item: "/visions/{id}",
    create: create_vision(CreateVision) "Adopt the vision and purpose of a plan period (council).",
    get: get_vision "Get one vision.",
    update: update_vision(UpdateVision) "Change a vision (council).",
    archive: archive_vision "/visions/{id}/archive" "Archive a vision.",
    unarchive: unarchive_vision "/visions/{id}/unarchive" "Restore an archived vision.",
    delete: delete_vision "Delete a vision.",
}
