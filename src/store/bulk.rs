//! A bulk import in progress on this thread. Every row still goes through the rules, scope
//! checks, audit trail and change feed of a single write; what changes is the cost:
//! - a record that rows refer to (their team, their goal) is read once, not once a row;
//!   every write of the import updates what is remembered, so it is never stale;
//! - the audit entries and changes are written 500 to a statement when the import has
//!   gathered them, in the order of the writes and in the same transaction, unless a webhook
//!   subscription of the organization needs each change's number as it is written.
//!
//! Only the import begins one (`begin`); everywhere else these functions do nothing.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;

use crate::db::types::Id;
use crate::db::DbConnection;
use crate::error::AppResult;
use crate::store::audit::AuditEntry;
use crate::store::changes::NewChange;

/// How many audit entries (and changes) wait before they are written.
const PENDING_LIMIT: usize = crate::db::ROWS_PER_INSERT;

#[derive(Default)]
struct Bulk {
    /// Records read or written by the import, by id (ids are unique across kinds).
    records: HashMap<Id, Box<dyn Any>>,
    /// Whether an organization has a webhook subscription that could want a change.
    subscribed: HashMap<Id, bool>,
    audit: Vec<AuditEntry>,
    changes: Vec<NewChange>,
}

thread_local! {
    static CURRENT: RefCell<Option<Bulk>> = const { RefCell::new(None) };
}

/// The import's hold on this thread: ends the bulk write when dropped, also on an error or a
/// panic, so that nothing remembered outlives its transaction.
pub struct Session(());

impl Drop for Session {
    fn drop(&mut self) {
        CURRENT.with(|current| current.borrow_mut().take());
    }
}

/// Starts a bulk write on this thread. Call `flush` before the transaction commits.
pub fn begin() -> Session {
    CURRENT.with(|current| *current.borrow_mut() = Some(Bulk::default()));
    Session(())
}

fn with<T>(work: impl FnOnce(&mut Bulk) -> T) -> Option<T> {
    CURRENT.with(|current| current.borrow_mut().as_mut().map(work))
}

/// The record with this id as the import last read or wrote it.
pub fn remembered<R: Clone + 'static>(id: &Id) -> Option<R> {
    with(|bulk| {
        bulk.records
            .get(id)
            .and_then(|record| record.downcast_ref::<R>())
            .cloned()
    })
    .flatten()
}

/// Remembers a record as read or written (none: deleted).
pub fn remember<R: Clone + 'static>(id: &Id, record: Option<&R>) {
    with(|bulk| match record {
        Some(record) => {
            bulk.records.insert(id.clone(), Box::new(record.clone()));
        }
        None => {
            bulk.records.remove(id);
        }
    });
}

/// Keeps an audit entry and its change to write later; gives them back to write now outside
/// a bulk write, or when a webhook subscription may want the change (its delivery needs the
/// change's number).
pub fn defer(
    conn: &mut DbConnection,
    entry: AuditEntry,
    change: NewChange,
) -> AppResult<Option<(AuditEntry, NewChange)>> {
    let org = &entry.organization_id;
    let subscribed = match with(|bulk| bulk.subscribed.get(org).copied()) {
        None => return Ok(Some((entry, change))),
        Some(Some(subscribed)) => subscribed,
        Some(None) => {
            let subscribed = crate::store::webhooks::any_active(conn, org)?;
            with(|bulk| bulk.subscribed.insert(org.clone(), subscribed));
            subscribed
        }
    };
    if subscribed {
        return Ok(Some((entry, change)));
    }
    let full = with(|bulk| {
        bulk.audit.push(entry);
        bulk.changes.push(change);
        bulk.audit.len() >= PENDING_LIMIT
    });
    if full == Some(true) {
        flush(conn)?;
    }
    Ok(None)
}

/// Writes the audit entries and changes gathered so far.
pub fn flush(conn: &mut DbConnection) -> AppResult<()> {
    let Some((audit, changes)) = with(|bulk| {
        (
            std::mem::take(&mut bulk.audit),
            std::mem::take(&mut bulk.changes),
        )
    }) else {
        return Ok(());
    };
    crate::store::audit::insert_all(conn, &audit)?;
    crate::store::changes::insert_all(conn, &changes)
}
