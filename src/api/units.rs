//! `/api/v1/units`: the organization's unit tree.

use actix_web::{delete, get, patch, post};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, UtcTime};
use crate::error::AppResult;
use crate::rules::validate::{Checks, MAX_CODE, MAX_NAME};
use crate::store::units::{self, Unit, UnitFilter, UnitKind};
use crate::store::Tx;

/// A new unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnit {
    pub kind: UnitKind,
    #[schema(example = "Barn- och utbildningsnämnden")]
    #[schema(format = "text:name")]
    pub name: String,
    #[schema(example = "BUN")]
    #[schema(format = "text:code")]
    pub short_code: Option<String>,
    /// The unit above this one; omit for a root.
    pub parent_id: Option<Id>,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to a unit: only the fields given change; null clears an optional field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnit {
    pub kind: Option<UnitKind>,
    #[schema(format = "text:name")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:code")]
    pub short_code: Option<Option<String>>,
    /// Move the unit below another (null: make it a root).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub parent_id: Option<Option<Id>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for Unit {
    type Create = CreateUnit;
    type Patch = UpdateUnit;
    const PATH: &'static str = "/api/v1/units";

    fn build(organization_id: Id, input: CreateUnit, now: UtcTime) -> AppResult<Unit> {
        let meta = new_meta(now);
        let mut unit = Unit {
            id: meta.id,
            organization_id,
            parent_id: input.parent_id,
            kind: input.kind,
            name: input.name,
            short_code: input.short_code,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut unit)?;
        Ok(unit)
    }

    fn apply(&mut self, patch: UpdateUnit) -> AppResult<()> {
        if let Some(kind) = patch.kind {
            self.kind = kind;
        }
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(short_code) = patch.short_code {
            self.short_code = short_code;
        }
        if let Some(parent_id) = patch.parent_id {
            self.parent_id = parent_id;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&Unit>) -> AppResult<()> {
        units::check(conn, self, before)
    }
}

fn validate(unit: &mut Unit) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.text("name", &mut unit.name, MAX_NAME);
    checks.optional_text("short_code", &mut unit.short_code, MAX_CODE);
    checks.optional_text("external_id", &mut unit.external_id, MAX_NAME);
    if unit.parent_id.as_ref() == Some(&unit.id) {
        checks.fail("parent_id", "a unit cannot be its own parent");
    }
    checks.finish()
}

/// Filters for listing units.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnitListParams {
    /// Only the direct children of this unit.
    pub parent_id: Option<Id>,
    /// Only units of this kind.
    pub kind: Option<UnitKind>,
    /// Only this unit and every unit below it.
    pub descendants_of: Option<Id>,
    /// Include archived units.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's units.
    fn list_units("/units", tag = "units", UnitListParams => Unit)
    |params| {
        move |conn, org, page| {
            let within = match &params.descendants_of {
                Some(root) => Some(units::subtree_ids(conn, org, root)?),
                None => None,
            };
            let filter = UnitFilter { parent_id: params.parent_id, kind: params.kind, within };
            Ok(units::list(conn, org, &filter, page)?)
        }
    }
}

crate::crud_endpoints! {
    record: Unit,
    tag: "units",
    collection: "/units",
    item: "/units/{id}",
    create: create_unit(CreateUnit) "Create a unit (council, board, administration, unit or work team).",
    get: get_unit "Get one unit.",
    update: update_unit(UpdateUnit) "Change a unit; moving it below one of its own descendants is refused.",
    archive: archive_unit "/units/{id}/archive" "Archive a unit: it is hidden from lists and nothing new can be placed under it.",
    unarchive: unarchive_unit "/units/{id}/unarchive" "Restore an archived unit.",
    delete: delete_unit "Delete a unit that nothing references (otherwise archive it).",
}
