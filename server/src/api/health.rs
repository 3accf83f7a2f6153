//! `GET /api/v1/health`: liveness plus the database backend and migration state.
//!
//! The database is asked at most once a second per instance: health is polled by load balancers
//! and monitors, and a flood of it measures the HTTP stack's ceiling (`tessera loadtest`), not a
//! query on the blocking pool. The last check is kept in [`crate::health_cache::HealthCache`].

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
            .read(|conn| -> ApiResult<MigrationState> {
                migrate::state(conn).map_err(|e| ApiError::unavailable(&e))
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
