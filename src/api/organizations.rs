//! `/api/v1/organizations`: the municipality itself. A token names one organization. Who
//! an organization is in public, its municipality code and name, is the service operator's
//! to set (`malstyrning organizations`): a tenant could otherwise appear as another
//! municipality. Its admin changes the rest, archives and restores it.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::extract::IfMatch;
use crate::api::{double_option, new_meta, Page, Resource, Writer};
use crate::auth::Caller;
use crate::db::types::{Id, UtcTime};
use crate::error::AppResult;
use crate::rules::municipalities;
use crate::rules::permissions::Action;
use crate::rules::validate::{Checks, MAX_NAME};
use crate::store::organizations::{self, Organization};
use crate::store::Store;
use crate::store::Tx;

/// A new organization, registered by the operator (`malstyrning organizations register`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    #[schema(example = "Värnamo kommun")]
    #[schema(format = "text:name")]
    pub name: String,
    /// One of Sweden's municipality codes, or a region code, four digits as in Kolada.
    #[schema(example = "0683")]
    #[schema(format = "text:municipality")]
    pub municipality_code: String,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to an organization. `name` and `municipality_code` are the operator's
/// (`malstyrning organizations set`): an API caller giving either gets 403.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    #[schema(format = "text:name")]
    pub name: Option<String>,
    #[schema(format = "text:municipality")]
    pub municipality_code: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for Organization {
    type Create = CreateOrganization;
    type Patch = UpdateOrganization;
    const PATH: &'static str = "/api/v1/organizations";
    const IN_ORGANIZATION: bool = false;

    fn build(
        organization_id: Id,
        input: CreateOrganization,
        now: UtcTime,
    ) -> AppResult<Organization> {
        let meta = new_meta(now);
        let mut org = Organization {
            id: organization_id,
            name: input.name,
            municipality_code: input.municipality_code,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut org)?;
        Ok(org)
    }

    fn apply(&mut self, patch: UpdateOrganization) -> AppResult<()> {
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(code) = patch.municipality_code {
            self.municipality_code = code;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&Organization>) -> AppResult<()> {
        if before.is_none() && organizations::find(conn, &self.id)?.is_some() {
            return Err(crate::error::AppError::conflict(
                "id",
                "the token's organization already exists",
            ));
        }
        organizations::check(conn, self, before)
    }

    fn operator_only(patch: Option<&UpdateOrganization>) -> Option<&'static str> {
        match patch {
            None => Some("organizations are registered by the service's operator (`malstyrning organizations register`), not through the API"),
            Some(p) if p.name.is_some() || p.municipality_code.is_some() => Some("an organization's name and municipality code are set by the service's operator (`malstyrning organizations set`), not through the API"),
            Some(_) => None,
        }
    }
}

/// Registers an organization with a municipality or region code: the operator's act (the
/// command line), through the one write path, audited as `operator`. Its name defaults to
/// the code's name in SCB's list.
pub fn register(
    conn: &mut Tx,
    id: Id,
    code: &str,
    name: Option<String>,
) -> AppResult<Organization> {
    // An unknown code is refused for itself; the name then defaults to the code.
    let name = name.unwrap_or_else(|| municipalities::name_of(code).unwrap_or(code).into());
    let input = CreateOrganization {
        name,
        municipality_code: code.to_string(),
        external_id: None,
    };
    crate::api::create_in::<Organization>(conn, &Writer::operator(id, OPERATOR), input)
}

/// Changes an organization's municipality code or name: the operator's act.
pub fn set_identity(
    conn: &mut Tx,
    id: Id,
    code: Option<String>,
    name: Option<String>,
) -> AppResult<Organization> {
    let patch = UpdateOrganization {
        name,
        municipality_code: code,
        external_id: None,
    };
    let writer = Writer::operator(id.clone(), OPERATOR);
    let change = crate::api::Change::Patch(patch);
    Ok(crate::api::change_in::<Organization>(conn, &writer, &id, &IfMatch::default(), change)?.0)
}

/// Who the audit trail names for the operator's writes.
const OPERATOR: &str = "operator";

fn validate(org: &mut Organization) -> AppResult<()> {
    let mut checks = Checks::new();
    org.municipality_code = org.municipality_code.trim().to_string();
    checks.text("name", &mut org.name, MAX_NAME);
    if municipalities::name_of(&org.municipality_code).is_none() {
        checks.fail(
            "municipality_code",
            "is not one of Sweden's municipality or region codes (SCB), e.g. 0683",
        );
    }
    checks.optional_text("external_id", &mut org.external_id, MAX_NAME);
    checks.finish()
}

/// List the organizations the caller can see: its own.
#[utoipa::path(
    tag = "organizations",
    responses(
        (status = 200, description = "The caller's organization (if stored)", body = Page<Organization>),
        (status = 403, description = "The caller's roles do not allow this", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/organizations")]
pub async fn list_organizations(
    store: web::Data<Store>,
    caller: Caller,
) -> AppResult<HttpResponse> {
    caller.require(Action::Read)?;
    let org = caller.organization_id.clone();
    let found = store
        .run(move |conn| Ok(organizations::find(conn, &org)?))
        .await?;
    let page = Page {
        items: found.into_iter().collect(),
        next_cursor: None,
    };
    Ok(HttpResponse::Ok().json(page))
}

crate::crud_endpoints! {
    record: Organization,
    tag: "organizations",
    collection: "/organizations",
    item: "/organizations/{id}",
    get: get_organization "Get the caller's organization.",
    update: update_organization(UpdateOrganization) "Change the caller's organization (admin); its name and municipality code are the operator's.",
    archive: archive_organization "/organizations/{id}/archive" "Archive the caller's organization (admin).",
    unarchive: unarchive_organization "/organizations/{id}/unarchive" "Restore the caller's archived organization (admin).",
    delete: delete_organization "Delete the caller's organization, when nothing is stored for it any more (admin).",
}
