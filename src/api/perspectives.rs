//! `/api/v1/perspectives`: the perspectives that group the overarching goals.

use actix_web::{delete, get, patch, post};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, UtcTime};
use crate::error::AppResult;
use crate::rules::validate::{Checks, MAX_NAME, MAX_TEXT};
use crate::store::perspectives::{self, Focus, Perspective};
use crate::store::Tx;

/// A new perspective.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePerspective {
    pub plan_period_id: Id,
    #[schema(example = "Medborgar/kundmål")]
    #[schema(format = "text:name")]
    pub name: String,
    #[schema(format = "text:long")]
    pub description: Option<String>,
    pub focus: Focus,
    /// Order among the plan period's perspectives, from 1.
    #[schema(example = 1)]
    #[serde(deserialize_with = "crate::api::whole_number")]
    #[schema(minimum = 1)]
    pub position: i32,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to a perspective.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePerspective {
    #[schema(format = "text:name")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:long")]
    pub description: Option<Option<String>>,
    pub focus: Option<Focus>,
    #[serde(default, deserialize_with = "crate::api::optional_whole_number")]
    #[schema(minimum = 1)]
    pub position: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for Perspective {
    type Create = CreatePerspective;
    type Patch = UpdatePerspective;
    const PATH: &'static str = "/api/v1/perspectives";

    fn build(
        organization_id: Id,
        input: CreatePerspective,
        now: UtcTime,
    ) -> AppResult<Perspective> {
        let meta = new_meta(now);
        let mut perspective = Perspective {
            id: meta.id,
            organization_id,
            plan_period_id: input.plan_period_id,
            name: input.name,
            description: input.description,
            focus: input.focus,
            position: input.position,
            predecessor_id: None,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut perspective)?;
        Ok(perspective)
    }

    fn apply(&mut self, patch: UpdatePerspective) -> AppResult<()> {
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(description) = patch.description {
            self.description = description;
        }
        if let Some(focus) = patch.focus {
            self.focus = focus;
        }
        if let Some(position) = patch.position {
            self.position = position;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&Perspective>) -> AppResult<()> {
        perspectives::check(conn, self, before)
    }
}

fn validate(perspective: &mut Perspective) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.text("name", &mut perspective.name, MAX_NAME);
    checks.optional_text("description", &mut perspective.description, MAX_TEXT);
    checks.positive("position", perspective.position);
    checks.optional_text("external_id", &mut perspective.external_id, MAX_NAME);
    checks.finish()
}

/// Filters for listing perspectives.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PerspectiveListParams {
    /// Only perspectives of this plan period.
    pub plan_period_id: Option<Id>,
    pub focus: Option<Focus>,
    /// Include archived perspectives.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's perspectives.
    fn list_perspectives("/perspectives", tag = "perspectives", PerspectiveListParams => Perspective)
    |params| {
        let (plan_period, focus) = (params.plan_period_id, params.focus);
        move |conn, org, page| Ok(perspectives::list(conn, org, plan_period.as_ref(), focus, page)?)
    }
}

crate::crud_endpoints! {
    record: Perspective,
    tag: "perspectives",
    collection: "/perspectives",
    item: "/perspectives/{id}",
    create: create_perspective(CreatePerspective) "Create a perspective of a plan period (council).",
    get: get_perspective "Get one perspective.",
    update: update_perspective(UpdatePerspective) "Change a perspective (council).",
    archive: archive_perspective "/perspectives/{id}/archive" "Archive a perspective: no new goals can be placed in it.",
    unarchive: unarchive_perspective "/perspectives/{id}/unarchive" "Restore an archived perspective.",
    delete: delete_perspective "Delete a perspective that no goal references (otherwise archive it).",
}
