//! A bulk import in progress in a write transaction. Every row still goes through the rules, scope
//! checks, audit trail and change feed of a single write; what changes is the cost:
//! - a record that rows refer to (their team, their goal) is read once, not once a row;
//!   every write of the import updates what is remembered, so it is never stale;
//! - the audit entries and changes are written 500 to a statement when the import has
//!   gathered them, in the order of the writes and in the same transaction, unless a webhook
//!   subscription of the organization needs each change's number as it is written.
//!
//! Only the import begins one (`Tx::begin_bulk`); in every other write these do nothing.

use std::any::Any;
use std::collections::HashMap;

use crate::db::types::Id;
use crate::error::AppResult;
use crate::store::audit::AuditEntry;
use crate::store::changes::NewChange;
use crate::store::Tx;

/// How many audit entries (and changes) wait before they are written.
const PENDING_LIMIT: usize = crate::db::ROWS_PER_INSERT;

/// What a bulk import keeps for the rest of its transaction.
#[derive(Default)]
pub struct Bulk {
    /// Records read or written by the import, by id (ids are unique across kinds).
    records: HashMap<Id, Box<dyn Any + Send>>,
    /// Whether an organization has a webhook subscription that could want a change.
    subscribed: HashMap<Id, bool>,
    audit: Vec<AuditEntry>,
    changes: Vec<NewChange>,
}

impl Tx<'_> {
    /// Makes the rest of this transaction a bulk write, until `end_bulk`.
    pub fn begin_bulk(&mut self) {
        self.bulk = Some(Bulk::default());
    }

    /// The record with this id as the import last read or wrote it.
    pub fn remembered<R: Clone + 'static>(&self, id: &Id) -> Option<R> {
        self.bulk
            .as_ref()?
            .records
            .get(id)
            .and_then(|record| record.downcast_ref::<R>())
            .cloned()
    }

    /// Remembers a record as read or written (none: deleted).
    pub fn remember<R: Clone + Send + 'static>(&mut self, id: &Id, record: Option<&R>) {
        let Some(bulk) = self.bulk.as_mut() else {
            return;
        };
        match record {
            Some(record) => {
                bulk.records.insert(id.clone(), Box::new(record.clone()));
            }
            None => {
                bulk.records.remove(id);
            }
        }
    }

    /// Keeps an audit entry and its change to write later; gives them back to write now
    /// outside a bulk write, or when a webhook subscription may want the change (its
    /// delivery needs the change's number).
    pub fn defer(
        &mut self,
        entry: AuditEntry,
        change: NewChange,
    ) -> AppResult<Option<(AuditEntry, NewChange)>> {
        let org = entry.organization_id.clone();
        let subscribed = match self
            .bulk
            .as_ref()
            .map(|bulk| bulk.subscribed.get(&org).copied())
        {
            None => return Ok(Some((entry, change))),
            Some(Some(subscribed)) => subscribed,
            Some(None) => {
                let subscribed = crate::store::webhooks::any_active(self, &org)?;
                if let Some(bulk) = self.bulk.as_mut() {
                    bulk.subscribed.insert(org, subscribed);
                }
                subscribed
            }
        };
        let Some(bulk) = self.bulk.as_mut().filter(|_| !subscribed) else {
            return Ok(Some((entry, change)));
        };
        bulk.audit.push(entry);
        bulk.changes.push(change);
        if bulk.audit.len() >= PENDING_LIMIT {
            self.flush()?;
        }
        Ok(None)
    }

    /// Writes the audit entries and changes gathered so far.
    pub fn flush(&mut self) -> AppResult<()> {
        let Some(bulk) = self.bulk.as_mut() else {
            return Ok(());
        };
        let audit = std::mem::take(&mut bulk.audit);
        let changes = std::mem::take(&mut bulk.changes);
        crate::store::audit::insert_all(self, &audit)?;
        crate::store::changes::insert_all(self, &changes)
    }

    /// Writes what is gathered and makes the rest of the transaction single writes again.
    pub fn end_bulk(&mut self) -> AppResult<()> {
        self.flush()?;
        self.bulk = None;
        Ok(())
    }
}
