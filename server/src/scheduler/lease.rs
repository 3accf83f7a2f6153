//! Leasing the next task: the use case behind `POST /campaigns/{id}/next`.
//!
//! It looks the campaign up (through the one-second cache), refuses one that is not active,
//! sweeps expired leases back into the pool at most every `sweep_every_ms` per process, and
//! leases with [`lease_next`]. On `SQLite` all of it runs in the writer's batch; on
//! `PostgreSQL` with no transaction around it but the sweep's own.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use super::pick::{LeaseOutcome, Pick, lease_next};
use super::sweep;
use crate::campaign_cache::{CampaignCache, CampaignLookupError};
use crate::db::ids::UserId;
use crate::db::kinds::CampaignStatus;
use crate::db::{Db, DbConn, DbError, now_ms};

/// When this process last swept expired leases; a throttle only, not shared state.
static LAST_SWEEP_MS: AtomicI64 = AtomicI64::new(0);

/// Why no lease could be attempted.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("no such campaign")]
    UnknownCampaign,
    #[error("this campaign is {0}; it hands out no tasks now")]
    NotActive(CampaignStatus),
    #[error(transparent)]
    Campaign(CampaignLookupError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<CampaignLookupError> for LeaseError {
    fn from(e: CampaignLookupError) -> Self {
        match e {
            CampaignLookupError::Query(diesel::result::Error::NotFound) => Self::UnknownCampaign,
            other => Self::Campaign(other),
        }
    }
}

impl From<diesel::result::Error> for LeaseError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Leases the next task of the campaign `campaign_key` (id or slug) to `user_id`, a practice
/// task when `practice`. Returns the outcome and the campaign's damage classes.
pub async fn lease(
    db: &Db,
    campaigns: &Arc<CampaignCache>,
    user_id: UserId,
    campaign_key: String,
    practice: bool,
    sweep_every_ms: i64,
) -> Result<(LeaseOutcome, Vec<String>), LeaseError> {
    let campaigns = Arc::clone(campaigns);
    db.write_hot_async(move |conn| {
        let campaign = campaigns.get(conn, &campaign_key)?;
        if campaign.status != CampaignStatus::Active {
            return Err(LeaseError::NotActive(campaign.status));
        }
        let settings = &campaign.settings;
        let now = now_ms();
        // A throttle, not state: should this batch be rolled back and run again, the sweep it
        // did waits for the next interval.
        let last = LAST_SWEEP_MS.load(Ordering::Relaxed);
        if now - last >= sweep_every_ms
            && LAST_SWEEP_MS
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            match conn {
                // Several statements: on PostgreSQL, a transaction of their own.
                DbConn::Pg(_) => {
                    diesel::Connection::transaction(conn, |c| sweep::expire_leases(c, now))?
                }
                DbConn::Sqlite(_) => sweep::expire_leases(conn, now)?,
            };
        }
        let pick = if practice {
            Pick::Practice
        } else {
            Pick::Search {
                gold_draw: rand::random(),
            }
        };
        let outcome = lease_next(conn, &campaign.id, settings, &user_id, now, pick)?;
        Ok((outcome, settings.damage_classes.clone()))
    })
    .await
}
