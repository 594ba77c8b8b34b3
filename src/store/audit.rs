//! The audit trail: who changed what, when, from what to what. Entries are written in the
//! same transaction as the change and never changed or deleted (the database refuses).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::audit_entries;
use crate::db::types::{Id, JsonDocument, UtcTime};
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::store::{PageRequest, Record, Tx};
use crate::text_enum;

text_enum! {
    /// What a write did.
    AuditAction {
        Create => "create",
        Update => "update",
        Archive => "archive",
        Unarchive => "unarchive",
        Delete => "delete",
    }
}

/// Who wrote: the caller of a request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub organization_id: Id,
    pub subject: String,
    pub name: Option<String>,
    pub request_id: Option<String>,
}

/// One write, as the audit trail keeps it.
#[derive(Debug, Clone, Serialize, ToSchema, Queryable, Insertable)]
#[diesel(table_name = audit_entries, treat_none_as_default_value = false)]
pub struct AuditEntry {
    pub id: Id,
    pub organization_id: Id,
    pub occurred_at: UtcTime,
    /// The token's `sub`.
    pub actor_subject: String,
    /// The token's `name`, when it has one.
    pub actor_name: Option<String>,
    pub action: AuditAction,
    /// `organization`, `unit`, `plan_period`, `reporting_period`, `vision`, `perspective`,
    /// `goal`, `department_goal`, `activity` or `contact`.
    #[schema(example = "goal")]
    pub entity_type: String,
    pub entity_id: Id,
    /// The record before the write (null for a create).
    pub before: Option<JsonDocument>,
    /// The record after the write (null for a delete).
    pub after: Option<JsonDocument>,
    /// The request's `X-Request-Id`.
    pub request_id: Option<String>,
}

/// The entry for one write of `R` by `actor`: `before` is none for a create, `after` none
/// for a delete.
pub fn entry<R: Record>(
    actor: &Actor,
    action: AuditAction,
    before: Option<&R>,
    after: Option<&R>,
) -> AppResult<AuditEntry> {
    let entity = after
        .or(before)
        .ok_or_else(|| AppError::Internal("an audit entry needs a record".into()))?;
    let document = |record: Option<&R>| {
        record
            .map(JsonDocument::of)
            .transpose()
            .map_err(|e| AppError::Internal(format!("cannot serialize an audit snapshot: {e}")))
    };
    Ok(AuditEntry {
        id: Id::new(),
        organization_id: actor.organization_id.clone(),
        occurred_at: UtcTime::now(),
        actor_subject: actor.subject.clone(),
        actor_name: actor.name.clone(),
        action,
        entity_type: R::KIND.as_str().to_string(),
        entity_id: entity.id().clone(),
        before: document(before)?,
        after: document(after)?,
        request_id: actor.request_id.clone(),
    })
}

/// Appends one entry.
pub fn insert(tx: &mut Tx, entry: &AuditEntry) -> AppResult<()> {
    diesel::insert_into(audit_entries::table)
        .values(entry)
        .execute(&mut **tx)?;
    Ok(())
}

/// Writes audit entries many to a statement (a bulk import's).
pub fn insert_all(conn: &mut DbConnection, entries: &[AuditEntry]) -> AppResult<()> {
    crate::insert_rows!(conn, audit_entries::table, entries);
    Ok(())
}

#[derive(Debug, Default)]
pub struct AuditFilter {
    pub entity_type: Option<String>,
    pub entity_id: Option<Id>,
    pub actor: Option<String>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// One page of the trail, oldest first.
pub fn list(
    conn: &mut DbConnection,
    org: &Id,
    filter: &AuditFilter,
    page: &PageRequest,
) -> QueryResult<Vec<AuditEntry>> {
    use crate::db::schema::audit_entries::dsl as t;
    let mut query = t::audit_entries
        .filter(t::organization_id.eq(org))
        .into_boxed();
    if let Some(entity_type) = &filter.entity_type {
        query = query.filter(t::entity_type.eq(entity_type.clone()));
    }
    if let Some(entity) = &filter.entity_id {
        query = query.filter(t::entity_id.eq(entity.clone()));
    }
    if let Some(actor) = &filter.actor {
        query = query.filter(t::actor_subject.eq(actor.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(t::occurred_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(t::occurred_at.lt(to));
    }
    if let Some(after) = &page.after {
        query = query.filter(t::id.gt(after.clone()));
    }
    query.order(t::id.asc()).limit(page.limit + 1).load(conn)
}
