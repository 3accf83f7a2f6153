//! `GET /api/v1/health`: liveness plus the database backend and migration state.
//!
//! The database is asked at most once a second per instance: health is polled by load balancers
//! and monitors, and a flood of it measures the HTTP stack's ceiling (`tessera loadtest`), not a
//! query on the blocking pool.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::db::Backend;
use crate::db::migrate::{self, MigrationState};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    pub version: &'static str,
    pub database: DatabaseHealth,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DatabaseHealth {
    pub backend: Backend,
    pub migrations: MigrationState,
}

/// Reports that the server is up and its database reachable and migrated.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, description = "Healthy", body = Health),
        (status = 503, description = "Database unreachable", body = ErrorBody),
    )
)]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let migrations = if let Some(migrations) = state.health.fresh() {
        migrations
    } else {
        let migrations = state
            .db
            .run(|db| -> ApiResult<MigrationState> {
                migrate::state(&mut *db.conn()?).map_err(|e| ApiError::unavailable(&e))
            })
            .await?;
        state.health.store(migrations.clone());
        migrations
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health {
            status: "ok",
            version: env!("CARGO_PKG_VERSION"),
            database: DatabaseHealth {
                backend: state.db.backend(),
                migrations,
            },
        }))
}

/// How long a successful database check is reused.
const HEALTH_TTL: Duration = Duration::from_secs(1);

/// The last successful database check of this instance; a failed one is never kept.
#[derive(Debug, Default)]
pub struct HealthCache(Mutex<Option<(Instant, MigrationState)>>);

impl HealthCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, MigrationState)>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn fresh(&self) -> Option<MigrationState> {
        self.fresh_at(Instant::now())
    }

    fn fresh_at(&self, now: Instant) -> Option<MigrationState> {
        self.lock()
            .as_ref()
            .filter(|(at, _)| now.saturating_duration_since(*at) < HEALTH_TTL)
            .map(|(_, state)| state.clone())
    }

    fn store(&self, state: MigrationState) {
        *self.lock() = Some((Instant::now(), state));
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
