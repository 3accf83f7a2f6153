//! Storage: one diesel code path for `SQLite` (the embedded default) and `PostgreSQL` (scale-out).
//!
//! [`DbConn`] is a `MultiConnection` over both backends. The backend is chosen from the URL
//! prefix by [`DatabaseUrl::parse`], never by trial connection, because `SQLite` accepts any path.
//! Connections come from an r2d2 pool; all calls are synchronous and the HTTP layer runs them on
//! the blocking thread pool ([`Db::run`]).
//!
//! `SQLite` has one writer at a time. Rather than letting concurrent write transactions collide
//! on upgrade (`SQLITE_BUSY`), [`Db::write`] serialises them through an in-process lock; readers
//! proceed in parallel under WAL. `PostgreSQL` needs no such lock.

pub mod answer;
pub mod campaign;
pub mod consensus_input;
pub mod consensus_run;
pub mod frame;
pub mod gold;
mod group_commit;
pub mod ids;
pub mod kinds;
pub mod lease;
pub mod migrate;
pub mod schema;
pub mod session;
pub mod site;
pub mod task;
pub mod testdb;
pub mod user;
pub mod volunteer_reliability;

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager as _};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::{PgConnection, SqliteConnection};

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

impl std::fmt::Debug for DbConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite(_) => "DbConn::Sqlite",
            Self::Pg(_) => "DbConn::Pg",
        })
    }
}

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed `--database-url`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Debug for DatabaseUrl {
    /// Never prints a `PostgreSQL` password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            Self::Postgres(_) => f.write_str("postgres://…"),
        }
    }
}

