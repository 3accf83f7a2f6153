//! Group commit for `SQLite`: the hot write paths (leasing a task, taking an answer) hand their
//! transaction to one writer thread, which runs every job waiting at that moment inside one
//! `BEGIN IMMEDIATE … COMMIT`.
//!
//! A job behaves as if it ran alone: it sees the writes of the jobs before it, and when it
//! fails none of its writes are kept. A batch first runs its jobs one after the other with
//! nothing between them. When one fails (a 4xx, rare under load), the batch is rolled back and
//! run again with each job in a savepoint of its own, which is rolled back if the job fails;
//! so jobs are `Fn`, able to run twice, and a job's first outcome is never delivered when its
//! batch runs again. Savepoints on every job cost a tenth of the writer's time: the statements,
//! and a copy of every page a job first touches. Its caller hears back only after the COMMIT,
//! so an acknowledged answer is on disk (WAL) before the volunteer sees "saved". What the batch
//! saves is the per-transaction work — the write lock, the WAL frames of pages that every job
//! touches (the task table, the lease index), the commit — and the hand-offs between threads
//! queueing on one lock.

use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::sync::{Arc, Mutex};

use diesel::RunQueryDsl as _;
use diesel::connection::{AnsiTransactionManager, TransactionManager as _};

use super::{DbConn, Outcome, StorageError};

/// The rest of a job, called after the batch's COMMIT with its outcome.
type Deliver = Box<dyn FnOnce(&Result<(), String>) + Send>;
/// Runs a job, in a savepoint when asked; whether it succeeded, and what to deliver.
type RunJob = Box<dyn FnMut(&mut DbConn, bool) -> (bool, Deliver) + Send>;
/// A job: `run` goes in the batch's transaction (in a savepoint when its flag says so) and
/// returns whether it succeeded and what to deliver after the COMMIT; `fail` tells the caller
/// when the batch could not even begin, or was rolled back.
pub struct Job {
    run: RunJob,
    fail: Deliver,
}

/// Jobs one transaction takes at most; more wait for the next one.
const MAX_BATCH: usize = 128;

/// The sending side; the writer thread ends when the last one is dropped.
#[derive(Debug, Clone)]
pub struct GroupCommit {
    jobs: Sender<Job>,
}

impl GroupCommit {
    /// Starts the writer thread on its own connection. `lock` is the in-process writer lock
    /// that every other write transaction also takes.
    ///
    /// `checkpoints`, a second connection, copies the WAL back into the database in the
    /// background, so the writer's commits never do it; the writer only finishes the copy
    /// between two batches now and then, which lets the WAL start over (`finish_checkpoint`).
    pub fn start(
        conn: DbConn,
        checkpoints: DbConn,
        reconnect: impl Fn() -> Option<DbConn> + Send + 'static,
        lock: Arc<parking_lot::Mutex<()>>,
    ) -> std::io::Result<Self> {
        let (jobs, rx) = channel::<Job>();
        let (stop, stopped) = channel::<()>();
        std::thread::Builder::new()
            .name("tessera-checkpoint".into())
            .spawn(move || checkpointer(checkpoints, &stopped))?;
        std::thread::Builder::new()
            .name("tessera-writer".into())
            .spawn(move || {
                writer(conn, &reconnect, &rx, &lock);
                drop(stop);
            })?;
        Ok(Self { jobs })
    }

    /// Runs `f` in the next batch and waits (blocking) for the batch to commit.
    pub fn run<T, E>(&self, f: impl super::Job<T, E>) -> Result<T, E>
    where
        T: Outcome,
        E: StorageError,
    {
        let (tx, rx) = sync_channel::<Result<T, E>>(1);
        self.submit(f, move |outcome| {
            let _ = tx.send(outcome);
        });
        rx.recv().unwrap_or_else(|_| Err(E::from(writer_gone())))
    }

