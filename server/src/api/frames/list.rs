//! `GET /api/v1/campaigns/{id}/frames`

use actix_web::{get, web};

use super::views::{FrameList, FrameView};
use crate::api::campaigns::access::find as find_campaign;
use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Analysts, Authenticated};
use crate::db::frame::Frame;
use crate::state::AppState;

/// A campaign's frames with their footprints, task counts and overview zooms. Staff only.
#[utoipa::path(
    tag = "frames",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id or slug")),
    responses(
        (status = 200, description = "The campaign's frames", body = FrameList),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an analyst, coordinator or admin", body = ErrorBody),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
#[get("/campaigns/{id}/frames")]
pub async fn list_campaign_frames(
    state: web::Data<AppState>,
    _caller: Authenticated<Analysts>,
    id: web::Path<String>,
) -> ApiResult<web::Json<FrameList>> {
    let campaign = find_campaign(&state, id.into_inner()).await?;
    let (frames, counts) = state
        .db
        .read(move |conn| -> ApiResult<_> {
            Ok((
                Frame::for_campaign(conn, &campaign.id)?,
                Frame::task_counts(conn, &campaign.id)?,
            ))
        })
        .await?;
    let frames = frames
        .into_iter()
        .map(|frame| {
            let tasks = counts
                .iter()
                .find(|c| c.frame_id.as_ref() == Some(&frame.id))
                .map_or(0, |c| c.tasks);
            FrameView::of(frame, tasks)
        })
        .collect::<ApiResult<_>>()?;
    Ok(web::Json(FrameList { frames }))
}
