//! `POST /api/v1/campaigns/{id}/pause|resume|close`: a coordinator steers a campaign.

use actix_web::{post, web};

use super::access::{unknown, view};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Authenticated, Coordinators};
use crate::api::views::{CampaignStatus, CampaignView};
use crate::db::campaign::{Campaign, CampaignUpdateForm};
use crate::db::now_ms;
use crate::state::AppState;

/// Moves a campaign to `to` if its current status allows it.
async fn transition(
    state: &AppState,
    key: String,
    to: CampaignStatus,
    allowed_from: &'static [CampaignStatus],
) -> ApiResult<CampaignView> {
    let updated = state
        .db
        .write_async(move |conn| -> ApiResult<Campaign> {
            let campaign = match Campaign::find_by_id_or_slug(conn, &key) {
                Err(diesel::result::Error::NotFound) => return Err(unknown()),
                other => other?,
            };
            let from = campaign.status;
            if from == to {
                return Ok(campaign);
            }
            if !allowed_from.contains(&from) {
                return Err(ApiError::conflict(
                    "invalid_transition",
                    format!(
                        "a {} campaign cannot become {}",
                        campaign.status,
                        to.as_str()
                    ),
                ));
            }
            let form = CampaignUpdateForm {
                status: Some(to),
                updated_at: Some(now_ms()),
                ..CampaignUpdateForm::default()
            };
            Ok(Campaign::update(conn, &campaign.id, &form)?)
        })
        .await?;
    state.campaigns.clear();
    tracing::info!(campaign.id = %updated.id, campaign.status = %updated.status, "campaign status changed");
    view(updated)
}

/// Stops handing out the campaign's tasks; answers to leases already out are still taken.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id or slug")),
    responses(
        (status = 200, description = "Paused", body = CampaignView),
        (status = 409, description = "Not active", body = ErrorBody),
    )
)]
#[post("/campaigns/{id}/pause")]
pub async fn pause_campaign(
    state: web::Data<AppState>,
    _caller: Authenticated<Coordinators>,
    id: web::Path<String>,
) -> ApiResult<web::Json<CampaignView>> {
    let to = CampaignStatus::Paused;
    Ok(web::Json(
        transition(&state, id.into_inner(), to, &[CampaignStatus::Active]).await?,
    ))
}

/// Opens a draft or paused campaign to volunteers.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id or slug")),
    responses(
        (status = 200, description = "Active", body = CampaignView),
        (status = 409, description = "Closed", body = ErrorBody),
    )
)]
#[post("/campaigns/{id}/resume")]
pub async fn resume_campaign(
    state: web::Data<AppState>,
    _caller: Authenticated<Coordinators>,
    id: web::Path<String>,
) -> ApiResult<web::Json<CampaignView>> {
    let from = &[CampaignStatus::Draft, CampaignStatus::Paused];
    Ok(web::Json(
        transition(&state, id.into_inner(), CampaignStatus::Active, from).await?,
    ))
}

/// Ends a campaign for good; its sites remain for review and export.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id or slug")),
    responses((status = 200, description = "Closed", body = CampaignView))
)]
#[post("/campaigns/{id}/close")]
pub async fn close_campaign(
    state: web::Data<AppState>,
    _caller: Authenticated<Coordinators>,
    id: web::Path<String>,
) -> ApiResult<web::Json<CampaignView>> {
    let from = &[
        CampaignStatus::Draft,
        CampaignStatus::Active,
        CampaignStatus::Paused,
    ];
    Ok(web::Json(
        transition(&state, id.into_inner(), CampaignStatus::Closed, from).await?,
    ))
}
