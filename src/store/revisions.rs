//! Revisions of adopted goals, department goals and visions, and of the targets of their
//! indicators: each decision that put a version in force, from when to when, who recorded it
//! and what changed. Written in the same transaction as the change.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::revisions;
use crate::db::types::{Id, JsonDocument, UtcTime};
use crate::db::DbConnection;

/// One version of an adopted goal, department goal or vision (or of an indicator's targets), in force from `valid_from` until `valid_to`.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable)]
#[diesel(table_name = revisions, treat_none_as_default_value = false)]
pub struct Revision {
    pub id: Id,
    pub organization_id: Id,
    /// `goal`, `department_goal`, `vision` or `indicator`.
    #[schema(example = "goal")]
    pub entity_type: String,
    pub entity_id: Id,
    /// 1, 2, … per record.
    #[schema(example = 2)]
    pub number: i32,
    /// The first day in force: the decision's date.
    pub valid_from: NaiveDate,
    /// The day the next decision (or retirement) took over; null while in force.
    pub valid_to: Option<NaiveDate>,
    /// The record as it was in force.
    pub snapshot: JsonDocument,
    /// What this revision changed: a list of `{field, before, after}` (empty for the first).
    #[schema(value_type = Vec<Object>)]
    pub changes: JsonDocument,
    /// Why it was changed.
    pub reason: Option<String>,
    #[schema(example = "KF 2012-06-14 § 77")]
    pub decision_reference: String,
    pub decided_on: NaiveDate,
    /// The deciding body (council or board).
    pub decided_by_unit_id: Id,
    /// The token's `sub` of who recorded it.
    pub actor_subject: String,
    pub actor_name: Option<String>,
    pub created_at: UtcTime,
}

/// All revisions of one record, oldest first.
pub fn of_entity(
    conn: &mut DbConnection,
    org: &Id,
    entity_type: &str,
    entity_id: &Id,
) -> QueryResult<Vec<Revision>> {
    use crate::db::schema::revisions::dsl as t;
    t::revisions
        .filter(t::organization_id.eq(org))
        .filter(t::entity_type.eq(entity_type))
        .filter(t::entity_id.eq(entity_id))
        .order(t::number.asc())
        .load(conn)
}

/// All revisions of these records, by record and oldest first.
pub fn of_entities(
    conn: &mut DbConnection,
    org: &Id,
    entity_type: &str,
    entity_ids: &[Id],
) -> QueryResult<Vec<Revision>> {
    use crate::db::schema::revisions::dsl as t;
    t::revisions
        .filter(t::organization_id.eq(org))
        .filter(t::entity_type.eq(entity_type))
        .filter(t::entity_id.eq_any(entity_ids.to_vec()))
        .order((t::entity_id.asc(), t::number.asc()))
        .load(conn)
}

/// The revision in force on `day`, if any.
pub fn in_force(
    conn: &mut DbConnection,
    org: &Id,
    entity_type: &str,
    entity_id: &Id,
    day: NaiveDate,
) -> QueryResult<Option<Revision>> {
    use crate::db::schema::revisions::dsl as t;
    t::revisions
        .filter(t::organization_id.eq(org))
        .filter(t::entity_type.eq(entity_type))
        .filter(t::entity_id.eq(entity_id))
        .filter(t::valid_from.le(day))
        .filter(t::valid_to.is_null().or(t::valid_to.gt(day)))
        .order(t::number.desc())
        .first(conn)
        .optional()
}

/// Every revision of a kind of record in force on `day`, by record.
pub fn all_in_force(
    conn: &mut DbConnection,
    org: &Id,
    entity_type: &str,
    day: NaiveDate,
) -> QueryResult<Vec<Revision>> {
    use crate::db::schema::revisions::dsl as t;
    t::revisions
        .filter(t::organization_id.eq(org))
        .filter(t::entity_type.eq(entity_type))
        .filter(t::valid_from.le(day))
        .filter(t::valid_to.is_null().or(t::valid_to.gt(day)))
        .order(t::number.asc())
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, revision: &Revision) -> QueryResult<usize> {
    diesel::insert_into(revisions::table)
        .values(revision)
        .execute(conn)
}

/// Ends the open revision's validity on `day`.
pub fn close(conn: &mut DbConnection, id: &Id, day: NaiveDate) -> QueryResult<usize> {
    use crate::db::schema::revisions::dsl as t;
    diesel::update(t::revisions.filter(t::id.eq(id)))
        .set(t::valid_to.eq(Some(day)))
        .execute(conn)
}
