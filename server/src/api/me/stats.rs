//! `GET /api/v1/me/stats`

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::db::answer::Answer;
use crate::db::kinds::AnswerKind;
use crate::scheduler::gold::{GoldAnswer, feedback};
use crate::scheduler::intake::verdict::DEFAULT_RADIUS_PX;

/// Practice answers the score is the mean of.
const PRACTICE_SCORED: i64 = 200;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct MyStats {
    /// Answers given, all campaigns.
    pub answers: i64,
    pub nothing_here: i64,
    pub cant_tell: i64,
    /// Marks placed.
    pub marks: i64,
    /// Campaigns contributed to.
    pub campaigns: i64,
    /// Practice (gold) tasks answered.
    pub gold_answered: usize,
    /// Mean share of known sites found on practice tasks; null before the first.
    pub gold_score: Option<f64>,
    /// Share of your marks that ended up in a confirmed site; null until consensus has run on
    /// your answers.
    pub agreement: Option<f64>,
}

/// Your own counts. Nobody else's are ever shown.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Your counts", body = MyStats),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
#[get("/me/stats")]
pub async fn my_stats(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
) -> ApiResult<web::Json<MyStats>> {
    let mine = state
        .db
        .read(move |conn| -> ApiResult<MyStats> {
            let counts = Answer::counts_of(conn, &caller.user_id)?;
            // the most recent practice answers, scored as the volunteer saw them
            let practice = Answer::recent_practice_of(conn, &caller.user_id, PRACTICE_SCORED)?;
            let scores: Vec<f64> = practice
                .iter()
                .filter_map(|p| {
                    let answer = GoldAnswer::from_column(Some(&p.gold_answer))?.ok()?;
                    Some(feedback(&answer, &p.points, DEFAULT_RADIUS_PX).score)
                })
                .collect();
            #[expect(clippy::cast_precision_loss, reason = "at most 200 scores")]
            let gold_score =
                (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
            Ok(MyStats {
                answers: counts.total(),
                nothing_here: counts.of(AnswerKind::NothingHere),
                cant_tell: counts.of(AnswerKind::CantTell),
                marks: counts.marks,
                campaigns: counts.campaigns,
                gold_answered: scores.len(),
                gold_score,
                agreement: None,
            })
        })
        .await?;
    Ok(web::Json(mine))
}