    /// Runs `f` in the next batch; resolves once the batch has committed. No thread waits.
    pub async fn run_async<T, E>(&self, f: impl super::Job<T, E>) -> Result<T, E>
    where
        T: Outcome,
        E: StorageError,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, E>>();
        self.submit(f, move |outcome| {
            let _ = tx.send(outcome);
        });
        rx.await.unwrap_or_else(|_| Err(E::from(writer_gone())))
    }

    /// Queues `f`; `reply` gets its result after the COMMIT (or the error that stopped it).
    fn submit<T, E>(
        &self,
        f: impl Fn(&mut DbConn) -> Result<T, E> + Send + 'static,
        reply: impl FnOnce(Result<T, E>) + Send + 'static,
    ) where
        T: Outcome,
        E: StorageError,
    {
        type Reply<T, E> = Box<dyn FnOnce(Result<T, E>) + Send>;
        let reply: Arc<Mutex<Option<Reply<T, E>>>> = Arc::new(Mutex::new(Some(Box::new(reply))));
        let take = |slot: &Mutex<Option<Reply<T, E>>>| {
            slot.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
        };
        let on_fail = Arc::clone(&reply);
        let fail: Deliver = Box::new(move |outcome: &Result<(), String>| {
            let msg = outcome.as_ref().err().map_or("", String::as_str);
            if let Some(reply) = take(&on_fail) {
                reply(Err(E::from(commit_failed(msg))));
            }
        });
        let run = Box::new(move |conn: &mut DbConn, savepoint: bool| {
            let result = if savepoint {
                in_savepoint(conn, &f)
            } else {
                f(conn)
            };
            let ok = result.is_ok();
            let reply = Arc::clone(&reply);
            let deliver = Box::new(move |committed: &Result<(), String>| {
                let outcome = match committed {
                    Ok(()) => result,
                    Err(msg) => Err(E::from(commit_failed(msg))),
                };
                if let Some(reply) = take(&reply) {
                    reply(outcome);
                }
            }) as Deliver;
            (ok, deliver)
        });
        if let Err(unsent) = self.jobs.send(Job { run, fail }) {
            (unsent.0.fail)(&Err("the database writer has stopped".to_owned()));
        }
    }
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// Checkpoints the WAL on its own connection (PASSIVE: it copies what no reader still needs,
/// and never waits for or blocks the writer), until `stop` is dropped.
fn checkpointer(mut conn: DbConn, stop: &Receiver<()>) {
    use std::sync::mpsc::RecvTimeoutError;
    while let Err(RecvTimeoutError::Timeout) = stop.recv_timeout(CHECKPOINT_EVERY) {
        if let Err(e) = diesel::connection::SimpleConnection::batch_execute(
            &mut conn,
            "PRAGMA wal_checkpoint(PASSIVE);",
        ) {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

/// How often the writer lets the WAL start over. Its checkpoint holds the batches back for the
/// frames the background one has not copied yet, and syncs the file: 30-80 ms a second at
/// 7,000 answers/s. Every 100 ms it took 15% of the writer's time, and the load test did
/// 5,000-6,000 answers/s instead of 7,200-7,400.
const RESTART_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Lets the WAL start over: run by the writer between two batches, at most every
/// `RESTART_EVERY`.
///
/// The WAL starts over only when a transaction begins after a checkpoint has copied all of it.
/// Under a steady stream of batches the background checkpointer never gets there (the writer
/// appends while it copies), so the WAL only grew: by 70 MB/s under `tessera loadtest`, 2 GB in
/// 30 s, with every frame written to a fresh page of the file that the kernel first zeroed (a
/// fifth of the server's CPU). Here no batch can append: the checkpoint copies the few frames
/// the background one left (PASSIVE: it never waits for a reader), and the next batch writes the
/// WAL from its start again, over pages already in the page cache. A reader still in the WAL
/// (the consensus job, an export) keeps it from starting over until a later try.
///
/// Returns false when the background checkpoint was running, so this one did nothing: the
/// writer tries again after its next batch rather than a second later.
fn finish_checkpoint(conn: &mut DbConn) -> bool {
    #[derive(diesel::QueryableByName)]
    struct Outcome {
        /// 1 when another checkpoint held the lock.
        #[diesel(sql_type = diesel::sql_types::Integer)]
        busy: i32,
    }
    match diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").get_result::<Outcome>(conn) {
        Ok(outcome) => outcome.busy == 0,
        Err(e) => {
            tracing::warn!(error = %e, "WAL checkpoint failed");
            true
        }
    }
}

fn writer(
    mut conn: DbConn,
    reconnect: &dyn Fn() -> Option<DbConn>,
    rx: &Receiver<Job>,
    lock: &parking_lot::Mutex<()>,
) {
    let mut last_checkpoint = std::time::Instant::now();
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let guard = lock.lock();
        let (delivers, committed, panicked) = run_batch(&mut conn, batch);
        if panicked {
            // A job panicked inside the transaction: it is rolled back, and the connection,
            // whose transaction state can no longer be trusted, is replaced.
            tracing::error!("a write job panicked; its batch was rolled back");
            if let Some(fresh) = reconnect() {
                conn = fresh;
            } else {
                tracing::error!("cannot reopen the writer's connection");
            }
        }
        drop(guard);
        for deliver in delivers {
            deliver(&committed);
        }
        if last_checkpoint.elapsed() >= RESTART_EVERY && finish_checkpoint(&mut conn) {
            last_checkpoint = std::time::Instant::now();
        }
    }
}

/// Runs a batch; returns what to deliver, whether it committed, and whether a job panicked.
///
/// First with no savepoints; if a job fails, once more with one per job (see the module
/// documentation).
fn run_batch(conn: &mut DbConn, mut batch: Vec<Job>) -> (Vec<Deliver>, Result<(), String>, bool) {
    let attempt = match attempt(conn, &mut batch, false) {
        Attempt::JobFailed => attempt(conn, &mut batch, true),
        other => other,
    };
    let fail_all = |batch: Vec<Job>| batch.into_iter().map(|job| job.fail).collect();
    match attempt {
        Attempt::Ran(delivers, committed) => (delivers, committed, false),
        // The jobs never ran, or were rolled back; each caller gets the error.
        Attempt::NotBegun(e) => (fail_all(batch), Err(e), false),
        Attempt::JobFailed => (
            fail_all(batch),
            Err("a job in the batch failed".to_owned()),
            false,
        ),
        Attempt::Panicked => (
            fail_all(batch),
            Err("a job in the batch failed".to_owned()),
            true,
        ),
    }
}

/// How one run of a batch ended.
enum Attempt {
    /// Every job ran (in savepoints, some may have failed); the COMMIT's outcome.
    Ran(Vec<Deliver>, Result<(), String>),
    /// The transaction could not begin.
    NotBegun(String),
    /// A job failed outside a savepoint: the batch was rolled back.
    JobFailed,
    /// A job panicked: the batch was rolled back.
    Panicked,
}

fn attempt(conn: &mut DbConn, batch: &mut [Job], savepoints: bool) -> Attempt {
    let begun = match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Pg(_) => {
            <DbConn as diesel::Connection>::TransactionManager::begin_transaction(conn)
        }
    };
    if let Err(e) = begun {
        return Attempt::NotBegun(e.to_string());
    }
    let mut delivers: Vec<Deliver> = Vec::with_capacity(batch.len());
    for job in batch.iter_mut() {
        let ran =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (job.run)(conn, savepoints)));
        match ran {
            Ok((true, deliver)) => delivers.push(deliver),
            Ok((false, deliver)) if savepoints => delivers.push(deliver),
            Ok((false, _)) => {
                let _ =
                    <DbConn as diesel::Connection>::TransactionManager::rollback_transaction(conn);
                return Attempt::JobFailed;
            }
            Err(_) => {
                let _ = diesel::connection::SimpleConnection::batch_execute(conn, "ROLLBACK");
                return Attempt::Panicked;
            }
        }
    }
    let committed = <DbConn as diesel::Connection>::TransactionManager::commit_transaction(conn)
        .map_err(|e| {
            let _ = <DbConn as diesel::Connection>::TransactionManager::rollback_transaction(conn);
            e.to_string()
        });
    Attempt::Ran(delivers, committed)
}

