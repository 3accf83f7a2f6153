//! Embedded migrations for both backends, run on start.
//!
//! Each migration exists under the same name in `migrations/sqlite/` and `migrations/postgres/`
//! (see `migrations/README.md`). On `PostgreSQL` several instances may start at once, so the run
//! holds an advisory lock and the second instance finds nothing left to do.

use diesel::RunQueryDsl;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;

const SQLITE: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// An arbitrary constant naming Tessera's migration lock among advisory locks.
const PG_MIGRATION_LOCK: i64 = 0x0074_6573_7365_7261;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The migration state reported by `/api/v1/health`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct MigrationState {
    /// Migrations applied to this database.
    pub applied: usize,
    /// Migrations embedded in this binary but not yet applied.
    pub pending: usize,
    /// The newest applied migration's version.
    pub latest: Option<String>,
}

/// Applies every pending migration; returns how many ran.
pub fn run_pending(conn: &mut DbConn) -> Result<usize, BoxError> {
    match conn {
        DbConn::Sqlite(c) => Ok(c.run_pending_migrations(SQLITE)?.len()),
        DbConn::Pg(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({PG_MIGRATION_LOCK})"))
                .execute(c)?;
            let ran = c.run_pending_migrations(POSTGRES).map(|v| v.len());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({PG_MIGRATION_LOCK})"))
                .execute(c)?;
            ran
        }
    }
}

/// Reads which migrations are applied and which are pending.
pub fn state(conn: &mut DbConn) -> Result<MigrationState, BoxError> {
    let (applied, pending) = match conn {
        DbConn::Sqlite(c) => (c.applied_migrations()?, c.pending_migrations(SQLITE)?.len()),
        DbConn::Pg(c) => (
            c.applied_migrations()?,
            c.pending_migrations(POSTGRES)?.len(),
        ),
    };
    Ok(MigrationState {
        applied: applied.len(),
        pending,
        latest: applied.iter().max().map(ToString::to_string),
    })
}
