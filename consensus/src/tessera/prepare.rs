//! Turns an [`Input`] into a validated, canonically ordered, metric [`Campaign`].
//!
//! Everything order-dependent is removed here: tasks are sorted by id, volunteers by id,
//! answers by (task, volunteer) and each answer's marks by position, so the rest of the
//! pipeline gives the same result whatever the order of the input lines.

use super::answers::{Kind, canonical};
use super::layout::layout_tasks;
use crate::error::ConsensusResult;
use crate::geo::{LocalProjection, Quad, pixel_to_lonlat};
use crate::hash::FxHashMap;
use crate::id::{TaskId, VolunteerId};
use crate::output::Summary;
use crate::params::ConsensusParams;
use crate::types::{Answer, Input, Response, Task};

#[derive(Debug, Clone)]
pub(crate) struct CTask {
    pub id: TaskId,
    pub quad: Quad,
    pub width: u32,
    pub height: u32,
    /// Gold sites (metric position, class index); `Some(empty)` is a gold "nothing here".
    pub gold: Option<Vec<([f64; 2], u8)>>,
    /// Range into [`Campaign::answers`].
    pub answers: std::ops::Range<usize>,
}

impl CTask {
    /// A mark's position in the plane: the pixel → WGS84 interpolation, applied to the projected
    /// corners (the same thing, the projection being affine).
    fn plane(&self, x: f64, y: f64) -> [f64; 2] {
        pixel_to_lonlat(
            &self.quad.0,
            f64::from(self.width),
            f64::from(self.height),
            x,
            y,
        )
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct CAnswer {
    pub task: u32,
    pub volunteer: u32,
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct CMark {
    pub p: [f64; 2],
    pub class: u8,
    pub volunteer: u32,
    pub task: u32,
}

/// A validated campaign in one metric plane.
#[derive(Debug)]
pub(crate) struct Campaign {
    /// `None`: pixel space, each task laid out on its own patch of the plane.
    pub projection: Option<LocalProjection>,
    pub eps: f64,
    pub tasks: Vec<CTask>,
    pub volunteers: Vec<VolunteerId>,
    pub answers: Vec<CAnswer>,
    pub marks: Vec<CMark>,
    pub classes: Vec<String>,
    pub summary: Summary,
}

/// Validates `input` against `params` and lays it out in one metric plane.
pub(crate) fn prepare(input: &Input, params: &ConsensusParams) -> ConsensusResult<Campaign> {
    prepare_parts(&input.tasks, Answers::Borrowed(&input.answers), params)
}

/// [`prepare`], freeing the input's answers (most of its memory) once they are validated and
/// copied, before the campaign's own lists are allocated.
pub(crate) fn prepare_owned(input: Input, params: &ConsensusParams) -> ConsensusResult<Campaign> {
    let Input { tasks, answers } = input;
    prepare_parts(&tasks, Answers::Owned(answers), params)
}

enum Answers<'a> {
    Borrowed(&'a [Answer]),
    Owned(Vec<Answer>),
}

impl Answers<'_> {
    fn as_slice(&self) -> &[Answer] {
        match self {
            Answers::Borrowed(a) => a,
            Answers::Owned(a) => a,
        }
    }
}

fn prepare_parts(
    input_tasks: &[Task],
    input_answers: Answers<'_>,
    params: &ConsensusParams,
) -> ConsensusResult<Campaign> {
    params.validate()?;
    let mut summary = Summary {
        mode: "tessera".into(),
        tasks: input_tasks.len(),
        answers: input_answers.as_slice().len(),
        ..Summary::default()
    };
    let mut tasks: Vec<&Task> = input_tasks.iter().collect();
    tasks.sort_by(|a, b| a.id.cmp(&b.id));
    let before = tasks.len();
    tasks.dedup_by(|a, b| a.id == b.id);
    summary.duplicate_tasks = before - tasks.len();
    let (projection, quads, eps) = layout_tasks(&tasks, params)?;
    let task_index: FxHashMap<&TaskId, u32> =
        tasks.iter().zip(0u32..).map(|(t, i)| (&t.id, i)).collect();
    let class_index: FxHashMap<&str, u8> = params
        .classes
        .iter()
        .zip(0u8..)
        .map(|(c, i)| (c.as_str(), i))
        .collect();
    let canon = canonical(
        input_answers.as_slice(),
        &tasks,
        &task_index,
        (&params.classes, &class_index),
        &mut summary,
    );
    drop(input_answers);
    let ctasks = campaign_tasks(&tasks, &quads, &class_index);

    let mut answers = Vec::with_capacity(canon.answers.len());
    let mut marks = Vec::with_capacity(canon.marks.len());
    for p in &canon.answers {
        let ct = &ctasks[p.task as usize];
        for m in &canon.marks[p.marks.clone()] {
            marks.push(CMark {
                p: ct.plane(m.x, m.y),
                class: m.class,
                volunteer: p.volunteer,
                task: p.task,
            });
        }
        if p.kind == Kind::CantTell {
            summary.cant_tell += 1;
        }
        answers.push(CAnswer {
            task: p.task,
            volunteer: p.volunteer,
            kind: p.kind,
        });
    }
    let mut ctasks = ctasks;
    let mut start = 0;
    for (i, ct) in ctasks.iter_mut().enumerate() {
        let end = start
            + answers[start..]
                .iter()
                .take_while(|a| a.task as usize == i)
                .count();
        ct.answers = start..end;
        start = end;
    }
    summary.answers_used = answers.len();
    summary.marks = marks.len();
    summary.eps = eps;
    Ok(Campaign {
        projection,
        eps,
        tasks: ctasks,
        volunteers: canon.volunteers,
        answers,
        marks,
        classes: params.classes.clone(),
        summary,
    })
}

/// The campaign's tasks in the plane, with their gold sites (valid marks of known classes).
fn campaign_tasks(
    tasks: &[&Task],
    quads: &[Quad],
    class_index: &FxHashMap<&str, u8>,
) -> Vec<CTask> {
    tasks
        .iter()
        .zip(quads)
        .map(|(t, q)| {
            let mut ct = CTask {
                id: t.id.clone(),
                quad: *q,
                width: t.width,
                height: t.height,
                gold: None,
                answers: 0..0,
            };
            ct.gold = t.gold.as_ref().map(|g| match g {
                Response::Marks(ms) => ms
                    .iter()
                    .filter(|m| t.check_mark(m).is_ok())
                    .filter_map(|m| {
                        class_index
                            .get(m.class.as_str())
                            .map(|&c| (ct.plane(m.x, m.y), c))
                    })
                    .collect(),
                Response::NothingHere | Response::CantTell => Vec::new(),
            });
            ct
        })
        .collect()
}
