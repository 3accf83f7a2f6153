//! What every request handler shares: storage, token keys and configuration. No other state
//! lives in a server process (but one-second caches of campaign settings and of the health
//! check), so any number of instances can serve one database.
//!
//! [`AppState::new`] is the one way to assemble it: `tessera serve` and the tests both call it,
//! so the tests run the state the server runs.

use std::sync::Arc;

use crate::auth::TokenKeys;
use crate::campaign_cache::{CampaignCache, ProgressCache};
use crate::config::Config;
use crate::db::Db;
use crate::health_cache::HealthCache;
use crate::session_cache::SessionCache;
use crate::tile_urls::TileSigner;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: TokenKeys,
    pub tiles: TileSigner,
    pub config: Arc<Config>,
    pub campaigns: Arc<CampaignCache>,
    /// Campaign progress figures, counted at most every `config.progress_ttl_ms`.
    pub progress: Arc<ProgressCache>,
    /// The database's last health check, reused for a second.
    pub health: Arc<HealthCache>,
    /// Recent verdicts on tokens' sessions, reused for `config.session_check_ms`.
    pub sessions: Arc<SessionCache>,
}

impl AppState {
    /// The state around an opened database: tokens and tile URLs are signed with `secret`,
    /// tokens live `config.token_ttl_secs`, and every cache starts empty.
    #[must_use]
    pub fn new(db: Db, secret: &[u8], config: Config) -> Self {
        Self {
            db,
            keys: TokenKeys::new(secret, config.token_ttl_secs),
            tiles: TileSigner::new(secret),
            config: Arc::new(config),
            campaigns: Arc::default(),
            progress: Arc::default(),
            health: Arc::default(),
            sessions: Arc::default(),
        }
    }
}
