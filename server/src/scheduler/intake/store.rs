//! Storing an accepted answer: the answer and its marks, the lease marked answered, the task's
//! counters and verdict — on the full path (inside a write transaction) or, on `PostgreSQL`, in
//! one statement.

use diesel::prelude::*;
use tessera_consensus::{Answer as CAnswer, pixel_to_lonlat};

use super::answer::{AnswerBody, AnswerReceipt, IntakeError, SubmitAnswer, SubmittedMark};
use super::validate::validate;
use super::verdict::{adaptive_need, early_need, gold_feedback};
use crate::campaign_settings::CampaignSettings;
use crate::db::DbConn;
use crate::db::answer::{Answer, MarkInsertForm};
use crate::db::consensus_input::{response, task_answers};
use crate::db::ids::{AnswerId, UserId};
use crate::db::kinds::{AnswerKind, TaskStatus};
use crate::db::lease::Lease;
use crate::db::task::Task;

use crate::scheduler::gold::GoldFeedback;
use crate::scheduler::statements::{
    AnswerCounted, GoldAnswerCounted, LeaseAnswered, PgAnswerStored,
};

/// The receipt of an answer already stored (an idempotent retry).
fn replay(
    conn: &mut DbConn,
    answer: &Answer,
    settings: &CampaignSettings,
) -> Result<AnswerReceipt, IntakeError> {
    let task = Task::find(conn, answer.task_id)?;
    let marks = Answer::marks(conn, std::slice::from_ref(&answer.id))?;
    let points: Vec<[f64; 2]> = marks.iter().map(|m| [m.x, m.y]).collect();
    Ok(AnswerReceipt {
        answer_id: answer.id.clone(),
        task_id: answer.task_id,
        kind: answer.kind,
        marks: marks.len(),
        task_retired: task.status == TaskStatus::Retired,
        gold: if task.is_gold {
            gold_feedback(&task, settings, &points)
        } else {
            None
        },
        replayed: true,
    })
}

/// Stores `req` as `user_id`'s answer to `task`, whose lease for them is `lease` (read in the
/// same transaction, see [`Lease::with_task`]). Run inside a write transaction.
///
/// Accepted when the volunteer holds a lease on the task, or held one that expired before they
/// answered (late but honest); refused when they were never given the task or already answered.
pub fn submit_answer(
    conn: &mut DbConn,
    task: &Task,
    lease: Option<Lease>,
    settings: &CampaignSettings,
    user_id: &UserId,
    req: &SubmitAnswer,
    now: i64,
) -> Result<AnswerReceipt, IntakeError> {
    if let Some(previous) = Answer::find_by_key(conn, user_id, &req.idempotency_key)? {
        if previous.task_id != task.id {
            return Err(IntakeError::KeyReused);
        }
        return replay(conn, &previous, settings);
    }
    let lease = lease.ok_or(IntakeError::NoLease)?;
    if lease.answered {
        return Err(IntakeError::AlreadyAnswered);
    }
    validate(task, settings, req)?;

    let new = NewAnswer::of(task, req);
    Answer::insert(
        conn,
        &Answer {
            id: new.id.clone(),
            task_id: task.id,
            user_id: user_id.clone(),
            campaign_id: task.campaign_id.clone(),
            kind: new.kind,
            reason: new.reason.clone(),
            payload: None,
            duration_ms: req.duration_ms,
            idempotency_key: req.idempotency_key.clone(),
            submitted_at: now,
        },
        &new.mark_rows(task),
    )?;
    LeaseAnswered {
        task_id: task.id.0,
        user_id: user_id.0.clone(),
    }
    .execute(conn)?;
    // The lease's slot is freed here unless the sweep already freed it (an expired lease that
    // was not swept yet is answered now, and the sweep only takes unanswered leases).
    let freed = i32::from(!lease.expired);
    let (retired, gold) = count_answer(conn, task, settings, freed, &new.points())?;
    Ok(new.receipt(task, retired, gold))
}

/// An accepted answer's rows, before they are stored.
struct NewAnswer<'a> {
    id: AnswerId,
    kind: AnswerKind,
    reason: Option<String>,
    marks: &'a [SubmittedMark],
    /// Each mark's WGS84 position, when the task's footprint is known.
    lonlat: Vec<Option<[f64; 2]>>,
}

impl<'a> NewAnswer<'a> {
    fn of(task: &Task, req: &'a SubmitAnswer) -> Self {
        let (reason, marks) = match &req.body {
            AnswerBody::Marks(marks) => (None, marks.as_slice()),
            AnswerBody::NothingHere => (None, &[][..]),
            AnswerBody::CantTell(reason) => (reason.clone(), &[][..]),
        };
        let corners = task.corners();
        #[expect(clippy::cast_precision_loss, reason = "tile sizes are small")]
        let (w, h) = (task.px_w as f64, task.px_h as f64);
        let lonlat = marks
            .iter()
            .map(|m| corners.map(|c| pixel_to_lonlat(&c, w, h, m.x, m.y)))
            .collect();
        Self {
            id: AnswerId(uuid::Uuid::now_v7().to_string()),
            kind: req.body.kind(),
            reason,
            marks,
            lonlat,
        }
    }

    fn mark_rows(&self, task: &Task) -> Vec<MarkInsertForm> {
        self.marks
            .iter()
            .zip(&self.lonlat)
            .map(|(m, lonlat)| MarkInsertForm {
                answer_id: self.id.clone(),
                task_id: task.id,
                campaign_id: task.campaign_id.clone(),
                x: m.x,
                y: m.y,
                class: m.class.clone(),
                lon: lonlat.map(|p| p[0]),
                lat: lonlat.map(|p| p[1]),
            })
            .collect()
    }

