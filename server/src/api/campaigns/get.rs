//! `GET /api/v1/campaigns/{id}`

use actix_web::{get, web};

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::views::CampaignView;
use crate::auth::{Anyone, Authenticated};
use crate::db::campaign::Campaign;
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
    if !super::visible(&campaign, caller.role.is_staff()) {
        return Err(unknown());
    }
    Ok(web::Json(super::view(campaign)?))
}

pub(super) fn unknown() -> ApiError {
    ApiError::not_found("no such campaign")
}

/// Finds a campaign by id or slug, answering 404 with a campaign-specific message.
pub(super) async fn find(state: &AppState, key: String) -> ApiResult<Campaign> {
    state
        .db
        .run(move |db| -> ApiResult<Campaign> {
            match Campaign::find_by_id_or_slug(&mut *db.conn()?, &key) {
                Err(diesel::result::Error::NotFound) => Err(unknown()),
                other => Ok(other?),
            }
        })
        .await
}
