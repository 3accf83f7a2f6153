//! `POST /api/v1/campaigns/{id}/next`

use actix_web::{post, web};

use super::views::{NextTaskResponse, TaskView};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::db::kinds::CampaignStatus;
use crate::scheduler::{LeaseError, LeaseOutcome, lease};
use crate::state::AppState;

impl From<LeaseError> for ApiError {
    fn from(e: LeaseError) -> Self {
        match e {
            LeaseError::UnknownCampaign => ApiError::not_found(e.to_string()),
            LeaseError::NotActive(_) => ApiError::conflict("campaign_not_active", e.to_string()),
            LeaseError::Campaign(c) => c.into(),
            LeaseError::Db(db) => db.into(),
        }
    }
}

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
    let staff = caller.role.is_staff();
    let (outcome, classes) = lease(
        &state.db,
        &state.campaigns,
        caller.user_id,
        id.into_inner(),
        query.practice,
        state.config.sweep_interval_ms,
    )
    .await
    .map_err(|e| match e {
        // A draft is not public yet: a volunteer learns nothing of it, not even that it exists.
        LeaseError::NotActive(CampaignStatus::Draft) if !staff => {
            LeaseError::UnknownCampaign.into()
        }
        other => ApiError::from(other),
    })?;
    Ok(web::Json(match outcome {
        LeaseOutcome::Leased {
            task,
            expires_at,
            resumed,
        } => NextTaskResponse {
            task: Some(TaskView::signed(&state, &task, classes, expires_at)),
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
