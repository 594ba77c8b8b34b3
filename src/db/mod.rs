//! The database: one connection type over SQLite and PostgreSQL, the pool, and the
//! embedded migrations. Everything above this module is backend-agnostic.

pub mod schema;
pub mod types;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Rows a multi-row INSERT writes at most: the widest table (indicators, 26 columns) stays
/// well under SQLite's 32 766 bind variables and PostgreSQL's 65 535.
pub const ROWS_PER_INSERT: usize = 500;

/// Writes a slice of rows into a table in multi-row INSERTs of `ROWS_PER_INSERT`, and
/// evaluates to the rows written. diesel's multi-backend connection cannot build a multi-row
/// INSERT; each backend's can.
#[macro_export]
macro_rules! insert_rows {
    ($conn:expr, $table:path, $rows:expr) => {{
        use diesel::RunQueryDsl;
        let mut written = 0;
        for chunk in $rows.chunks($crate::db::ROWS_PER_INSERT) {
            written += match &mut *$conn {
                $crate::db::DbConnection::Sqlite(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?
                }
                $crate::db::DbConnection::Postgresql(c) => {
                    diesel::insert_into($table).values(chunk).execute(c)?
                }
            };
        }
        written
    }};
}

/// `UPDATE table SET every column WHERE filter`, which the connection keeps prepared like
/// any query (keyed by its SQL). diesel's own UPDATE is prepared anew at every run, so that
/// changesets leaving out their `None` fields do not fill the cache with one statement per
/// combination; ours are `treat_none_as_null`, one SQL a table. Preparing it was 8 % of a
/// status change's CPU on SQLite (BENCHMARKS.md).
pub struct WholeRowUpdate<F, C, W> {
    from: F,
    changeset: C,
    filter: W,
}

impl<F, C, W> WholeRowUpdate<F, C, W> {
    /// `changeset` is `row.as_changeset()` of a `treat_none_as_null` row.
    pub fn new<T>(table: T, changeset: C, filter: W) -> Self
    where
        T: diesel::QuerySource<FromClause = F>,
    {
        WholeRowUpdate {
            from: table.from_clause(),
            changeset,
            filter,
        }
    }
}

impl<F, C, W, DB> diesel::query_builder::QueryFragment<DB> for WholeRowUpdate<F, C, W>
where
    DB: diesel::backend::Backend,
    F: diesel::query_builder::QueryFragment<DB>,
    C: diesel::query_builder::QueryFragment<DB>,
    W: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql("UPDATE ");
        self.from.walk_ast(out.reborrow())?;
        out.push_sql(" SET ");
        self.changeset.walk_ast(out.reborrow())?;
        out.push_sql(" WHERE ");
        self.filter.walk_ast(out.reborrow())
    }
}

impl<F, C, W> diesel::query_builder::QueryId for WholeRowUpdate<F, C, W> {
    type QueryId = ();
    // No type of its own: the connection's cache keys it by its SQL.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<F, C, W> RunQueryDsl<DbConnection> for WholeRowUpdate<F, C, W> {}

/// Takes PostgreSQL's transaction-scoped advisory lock (`class`, `hashtext(key)`) on a statement
/// the connection keeps prepared. diesel's `sql_query` is prepared anew at every run, which
/// on PostgreSQL is a round trip more: every write takes this lock twice.
pub fn advisory_xact_lock(conn: &mut PgConnection, class: i32, key: &str) -> QueryResult<()> {
    AdvisoryXactLock { class, key }.execute(conn).map(|_| ())
}

struct AdvisoryXactLock<'a> {
    class: i32,
    key: &'a str,
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for AdvisoryXactLock<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        out.push_sql("SELECT pg_advisory_xact_lock(");
        out.push_bind_param::<diesel::sql_types::Integer, _>(&self.class)?;
        out.push_sql(", hashtext(");
        out.push_bind_param::<diesel::sql_types::Text, _>(self.key)?;
        out.push_sql("))");
        Ok(())
    }
}

impl diesel::query_builder::QueryId for AdvisoryXactLock<'_> {
    type QueryId = AdvisoryXactLock<'static>;
    // One SQL whatever the binds: the connection's cache keys it by this type.
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl RunQueryDsl<PgConnection> for AdvisoryXactLock<'_> {}

/// One connection, either backend. All queries are written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// A connection of the pool, with when it last answered the pool's check.
pub struct Pooled {
    conn: DbConnection,
    answered: std::time::Instant,
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// How long a connection that answered the pool's check is given out without being asked
/// again. Asking at every checkout (`SELECT 1`) was a second round trip for every read from
/// PostgreSQL, a third of its time (BENCHMARKS.md); a connection that went away within this
/// time fails one request with 503 before it is asked, and then it is replaced.
const ANSWERED_RECENTLY: std::time::Duration = std::time::Duration::from_secs(1);

/// Which database a `DATABASE_URL` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    /// A file path (or `:memory:`).
    Sqlite(String),
}

