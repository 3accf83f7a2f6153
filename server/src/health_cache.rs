//! The last successful database health check of this instance, reused for a second.
//!
//! Health is polled by load balancers and monitors; a flood of it should measure the HTTP
//! stack, not a query on the blocking pool. The cache lives here, below the API layer, so that
//! [`AppState`](crate::state::AppState) can hold it without importing a handler module.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::db::migrate::MigrationState;

/// How long a successful database check is reused.
const HEALTH_TTL: Duration = Duration::from_secs(1);

/// The last successful database check of this instance; a failed one is never kept.
#[derive(Debug, Default)]
pub struct HealthCache(Mutex<Option<(Instant, MigrationState)>>);

impl HealthCache {
    /// The migration state checked less than [`HEALTH_TTL`] ago, if any.
    pub fn fresh(&self) -> Option<MigrationState> {
        self.fresh_at(Instant::now())
    }

    /// Keeps a successful check from now on.
    pub fn store(&self, state: MigrationState) {
        *self.lock() = Some((Instant::now(), state));
    }

    fn fresh_at(&self, now: Instant) -> Option<MigrationState> {
        self.lock()
            .as_ref()
            .filter(|(at, _)| now.saturating_duration_since(*at) < HEALTH_TTL)
            .map(|(_, state)| state.clone())
    }

    fn lock(&self) -> MutexGuard<'_, Option<(Instant, MigrationState)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_check_is_reused_for_a_second_only() {
        let cache = HealthCache::default();
        assert!(cache.fresh().is_none(), "nothing checked yet");
        cache.store(MigrationState {
            applied: 1,
            pending: 0,
            latest: Some("initial".into()),
        });
        let now = Instant::now();
        assert!(cache.fresh_at(now).is_some());
        assert!(cache.fresh_at(now + Duration::from_millis(900)).is_some());
        assert!(
            cache.fresh_at(now + HEALTH_TTL).is_none(),
            "stale after a second"
        );
    }
}
