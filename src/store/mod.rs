//! Storage: one file per resource with its row type and queries; nothing HTTP.
//! `Record` is what every resource table shares (find by id within an organization,
//! insert, versioned update, delete), implemented once by `impl_record!`.

pub mod activities;
pub mod audit;
pub mod bulk;
pub mod changes;
pub mod contacts;
pub mod department_goals;
pub mod follow_ups;
pub mod goals;
pub mod idempotency;
pub mod indicators;
pub mod measurements;
pub mod organizations;
pub mod perspectives;
pub mod plan_periods;
pub mod reporting_periods;
pub mod revisions;
pub mod sqlite_writer;
pub mod tx;
pub mod units;
pub mod visions;
pub mod webhooks;

pub use tx::Tx;

use std::sync::Arc;

use actix_web::web;
use diesel::QueryResult;

use crate::cache::ResponseCache;
use crate::db::types::{Id, UtcTime};
use crate::db::{DbConnection, Pool};
use crate::error::{AppError, AppResult};
use crate::rules::permissions::Kind;
use sqlite_writer::{Outcome, SqliteWriter};

/// The shared state of the server: the pool and what it runs on.
#[derive(Clone)]
pub struct Store {
    pub pool: Pool,
    /// Answers of reads, dropped by every write of their organization.
    pub cache: ResponseCache,
    backend: crate::db::Backend,
    /// On SQLite, the thread this process's write transactions go through, started by the
    /// first write.
    sqlite_writer: Arc<parking_lot::Mutex<Option<SqliteWriter>>>,
}

impl Store {
    /// The store over `pool`, a pool of `backend`'s connections.
    pub fn new(pool: Pool, backend: crate::db::Backend) -> Store {
        Store {
            pool,
            cache: ResponseCache::default(),
            backend,
            sqlite_writer: Arc::default(),
        }
    }

    pub fn backend(&self) -> &crate::db::Backend {
        &self.backend
    }

    /// The store with an answer cache configured otherwise than by default (and a writer
    /// that keeps it).
    pub fn with_cache(self, cache: ResponseCache) -> Store {
        Store {
            cache,
            sqlite_writer: Arc::default(),
            ..self
        }
    }

    /// Runs blocking diesel work on the thread pool, never on the async workers: a read,
    /// given a bare connection, which the store's writes do not take (they take a `Tx`).
    pub async fn run<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || work(&mut *checkout(&pool)?)).await?
    }

    /// Runs a write on a connection of the pool, `begin` and `end` around it; once it has
    /// ended, the answers its writes outdated go.
    async fn run_write<T, F>(&self, work: F, outcome: Outcome) -> AppResult<T>
    where
        F: FnOnce(&mut Tx) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let cache = self.cache.clone();
        web::block(move || {
            let mut conn = checkout(&pool)?;
            let mut tx = Tx::new(&mut conn);
            let result = match outcome {
                Outcome::Commit => tx.savepoint(work),
                Outcome::RollBack => tx.rolled_back(work),
            };
            for org in tx.into_written() {
                cache.invalidate(&org);
            }
            result
        })
        .await?
    }

    /// Like `run`, inside one transaction. On SQLite, which has one writer at a time, the
    /// transaction is the writer thread's, shared with the writes waiting beside this one
    /// (`sqlite_writer`).
    pub async fn transaction<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut Tx) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(writer) = self.sqlite_writer()? {
            return writer.write(work, Outcome::Commit).await;
        }
        self.run_write(work, Outcome::Commit).await
    }

    /// A write that needs no transaction of its own: on PostgreSQL each statement commits by
    /// itself, on a connection of the pool. On SQLite it goes through the writer thread like
    /// every write, in a savepoint of the writer's transaction, so that it waits its turn in
    /// the writer's queue rather than sleeping in SQLite's busy handler while the writer
    /// holds the lock (an `Idempotency-Key` claimed so had POSTs' p99 at 140 ms).
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut Tx) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        match self.sqlite_writer()? {
            Some(writer) => writer.write(work, Outcome::Commit).await,
            None => {
                let pool = self.pool.clone();
                let cache = self.cache.clone();
                web::block(move || {
                    let mut conn = checkout(&pool)?;
                    let mut tx = Tx::new(&mut conn);
                    let result = work(&mut tx);
                    for org in tx.into_written() {
                        cache.invalidate(&org);
                    }
                    result
                })
                .await?
            }
        }
    }

    /// Like `transaction`, but always rolled back: what a dry run does.
    pub async fn rolled_back<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut Tx) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        if let Some(writer) = self.sqlite_writer()? {
            return writer.write(work, Outcome::RollBack).await;
        }
        self.run_write(work, Outcome::RollBack).await
    }

    /// On SQLite, the thread that makes this process's writes (started at the first); none
    /// on PostgreSQL, whose writes go through the pool.
    fn sqlite_writer(&self) -> AppResult<Option<SqliteWriter>> {
        let crate::db::Backend::Sqlite(_) = self.backend else {
            return Ok(None);
        };
        let mut writer = self.sqlite_writer.lock();
        if writer.is_none() {
            let started = SqliteWriter::start(self.backend.clone(), self.cache.clone());
            *writer = Some(started.map_err(|error| {
                log::error!("cannot start the SQLite writer: {error}");
                AppError::unreachable()
            })?);
        }
        Ok(writer.clone())
    }
}

