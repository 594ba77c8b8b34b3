//! SQLite's writes: one thread with one connection, which commits the writes waiting for it
//! together (a group commit).
//!
//! SQLite has one writer at a time. Each write in a transaction of its own paid for its own
//! `BEGIN IMMEDIATE` and commit: the WAL append of every page it changed, and a checkpoint
//! every 1 000 pages, about a third of a status change's CPU (BENCHMARKS.md). Here the
//! writes that arrive while a transaction is under way wait in a queue, and the next
//! transaction takes them all, each in a savepoint of its own: a write that fails is rolled
//! back to its savepoint alone and the others commit. Each caller has its answer once the
//! transaction holding its write has ended, and the pages the writes share (the audit
//! trail's and the change feed's last pages and their indexes) are written once for them
//! all. The thread also keeps its connection's pages: in WAL mode a connection drops every
//! page it holds when it finds that another has written since it last read.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{mpsc, Arc};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::SqliteConnection;
use tokio::sync::oneshot;

use crate::cache::ResponseCache;
use crate::db::types::Id;
use crate::db::{Backend, DbConnection, SQLITE_BUSY_TIMEOUT};
use crate::error::{AppError, AppResult};
use crate::store::Tx;

/// The most writes one transaction takes: a bound on how long the first waits for the last.
const MOST_WRITES_A_TRANSACTION: usize = 64;

/// What becomes of a write that succeeds.
#[derive(Clone, Copy)]
pub enum Outcome {
    Commit,
    /// Rolled back to its savepoint whatever it returns: a dry run.
    RollBack,
}

/// The queue of the thread that makes this process's writes to one SQLite file. The thread
/// ends when the last clone is dropped.
#[derive(Clone)]
pub struct SqliteWriter {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl SqliteWriter {
    /// Starts the thread, which opens its connection on `backend` at its first write. The
    /// answers a committed write outdated go from `cache` before its caller hears of it.
    pub fn start(backend: Backend, cache: ResponseCache) -> std::io::Result<SqliteWriter> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(&backend, &cache, &queue))?;
        Ok(SqliteWriter { jobs })
    }

    /// Runs `work` in the next transaction; its result once that transaction has ended.
    pub async fn write<T, F>(&self, work: F, outcome: Outcome) -> AppResult<T>
    where
        F: FnOnce(&mut Tx) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, mut answer) = oneshot::channel();
        let state = Arc::new(AtomicU8::new(QUEUED));
        let job = WriteJob {
            work: Some(work),
            result: None,
            outcome,
            reply,
            state: state.clone(),
        };
        self.jobs
            .send(Box::new(job))
            .map_err(|_| AppError::unreachable())?;
        // A write waits as long as SQLite's busy_timeout would have it wait for the lock,
        // then 503 ("try again"): unless the thread has taken it, which is then waited for,
        // so that a 503 always means that nothing was written.
        let waited = actix_web::rt::time::timeout(SQLITE_BUSY_TIMEOUT, &mut answer).await;
        let answer = match waited {
            Ok(answer) => answer,
            Err(_) if cancel(&state) => return Err(AppError::busy()),
            Err(_) => answer.await,
        };
        // The thread is gone only if it panicked outside any write.
        answer.unwrap_or_else(|_| Err(AppError::unreachable()))
    }
}

const QUEUED: u8 = 0;
const TAKEN: u8 = 1;
const CANCELLED: u8 = 2;

