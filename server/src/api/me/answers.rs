//! `GET /api/v1/me/answers`: a volunteer's own answers, newest first. What the platform keeps
//! about a volunteer's work is theirs to see.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::db::answer::Answer;
use crate::db::campaign::Campaign;
use crate::db::kinds::CampaignStatus;
use crate::state::AppState;

const MAX_LIMIT: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MyAnswersQuery {
    /// Only this campaign (id or slug).
    pub campaign: Option<String>,
    /// At most this many, 1–500. Default 50.
    pub limit: Option<i64>,
}

/// One answer as it was stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyAnswer {
    pub answer_id: String,
    pub task_id: i64,
    pub campaign_id: String,
    /// `marks`, `nothing_here` or `cant_tell`.
    pub kind: String,
    pub reason: Option<String>,
    pub marks: Vec<MyMark>,
    pub duration_ms: i64,
    /// Milliseconds since the epoch.
    pub submitted_at: i64,
}

/// A mark in tile pixels, with its WGS84 position when the tile is georeferenced.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyMark {
    pub x: f64,
    pub y: f64,
    pub class: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyAnswers {
    pub answers: Vec<MyAnswer>,
}

/// Your answers, newest first, with their marks.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    params(MyAnswersQuery),
    responses(
        (status = 200, description = "Your answers", body = MyAnswers),
        (status = 404, description = "No such campaign", body = ErrorBody),
        (status = 422, description = "Limit out of range", body = ErrorBody),
    )
)]
#[get("/me/answers")]
pub async fn my_answers(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
    query: web::Query<MyAnswersQuery>,
) -> ApiResult<web::Json<MyAnswers>> {
    let MyAnswersQuery { campaign, limit } = query.into_inner();
    let limit = limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation(format!(
            "limit must be 1 to {MAX_LIMIT}"
        )));
    }
    let user_id = caller.user_id;
    let staff = caller.role.is_staff();
    let list = state
        .db
        .read(move |conn| -> ApiResult<Vec<MyAnswer>> {
            let campaign_id = match campaign {
                None => None,
                Some(key) => match Campaign::find_by_id_or_slug(conn, &key) {
                    // A draft is not public yet: a volunteer is told what an unknown name gets.
                    Err(diesel::result::Error::NotFound) => {
                        return Err(ApiError::not_found("no such campaign"));
                    }
                    Ok(c) if c.status == CampaignStatus::Draft && !staff => {
                        return Err(ApiError::not_found("no such campaign"));
                    }
                    other => Some(other?.id),
                },
            };
            let rows = Answer::recent_of(conn, &user_id, campaign_id.as_ref(), limit)?;
            Ok(rows
                .into_iter()
                .map(|(answer, marks)| MyAnswer {
                    answer_id: answer.id.0,
                    task_id: answer.task_id.0,
                    campaign_id: answer.campaign_id.0,
                    kind: answer.kind.as_str().to_owned(),
                    reason: answer.reason,
                    marks: marks
                        .into_iter()
                        .map(|m| MyMark {
                            x: m.x,
                            y: m.y,
                            class: m.class,
                            lon: m.lon,
                            lat: m.lat,
                        })
                        .collect(),
                    duration_ms: answer.duration_ms,
                    submitted_at: answer.submitted_at,
                })
                .collect())
        })
        .await?;
    Ok(web::Json(MyAnswers { answers: list }))
}
