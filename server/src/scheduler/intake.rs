//! Taking in one answer: idempotent, validated, stored with WGS84 marks, counted towards the
//! task's redundancy.

use diesel::prelude::*;
use tessera_consensus::{
    Answer as CAnswer, ConsensusParams, DamageClass, Mark as CMark, Response, Task as CTask,
    pixel_to_lonlat,
};

use super::gold::{GoldAnswer, GoldFeedback, feedback};
use super::statements::{AnswerCounted, GoldAnswerCounted, LeaseAnswered, PgAnswerStored};
use crate::campaign_settings::CampaignSettings;
use crate::db::DbConn;
use crate::db::answer::{Answer, Mark, MarkInsertForm};
use crate::db::lease::Lease;
use crate::db::task::Task;

/// Most marks one answer may carry; a tile of a few hundred pixels holds far fewer buildings.
pub const MAX_MARKS: usize = 500;

/// Radius used to compare marks when the campaign does not set one and the tile's ground
/// resolution is unknown.
const DEFAULT_RADIUS_PX: f64 = 16.0;

#[derive(Debug, Clone)]
pub struct SubmittedMark {
    pub x: f64,
    pub y: f64,
    pub class: String,
}

#[derive(Debug, Clone)]
pub enum AnswerKind {
    Marks(Vec<SubmittedMark>),
    NothingHere,
    CantTell(Option<String>),
}

#[derive(Debug, Clone)]
pub struct SubmitAnswer {
    pub idempotency_key: String,
    pub duration_ms: i64,
    pub kind: AnswerKind,
}

