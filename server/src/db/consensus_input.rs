//! Stored tasks and answers as the consensus engine reads them: the one place where rows become
//! a [`tessera_consensus::Input`], for the adaptive redundancy of answer intake and for the
//! consensus job alike.
//!
//! The job's input ([`load`], [`load_campaign`]) carries every georeferenced task with its known
//! answer (`tasks.gold_answer` as [`tessera_consensus::Task::gold`]: practice tiles are tasks
//! like any other, and their known sites anchor the EM) and every answer to those tasks except
//! those of suspended volunteers.

use std::collections::HashMap;

use diesel::prelude::*;
use tessera_consensus::{
    Answer as CAnswer, DamageClass, Footprint, Input, Mark as CMark, Response, Task as CTask,
};

use super::DbConn;
use super::answer::{Answer, Mark};
use super::gold::GoldAnswer;
use super::ids::{AnswerId, CampaignId, TaskId, UserId};
use super::kinds::AnswerKind;
use super::schema::{answers, marks, tasks, users};

/// Ids bound per query (`SQLite` caps the parameters of one statement).
const IDS_PER_QUERY: usize = 500;

/// Tasks whose rows [`load_campaign`] holds at once before turning them into engine input: the
/// rows (ids and volunteer ids as text) take several times the memory of the input they make.
const TASKS_PER_BATCH: i64 = 5_000;

/// What consensus needs of a task row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct TaskShape {
    pub id: TaskId,
    pub px_w: i64,
    pub px_h: i64,
    pub footprint: String,
    pub gold_answer: Option<String>,
}

/// What consensus needs of an answer row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = answers)]
struct AnswerShape {
    id: AnswerId,
    task_id: TaskId,
    user_id: UserId,
    kind: AnswerKind,
}

/// What consensus needs of a mark row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = marks)]
struct MarkShape {
    answer_id: AnswerId,
    x: f64,
    y: f64,
    class: String,
}

/// An answer of `kind` with these marks `(x, y, class)`. Marks that do not make a valid
/// consensus mark (non-finite positions) are left out, as the engine would skip them.
pub fn response<'a>(
    kind: AnswerKind,
    marks: impl Iterator<Item = (f64, f64, &'a str)>,
) -> Response {
    match kind {
        AnswerKind::NothingHere => Response::NothingHere,
        AnswerKind::CantTell => Response::CantTell,
        AnswerKind::Marks => Response::Marks(
            marks
                .filter_map(|(x, y, class)| CMark::new(x, y, DamageClass::from(class)).ok())
                .collect(),
        ),
    }
}

/// A task's answers as stored (see [`Answer::for_task`]), as the engine reads them.
pub fn task_answers(answers: &[(Answer, Vec<Mark>)]) -> Vec<CAnswer> {
    answers
        .iter()
        .map(|(a, marks)| CAnswer {
            task: a.task_id.into(),
            volunteer: a.user_id.as_str().into(),
            response: response(a.kind, marks.iter().map(|m| (m.x, m.y, m.class.as_str()))),
        })
        .collect()
}

impl TaskShape {
    /// The task as the engine reads it, with its footprint and its known answer; `None` for a
    /// task without a valid footprint or window (consensus works in geographic space).
    #[must_use]
    pub fn to_consensus(&self) -> Option<CTask> {
        let corners: [[f64; 2]; 4] = serde_json::from_str(&self.footprint).ok()?;
        let footprint = Footprint::new(corners).ok()?;
        let (w, h) = (
            u32::try_from(self.px_w).ok()?,
            u32::try_from(self.px_h).ok()?,
        );
        let mut task = CTask::new(self.id.into(), w, h, Some(footprint)).ok()?;
        task.gold = GoldAnswer::from_column(self.gold_answer.as_deref())
            .and_then(Result::ok)
            .map(|gold| gold.response());
        Some(task)
    }
}

/// The consensus input of a whole campaign: [`load`] over all its georeferenced tasks, a batch
/// of [`TASKS_PER_BATCH`] tasks at a time (by id), so that only one batch's rows are held
/// beside the input.
///
/// # Errors
/// As [`load`].
pub fn load_campaign(conn: &mut DbConn, campaign_id: &CampaignId) -> QueryResult<Input> {
    let mut input = Input::default();
    let mut after = i64::MIN;
    loop {
        let batch: Vec<TaskShape> = tasks::table
            .filter(tasks::campaign_id.eq(campaign_id))
            .filter(tasks::footprint.ne("null"))
            .filter(tasks::id.gt(after))
            .order(tasks::id.asc())
            .limit(TASKS_PER_BATCH)
            .select(TaskShape::as_select())
            .load(conn)?;
        let Some(last) = batch.last() else {
            return Ok(input);
        };
        after = last.id.0;
        let part = load(conn, &batch)?;
        input.tasks.extend(part.tasks);
        input.answers.extend(part.answers);
    }
}

/// The consensus input of these tasks: their footprints and known answers, every answer to
/// them by a volunteer who is not suspended, and its marks.
///
/// # Errors
/// A query error, or a stored value this version does not know (an answer kind written by a
/// newer version): such an answer is never read as some other kind.
pub fn load(conn: &mut DbConn, task_rows: &[TaskShape]) -> QueryResult<Input> {
    let mut input = Input {
        tasks: task_rows
            .iter()
            .filter_map(TaskShape::to_consensus)
            .collect(),
        answers: Vec::new(),
    };
    let ids: Vec<TaskId> = task_rows.iter().map(|t| t.id).collect();
    let mut answer_rows: Vec<AnswerShape> = Vec::new();
    let mut mark_rows: Vec<MarkShape> = Vec::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        answer_rows.extend(
            answers::table
                .filter(answers::task_id.eq_any(chunk))
                .filter(
                    answers::user_id.ne_all(
                        users::table
                            .filter(users::suspended.eq(true))
                            .select(users::id),
                    ),
                )
                .select(AnswerShape::as_select())
                .load(conn)?,
        );
        mark_rows.extend(
            marks::table
                .filter(marks::task_id.eq_any(chunk))
                .select(MarkShape::as_select())
                .load(conn)?,
        );
    }
    let mut by_answer: HashMap<&AnswerId, Vec<&MarkShape>> = HashMap::new();
    for mark in &mark_rows {
        by_answer.entry(&mark.answer_id).or_default().push(mark);
    }
    input.answers = answer_rows
        .iter()
        .map(|a| {
            let marks = by_answer.get(&a.id).map_or(&[][..], Vec::as_slice);
            CAnswer {
                task: a.task_id.into(),
                volunteer: a.user_id.as_str().into(),
                response: response(a.kind, marks.iter().map(|m| (m.x, m.y, m.class.as_str()))),
            }
        })
        .collect();
    Ok(input)
}