/// How long a request waits for a connection when the pool has none open at all: the pool
/// keeps `DB_POOL_SIZE` open while the database answers, so none means it is away, and the
/// request is answered 503 soon rather than after the pool's whole timeout.
const OUTAGE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

fn checkout(pool: &Pool) -> Result<crate::db::PooledConnection, diesel::r2d2::PoolError> {
    let wait = if pool.state().connections == 0 {
        OUTAGE_WAIT
    } else {
        pool.connection_timeout()
    };
    pool.get_timeout(wait)
}

/// What every stored resource of an organization has.
pub trait Record: Sized + Clone + Send + serde::Serialize + 'static {
    const KIND: Kind;
    fn id(&self) -> &Id;
    fn version(&self) -> i32;
    fn archived_at(&self) -> Option<UtcTime>;
    /// Sets `archived_at`, `updated_at` and bumps the version, before a write.
    fn mark_changed(&mut self, now: UtcTime, archived_at: Option<UtcTime>);
    fn find(conn: &mut DbConnection, org: &Id, id: &Id) -> QueryResult<Option<Self>>;
    fn insert(&self, tx: &mut Tx) -> QueryResult<()>;
    /// Writes the whole row if the stored version is still `expected`; returns rows written.
    fn update(&self, tx: &mut Tx, expected: i32) -> QueryResult<usize>;
    fn delete(tx: &mut Tx, org: &Id, id: &Id) -> QueryResult<usize>;
}

/// A record one organization owns among others of its kind, which other systems know by
/// its `external_id` (bulk import and export).
pub trait Owned: Record {
    fn external_id(&self) -> Option<&str>;
    fn find_by_external_id(
        conn: &mut DbConnection,
        org: &Id,
        external_id: &str,
    ) -> QueryResult<Option<Self>>;
    /// All of an organization's records of this kind, archived included, in creation order.
    fn all(conn: &mut DbConnection, org: &Id) -> QueryResult<Vec<Self>>;
    /// The external ids the organization's records of this kind have.
    fn external_ids(conn: &mut DbConnection, org: &Id) -> QueryResult<Vec<String>>;
    /// Inserts many in multi-row INSERTs.
    fn insert_all(conn: &mut DbConnection, records: &[Self]) -> QueryResult<usize>;
}

