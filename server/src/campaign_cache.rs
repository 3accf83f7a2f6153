//! Short-lived caches of what many requests ask about a campaign. Campaigns (id, status, parsed
//! settings) are kept a second: every lease and every answer needs them, and a pause or a
//! settings change then reaches every instance within that second. Progress figures, which
//! take a scan of the campaign's tasks to count, are kept a few seconds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::campaign_settings::CampaignSettings;
use crate::db::DbConn;
use crate::db::campaign::{BadSettings, Campaign};
use crate::db::ids::CampaignId;
use crate::db::kinds::CampaignStatus;

const TTL: Duration = Duration::from_secs(1);
/// Entries kept at most; past this the cache starts afresh (campaigns are few).
const MAX_ENTRIES: usize = 1024;

/// What the hot paths need of a campaign.
#[derive(Debug)]
pub struct CachedCampaign {
    pub id: CampaignId,
    pub status: CampaignStatus,
    pub settings: CampaignSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum CampaignLookupError {
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error(transparent)]
    Settings(#[from] BadSettings),
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
            settings: row.settings()?,
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

/// Progress figures per campaign id, with the time they were counted.
#[derive(Debug, Default)]
pub struct ProgressCache {
    entries: Mutex<HashMap<String, (Instant, [i64; 3])>>,
}

impl ProgressCache {
    /// The figures for `campaign_id` if counted less than `ttl` ago.
    pub fn fresh(&self, campaign_id: &str, ttl: Duration) -> Option<[i64; 3]> {
        let entries = self.lock();
        let (at, figures) = entries.get(campaign_id)?;
        (at.elapsed() < ttl).then_some(*figures)
    }

    pub fn store(&self, campaign_id: &str, figures: [i64; 3]) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(campaign_id.to_owned(), (Instant::now(), figures));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, [i64; 3])>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::ProgressCache;

    #[test]
    fn progress_figures_are_reused_only_while_fresh() {
        let cache = ProgressCache::default();
        assert_eq!(cache.fresh("c", Duration::from_mins(1)), None);
        cache.store("c", [10, 2, 7]);
        assert_eq!(cache.fresh("c", Duration::from_mins(1)), Some([10, 2, 7]));
        assert_eq!(
            cache.fresh("c", Duration::ZERO),
            None,
            "a zero TTL never reuses"
        );
        assert_eq!(cache.fresh("other", Duration::from_mins(1)), None);
    }
}
