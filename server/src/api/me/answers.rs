//! `GET /api/v1/me/answers`: a volunteer's own answers, newest first. What the platform keeps
//! about a volunteer's work is theirs to see.

use std::collections::HashMap;

use actix_web::{get, web};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::auth::{Anyone, Authenticated};
use crate::db::campaign::Campaign;
use crate::db::schema::{answers, marks};
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

type AnswerRow = (String, i64, String, String, Option<String>, i64, i64);
type MarkRow = (String, f64, f64, String, Option<f64>, Option<f64>);

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
    let list = state
        .db
        .run(move |db| -> ApiResult<Vec<MyAnswer>> {
            let conn = &mut *db.conn()?;
            let mut q = answers::table
                .filter(answers::user_id.eq(&user_id))
                .order((answers::submitted_at.desc(), answers::id))
                .limit(limit)
                .select((
                    answers::id,
                    answers::task_id,
                    answers::campaign_id,
                    answers::kind,
                    answers::reason,
                    answers::duration_ms,
                    answers::submitted_at,
                ))
                .into_boxed();
            if let Some(key) = campaign {
                let c = match Campaign::find_by_id_or_slug(conn, &key) {
                    Err(diesel::result::Error::NotFound) => {
                        return Err(ApiError::not_found("no such campaign"));
                    }
                    other => other?,
                };
                q = q.filter(answers::campaign_id.eq(c.id));
            }
            let rows: Vec<AnswerRow> = q.load(conn)?;
            let ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
            let mut by_answer: HashMap<String, Vec<MyMark>> = HashMap::new();
            let mark_rows: Vec<MarkRow> = marks::table
                .filter(marks::answer_id.eq_any(ids))
                .order(marks::id)
                .select((
                    marks::answer_id,
                    marks::x,
                    marks::y,
                    marks::class,
                    marks::lon,
                    marks::lat,
                ))
                .load(conn)?;
            for (answer_id, x, y, class, lon, lat) in mark_rows {
                by_answer.entry(answer_id).or_default().push(MyMark {
                    x,
                    y,
                    class,
                    lon,
                    lat,
                });
            }
            Ok(rows
                .into_iter()
                .map(
                    |(answer_id, task_id, campaign_id, kind, reason, duration_ms, submitted_at)| {
                        MyAnswer {
                            marks: by_answer.remove(&answer_id).unwrap_or_default(),
                            answer_id,
                            task_id,
                            campaign_id,
                            kind,
                            reason,
                            duration_ms,
                            submitted_at,
                        }
                    },
                )
                .collect())
        })
        .await?;
    Ok(web::Json(MyAnswers { answers: list }))
}
