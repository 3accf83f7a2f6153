//! `GET /api/v1/tasks/{id}`

use actix_web::{get, web};

use super::views::TaskView;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::db::campaign::Campaign;
use crate::db::ids::TaskId;
use crate::db::lease::Lease;
use crate::db::now_ms;
use crate::db::task::Task;
use crate::state::AppState;

/// How long staff get to look at a task's tiles.
const STAFF_VIEW_MS: i64 = 10 * 60_000;

/// A task you were given (staff: any task), with fresh tile URLs.
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Task id")),
    responses(
        (status = 200, description = "The task", body = TaskView),
        (status = 404, description = "No such task, or not one you were given", body = ErrorBody),
    )
)]
#[get("/tasks/{id}")]
pub async fn get_task(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
    id: web::Path<i64>,
) -> ApiResult<web::Json<TaskView>> {
    let task_id = TaskId(id.into_inner());
    let staff = caller.role.is_staff();
    let (task, classes, until) = state
        .db
        .read(move |conn| -> ApiResult<_> {
            let hidden = || ApiError::not_found("no such task among yours");
            let task = Task::find(conn, task_id).map_err(|e| match e {
                diesel::result::Error::NotFound => hidden(),
                other => other.into(),
            })?;
            let now = now_ms();
            let until = if staff {
                now + STAFF_VIEW_MS
            } else {
                let lease = Lease::find(conn, task_id, &caller.user_id)?.ok_or_else(hidden)?;
                // tiles stay viewable while the lease lasts, and briefly after an answer
                lease.expires_at.max(now + 60_000).min(now + STAFF_VIEW_MS)
            };
            let settings = Campaign::find(conn, &task.campaign_id)?
                .settings()
                .map_err(|e| ApiError::internal(&e))?;
            Ok((task, settings.damage_classes, until))
        })
        .await?;
    Ok(web::Json(TaskView::signed(&state, &task, classes, until)))
}
