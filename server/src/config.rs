//! Server configuration: one struct, built in `main` from flags and environment, injected into
//! handlers. Tests build their own.

use std::path::PathBuf;

use crate::db::DatabaseUrl;
use crate::jobs::consensus::policy::FullRunPolicy;

/// How a server instance runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub bind: String,
    /// Where the data lives.
    pub database_url: DatabaseUrl,
    /// Folder for the `SQLite` database, the token secret and tiles.
    pub data_dir: PathBuf,
    /// Lifetime of an access token in seconds.
    pub token_ttl_secs: i64,
    /// Database connections per instance.
    pub pool_size: u32,
    /// HTTP worker threads (0 = one per core).
    pub workers: usize,
    /// A built frontend to serve instead of the embedded start page.
    pub frontend_dir: Option<PathBuf>,
    /// Least time between two sweeps of expired leases by this instance, in milliseconds.
    pub sweep_interval_ms: i64,
    /// Seconds between consensus passes over campaigns with new answers (0 = never).
    pub consensus_interval_secs: u64,
    /// When a consensus run covers the whole campaign, re-estimating volunteers' reliability
    /// (see [`crate::jobs::consensus::policy`]).
    pub consensus_full: FullRunPolicy,
    /// How long a campaign's progress figures are reused before they are counted again, in
    /// milliseconds. Counting scans every task of the campaign.
    pub progress_ttl_ms: u64,
    /// How long this instance trusts its last check that a token's session and account still
    /// stand, in milliseconds: a sign-out, role change or suspension reaches it within this.
    pub session_check_ms: u64,
}

impl Config {
    /// Defaults for `data_dir`, as `tessera serve` uses them.
    #[must_use]
    pub fn with_data_dir(data_dir: PathBuf) -> Self {
        let database_url = DatabaseUrl::Sqlite(data_dir.join("tessera.db"));
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            database_url,
            data_dir,
            token_ttl_secs: 8 * 3600,
            pool_size: 16,
            workers: 0,
            frontend_dir: None,
            sweep_interval_ms: 1000,
            consensus_interval_secs: 15,
            consensus_full: FullRunPolicy::default(),
            progress_ttl_ms: 5000,
            session_check_ms: 1000,
        }
    }
}