    fn points(&self) -> Vec<[f64; 2]> {
        self.marks.iter().map(|m| [m.x, m.y]).collect()
    }

    /// As the consensus engine reads it.
    fn response(&self, task: &Task, user_id: &UserId) -> CAnswer {
        CAnswer {
            task: task.id.into(),
            volunteer: user_id.as_str().into(),
            response: response(
                self.kind,
                self.marks.iter().map(|m| (m.x, m.y, m.class.as_str())),
            ),
        }
    }

    fn receipt(self, task: &Task, retired: bool, gold: Option<GoldFeedback>) -> AnswerReceipt {
        AnswerReceipt {
            answer_id: self.id,
            task_id: task.id,
            kind: self.kind,
            marks: self.marks.len(),
            task_retired: retired,
            gold,
            replayed: false,
        }
    }
}

/// `PostgreSQL`'s path for the common case, with no transaction around it: the task's answers
/// are read, the verdict computed with the new answer, and everything stored in one statement
/// ([`PgAnswerStored`]) that stores nothing unless what the verdict came from still holds.
///
/// `Ok(None)` when this answer needs [`submit_answer`] in a transaction instead: not
/// `PostgreSQL`, a gold task, no lease or an answered one, a body the full path must judge (it
/// checks the key first), a known key, or a concurrent change.
pub fn submit_answer_in_one_statement(
    conn: &mut DbConn,
    task: &Task,
    lease: Option<&Lease>,
    settings: &CampaignSettings,
    user_id: &UserId,
    req: &SubmitAnswer,
    now: i64,
) -> Result<Option<AnswerReceipt>, IntakeError> {
    let Some(lease) = lease else {
        return Ok(None);
    };
    if !matches!(conn, DbConn::Pg(_))
        || task.is_gold
        || lease.answered
        || validate(task, settings, req).is_err()
    {
        return Ok(None);
    }
    let new = NewAnswer::of(task, req);
    // The statement stores nothing unless the task still has `prior` answers.
    let prior = task.answer_count;
    let (needed, retire) = if let Some(verdict) = early_need(prior.saturating_add(1), settings) {
        verdict
    } else {
        let stored = Answer::for_task(conn, task.id)?;
        if i32::try_from(stored.len()) != Ok(prior) {
            // An answer came in since the task was read.
            return Ok(None);
        }
        let mut answers = task_answers(&stored);
        answers.push(new.response(task, user_id));
        adaptive_need(task, settings, &answers)?
    };
    let statement = PgAnswerStored {
        answer_id: new.id.0.clone(),
        task_id: task.id.0,
        user_id: user_id.0.clone(),
        campaign_id: task.campaign_id.0.clone(),
        kind: new.kind.as_str(),
        reason: new.reason.clone(),
        duration_ms: req.duration_ms,
        idempotency_key: req.idempotency_key.clone(),
        submitted_at: now,
        prior,
        freed: i32::from(!lease.expired),
        needed,
        status: status_after(retire).as_str(),
        xs: new.marks.iter().map(|m| m.x).collect(),
        ys: new.marks.iter().map(|m| m.y).collect(),
        classes: new.marks.iter().map(|m| m.class.clone()).collect(),
        lons: new.lonlat.iter().map(|p| p.map(|p| p[0])).collect(),
        lats: new.lonlat.iter().map(|p| p.map(|p| p[1])).collect(),
    };
    let DbConn::Pg(pg) = conn else {
        return Ok(None);
    };
    // An error here (a key another request just stored) stored nothing: the full path decides.
    match statement.get_result::<i64>(pg) {
        Ok(1) => Ok(Some(new.receipt(task, retire, None))),
        Ok(_) | Err(_) => Ok(None),
    }
}

/// Counts a new answer on its task: the counters, the adaptive redundancy, the task's
/// availability, in one UPDATE. Returns whether the task retired, and gold feedback.
fn count_answer(
    conn: &mut DbConn,
    task: &Task,
    settings: &CampaignSettings,
    freed: i32,
    points: &[[f64; 2]],
) -> Result<(bool, Option<GoldFeedback>), IntakeError> {
    Ok(if task.is_gold {
        // A gold task stays available while its campaign's copy of it is open.
        GoldAnswerCounted {
            task_id: task.id.0,
            freed,
        }
        .execute(conn)?;
        (false, gold_feedback(task, settings, points))
    } else {
        // Every answer, the new one included: it was stored in this transaction. On `SQLite`
        // the task was read in it too and no other writer ran since, so its count is current;
        // `PostgreSQL` reads the answers as they are now.
        let early = match conn {
            DbConn::Sqlite(_) => early_need(task.answer_count.saturating_add(1), settings),
            DbConn::Pg(_) => None,
        };
        let (needed, retire) = if let Some(verdict) = early {
            verdict
        } else {
            let answers = Answer::for_task(conn, task.id)?;
            adaptive_need(task, settings, &task_answers(&answers))?
        };
        // Availability from the counters as this statement leaves them, in the same
        // statement: one write, not two. A retiring task needs no case of its own: `needed`
        // is then its answer count, so it is full.
        AnswerCounted {
            task_id: task.id.0,
            freed,
            needed,
            status: status_after(retire).as_str(),
        }
        .execute(conn)?;
        (retire, None)
    })
}

/// A task's status once its verdict is known.
fn status_after(retire: bool) -> TaskStatus {
    if retire {
        TaskStatus::Retired
    } else {
        TaskStatus::Open
    }
}
