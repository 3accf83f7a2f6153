//! `GET /api/v1/campaigns/{id}`

use actix_web::{get, web};

use super::access::{find, unknown, view, visible};
use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::api::views::CampaignView;
use crate::state::AppState;

/// One campaign, by id or slug. Volunteers see only active campaigns.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id or slug")),
    responses(
        (status = 200, description = "The campaign", body = CampaignView),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
#[get("/campaigns/{id}")]
pub async fn get_campaign(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
    id: web::Path<String>,
) -> ApiResult<web::Json<CampaignView>> {
    let campaign = find(&state, id.into_inner()).await?;
    if !visible(&campaign, caller.role.is_staff()) {
        return Err(unknown());
    }
    Ok(web::Json(view(campaign)?))
}
