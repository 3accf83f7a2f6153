//! An answer as the volunteer submitted it, the receipt it earns, and why one is refused: the
//! vocabulary the intake's steps (validation, storage, verdicts) share.

use crate::campaign_cache::CampaignLookupError;
use crate::db::DbError;
use crate::db::ids::{AnswerId, TaskId};
use crate::db::kinds::AnswerKind;
use crate::scheduler::gold::GoldFeedback;

/// One mark as submitted, in tile pixels.
#[derive(Debug, Clone)]
pub struct SubmittedMark {
    pub x: f64,
    pub y: f64,
    pub class: String,
}

/// What a volunteer said, as submitted.
#[derive(Debug, Clone)]
pub enum AnswerBody {
    Marks(Vec<SubmittedMark>),
    NothingHere,
    CantTell(Option<String>),
}

impl AnswerBody {
    /// The kind it is stored as.
    #[must_use]
    pub fn kind(&self) -> AnswerKind {
        match self {
            Self::Marks(_) => AnswerKind::Marks,
            Self::NothingHere => AnswerKind::NothingHere,
            Self::CantTell(_) => AnswerKind::CantTell,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SubmitAnswer {
    pub idempotency_key: String,
    pub duration_ms: i64,
    pub body: AnswerBody,
}

/// The result of an accepted answer; a retry with the same key gets the same receipt.
#[derive(Debug, Clone)]
pub struct AnswerReceipt {
    pub answer_id: AnswerId,
    pub task_id: TaskId,
    pub kind: AnswerKind,
    pub marks: usize,
    pub task_retired: bool,
    pub gold: Option<GoldFeedback>,
    pub replayed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("no such task")]
    UnknownTask,
    #[error("this task was never handed to you; ask for a task with POST /campaigns/{{id}}/next")]
    NoLease,
    #[error("you have already answered this task")]
    AlreadyAnswered,
    #[error("this idempotency key was used for another task; use a new key for each answer")]
    KeyReused,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Campaign(#[from] CampaignLookupError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for IntakeError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e.into())
    }
}
