//! Taking in one answer: idempotent, validated, stored with WGS84 marks, counted towards the
//! task's redundancy.
//!
//! [`take_answer`] is the use case the HTTP layer calls. It picks how the answer is written:
//! on `SQLite` inside the writer's batch ([`store::submit_answer`]); on `PostgreSQL` in one
//! statement when it can ([`store::submit_answer_in_one_statement`]), else in a transaction.
//! [`answer`] holds what is submitted and what comes back, [`validate`] says what makes an
//! answer acceptable and [`verdict`] holds the pure rules it is judged by (adaptive redundancy,
//! practice feedback).

pub mod answer;
pub mod store;
pub mod validate;
pub mod verdict;

use std::sync::Arc;

pub use answer::{AnswerBody, AnswerReceipt, IntakeError, SubmitAnswer, SubmittedMark};
pub use store::{submit_answer, submit_answer_in_one_statement};

use crate::campaign_cache::CampaignCache;
use crate::db::ids::{TaskId, UserId};
use crate::db::lease::Lease;
use crate::db::task::Task;
use crate::db::{Db, DbConn, now_ms};

/// Takes `user_id`'s answer to `task_id`: the use case behind `POST /tasks/{id}/answers`.
///
/// Accepted when the volunteer holds a lease on the task, or held one that expired before they
/// answered (late but honest); refused when they were never given the task or already answered.
/// A retry with a known idempotency key returns the original receipt.
pub async fn take_answer(
    db: &Db,
    campaigns: &Arc<CampaignCache>,
    user_id: UserId,
    task_id: TaskId,
    submission: SubmitAnswer,
) -> Result<AnswerReceipt, IntakeError> {
    let campaigns = Arc::clone(campaigns);
    db.write_hot_async(move |conn| {
        // The task, the caller's lease on it, and its campaign; then the answer, in the same
        // transaction as these reads when it takes the full path.
        let full = |conn: &mut DbConn| -> Result<AnswerReceipt, IntakeError> {
            let (task, lease) = task_and_lease(conn, task_id, &user_id)?;
            let campaign = campaigns.get(conn, task.campaign_id.as_str())?;
            submit_answer(
                conn,
                &task,
                lease,
                &campaign.settings,
                &user_id,
                &submission,
                now_ms(),
            )
        };
        if let DbConn::Sqlite(_) = conn {
            // Inside the writer's batch transaction already.
            return full(conn);
        }
        let (task, lease) = task_and_lease(conn, task_id, &user_id)?;
        let campaign = campaigns.get(conn, task.campaign_id.as_str())?;
        if let Some(receipt) = submit_answer_in_one_statement(
            conn,
            &task,
            lease.as_ref(),
            &campaign.settings,
            &user_id,
            &submission,
            now_ms(),
        )? {
            return Ok(receipt);
        }
        diesel::Connection::transaction(conn, full)
    })
    .await
}

/// The task and `user_id`'s lease on it; [`IntakeError::UnknownTask`] when there is no such task.
fn task_and_lease(
    conn: &mut DbConn,
    task_id: TaskId,
    user_id: &UserId,
) -> Result<(Task, Option<Lease>), IntakeError> {
    match Lease::with_task(conn, task_id, user_id) {
        Err(diesel::result::Error::NotFound) => Err(IntakeError::UnknownTask),
        other => Ok(other?),
    }
}