impl Backend {
    /// `postgres://…` / `postgresql://…` → PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a plain path → SQLite.
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(url.to_string())
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Backend::Sqlite(path.to_string())
        } else if let Some(path) = url.strip_prefix("sqlite:") {
            Backend::Sqlite(path.to_string())
        } else {
            Backend::Sqlite(url.to_string())
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres(_) => "postgresql",
            Backend::Sqlite(_) => "sqlite",
        }
    }

    /// The database in words a person can act on: the SQLite file, or the PostgreSQL URL
    /// without its password.
    pub fn describe(&self) -> String {
        match self {
            Backend::Sqlite(path) => format!("the SQLite database {path}"),
            Backend::Postgres(url) => {
                // postgres://user:password@host/db → postgres://user@host/db
                let shown = url
                    .split_once("://")
                    .and_then(|(scheme, rest)| {
                        let (userinfo, host) = rest.rsplit_once('@')?;
                        let user = userinfo.split(':').next().unwrap_or_default();
                        Some(format!("{scheme}://{user}@{host}"))
                    })
                    .unwrap_or_else(|| url.clone());
                format!("the PostgreSQL database {shown}")
            }
        }
    }

    /// Whether the database is there to be read: a SQLite file must exist (opening one
    /// creates it); a PostgreSQL server is asked when connected to.
    pub fn exists(&self) -> bool {
        match self {
            Backend::Sqlite(path) => path == ":memory:" || std::path::Path::new(path).exists(),
            Backend::Postgres(_) => true,
        }
    }
}

/// Opens connections for the pool. We pick the backend from the URL ourselves so that a
/// failed connection reports the real error (the derived `establish` hides it).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    backend: Backend,
}

impl ConnectionManager {
    pub fn new(backend: Backend) -> Self {
        ConnectionManager { backend }
    }

    pub fn connect(&self) -> Result<DbConnection, ConnectionError> {
        match &self.backend {
            Backend::Postgres(url) => PgConnection::establish(url).map(DbConnection::Postgresql),
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // busy_timeout first so that the WAL switch itself waits instead of failing
                // with "database is locked" when the pool opens several connections at once.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA cache_size = -{SQLITE_CACHE_KIB};",
                    SQLITE_BUSY_TIMEOUT.as_millis()
                ))
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let conn = ConnectionManager::connect(self).map_err(r2d2::Error::ConnectionError)?;
        let answered = std::time::Instant::now();
        Ok(Pooled { conn, answered })
    }

    /// Asked at every checkout; a connection that answered within `ANSWERED_RECENTLY` is not
    /// asked again.
    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), r2d2::Error> {
        if pooled.answered.elapsed() < ANSWERED_RECENTLY {
            return Ok(());
        }
        pooled
            .conn
            .batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)?;
        pooled.answered = std::time::Instant::now();
        Ok(())
    }

    /// A connection whose transaction could not be ended (the database went away in the
    /// middle of it) is not given to the next request.
    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        std::thread::panicking() || is_broken(&mut pooled.conn)
    }
}

/// Whether the connection's transaction could not be ended.
pub fn is_broken(conn: &mut DbConnection) -> bool {
    use diesel::r2d2::R2D2Connection;
    match conn {
        DbConnection::Postgresql(c) => c.is_broken(),
        DbConnection::Sqlite(c) => c.is_broken(),
    }
}

/// Builds the pool and checks that the database answers.
pub fn connect_pool(backend: Backend, size: u32) -> Result<Pool, String> {
    let manager = ConnectionManager::new(backend);
    // Try one connection directly first: r2d2 only reports a timeout otherwise.
    manager.connect().map_err(|e| e.to_string())?;
    r2d2::Pool::builder()
        .max_size(size)
        .connection_timeout(std::time::Duration::from_secs(10))
        .build(manager)
        .map_err(|e| e.to_string())
}

/// Applies every pending migration of the connection's backend; returns their names.
///
/// On PostgreSQL under a session advisory lock: instances started together over one database
/// take turns, so the first applies what is pending and the others find nothing left (without
/// it, two would create the same tables, and one would fail). The lock goes with the session
/// should the process die. A SQLite file is served by one process (see docs/operations.md,
/// "Scaling out"), so its migrations run as they are.
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, String> {
    let applied = match conn {
        DbConnection::Postgresql(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .map_err(|e| format!("cannot take the migration lock: {e}"))?;
            let applied = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|applied| applied.iter().map(|m| m.to_string()).collect());
            let unlocked = c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            let applied = applied.map_err(|e| e.to_string())?;
            unlocked.map_err(|e| format!("cannot give the migration lock up: {e}"))?;
            applied
        }
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| e.to_string())?
            .iter()
            .map(|m| m.to_string())
            .collect(),
    };
    Ok(applied)
}

/// The pages a SQLite connection keeps, in KiB (SQLite's default is 2 000). Each of the
/// pool's connections and the writer's keeps its own copy of the pages it read, many the
/// same; what a connection does not keep it reads again from the operating system's cache
/// of the file. Half the default took 8 MiB off a serving process's peak, at the same
/// rates (BENCHMARKS.md).
const SQLITE_CACHE_KIB: u32 = 1024;

/// How long a SQLite write waits for the one writer before it: then 503, "try again".
pub const SQLITE_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The key of the migrations' advisory lock (one-key form; "mgrt" in ASCII).
const MIGRATION_LOCK: i64 = 0x6d67_7274;

/// After a bulk load: fresh planner statistics and, on PostgreSQL, the visibility map that
/// lets a list be answered from an index alone. Autovacuum would get there a while later;
/// until then PostgreSQL plans as if the tables were empty and reads every row's heap page.
pub fn refresh_statistics(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Postgresql(c) => c.batch_execute("VACUUM ANALYZE"),
        DbConnection::Sqlite(c) => c.batch_execute("ANALYZE"),
    }
}
