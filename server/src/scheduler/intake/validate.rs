//! What makes an answer acceptable, before anything is stored: its key, its duration, and marks
//! that lie on the tile and name one of the campaign's classes.

use super::answer::{AnswerBody, IntakeError, SubmitAnswer};
use crate::campaign_settings::CampaignSettings;
use crate::db::task::Task;

/// Most marks one answer may carry; a tile of a few hundred pixels holds far fewer buildings.
pub const MAX_MARKS: usize = 500;

/// Longest "can't tell" reason, in characters.
const MAX_REASON_CHARS: usize = 500;

/// Checks `req` against `task` and its campaign's `settings`; the error says what to fix.
pub fn validate(
    task: &Task,
    settings: &CampaignSettings,
    req: &SubmitAnswer,
) -> Result<(), IntakeError> {
    let key = &req.idempotency_key;
    if key.is_empty() || key.len() > 128 {
        return Err(IntakeError::Invalid(
            "idempotency_key must be 1-128 characters".into(),
        ));
    }
    if !(0..=86_400_000).contains(&req.duration_ms) {
        return Err(IntakeError::Invalid(
            "duration_ms must be between 0 and 86400000".into(),
        ));
    }
    match &req.body {
        AnswerBody::Marks(marks) => {
            if marks.is_empty() {
                return Err(IntakeError::Invalid(
                    "an answer needs marks, or nothing_here, or cant_tell".into(),
                ));
            }
            if marks.len() > MAX_MARKS {
                return Err(IntakeError::Invalid(format!(
                    "at most {MAX_MARKS} marks per answer"
                )));
            }
            #[expect(clippy::cast_precision_loss, reason = "tile sizes are small")]
            let (w, h) = (task.px_w as f64, task.px_h as f64);
            for m in marks {
                if !(m.x.is_finite()
                    && m.y.is_finite()
                    && (0.0..=w).contains(&m.x)
                    && (0.0..=h).contains(&m.y))
                {
                    return Err(IntakeError::Invalid(format!(
                        "mark ({}, {}) lies outside the {w}x{h} tile",
                        m.x, m.y
                    )));
                }
                if !settings.damage_classes.contains(&m.class) {
                    return Err(IntakeError::Invalid(format!(
                        "unknown damage class {:?}; this campaign uses {}",
                        m.class,
                        settings.damage_classes.join(", ")
                    )));
                }
            }
        }
        AnswerBody::CantTell(Some(reason)) if reason.chars().count() > MAX_REASON_CHARS => {
            return Err(IntakeError::Invalid(format!(
                "reason must be at most {MAX_REASON_CHARS} characters"
            )));
        }
        _ => {}
    }
    Ok(())
}
