//! `POST /api/v1/campaigns/{id}/next`

use std::sync::atomic::{AtomicI64, Ordering};

use actix_web::{post, web};

use super::views::NextTaskResponse;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::auth::{Anyone, Authenticated};
use crate::campaign_cache::CampaignLookupError;
use crate::db::{DbConn, now_ms};
use crate::scheduler::{LeaseOutcome, Pick, lease_next, sweep};
use crate::state::AppState;

/// When this process last swept expired leases; a throttle only, not shared state.
static LAST_SWEEP_MS: AtomicI64 = AtomicI64::new(0);

/// `?practice=true` asks for a practice (gold) task, the tutorial's last step.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NextQuery {
    /// A gold task with feedback, for practice; `task: null` with `no_practice` when none is left.
    #[serde(default)]
    pub practice: bool,
}

/// Leases the next task to the caller: nearly finished tasks first, never one they have seen.
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id or slug"), NextQuery),
    responses(
        (status = 200, description = "A task, or `task: null` with the reason", body = NextTaskResponse),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 409, description = "The campaign is not active", body = ErrorBody),
    )
)]
#[post("/campaigns/{id}/next")]
pub async fn next_task(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
    id: web::Path<String>,
    query: web::Query<NextQuery>,
) -> ApiResult<web::Json<NextTaskResponse>> {
    let key = id.into_inner();
    let practice = query.practice;
    let sweep_every = state.config.sweep_interval_ms;
    let campaigns = std::sync::Arc::clone(&state.campaigns);
    let (outcome, classes) = state
        .db
        .write_hot_async(move |conn| -> ApiResult<(LeaseOutcome, Vec<String>)> {
            let campaign = match campaigns.get(conn, &key) {
                Err(CampaignLookupError::Query(diesel::result::Error::NotFound)) => {
                    return Err(ApiError::not_found("no such campaign"));
                }
                other => other?,
            };
            if campaign.status != "active" {
                return Err(ApiError::conflict(
                    "campaign_not_active",
                    format!(
                        "this campaign is {}; it hands out no tasks now",
                        campaign.status
                    ),
                ));
            }
            let settings = &campaign.settings;
            let now = now_ms();
            // A throttle, not state: should this batch be rolled back and run again, the sweep
            // it did waits for the next interval.
            let last = LAST_SWEEP_MS.load(Ordering::Relaxed);
            if now - last >= sweep_every
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
            let outcome = lease_next(conn, &campaign.id, settings, &caller.user_id, now, pick)?;
            Ok((outcome, settings.damage_classes.clone()))
        })
        .await?;
    Ok(web::Json(match outcome {
        LeaseOutcome::Leased {
            task,
            expires_at,
            resumed,
        } => NextTaskResponse {
            task: Some(super::task_view(&state, &task, classes, expires_at)),
            resumed,
            reason: None,
            message: None,
        },
        LeaseOutcome::NoTask(why) => NextTaskResponse {
            task: None,
            resumed: false,
            reason: Some(why.code()),
            message: Some(why.message()),
        },
    }))
}