/// `SAVEPOINT`, `RELEASE` and `ROLLBACK TO` as statements with a query id of their own, so
/// `SQLite` keeps them prepared: through `batch_execute` they were parsed afresh twice per job,
/// an eighth of the writer's time.
macro_rules! fixed_statement {
    ($name:ident, $sql:literal) => {
        #[derive(Debug, Clone, Copy, diesel::query_builder::QueryId)]
        struct $name;

        impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for $name {
            fn walk_ast<'b>(
                &'b self,
                mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
            ) -> diesel::QueryResult<()> {
                out.push_sql($sql);
                Ok(())
            }
        }

        impl diesel::RunQueryDsl<diesel::SqliteConnection> for $name {}
    };
}

fixed_statement!(SavepointBegin, "SAVEPOINT tessera_job");
fixed_statement!(SavepointRelease, "RELEASE SAVEPOINT tessera_job");
fixed_statement!(SavepointRollback, "ROLLBACK TO SAVEPOINT tessera_job");

/// Runs `f` in a savepoint of the open transaction.
fn in_savepoint<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let DbConn::Sqlite(sqlite) = conn else {
        return diesel::Connection::transaction(conn, f);
    };
    diesel::RunQueryDsl::execute(SavepointBegin, sqlite)?;
    let result = f(conn);
    // The same connection as above: its backend does not change.
    if let DbConn::Sqlite(sqlite) = conn {
        if result.is_err() {
            diesel::RunQueryDsl::execute(SavepointRollback, sqlite)?;
        }
        diesel::RunQueryDsl::execute(SavepointRelease, sqlite)?;
    }
    result
}

fn commit_failed(msg: &str) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(
        format!("the write batch did not commit: {msg}").into(),
    )
}

fn writer_gone() -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError("the database writer has stopped".into())
}
