//! `/api/v1/contacts`: the key persons of the administrations and the steering group.
//! Internal: every role of the organization reads them, only admin writes.

use actix_web::{delete, get, patch, post};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::api::{double_option, new_meta, Resource};
use crate::db::types::{Id, UtcTime};
use crate::error::AppResult;
use crate::rules::validate::{Checks, MAX_CODE, MAX_NAME};
use crate::store::contacts::{self, Contact, ContactFilter, ContactRole};
use crate::store::Tx;

/// A new contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContact {
    pub role: ContactRole,
    #[schema(example = "Anna Exempelsson")]
    #[schema(format = "text:name")]
    pub name: String,
    /// Job title.
    #[schema(example = "Kvalitets- och utvecklingsansvarig")]
    #[schema(format = "text:short")]
    pub title: Option<String>,
    /// Checked loosely: one `@` and a dot after it.
    #[schema(example = "anna.exempelsson@kommun.example")]
    #[schema(format = "text:email-or-blank")]
    pub email: Option<String>,
    #[schema(example = "070-174 06 05")]
    #[schema(format = "text:code")]
    pub phone: Option<String>,
    /// The administration, board or council the contact serves; required for a `key_person`.
    pub unit_id: Option<Id>,
    /// The perspective a `steering_group_member` answers for; required for one.
    pub perspective_id: Option<Id>,
    #[schema(format = "text:short")]
    pub external_id: Option<String>,
}

/// Changes to a contact: only the fields given change; null clears an optional field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContact {
    pub role: Option<ContactRole>,
    #[schema(format = "text:name")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:email-or-blank")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:code")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub unit_id: Option<Option<Id>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<uuid::Uuid>)]
    pub perspective_id: Option<Option<Id>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, format = "text:short")]
    pub external_id: Option<Option<String>>,
}

impl Resource for Contact {
    type Create = CreateContact;
    type Patch = UpdateContact;
    const PATH: &'static str = "/api/v1/contacts";

    fn build(organization_id: Id, input: CreateContact, now: UtcTime) -> AppResult<Contact> {
        let meta = new_meta(now);
        let mut contact = Contact {
            id: meta.id,
            organization_id,
            role: input.role,
            name: input.name,
            title: input.title,
            email: input.email,
            phone: input.phone,
            unit_id: input.unit_id,
            perspective_id: input.perspective_id,
            external_id: input.external_id,
            archived_at: None,
            created_at: meta.created_at,
            updated_at: meta.updated_at,
            version: meta.version,
        };
        validate(&mut contact)?;
        Ok(contact)
    }

    fn apply(&mut self, patch: UpdateContact) -> AppResult<()> {
        if let Some(role) = patch.role {
            self.role = role;
        }
        if let Some(name) = patch.name {
            self.name = name;
        }
        if let Some(title) = patch.title {
            self.title = title;
        }
        if let Some(email) = patch.email {
            self.email = email;
        }
        if let Some(phone) = patch.phone {
            self.phone = phone;
        }
        if let Some(unit) = patch.unit_id {
            self.unit_id = unit;
        }
        if let Some(perspective) = patch.perspective_id {
            self.perspective_id = perspective;
        }
        if let Some(external_id) = patch.external_id {
            self.external_id = external_id;
        }
        validate(self)
    }

    fn check(&mut self, conn: &mut Tx, before: Option<&Contact>) -> AppResult<()> {
        contacts::check(conn, self, before)
    }
}

/// The fields, and what each role needs: a key person a unit, a steering-group member a
/// perspective.
fn validate(contact: &mut Contact) -> AppResult<()> {
    let mut checks = Checks::new();
    checks.text("name", &mut contact.name, MAX_NAME);
    checks.optional_text("title", &mut contact.title, MAX_NAME);
    checks.optional_email("email", &mut contact.email, MAX_NAME);
    checks.optional_text("phone", &mut contact.phone, MAX_CODE);
    checks.optional_text("external_id", &mut contact.external_id, MAX_NAME);
    match contact.role {
        ContactRole::KeyPerson if contact.unit_id.is_none() => checks.fail(
            "unit_id",
            "a key person serves an administration: give its unit_id",
        ),
        ContactRole::SteeringGroupMember if contact.perspective_id.is_none() => checks.fail(
            "perspective_id",
            "a steering-group member answers for a perspective: give its perspective_id",
        ),
        _ => {}
    }
    checks.finish()
}

/// Filters for listing contacts.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ContactListParams {
    pub role: Option<ContactRole>,
    /// Only the contacts serving this unit (e.g. an administration's key persons).
    pub unit_id: Option<Id>,
    /// Only the steering group's responsible for this perspective.
    pub perspective_id: Option<Id>,
    /// Include archived contacts.
    pub include_archived: Option<bool>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(format = "text:query")]
    pub cursor: Option<String>,
}

crate::list_endpoint! {
    /// List the organization's key persons and steering group.
    fn list_contacts("/contacts", tag = "contacts", ContactListParams => Contact)
    |params| {
        let filter = ContactFilter {
            role: params.role,
            unit_id: params.unit_id,
            perspective_id: params.perspective_id,
        };
        move |conn, org, page| Ok(contacts::list(conn, org, &filter, page)?)
    }
}

crate::crud_endpoints! {
    record: Contact,
    tag: "contacts",
    collection: "/contacts",
    item: "/contacts/{id}",
    create: create_contact(CreateContact) "Add a key person or a member of the steering group (admin).",
    get: get_contact "Get one contact.",
    update: update_contact(UpdateContact) "Change a contact (admin).",
    archive: archive_contact "/contacts/{id}/archive" "Archive a contact who no longer has the role: lists hide it.",
    unarchive: unarchive_contact "/contacts/{id}/unarchive" "Restore an archived contact.",
    delete: delete_contact "Delete a contact (admin), e.g. one entered by mistake.",
}