/// The result of an accepted answer; a retry with the same key gets the same receipt.
#[derive(Debug, Clone)]
pub struct AnswerReceipt {
    pub answer_id: String,
    pub task_id: i64,
    pub kind: String,
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
    Db(#[from] diesel::result::Error),
}

/// Metres per pixel along the tile's top edge, if its footprint is known.
fn metres_per_pixel(task: &Task) -> Option<f64> {
    let c = task.corners()?;
    #[expect(clippy::cast_precision_loss, reason = "tile sizes are small")]
    let width = task.px_w as f64;
    let (lat1, lat2) = (c[0][1].to_radians(), c[1][1].to_radians());
    let dlat = lat2 - lat1;
    let dlon = (c[1][0] - c[0][0]).to_radians();
    let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    let metres = 2.0 * 6_371_008.8 * a.sqrt().asin();
    (metres > 0.0 && width > 0.0).then(|| metres / width)
}

/// The radius, in this tile's pixels, within which two marks are the same place.
pub fn radius_px(task: &Task, settings: &CampaignSettings) -> f64 {
    match (settings.consensus.eps_m, metres_per_pixel(task)) {
        (Some(eps), Some(mpp)) => (eps / mpp).max(2.0),
        _ => DEFAULT_RADIUS_PX,
    }
}

fn validate(
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
    match &req.kind {
        AnswerKind::Marks(marks) => {
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
        AnswerKind::CantTell(Some(reason)) if reason.chars().count() > 500 => {
            return Err(IntakeError::Invalid(
                "reason must be at most 500 characters".into(),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Stored answers (with their marks) as the consensus engine reads them.
fn responses(task_id: i64, answers: &[(Answer, Vec<Mark>)]) -> Vec<CAnswer> {
    answers
        .iter()
        .map(|(a, marks)| CAnswer {
            task: task_id.into(),
            volunteer: a.user_id.as_str().into(),
            response: response(&a.kind, marks.iter().map(|m| (m.x, m.y, &m.class))),
        })
        .collect()
}

/// An answer of `kind` with these marks `(x, y, class)`, as the consensus engine reads it.
fn response<'a>(kind: &str, marks: impl Iterator<Item = (f64, f64, &'a String)>) -> Response {
    match kind {
        "nothing_here" => Response::NothingHere,
        "marks" => Response::Marks(
            marks
                .filter_map(|(x, y, class)| CMark::new(x, y, DamageClass(class.clone())).ok())
                .collect(),
        ),
        _ => Response::CantTell,
    }
}

/// The consensus engine's per-task verdict over `answers`, every answer so far: `(needed, retire)`.
///
/// This is the same retire rule a full consensus run reports (`tessera_consensus::task_agreement`):
/// a sequential test that retires a task at `redundancy.min` answers when they agree and asks for
/// one more, up to `redundancy.max`, while they do not.
fn adaptive_need(
    task: &Task,
    settings: &CampaignSettings,
    answers: &[CAnswer],
) -> Result<(i32, bool), IntakeError> {
    let (width, height) = (
        u32::try_from(task.px_w).unwrap_or(1),
        u32::try_from(task.px_h).unwrap_or(1),
    );
    let c_task = CTask::new(task.id.into(), width.max(1), height.max(1), None)
        .map_err(|e| IntakeError::Invalid(e.to_string()))?;
    let r = settings.redundancy;
    let params = ConsensusParams {
        eps_px: radius_px(task, settings),
        min_answers: r.min as usize,
        max_answers: r.max as usize,
        classes: settings.damage_classes.clone(),
        ..ConsensusParams::default()
    };
    let verdict = tessera_consensus::task_agreement(&c_task, answers, &params)
        .map_err(|e| IntakeError::Invalid(e.to_string()))?;
    let count = i32::try_from(answers.len()).unwrap_or(i32::MAX);
    let (min, max) = (
        i32::try_from(r.min).unwrap_or(1),
        i32::try_from(r.max).unwrap_or(1),
    );
    Ok(if verdict.retire {
        (count, true)
    } else {
        ((count + 1).clamp(min, max), false)
    })
}

/// The verdict of [`adaptive_need`] when it cannot depend on what the answers say: with
/// `answers` (the new one included) below `redundancy.min` (which is at most `max`), a task
/// neither retires nor needs more than `min`. `None` when the answers must be read.
fn early_need(answers: i32, settings: &CampaignSettings) -> Option<(i32, bool)> {
    let min = i32::try_from(settings.redundancy.min).ok()?;
    (answers < min).then_some((min, false))
}

fn gold_feedback(
    task: &Task,
    settings: &CampaignSettings,
    points: &[[f64; 2]],
) -> Option<GoldFeedback> {
    let gold: GoldAnswer = serde_json::from_str(task.gold_answer.as_deref()?).ok()?;
    Some(feedback(
        &gold,
        points,
        radius_px(task, settings).max(DEFAULT_RADIUS_PX),
    ))
}

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
        kind: answer.kind.clone(),
        marks: marks.len(),
        task_retired: task.status == "retired",
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
    user_id: &str,
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
            user_id: user_id.to_owned(),
            campaign_id: task.campaign_id.clone(),
            kind: new.kind.to_owned(),
            reason: new.reason.clone(),
            payload: None,
            duration_ms: req.duration_ms,
            idempotency_key: req.idempotency_key.clone(),
            submitted_at: now,
        },
        &new.mark_rows(task),
    )?;
    LeaseAnswered {
        task_id: task.id,
        user_id: user_id.to_owned(),
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
    id: String,
    kind: &'static str,
    reason: Option<String>,
    marks: &'a [SubmittedMark],
    /// Each mark's WGS84 position, when the task's footprint is known.
    lonlat: Vec<Option<[f64; 2]>>,
}

impl<'a> NewAnswer<'a> {
    fn of(task: &Task, req: &'a SubmitAnswer) -> Self {
        let (kind, reason, marks) = match &req.kind {
            AnswerKind::Marks(marks) => ("marks", None, marks.as_slice()),
            AnswerKind::NothingHere => ("nothing_here", None, &[][..]),
            AnswerKind::CantTell(reason) => ("cant_tell", reason.clone(), &[][..]),
        };
        let corners = task.corners();
        #[expect(clippy::cast_precision_loss, reason = "tile sizes are small")]
        let (w, h) = (task.px_w as f64, task.px_h as f64);
        let lonlat = marks
            .iter()
            .map(|m| corners.map(|c| pixel_to_lonlat(&c, w, h, m.x, m.y)))
            .collect();
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            kind,
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
    fn response(&self, task: &Task, user_id: &str) -> CAnswer {
        CAnswer {
            task: task.id.into(),
            volunteer: user_id.into(),
            response: response(self.kind, self.marks.iter().map(|m| (m.x, m.y, &m.class))),
        }
    }

    fn receipt(self, task: &Task, retired: bool, gold: Option<GoldFeedback>) -> AnswerReceipt {
        AnswerReceipt {
            answer_id: self.id,
            task_id: task.id,
            kind: self.kind.to_owned(),
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
    user_id: &str,
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
        let mut answers = responses(task.id, &stored);
        answers.push(new.response(task, user_id));
        adaptive_need(task, settings, &answers)?
    };
    let statement = PgAnswerStored {
        answer_id: new.id.clone(),
        task_id: task.id,
        user_id: user_id.to_owned(),
        campaign_id: task.campaign_id.clone(),
        kind: new.kind,
        reason: new.reason.clone(),
        duration_ms: req.duration_ms,
        idempotency_key: req.idempotency_key.clone(),
        submitted_at: now,
        prior,
        freed: i32::from(!lease.expired),
        needed,
        status: if retire { "retired" } else { "open" },
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
            task_id: task.id,
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
            adaptive_need(task, settings, &responses(task.id, &answers))?
        };
        // Availability from the counters as this statement leaves them, in the same
        // statement: one write, not two. A retiring task needs no case of its own: `needed`
        // is then its answer count, so it is full.
        AnswerCounted {
            task_id: task.id,
            freed,
            needed,
            status: if retire { "retired" } else { "open" },
        }
        .execute(conn)?;
        (retire, None)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign_settings::Redundancy;

    fn task() -> Task {
        Task {
            id: 1,
            campaign_id: "c".into(),
            kind: "search".into(),
            frame_id: None,
            before_frame_id: None,
            site_id: None,
            tile_col: 0,
            tile_row: 0,
            px_x: 0,
            px_y: 0,
            px_w: 256,
            px_h: 256,
            footprint: "null".into(),
            min_lon: 0.0,
            min_lat: 0.0,
            max_lon: 0.0,
            max_lat: 0.0,
            tile_key: None,
            before_tile_key: None,
            status: "open".into(),
            answer_count: 0,
            needed: 3,
            leases_out: 0,
            available: true,
            priority: 0.0,
            is_gold: false,
            gold_answer: None,
            created_at: 0,
        }
    }

    /// Every way a few volunteers can answer: agreeing marks, disagreeing marks, nothing here,
    /// can't tell.
    fn answer(volunteer: usize, which: usize) -> CAnswer {
        let mark = |x: f64| CMark::new(x, 100.0, DamageClass("destroyed".into())).unwrap();
        CAnswer {
            task: 1_i64.into(),
            volunteer: format!("v{volunteer}").as_str().into(),
            response: match which % 4 {
                0 => Response::Marks(vec![mark(100.0)]),
                1 => Response::Marks(vec![mark(200.0)]),
                2 => Response::NothingHere,
                _ => Response::CantTell,
            },
        }
    }

    #[test]
    fn early_need_is_the_verdict_whatever_the_answers_say() {
        for min in 1..=5 {
            for max in min..=6 {
                let settings = CampaignSettings {
                    redundancy: Redundancy { min, max },
                    damage_classes: vec!["destroyed".into()],
                    ..CampaignSettings::default()
                };
                for n in 1..=max as usize {
                    let early = early_need(i32::try_from(n).unwrap(), &settings);
                    assert_eq!(early.is_some(), n < min as usize, "min {min}, {n} answers");
                    let Some(early) = early else { continue };
                    // Every combination of answer kinds among n volunteers.
                    for combo in 0..4_usize.pow(u32::try_from(n).unwrap()) {
                        let answers: Vec<CAnswer> = (0..n)
                            .map(|v| answer(v, combo / 4_usize.pow(u32::try_from(v).unwrap())))
                            .collect();
                        assert_eq!(
                            adaptive_need(&task(), &settings, &answers).unwrap(),
                            early,
                            "min {min}, max {max}, answers {combo}"
                        );
                    }
                }
            }
        }
    }
}
