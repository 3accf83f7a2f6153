//! `GET /api/v1/campaigns`

use actix_web::{get, web};

use super::access::view;
use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::api::views::{CampaignList, CampaignListQuery, CampaignStatus};
use crate::db::campaign::Campaign;
use crate::state::AppState;

/// Lists campaigns: active ones for volunteers, all (or one status) for staff.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(CampaignListQuery),
    responses(
        (status = 200, description = "Campaigns, newest first", body = CampaignList),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
#[get("/campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
    query: web::Query<CampaignListQuery>,
) -> ApiResult<web::Json<CampaignList>> {
    let status = if caller.role.is_staff() {
        query.status
    } else {
        Some(CampaignStatus::Active)
    };
    let rows = state
        .db
        .read(move |conn| -> ApiResult<Vec<Campaign>> {
            let filter = status.map(|s| [s]);
            Ok(Campaign::list(
                conn,
                filter.as_ref().map(<[CampaignStatus; 1]>::as_slice),
            )?)
        })
        .await?;
    let campaigns = rows.into_iter().map(view).collect::<ApiResult<_>>()?;
    Ok(web::Json(CampaignList { campaigns }))
}
