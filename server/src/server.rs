//! Starting an HTTP server instance from a [`Config`].

use actix_web::{HttpServer, web};
use anyhow::Context as _;

use crate::auth::load_or_create_secret;
use crate::config::Config;
use crate::db::Db;
use crate::state::AppState;

/// The environment variable that can hold the token secret (at least 32 bytes). Instances that
/// share one database must share the secret: set this, or give them the same data dir.
pub const JWT_SECRET_ENV: &str = "TESSERA_JWT_SECRET";

/// Opens storage (running migrations) and loads the signing secret.
pub fn build_state(config: Config) -> anyhow::Result<AppState> {
    let secret = match std::env::var(JWT_SECRET_ENV) {
        Ok(s) if s.len() >= 32 => s.into_bytes(),
        Ok(_) => anyhow::bail!("{JWT_SECRET_ENV} must be at least 32 characters"),
        Err(_) => {
            let path = config.data_dir.join("jwt-secret");
            load_or_create_secret(&path).with_context(|| {
                format!("reading or creating the token secret {}", path.display())
            })?
        }
    };
    let db = Db::open(&config.database_url, config.pool_size)?;
    Ok(AppState::new(db, &secret, config))
}

/// Serves until interrupted (Ctrl-C or SIGTERM stop it gracefully).
pub async fn serve(state: AppState) -> anyhow::Result<()> {
    let bind = state.config.bind.clone();
    let every = state.config.consensus_interval_secs;
    if every > 0 {
        let db = state.db.clone();
        let policy = state.config.consensus_full;
        std::thread::Builder::new()
            .name("consensus".to_owned())
            .spawn(move || {
                crate::jobs::consensus::run_forever(
                    &db,
                    std::time::Duration::from_secs(every),
                    &policy,
                );
            })
            .context("starting the consensus job")?;
    }
    let workers = state.config.workers;
    let data = web::Data::new(state);
    let pool_size = usize::try_from(data.config.pool_size).unwrap_or(16);
    // Storage calls run on the blocking pool and each needs a pooled connection: more blocking
    // threads than connections only adds threads that wait (actix's default is 512 per worker,
    // which under load cost hundreds of MB in thread stacks and malloc arenas).
    let mut server = HttpServer::new(move || crate::api::app(data.clone()))
        .worker_max_blocking_threads(pool_size.max(4));
    if workers > 0 {
        server = server.workers(workers);
    }
    let server = server
        .bind(&bind)
        .with_context(|| format!("listening on {bind}"))?;
    for addr in server.addrs() {
        tracing::info!(%addr, "serving");
    }
    server.run().await.context("running the HTTP server")
}
