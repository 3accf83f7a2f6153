//! `tessera serve`

use std::path::PathBuf;

use clap::Args;

use super::StorageArgs;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "TESSERA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub storage: StorageArgs,
    /// HTTP worker threads [default: one per core].
    #[arg(long, env = "TESSERA_WORKERS")]
    pub workers: Option<usize>,
    /// Database connections in this instance's pool [default: 4 per core]. More than the
    /// database has cores for only adds contention.
    #[arg(long, env = "TESSERA_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// Lifetime of sign-in tokens, in minutes.
    #[arg(long, env = "TESSERA_TOKEN_TTL_MINUTES", default_value_t = 480)]
    pub token_ttl_minutes: i64,
    /// Seconds between consensus passes over campaigns with new answers (0 = never).
    #[arg(long, env = "TESSERA_CONSENSUS_INTERVAL", default_value_t = 15)]
    pub consensus_interval: u64,
    /// A consensus run covers the whole campaign (re-estimating every volunteer's reliability)
    /// once the answers since the last such run exceed this share of those it read (0 = every
    /// run).
    #[arg(long, env = "TESSERA_CONSENSUS_FULL_SHARE", default_value_t = 0.2)]
    pub consensus_full_share: f64,
    /// …or once the last such run is this many hours old (0 = no limit).
    #[arg(long, env = "TESSERA_CONSENSUS_FULL_HOURS", default_value_t = 24)]
    pub consensus_full_hours: i64,
    /// The built web app to serve [default: frontend/dist of the source tree, once built].
    #[arg(long, env = "TESSERA_FRONTEND_DIR")]
    pub frontend_dir: Option<PathBuf>,
}

pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let mut config = args.storage.config()?;
    config.bind.clone_from(&args.bind);
    config.workers = args.workers.unwrap_or(0);
    config.pool_size = args.pool_size.unwrap_or_else(default_pool_size);
    config.token_ttl_secs = args.token_ttl_minutes * 60;
    config.frontend_dir = args
        .frontend_dir
        .clone()
        .or_else(crate::api::frontend_default_dir);
    config.consensus_interval_secs = args.consensus_interval;
    config.consensus_full = crate::jobs::consensus::policy::FullRunPolicy {
        answer_share: args.consensus_full_share.max(0.0),
        max_age_ms: args.consensus_full_hours.max(0).saturating_mul(3_600_000),
    };
    let state = crate::server::build_state(config)?;
    tracing::info!(
        database.backend = ?state.db.backend(),
        bind = %args.bind,
        "starting Tessera; open http://{} in a browser",
        args.bind
    );
    actix_web::rt::System::new().block_on(crate::server::serve(state))
}

/// Four connections per core: on a 2-core machine running PostgreSQL beside the server, 8
/// connections served 947 answers/s and 16 only 779 (`tessera loadtest --volunteers 500`).
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    u32::try_from(cores * 4).unwrap_or(16).max(4)
}
