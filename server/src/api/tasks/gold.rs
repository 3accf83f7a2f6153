//! `PUT /api/v1/tasks/{id}/gold`: a coordinator records a task's known answer.

use actix_web::{put, web};

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Authenticated, Coordinators};
use crate::db::campaign::Campaign;
use crate::db::ids::TaskId;
use crate::db::task::Task;
use crate::scheduler::gold::GoldAnswer;
use crate::scheduler::intake::validate::MAX_MARKS;
use crate::state::AppState;

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct GoldSet {
    pub task_id: i64,
    pub gold: GoldAnswer,
}

/// Makes a task gold: volunteers are shown it as a practice tile and get feedback.
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Task id")),
    request_body = GoldAnswer,
    responses(
        (status = 200, description = "The task is gold", body = GoldSet),
        (status = 403, description = "Not a coordinator", body = ErrorBody),
        (status = 404, description = "No such task", body = ErrorBody),
        (status = 422, description = "Invalid answer", body = ErrorBody),
    )
)]
#[put("/tasks/{id}/gold")]
pub async fn set_task_gold(
    state: web::Data<AppState>,
    _caller: Authenticated<Coordinators>,
    id: web::Path<i64>,
    body: web::Json<GoldAnswer>,
) -> ApiResult<web::Json<GoldSet>> {
    let gold = body.into_inner();
    if gold.marks.len() > MAX_MARKS {
        return Err(ApiError::validation(format!(
            "at most {MAX_MARKS} marks, as in an answer"
        )));
    }
    if gold.nothing_here != gold.marks.is_empty() {
        return Err(ApiError::validation(
            "give either nothing_here: true or a non-empty list of marks",
        ));
    }
    let task_id = TaskId(id.into_inner());
    let stored = gold.clone();
    state
        .db
        .write_async(move |conn| -> ApiResult<()> {
            let task = Task::find(conn, task_id)?;
            let settings = Campaign::find(conn, &task.campaign_id)?
                .settings()
                .map_err(|e| ApiError::internal(&e))?;
            #[expect(clippy::cast_precision_loss, reason = "tile sizes are small")]
            let (w, h) = (task.px_w as f64, task.px_h as f64);
            for m in &stored.marks {
                if !((0.0..=w).contains(&m.x) && (0.0..=h).contains(&m.y)) {
                    return Err(ApiError::validation("a gold mark lies outside the tile"));
                }
                if !settings.damage_classes.contains(&m.class) {
                    return Err(ApiError::validation(format!(
                        "unknown damage class {:?}",
                        m.class
                    )));
                }
            }
            Task::set_gold(conn, task_id, &stored)?;
            Ok(())
        })
        .await?;
    Ok(web::Json(GoldSet {
        task_id: task_id.0,
        gold,
    }))
}
