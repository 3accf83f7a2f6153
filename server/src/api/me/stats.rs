//! `GET /api/v1/me/stats`

use actix_web::{get, web};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::error::{ApiResult, ErrorBody};
use crate::auth::{Anyone, Authenticated};
use crate::db::schema::{answers, marks, tasks};
use crate::scheduler::gold::{GoldAnswer, feedback};
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
        .run(move |db| -> ApiResult<MyStats> {
            let conn = &mut *db.conn()?;
            let user = caller.user_id.as_str();
            let by_kind: Vec<(String, i64)> = answers::table
                .filter(answers::user_id.eq(user))
                .group_by(answers::kind)
                .select((answers::kind, diesel::dsl::count_star()))
                .load(conn)?;
            let count = |k: &str| {
                by_kind
                    .iter()
                    .find(|(kind, _)| kind == k)
                    .map_or(0, |(_, n)| *n)
            };
            let mark_count: i64 = marks::table
                .inner_join(answers::table)
                .filter(answers::user_id.eq(user))
                .count()
                .get_result(conn)?;
            let campaigns: i64 = answers::table
                .filter(answers::user_id.eq(user))
                .select(diesel::dsl::count(answers::campaign_id).aggregate_distinct())
                .first(conn)?;
            // the most recent practice answers, scored as the volunteer saw them
            let gold: Vec<(String, String, i64, i64)> = answers::table
                .inner_join(tasks::table)
                .filter(answers::user_id.eq(user))
                .filter(tasks::is_gold.eq(true))
                .filter(answers::kind.ne("cant_tell"))
                .order(answers::submitted_at.desc())
                .limit(200)
                .select((
                    answers::id,
                    tasks::gold_answer.assume_not_null(),
                    tasks::px_w,
                    tasks::px_h,
                ))
                .load(conn)?;
            let ids: Vec<String> = gold.iter().map(|g| g.0.clone()).collect();
            let gold_marks: Vec<(String, f64, f64)> = marks::table
                .filter(marks::answer_id.eq_any(&ids))
                .select((marks::answer_id, marks::x, marks::y))
                .load(conn)?;
            let scores: Vec<f64> = gold
                .iter()
                .filter_map(|(id, answer, _, _)| {
                    let answer: GoldAnswer = serde_json::from_str(answer).ok()?;
                    let points: Vec<[f64; 2]> = gold_marks
                        .iter()
                        .filter(|m| &m.0 == id)
                        .map(|m| [m.1, m.2])
                        .collect();
                    Some(feedback(&answer, &points, 16.0).score)
                })
                .collect();
            #[expect(clippy::cast_precision_loss, reason = "at most 200 scores")]
            let gold_score =
                (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
            Ok(MyStats {
                answers: by_kind.iter().map(|(_, n)| n).sum(),
                nothing_here: count("nothing_here"),
                cant_tell: count("cant_tell"),
                marks: mark_count,
                campaigns,
                gold_answered: scores.len(),
                gold_score,
                agreement: None,
            })
        })
        .await?;
    Ok(web::Json(mine))
}
