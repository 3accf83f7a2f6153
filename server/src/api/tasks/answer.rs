//! `POST /api/v1/tasks/{id}/answers`

use actix_web::{HttpResponse, post, web};

use super::views::{AnswerReceiptView, SubmitAnswerRequest};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::db::ids::TaskId;
use crate::scheduler::{AnswerBody, IntakeError, SubmitAnswer, SubmittedMark, take_answer};
use crate::state::AppState;

impl From<IntakeError> for ApiError {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::UnknownTask => ApiError::not_found(e.to_string()),
            IntakeError::NoLease => ApiError::conflict("no_lease", e.to_string()),
            IntakeError::AlreadyAnswered => ApiError::conflict("already_answered", e.to_string()),
            IntakeError::KeyReused => ApiError::conflict("idempotency_key_reused", e.to_string()),
            IntakeError::Invalid(msg) => ApiError::validation(msg),
            IntakeError::Campaign(c) => c.into(),
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
    let body = if req.nothing_here {
        AnswerBody::NothingHere
    } else if req.cant_tell {
        AnswerBody::CantTell(req.reason)
    } else {
        AnswerBody::Marks(
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
        body,
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
    let submission = to_submission(body.into_inner())?;
    let receipt = take_answer(
        &state.db,
        &state.campaigns,
        caller.user_id,
        TaskId(id.into_inner()),
        submission,
    )
    .await?;
    let view = AnswerReceiptView {
        answer_id: receipt.answer_id.0,
        task_id: receipt.task_id.0,
        kind: receipt.kind.as_str().to_owned(),
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