/// Takes a queued write back; false if the thread has taken it.
fn cancel(state: &AtomicU8) -> bool {
    state
        .compare_exchange(QUEUED, CANCELLED, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
}

/// A write in the queue, its type erased.
trait Job: Send {
    /// Takes the write for the transaction about to begin; false if its caller gave up.
    fn take(&self) -> bool;
    /// Runs the write in a savepoint of its own; the organizations it wrote.
    fn run(&mut self, conn: &mut DbConnection) -> Vec<Id>;
    /// Tells the caller its result if the transaction committed, else that it failed.
    fn answer(self: Box<Self>, committed: bool);
}

struct WriteJob<T, F> {
    work: Option<F>,
    result: Option<AppResult<T>>,
    outcome: Outcome,
    reply: oneshot::Sender<AppResult<T>>,
    state: Arc<AtomicU8>,
}

impl<T, F> Job for WriteJob<T, F>
where
    F: FnOnce(&mut Tx) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    fn take(&self) -> bool {
        self.state
            .compare_exchange(QUEUED, TAKEN, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn run(&mut self, conn: &mut DbConnection) -> Vec<Id> {
        let Some(work) = self.work.take() else {
            return Vec::new();
        };
        let mut tx = Tx::new(conn);
        self.result = Some(in_savepoint(&mut tx, work, self.outcome));
        tx.into_written()
    }

    fn answer(self: Box<Self>, committed: bool) {
        let result = match self.result {
            Some(result) if committed => result,
            _ => Err(AppError::busy()),
        };
        // A caller that is gone needs no answer.
        let _ = self.reply.send(result);
    }
}

/// `work` in a savepoint: released if it succeeded and is to be kept, else rolled back to.
/// A panic in it is its own failure, not the transaction's.
fn in_savepoint<T>(
    tx: &mut Tx,
    work: impl FnOnce(&mut Tx) -> AppResult<T>,
    outcome: Outcome,
) -> AppResult<T> {
    AnsiTransactionManager::begin_transaction(sqlite(tx)?)?;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(tx)))
        .unwrap_or_else(|_| Err(AppError::Internal("a write failed unexpectedly".into())));
    let inner = sqlite(tx)?;
    match (&result, outcome) {
        (Ok(_), Outcome::Commit) => AnsiTransactionManager::commit_transaction(inner)?,
        _ => AnsiTransactionManager::rollback_transaction(inner)?,
    }
    result
}

fn sqlite(conn: &mut DbConnection) -> AppResult<&mut SqliteConnection> {
    match conn {
        DbConnection::Sqlite(inner) => Ok(inner),
        DbConnection::Postgresql(_) => Err(AppError::Internal(
            "the SQLite writer was given another database".into(),
        )),
    }
}

/// The thread: takes the writes queued, up to `MOST_WRITES_A_TRANSACTION`, runs them in one
/// transaction and answers them, until the queue's last sender is gone.
fn serve(backend: &Backend, cache: &ResponseCache, queue: &mpsc::Receiver<Box<dyn Job>>) {
    let mut kept: Option<DbConnection> = None;
    while let Ok(first) = queue.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MOST_WRITES_A_TRANSACTION {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        jobs.retain(|job| job.take());
        if jobs.is_empty() {
            continue;
        }
        let mut conn = match kept.take() {
            Some(conn) => conn,
            None => match crate::db::ConnectionManager::new(backend.clone()).connect() {
                Ok(conn) => conn,
                Err(error) => {
                    log::warn!("cannot connect to the database: {error}");
                    jobs.into_iter().for_each(|job| job.answer(false));
                    continue;
                }
            },
        };
        let mut written = Vec::new();
        let committed = match transaction(&mut conn, &mut jobs, &mut written) {
            Ok(()) => true,
            Err(error) => {
                log::warn!("{} writes were not committed: {error}", jobs.len());
                false
            }
        };
        // The answers the writes outdated go before any of their callers hears of them.
        for org in written {
            cache.invalidate(&org);
        }
        jobs.into_iter().for_each(|job| job.answer(committed));
        // One whose transaction could not be ended is dropped, and the next write opens
        // another.
        if !crate::db::is_broken(&mut conn) {
            kept = Some(conn);
        }
    }
}

/// One transaction of `jobs`, each in its savepoint.
/// The organizations the writes wrote are added to `written`.
fn transaction(
    conn: &mut DbConnection,
    jobs: &mut [Box<dyn Job>],
    written: &mut Vec<Id>,
) -> AppResult<()> {
    // IMMEDIATE: the write lock before the first read, so that the writes wait here for
    // another process's (busy_timeout) instead of failing when that one commits first.
    AnsiTransactionManager::begin_transaction_sql(sqlite(conn)?, "BEGIN IMMEDIATE")?;
    for job in jobs.iter_mut() {
        written.extend(job.run(conn));
        // SQLite rolls the whole transaction back by itself after some errors (a full
        // disk): then its savepoint could not be rolled back to, and none of it commits.
        if in_error(sqlite(conn)?) {
            break;
        }
    }
    let inner = sqlite(conn)?;
    if in_error(inner) {
        if let Err(error) = AnsiTransactionManager::rollback_transaction(inner) {
            log::warn!("rollback failed: {error}");
        }
        return Err(AppError::busy());
    }
    Ok(AnsiTransactionManager::commit_transaction(inner)?)
}

/// Whether the connection is no longer in the transaction the writes began in, with no
/// savepoint left open: the transaction can no longer be used.
fn in_error(conn: &mut SqliteConnection) -> bool {
    let depth = AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth();
    !matches!(depth, Ok(Some(depth)) if depth.get() == 1)
}