/// Why a database URL was refused.
#[derive(Debug, thiserror::Error)]
#[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
pub struct BadDatabaseUrl(String);

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `sqlite:PATH`, `postgres://…` or `postgresql://…`.
    ///
    /// ```
    /// use tessera_server::db::DatabaseUrl;
    /// assert!(matches!(DatabaseUrl::parse("sqlite:///tmp/t.db"), Ok(DatabaseUrl::Sqlite(_))));
    /// assert!(DatabaseUrl::parse("mysql://localhost/x").is_err());
    /// ```
    pub fn parse(url: &str) -> Result<Self, BadDatabaseUrl> {
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err(BadDatabaseUrl(url.to_owned()));
            }
            Ok(Self::Sqlite(PathBuf::from(rest)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else {
            Err(BadDatabaseUrl(url.to_owned()))
        }
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Opens connections of the configured backend and prepares `SQLite` ones.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn =
                    SqliteConnection::establish(&path).map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the writer; NORMAL sync keeps every committed
                // transaction across a process crash (only power loss can drop the last ones).
                // busy_timeout first: switching to WAL needs a lock another new connection may
                // hold. (batch_execute: a prepared statement would run only the first pragma.)
                // temp_store in memory: a savepoint's journal of the pages it changed (every
                // batched job has one) stays in memory instead of going through a temporary
                // file, a write system call per page. No connection checkpoints on commit: the
                // commit that crossed the WAL's threshold would copy the WAL into the database
                // while its transaction still held the writer (40 ms and more with a large WAL,
                // with every answer waiting); the checkpointer's own connection does it.
                diesel::connection::SimpleConnection::batch_execute(
                    &mut conn,
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                     PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub type PoolError = r2d2::PoolError;
pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

/// Errors of a storage call: the pool (database unreachable) or the query.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot get a database connection: {0}")]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// The blocking pool is gone: the server is shutting down.
    #[error("the server is shutting down")]
    Shutdown(#[from] actix_web::error::BlockingError),
}

/// What a storage call's error must take in: a query's error and the storage layer's own (no
/// connection, the server shutting down). `ApiError`, `DbError` and the use cases' errors do.
pub trait StorageError: From<diesel::result::Error> + From<DbError> + Send + 'static {}

impl<E: From<diesel::result::Error> + From<DbError> + Send + 'static> StorageError for E {}

/// What a storage call run on another thread hands back.
pub trait Outcome: Send + 'static {}

impl<T: Send + 'static> Outcome for T {}

/// A transaction body for the SQLite writer's batches: it may run twice (a batch in which
/// another job failed runs again), so it is `Fn`.
pub trait Job<T, E>: Fn(&mut DbConn) -> Result<T, E> + Send + 'static {}

impl<T, E, F: Fn(&mut DbConn) -> Result<T, E> + Send + 'static> Job<T, E> for F {}

/// A storage call that runs once, on another thread.
pub trait Call<T, E>: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static {}

impl<T, E, F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static> Call<T, E> for F {}

/// The storage handle shared by every request: a pool plus the `SQLite` writer lock.
#[derive(Debug, Clone)]
pub struct Db {
    pool: Pool,
    url: DatabaseUrl,
    writer: Option<Arc<Mutex<()>>>,
    batches: Option<group_commit::GroupCommit>,
}

/// Creates the `SQLite` file readable by its owner only (mode 0600), before SQLite opens it:
/// it holds pseudonyms and evidence, and SQLite gives its WAL and shared-memory files the
/// database file's mode. An existing file is left as it is.
fn create_private(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl Db {
    /// Connects, creating the `SQLite` file's folder if needed, and runs pending migrations.
    pub fn open(url: &DatabaseUrl, pool_size: u32) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        if let DatabaseUrl::Sqlite(path) = url
            && let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating database folder {}", dir.display()))?;
        }
        if let DatabaseUrl::Sqlite(path) = url {
            create_private(path)
                .with_context(|| format!("creating database file {}", path.display()))?;
        }
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(10))
            // a broken connection fails its query and is replaced; checking every checkout
            // would add a round trip to every request
            .test_on_check_out(false)
            .build(ConnectionManager { url: url.clone() })
            .with_context(|| format!("connecting to {url:?}"))?;
        let mut db = Self {
            pool,
            url: url.clone(),
            writer: matches!(url, DatabaseUrl::Sqlite(_)).then(|| Arc::new(Mutex::new(()))),
            batches: None,
        };
        let mut conn = db.conn().context("opening a database connection")?;
        migrate::run_pending(&mut conn)
            .map_err(|e| anyhow::anyhow!("running database migrations: {e}"))?;
        drop(conn);
        if let Some(lock) = &db.writer {
            let manager = ConnectionManager { url: url.clone() };
            // The writer leaves checkpoints to the checkpointer's connection.
            let open_writer = move || -> anyhow::Result<DbConn> {
                let mut conn = manager.connect()?;
                diesel::connection::SimpleConnection::batch_execute(
                    &mut conn,
                    "PRAGMA wal_autocheckpoint = 0;",
                )?;
                Ok(conn)
            };
            let conn = open_writer().context("opening the writer's database connection")?;
            let checkpoints = ConnectionManager { url: url.clone() }
                .connect()
                .context("opening the checkpointer's database connection")?;
            let reconnect = move || open_writer().ok();
            db.batches = Some(
                group_commit::GroupCommit::start(conn, checkpoints, reconnect, Arc::clone(lock))
                    .context("starting the database writer")?,
            );
        }
        user::User::backfill_skeletons(&db).context("filling in the skeletons of handles")?;
        Ok(db)
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    pub fn conn(&self) -> Result<PooledConn, PoolError> {
        self.pool.get()
    }

    /// Runs `f` in a write transaction (serialised on `SQLite`, see the module docs).
    ///
    /// On `SQLite` the writer is handed on fairly when the transaction ends: a job that writes
    /// in many short transactions (the consensus job) would otherwise take it back at once,
    /// time after time, and a waiting batch of answers would wait through all of them.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<DbError>,
    {
        let mut conn = self.conn().map_err(|e| E::from(DbError::from(e)))?;
        let guard = self.writer.as_ref().map(|lock| lock.lock());
        let result = Self::transaction(&mut conn, f);
        if let Some(guard) = guard {
            MutexGuard::unlock_fair(guard);
        }
        result
    }

    fn transaction<T, E>(
        conn: &mut DbConn,
        f: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<DbError>,
    {
        let DbConn::Sqlite(sqlite) = &mut *conn else {
            return diesel::Connection::transaction(&mut *conn, f);
        };
        // BEGIN IMMEDIATE takes the write lock before anything is read. A transaction that reads
        // first and writes later fails at once with SQLITE_BUSY if another process (a CLI
        // ingest, a second server) committed in between; one that starts with the lock waits.
        AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
        match f(conn) {
            Ok(value) => {
                <DbConn as diesel::Connection>::TransactionManager::commit_transaction(conn)?;
                Ok(value)
            }
            Err(err) => {
                <DbConn as diesel::Connection>::TransactionManager::rollback_transaction(conn)?;
                Err(err)
            }
        }
    }

    /// Runs `f` in a write transaction like [`Db::write`], for the hot paths: on `SQLite` it joins
    /// the writer thread's next batch (see [`group_commit`]) and returns once that has committed.
    /// `f` may run twice there (a batch in which another job failed runs again), so it is `Fn`:
    /// whatever it decides must come from the database and its own captures, not from state it
    /// changes outside the transaction.
    pub fn write_batched<T, E>(&self, f: impl Job<T, E>) -> Result<T, E>
    where
        T: Outcome,
        E: StorageError,
    {
        match &self.batches {
            Some(batches) => batches.run(f),
            None => self.write(f),
        }
    }

    /// For the two hottest paths, leasing a task and taking an answer. On `SQLite`, `f` joins the
    /// writer's next batch as in [`Db::write_batched`] (with no thread waiting for it), inside
    /// its write transaction. On `PostgreSQL` it runs on a pooled connection with *no*
    /// transaction around it, so that a write made in one statement pays no `BEGIN` and `COMMIT`
    /// round trips: a write of several statements there must open its own transaction.
    pub async fn write_hot_async<T, E>(&self, f: impl Job<T, E>) -> Result<T, E>
    where
        T: Outcome,
        E: StorageError,
    {
        match &self.batches {
            Some(batches) => batches.run_async(f).await,
            None => self.read(f).await,
        }
    }

    /// Runs `f` on a pooled connection on the blocking pool: the way a request reads.
    pub async fn read<T, E>(&self, f: impl Call<T, E>) -> Result<T, E>
    where
        T: Outcome,
        E: From<DbError> + Send + 'static,
    {
        self.run(move |db| f(&mut *db.conn().map_err(|e| E::from(DbError::from(e)))?))
            .await
    }

    /// Runs `f` in a write transaction ([`Db::write`]) on the blocking pool: the way a request
    /// writes, but for the two hot paths ([`Db::write_hot_async`]).
    pub async fn write_async<T, E>(&self, f: impl Call<T, E>) -> Result<T, E>
    where
        T: Outcome,
        E: StorageError,
    {
        self.run(move |db| db.write(f)).await
    }

    /// Runs a synchronous storage call on the blocking pool, off the async workers.
    pub async fn run<T, E>(
        &self,
        f: impl FnOnce(&Db) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Outcome,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || f(&db))
            .await
            .map_err(|e| E::from(DbError::from(e)))?
    }
}

/// Milliseconds since the Unix epoch, the time unit of every `*_at` column.
#[must_use]
pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_millis()).unwrap_or(i64::MAX)
}
