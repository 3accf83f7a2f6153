//! What every request handler shares: storage, token keys and configuration. No other state
//! lives in a server process (but one-second caches of campaign settings and of the health
//! check), so any number of
//! instances can serve one database.

use std::sync::Arc;

use crate::auth::TokenKeys;
use crate::campaign_cache::CampaignCache;
use crate::config::Config;
use crate::db::Db;
use crate::tile_urls::TileSigner;

#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: TokenKeys,
    pub tiles: TileSigner,
    pub config: Arc<Config>,
    pub campaigns: Arc<CampaignCache>,
    /// Campaign progress figures, counted at most every `config.progress_ttl_ms`.
    pub progress: Arc<crate::campaign_cache::ProgressCache>,
    /// The database's last health check, reused for a second.
    pub health: Arc<crate::api::health::HealthCache>,
}
