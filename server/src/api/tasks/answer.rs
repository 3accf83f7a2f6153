//! `POST /api/v1/tasks/{id}/answers`

use actix_web::{HttpResponse, post, web};

use super::views::{AnswerReceiptView, SubmitAnswerRequest};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::auth::{Anyone, Authenticated};
use crate::db::lease::Lease;
use crate::db::task::Task;
use crate::db::{DbConn, now_ms};
use crate::scheduler::intake::AnswerKind;
use crate::scheduler::{
    IntakeError, SubmitAnswer, SubmittedMark, submit_answer, submit_answer_in_one_statement,
};
use crate::state::AppState;

impl From<IntakeError> for ApiError {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::UnknownTask => ApiError::not_found(e.to_string()),
            IntakeError::NoLease => ApiError::conflict("no_lease", e.to_string()),
            IntakeError::AlreadyAnswered => ApiError::conflict("already_answered", e.to_string()),
            IntakeError::KeyReused => ApiError::conflict("idempotency_key_reused", e.to_string()),
            IntakeError::Invalid(msg) => ApiError::validation(msg),
            IntakeError::Db(db) => db.into(),
        }
    }
}

fn to_submission(req: SubmitAnswerRequest) -> ApiResult<SubmitAnswer> {
    let kinds = usize::from(!req.marks.is_empty())
        + usize::from(req.nothing_here)
        + usize::from(req.cant_tell);
    if kinds != 1 {
        return Err(ApiError::validation(
            "give exactly one of: marks (a non-empty list), nothing_here: true, cant_tell: true",
        ));
    }
    if req.reason.is_some() && !req.cant_tell {
        return Err(ApiError::validation("reason goes with cant_tell"));
    }
    let kind = if req.nothing_here {
        AnswerKind::NothingHere
    } else if req.cant_tell {
        AnswerKind::CantTell(req.reason)
    } else {
        AnswerKind::Marks(
            req.marks
                .into_iter()
                .map(|m| SubmittedMark {
                    x: m.x,
                    y: m.y,
                    class: m.class,
                })
                .collect(),
        )
    };
    Ok(SubmitAnswer {
        idempotency_key: req.idempotency_key,
        duration_ms: req.duration_ms,
        kind,
    })
}

/// Stores one answer. Retrying with the same `idempotency_key` returns the original receipt.
#[utoipa::path(
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Task id")),
    request_body = SubmitAnswerRequest,
    responses(
        (status = 201, description = "Stored", body = AnswerReceiptView),
        (status = 200, description = "A retry: the answer was already stored", body = AnswerReceiptView),
        (status = 404, description = "No such task", body = ErrorBody),
        (status = 409, description = "Task never leased to you, already answered, or key reused", body = ErrorBody),
        (status = 422, description = "Invalid marks or fields", body = ErrorBody),
    )
)]
#[post("/tasks/{id}/answers")]
pub async fn submit_task_answer(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
    id: web::Path<i64>,
    body: web::Json<SubmitAnswerRequest>,
) -> ApiResult<HttpResponse> {
    let task_id = id.into_inner();
    let submission = to_submission(body.into_inner())?;
    let campaigns = std::sync::Arc::clone(&state.campaigns);
    let receipt = state
        .db
        .write_hot_async(move |conn| -> ApiResult<_> {
            // The task, the caller's lease on it, and its campaign; then the answer, in the same
            // transaction as these reads when it takes the full path.
            let full = |conn: &mut DbConn| -> ApiResult<_> {
                let (task, lease) = task_and_lease(conn, task_id, &caller.user_id)?;
                let campaign = campaigns.get(conn, &task.campaign_id)?;
                Ok(submit_answer(
                    conn,
                    &task,
                    lease,
                    &campaign.settings,
                    &caller.user_id,
                    &submission,
                    now_ms(),
                )?)
            };
            if let DbConn::Sqlite(_) = conn {
                // Inside the writer's batch transaction already.
                return full(conn);
            }
            let (task, lease) = task_and_lease(conn, task_id, &caller.user_id)?;
            let campaign = campaigns.get(conn, &task.campaign_id)?;
            if let Some(receipt) = submit_answer_in_one_statement(
                conn,
                &task,
                lease.as_ref(),
                &campaign.settings,
                &caller.user_id,
                &submission,
                now_ms(),
            )? {
                return Ok(receipt);
            }
            diesel::Connection::transaction(conn, full)
        })
        .await?;
    let view = AnswerReceiptView {
        answer_id: receipt.answer_id,
        task_id: receipt.task_id,
        kind: receipt.kind,
        marks: receipt.marks,
        task_retired: receipt.task_retired,
        feedback: receipt.gold,
        replayed: receipt.replayed,
    };
    Ok(if view.replayed {
        HttpResponse::Ok().json(view)
    } else {
        HttpResponse::Created().json(view)
    })
}

/// The task and `user_id`'s lease on it; a 404 when there is no such task.
fn task_and_lease(
    conn: &mut DbConn,
    task_id: i64,
    user_id: &str,
) -> ApiResult<(Task, Option<Lease>)> {
    match Lease::with_task(conn, task_id, user_id) {
        Err(diesel::result::Error::NotFound) => Err(IntakeError::UnknownTask.into()),
        other => Ok(other?),
    }
}
