//! A one-second cache of campaigns (id, status, parsed settings) for the hot paths: every lease
//! and every answer needs them, and they change only when a coordinator edits the campaign.
//! A pause or a settings change reaches every instance within a second; nothing else is kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::campaign_settings::CampaignSettings;
use crate::db::DbConn;
use crate::db::campaign::Campaign;

const TTL: Duration = Duration::from_secs(1);
/// Entries kept at most; past this the cache starts afresh (campaigns are few).
const MAX_ENTRIES: usize = 1024;

/// What the hot paths need of a campaign.
#[derive(Debug)]
pub struct CachedCampaign {
    pub id: String,
    pub status: String,
    pub settings: CampaignSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum CampaignLookupError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("campaign settings do not parse: {0}")]
    Settings(#[from] serde_json::Error),
}

#[derive(Debug, Default)]
pub struct CampaignCache {
    entries: Mutex<HashMap<String, (Instant, Arc<CachedCampaign>)>>,
}

impl CampaignCache {
    /// The campaign with this id or slug, from the cache when it is fresh. `NotFound` when
    /// there is none.
    pub fn get(
        &self,
        conn: &mut DbConn,
        key: &str,
    ) -> Result<Arc<CachedCampaign>, CampaignLookupError> {
        let now = Instant::now();
        if let Some((at, hit)) = self.lock().get(key)
            && now.duration_since(*at) < TTL
        {
            return Ok(Arc::clone(hit));
        }
        let row = Campaign::find_by_id_or_slug(conn, key)?;
        let fresh = Arc::new(CachedCampaign {
            settings: serde_json::from_str(&row.settings)?,
            id: row.id,
            status: row.status,
        });
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key.to_owned(), (now, Arc::clone(&fresh)));
        Ok(fresh)
    }

    /// Forgets everything: this instance sees a change it made at once (others within the TTL).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Arc<CachedCampaign>)>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
