//! A write transaction, as the store's writes see it.

use std::ops::{Deref, DerefMut};

use diesel::Connection;

use crate::db::types::Id;
use crate::db::DbConnection;
use crate::error::{AppError, AppResult};
use crate::store::bulk::Bulk;

/// The connection of a write, inside its transaction, with what the writes in it leave for
/// its end. Only a `Tx` writes records, audit entries and changes (`Record::insert`,
/// `audit::insert`, `changes::append`); a read is given a bare connection (`Store::run`).
pub struct Tx<'c> {
    conn: &'c mut DbConnection,
    /// The organizations written, whose cached answers go once the transaction has ended.
    written: Vec<Id>,
    /// A bulk import's state (`store::bulk`); none for every other write.
    pub(super) bulk: Option<Bulk>,
}

impl<'c> Tx<'c> {
    /// A write on `conn`, which the caller has put in a transaction.
    pub fn new(conn: &'c mut DbConnection) -> Tx<'c> {
        Tx {
            conn,
            written: Vec::new(),
            bulk: None,
        }
    }

    /// Notes that the transaction writes `org`'s data.
    pub fn wrote(&mut self, org: &Id) {
        if !self.written.contains(org) {
            self.written.push(org.clone());
        }
    }

    /// The organizations the transaction wrote.
    pub fn into_written(self) -> Vec<Id> {
        self.written
    }

    /// `work` in a savepoint: rolled back to if it fails, and the transaction goes on.
    pub fn savepoint<T, E>(&mut self, work: impl FnOnce(&mut Tx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let Tx {
            conn,
            written,
            bulk,
        } = self;
        conn.transaction(|conn| {
            let mut inner = Tx {
                conn,
                written: std::mem::take(written),
                bulk: bulk.take(),
            };
            let result = work(&mut inner);
            *written = inner.written;
            *bulk = inner.bulk;
            result
        })
    }

    /// `work` in a savepoint that is always rolled back to: a dry run.
    pub fn rolled_back<T>(&mut self, work: impl FnOnce(&mut Tx) -> AppResult<T>) -> AppResult<T> {
        /// Carries the work's result out of the savepoint as the error that rolls it back.
        enum Undo<T> {
            Database(diesel::result::Error),
            Done(AppResult<T>),
        }
        impl<T> From<diesel::result::Error> for Undo<T> {
            fn from(error: diesel::result::Error) -> Self {
                Undo::Database(error)
            }
        }
        match self.savepoint(|tx| Err::<(), _>(Undo::Done(work(tx)))) {
            Err(Undo::Done(result)) => result,
            Err(Undo::Database(error)) => Err(error.into()),
            Ok(()) => Err(AppError::Internal("a dry run was not rolled back".into())),
        }
    }
}

impl Deref for Tx<'_> {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.conn
    }
}
