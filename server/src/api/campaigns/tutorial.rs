//! `GET /api/v1/campaigns/{id}/tutorial` and `GET /api/v1/campaigns/{id}/progress`: what the
//! volunteer page shows around the tasks.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::access::{find, unknown, visible};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::db::now_ms;
use crate::db::task::Task;
use crate::scheduler::gold::GoldAnswer;
use crate::state::AppState;

/// How long the tutorial's example tile URLs stay valid.
const EXAMPLE_URL_SECS: i64 = 3600;
/// Gold tasks looked at for examples; a campaign needs only a few.
const GOLD_SCAN: i64 = 200;

/// One damage class with, when a coordinator has marked one on a gold tile, an example.
#[derive(Debug, Serialize, ToSchema)]
pub struct TutorialClass {
    /// The class name as the campaign lists it (and as answers carry it).
    pub class: String,
    pub example: Option<TutorialExample>,
}

/// A known site of this class on a gold tile.
#[derive(Debug, Serialize, ToSchema)]
pub struct TutorialExample {
    /// Signed URL of the (after) tile, valid for an hour.
    pub tile_url: String,
    pub before_tile_url: Option<String>,
    pub width: i64,
    pub height: i64,
    /// The site, in tile pixels from the top-left corner.
    pub x: f64,
    pub y: f64,
}

/// The tutorial of a campaign.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tutorial {
    pub classes: Vec<TutorialClass>,
    /// Practice (gold) tiles the campaign has; the tutorial ends with one when there are any.
    pub practice_tasks: i64,
}

/// The damage classes with example tiles from the campaign's gold tasks.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id or slug")),
    responses(
        (status = 200, description = "Classes and examples", body = Tutorial),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
#[get("/campaigns/{id}/tutorial")]
pub async fn campaign_tutorial(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
    id: web::Path<String>,
) -> ApiResult<web::Json<Tutorial>> {
    let campaign = find(&state, id.into_inner()).await?;
    if !visible(&campaign, caller.role.is_staff()) {
        return Err(unknown());
    }
    let settings = campaign.settings().map_err(|e| ApiError::internal(&e))?;
    let campaign_id = campaign.id.clone();
    let (gold, practice_tasks) = state
        .db
        .read(move |conn| -> ApiResult<_> { Ok(Task::gold_tiles(conn, &campaign_id, GOLD_SCAN)?) })
        .await?;
    let exp = now_ms() / 1000 + EXAMPLE_URL_SECS;
    let classes = settings
        .damage_classes
        .iter()
        .map(|class| {
            let example = gold.iter().find_map(|tile| {
                let answer = GoldAnswer::from_column(tile.gold_answer.as_deref())?.ok()?;
                let mark = answer.marks.iter().find(|m| &m.class == class)?;
                Some(TutorialExample {
                    tile_url: state.tiles.url(tile.tile_key.as_deref()?, exp),
                    before_tile_url: tile
                        .before_tile_key
                        .as_deref()
                        .map(|k| state.tiles.url(k, exp)),
                    width: tile.px_w,
                    height: tile.px_h,
                    x: mark.x,
                    y: mark.y,
                })
            });
            TutorialClass {
                class: class.clone(),
                example,
            }
        })
        .collect();
    Ok(web::Json(Tutorial {
        classes,
        practice_tasks,
    }))
}

/// How far a campaign has come, as volunteers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignProgress {
    /// Search tiles in the campaign (practice tiles not counted).
    pub tasks: i64,
    /// Tiles that have all the answers they need.
    pub tasks_done: i64,
    /// Answers given to those tiles by everyone.
    pub answers: i64,
}

/// Tiles done out of all tiles, and answers given.
#[utoipa::path(
    tag = "campaigns",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Campaign id or slug")),
    responses(
        (status = 200, description = "Progress", body = CampaignProgress),
        (status = 404, description = "No such campaign", body = ErrorBody),
    )
)]
#[get("/campaigns/{id}/progress")]
pub async fn campaign_progress(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
    id: web::Path<String>,
) -> ApiResult<web::Json<CampaignProgress>> {
    let campaign = find(&state, id.into_inner()).await?;
    if !visible(&campaign, caller.role.is_staff()) {
        return Err(unknown());
    }
    let ttl = std::time::Duration::from_millis(state.config.progress_ttl_ms);
    if let Some([tasks, tasks_done, answers]) = state.progress.fresh(campaign.id.as_str(), ttl) {
        return Ok(web::Json(CampaignProgress {
            tasks,
            tasks_done,
            answers,
        }));
    }
    let campaign_id = campaign.id.clone();
    let counts = state
        .db
        .read(move |conn| -> ApiResult<_> { Ok(Task::counts(conn, &campaign.id)?) })
        .await?;
    let progress = CampaignProgress {
        tasks: counts.tasks,
        tasks_done: counts.done,
        answers: counts.answers,
    };
    state.progress.store(
        campaign_id.as_str(),
        [progress.tasks, progress.tasks_done, progress.answers],
    );
    Ok(web::Json(progress))
}