/// Implements `Record` and `Owned` for a row type whose table has the common columns
/// (`id`, `organization_id`, `archived_at`, `updated_at`, `version`).
#[macro_export]
macro_rules! impl_record {
    ($row:ty, $table:ident, $kind:expr) => {
        impl $crate::store::Record for $row {
            const KIND: $crate::rules::permissions::Kind = $kind;
            fn id(&self) -> &$crate::db::types::Id {
                &self.id
            }
            fn version(&self) -> i32 {
                self.version
            }
            fn archived_at(&self) -> Option<$crate::db::types::UtcTime> {
                self.archived_at
            }
            fn mark_changed(
                &mut self,
                now: $crate::db::types::UtcTime,
                archived_at: Option<$crate::db::types::UtcTime>,
            ) {
                self.updated_at = now;
                self.archived_at = archived_at;
                self.version += 1;
            }
            fn find(
                conn: &mut $crate::db::DbConnection,
                org: &$crate::db::types::Id,
                id: &$crate::db::types::Id,
            ) -> diesel::QueryResult<Option<Self>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                // `get_result`, not `first`: the id is unique, and a LIMIT bound as a
                // parameter makes SQLite prepare the statement anew at every run (its planner
                // reads the bound value), where this one is prepared once per connection.
                t::$table
                    .filter(t::organization_id.eq(org))
                    .filter(t::id.eq(id))
                    .get_result(conn)
                    .optional()
            }
            fn insert(&self, tx: &mut $crate::store::Tx) -> diesel::QueryResult<()> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                diesel::insert_into(t::$table)
                    .values(self)
                    .execute(&mut **tx)
                    .map(|_| ())
            }
            fn update(
                &self,
                tx: &mut $crate::store::Tx,
                expected: i32,
            ) -> diesel::QueryResult<usize> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                $crate::db::WholeRowUpdate::new(
                    t::$table,
                    self.as_changeset(),
                    t::id.eq(&self.id).and(t::version.eq(expected)),
                )
                .execute(&mut **tx)
            }
            fn delete(
                tx: &mut $crate::store::Tx,
                org: &$crate::db::types::Id,
                id: &$crate::db::types::Id,
            ) -> diesel::QueryResult<usize> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                diesel::delete(
                    t::$table
                        .filter(t::organization_id.eq(org))
                        .filter(t::id.eq(id)),
                )
                .execute(&mut **tx)
            }
        }

        impl $crate::store::Owned for $row {
            fn external_id(&self) -> Option<&str> {
                self.external_id.as_deref()
            }
            fn find_by_external_id(
                conn: &mut $crate::db::DbConnection,
                org: &$crate::db::types::Id,
                external_id: &str,
            ) -> diesel::QueryResult<Option<Self>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                t::$table
                    .filter(t::organization_id.eq(org))
                    .filter(t::external_id.eq(external_id))
                    .get_result(conn) // unique: no LIMIT, as in `find`
                    .optional()
            }
            fn all(
                conn: &mut $crate::db::DbConnection,
                org: &$crate::db::types::Id,
            ) -> diesel::QueryResult<Vec<Self>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                t::$table
                    .filter(t::organization_id.eq(org))
                    .order(t::id.asc())
                    .load(conn)
            }
            fn external_ids(
                conn: &mut $crate::db::DbConnection,
                org: &$crate::db::types::Id,
            ) -> diesel::QueryResult<Vec<String>> {
                use diesel::prelude::*;
                use $crate::db::schema::$table::dsl as t;
                t::$table
                    .filter(t::organization_id.eq(org))
                    .filter(t::external_id.is_not_null())
                    .select(t::external_id.assume_not_null())
                    .load(conn)
            }
            fn insert_all(
                conn: &mut $crate::db::DbConnection,
                records: &[Self],
            ) -> diesel::QueryResult<usize> {
                use $crate::db::schema::$table::dsl as t;
                Ok($crate::insert_rows!(conn, t::$table, records))
            }
        }
    };
}

/// A record another one points at: it must exist in the same organization, and a new
/// reference may not point at an archived one ("nothing new under an archived parent").
pub fn referenced<R: Record>(
    tx: &mut Tx,
    org: &Id,
    id: &Id,
    field: &str,
    new_reference: bool,
) -> AppResult<R> {
    // A bulk import reads each record its rows name once.
    let record = match tx.remembered::<R>(id) {
        Some(record) => Some(record),
        None => {
            let found = R::find(tx, org, id)?;
            if let Some(record) = &found {
                tx.remember(id, Some(record));
            }
            found
        }
    };
    let record = record.ok_or_else(|| {
        AppError::invalid(
            field,
            format!("no {} with id {id} in this organization", R::KIND.noun()),
        )
    })?;
    if new_reference && record.archived_at().is_some() {
        return Err(AppError::invalid(
            field,
            format!("the {} {id} is archived", R::KIND.noun()),
        ));
    }
    Ok(record)
}

/// Whether a reference is new: on create, or when an update changed it.
pub fn is_new<T: PartialEq>(before: Option<&T>, now: &T) -> bool {
    before != Some(now)
}

/// Which page of a list to read.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// Return records after this id (ids are UUIDv7, so this is creation order).
    pub after: Option<Id>,
    pub limit: i64,
    pub include_archived: bool,
}

/// Applies a `PageRequest` to a boxed query over a table with the common columns:
/// hides archived rows unless asked, starts after the cursor, orders by id and reads one
/// row more than the limit so the caller can tell whether another page follows.
#[macro_export]
macro_rules! paged {
    ($query:expr, $t:ident, $page:expr) => {{
        let mut query = $query;
        if !$page.include_archived {
            query = query.filter($t::archived_at.is_null());
        }
        if let Some(after) = &$page.after {
            query = query.filter($t::id.gt(after.clone()));
        }
        query.order($t::id.asc()).limit($page.limit + 1)
    }};
}
