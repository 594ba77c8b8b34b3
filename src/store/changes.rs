//! The change feed: every write of a resource, in commit order, with the record's new state
//! (or a tombstone). Appended by the audit trail's `record`, so in the same transaction as the
//! write itself; read by `GET /api/v1/changes`.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::changes;
use crate::db::types::{Id, JsonDocument, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Kind;
use crate::store::audit::AuditAction;
use crate::store::Tx;

/// The advisory-lock class of the change feed on PostgreSQL (the two-key form, apart from
/// the unit tree's one-key locks).
const FEED_LOCK_CLASS: i32 = 0x6d73_6366;

/// One stored change.
#[derive(Debug, Clone, Queryable)]
pub struct ChangeRow {
    pub seq: i64,
    pub organization_id: Id,
    pub occurred_at: UtcTime,
    pub action: AuditAction,
    pub entity_type: String,
    pub entity_id: Id,
    pub state: Option<JsonDocument>,
}

/// A change to append.
#[derive(Insertable)]
#[diesel(table_name = changes, treat_none_as_default_value = false)]
pub struct NewChange {
    pub organization_id: Id,
    pub occurred_at: UtcTime,
    pub action: AuditAction,
    pub entity_type: String,
    pub entity_id: Id,
    pub state: Option<JsonDocument>,
}

impl NewChange {
    /// The change an audited write makes, without who made it.
    pub fn of(entry: &crate::store::audit::AuditEntry) -> NewChange {
        NewChange {
            organization_id: entry.organization_id.clone(),
            occurred_at: entry.occurred_at,
            action: entry.action,
            entity_type: entry.entity_type.clone(),
            entity_id: entry.entity_id.clone(),
            state: entry.after.clone(),
        }
    }
}

/// One change as a consumer reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// Pass as `after` to read what came after this change.
    #[schema(example = "1042")]
    pub cursor: String,
    pub occurred_at: UtcTime,
    pub action: AuditAction,
    /// `organization`, `unit`, `plan_period`, `reporting_period`, `vision`, `perspective`,
    /// `goal`, `department_goal`, `activity`, `contact`, `indicator`, `measurement` or `follow_up`.
    #[schema(example = "goal")]
    pub entity_type: String,
    pub entity_id: Id,
    /// The record after the change, as `GET` of it answers; null for a delete (a tombstone).
    #[schema(value_type = Option<Object>)]
    pub state: Option<JsonDocument>,
}

impl From<ChangeRow> for Change {
    fn from(row: ChangeRow) -> Change {
        Change {
            cursor: row.seq.to_string(),
            occurred_at: row.occurred_at,
            action: row.action,
            entity_type: row.entity_type,
            entity_id: row.entity_id,
            state: row.state,
        }
    }
}

/// Takes the organization's write lock until the transaction ends (PostgreSQL; SQLite
/// writers are serialized already by `BEGIN IMMEDIATE`). Every change is appended under it,
/// so its numbers follow commit order: a transaction that numbered its change first also
/// commits first, and a consumer reading after a number never misses a later commit with a
/// smaller one. A write takes it before it reads what it changes, so that writes of one
/// organization take their locks in one order (this one, then rows) and never deadlock, and
/// each reads what the one before it committed (an upsert by external id finds the record a
/// concurrent import has just created). Taking it again in one transaction waits for nothing.
pub fn lock_for_writing(conn: &mut DbConnection, org: &Id) -> QueryResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        crate::db::advisory_xact_lock(pg, FEED_LOCK_CLASS, org.as_str())?;
    }
    Ok(())
}

/// Appends a change, under the organization's write lock (`lock_for_writing`).
pub fn append(tx: &mut Tx, change: NewChange) -> AppResult<()> {
    lock_feed(tx, &change.organization_id)?;
    require_active(tx, &change)?;
    diesel::insert_into(changes::table)
        .values(&change)
        .execute(&mut **tx)?;
    let org = &change.organization_id;
    let event = format!("{}.{}", change.entity_type, change.action);
    crate::store::webhooks::enqueue(tx, org, &event, |conn| {
        let row = newest(conn, org)?;
        let seq = row.seq;
        let mut body = serde_json::to_value(Change::from(row)).map_err(|e| {
            crate::error::AppError::Internal(format!("a change did not serialize: {e}"))
        })?;
        if let Some(fields) = body.as_object_mut() {
            fields.insert("event".into(), serde_json::json!(event));
        }
        Ok((seq, body))
    })
}

