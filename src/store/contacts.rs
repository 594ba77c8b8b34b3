//! Contacts: the key persons (nyckel-/kontaktpersoner) who serve an administration, and the
//! steering group (styrgrupp) with its lead and a responsible per perspective. Internal:
//! these are real people's names and addresses.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::contacts;
use crate::db::types::{Id, UtcTime};
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::rules::permissions::Kind;
use crate::store::perspectives::Perspective;
use crate::store::units::{self, UnitKind};
use crate::store::Tx;
use crate::store::{is_new, referenced, PageRequest};
use crate::{impl_record, paged, text_enum};

text_enum! {
    /// What a contact is in the goal-management work.
    ContactRole {
        /// A key person (nyckelperson, kontaktperson) of an administration: helps its teams
        /// get started and plans the follow-up; needs `unit_id`.
        KeyPerson => "key_person",
        /// The steering group's lead (huvudansvarig).
        SteeringGroupLead => "steering_group_lead",
        /// The steering group's responsible for one perspective; needs `perspective_id`.
        SteeringGroupMember => "steering_group_member",
    }
}

/// The kinds of unit a contact may serve: the political side and the administrations.
pub const UNIT_KINDS: [UnitKind; 3] =
    [UnitKind::Administration, UnitKind::Board, UnitKind::Council];

/// A person in the goal-management work of the organization.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable, AsChangeset)]
#[diesel(table_name = contacts, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct Contact {
    pub id: Id,
    pub organization_id: Id,
    pub role: ContactRole,
    #[schema(example = "Anna Exempelsson")]
    pub name: String,
    /// Job title.
    #[schema(example = "Kvalitets- och utvecklingsansvarig")]
    pub title: Option<String>,
    #[schema(example = "anna.exempelsson@kommun.example")]
    pub email: Option<String>,
    #[schema(example = "070-174 06 05")]
    pub phone: Option<String>,
    /// The administration (or board, or council) the contact serves; required for a key person.
    pub unit_id: Option<Id>,
    /// The perspective a steering-group member answers for; required for a member.
    pub perspective_id: Option<Id>,
    pub external_id: Option<String>,
    pub archived_at: Option<UtcTime>,
    pub created_at: UtcTime,
    pub updated_at: UtcTime,
    pub version: i32,
}

impl_record!(Contact, contacts, Kind::Contact);

#[derive(Debug, Default)]
pub struct ContactFilter {
    pub role: Option<ContactRole>,
    pub unit_id: Option<Id>,
    pub perspective_id: Option<Id>,
}

pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    filter: &ContactFilter,
    page: &PageRequest,
) -> QueryResult<Vec<Contact>> {
    use crate::db::schema::contacts::dsl as t;
    let mut query = t::contacts.filter(t::organization_id.eq(org)).into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(t::role.eq(role));
    }
    if let Some(unit) = &filter.unit_id {
        query = query.filter(t::unit_id.eq(unit.clone()));
    }
    if let Some(perspective) = &filter.perspective_id {
        query = query.filter(t::perspective_id.eq(perspective.clone()));
    }
    paged!(query, t, page).load(conn)
}

/// Whether any contact (archived ones included) serves the unit.
pub fn serve_unit(conn: &mut DbConnection, unit: &Id) -> QueryResult<bool> {
    use crate::db::schema::contacts::dsl as t;
    let any = t::contacts
        .filter(t::unit_id.eq(unit))
        .select(t::id)
        .first::<Id>(conn)
        .optional()?;
    Ok(any.is_some())
}

/// The unit, when given, is an administration, board or council of this organization; the
/// perspective, when given, is one of this organization.
pub fn check(conn: &mut Tx, contact: &Contact, before: Option<&Contact>) -> AppResult<()> {
    let org = &contact.organization_id;
    if let Some(unit) = &contact.unit_id {
        units::require_kind(
            conn,
            org,
            unit,
            "unit_id",
            is_new(before.and_then(|b| b.unit_id.as_ref()), unit),
            &UNIT_KINDS,
        )?;
    }
    if let Some(perspective) = &contact.perspective_id {
        referenced::<Perspective>(
            conn,
            org,
            perspective,
            "perspective_id",
            is_new(before.and_then(|b| b.perspective_id.as_ref()), perspective),
        )?;
    }
    Ok(())
}