/// Appends changes no webhook subscription wants, in their order, many to a statement.
pub fn insert_all(tx: &mut Tx, changes: &[NewChange]) -> AppResult<()> {
    let mut locked: Vec<&Id> = Vec::new();
    for change in changes {
        if !locked.contains(&&change.organization_id) {
            lock_feed(tx, &change.organization_id)?;
            require_active(tx, change)?;
            locked.push(&change.organization_id);
        }
    }
    let conn: &mut DbConnection = tx;
    crate::insert_rows!(conn, changes::table, changes);
    Ok(())
}

/// Takes the organization's write lock and notes the write for the answer cache (`Tx`).
/// An archived organization is read-only: every write of its records ends here, whatever
/// road it took (API, import, Kolada, roll-over), and is refused with 409. Only the
/// organization itself changes (its admin restores it).
fn require_active(conn: &mut DbConnection, change: &NewChange) -> AppResult<()> {
    if change.entity_type == Kind::Organization.as_str() {
        return Ok(());
    }
    let org = crate::store::organizations::find(conn, &change.organization_id)?;
    if org.is_some_and(|org| org.archived_at.is_some()) {
        return Err(AppError::Conflict {
            detail: format!(
                "the organization is archived and so read-only: its admin restores it with POST /api/v1/organizations/{}/unarchive",
                change.organization_id
            ),
            errors: vec![],
        });
    }
    Ok(())
}

fn lock_feed(tx: &mut Tx, org: &Id) -> AppResult<()> {
    lock_for_writing(tx, org)?;
    tx.wrote(org);
    Ok(())
}

/// The newest change of an organization: inside a writing transaction, the one just appended.
fn newest(conn: &mut DbConnection, org: &Id) -> QueryResult<ChangeRow> {
    use crate::db::schema::changes::dsl as t;
    t::changes
        .filter(t::organization_id.eq(org))
        .order(t::seq.desc())
        .first(conn)
}

/// The changes of an organization after `after`, oldest first, at most `limit + 1` of them.
pub fn after(
    conn: &mut DbConnection,
    org: &Id,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<ChangeRow>> {
    use crate::db::schema::changes::dsl as t;
    t::changes
        .filter(t::organization_id.eq(org))
        .filter(t::seq.gt(after))
        .order(t::seq.asc())
        .limit(limit + 1)
        .load(conn)
}

/// The newest change's number in an organization's feed (its horizon when none is kept).
pub fn latest(conn: &mut DbConnection, org: &Id) -> QueryResult<i64> {
    use crate::db::schema::changes::dsl as t;
    let newest: Option<i64> = t::changes
        .filter(t::organization_id.eq(org))
        .select(diesel::dsl::max(t::seq))
        .first(conn)?;
    match newest {
        Some(seq) => Ok(seq),
        None => horizon(conn, org),
    }
}

/// The last number pruned from an organization's feed (0 when nothing was).
pub fn horizon(conn: &mut DbConnection, org: &Id) -> QueryResult<i64> {
    use crate::db::schema::change_horizons::dsl as t;
    Ok(t::change_horizons
        .filter(t::organization_id.eq(org))
        .select(t::pruned_through)
        .first(conn)
        .optional()?
        .unwrap_or(0))
}

/// Deletes changes older than the retention period and moves each organization's horizon
/// past them; returns how many were deleted.
pub fn prune(conn: &mut DbConnection, retention_days: i64, now: NaiveDateTime) -> AppResult<usize> {
    use crate::db::schema::changes::dsl as t;
    let cutoff = UtcTime(now - Duration::days(retention_days));
    let pruned: Vec<(String, Option<i64>)> = t::changes
        .filter(t::occurred_at.lt(cutoff))
        .group_by(t::organization_id)
        .select((t::organization_id, diesel::dsl::max(t::seq)))
        .load(conn)?;
    let mut deleted = 0;
    for (org, through) in pruned {
        let Some(through) = through else { continue };
        deleted += diesel::delete(
            t::changes
                .filter(t::organization_id.eq(&org))
                .filter(t::seq.le(through)),
        )
        .execute(conn)?;
        let org: Id = org.parse().map_err(|_| {
            crate::error::AppError::Internal("a change of a bad organization id".into())
        })?;
        let current = horizon(conn, &org)?;
        if through > current {
            use crate::db::schema::change_horizons::dsl as h;
            diesel::delete(h::change_horizons.filter(h::organization_id.eq(&org))).execute(conn)?;
            diesel::insert_into(h::change_horizons)
                .values((h::organization_id.eq(&org), h::pruned_through.eq(through)))
                .execute(conn)?;
        }
    }
    Ok(deleted)
}
