//! Answers in canonical form: validated, volunteers interned in id order, one answer per
//! (task, volunteer), sorted. Everything order-dependent in the input is removed here.

use std::cmp::Ordering;
use std::ops::Range;

use rayon::slice::ParallelSliceMut;

use crate::hash::FxHashMap;
use crate::id::{TaskId, VolunteerId};
use crate::output::Summary;
use crate::types::{Answer, Response, Task};

/// What an answer said, after validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Marks,
    NothingHere,
    CantTell,
}

/// One validated answer.
#[derive(Debug)]
pub(super) struct Pending {
    pub task: u32,
    pub volunteer: u32,
    pub kind: Kind,
    /// Range into [`Canonical::marks`].
    pub marks: Range<usize>,
}

/// A valid mark in its tile's pixels, with its class index: copied out of the input, so the
/// input can be freed before the campaign is built.
#[derive(Debug, Clone, Copy)]
pub(super) struct PixelMark {
    pub x: f64,
    pub y: f64,
    pub class: u8,
}

/// The answers of a campaign in canonical order.
#[derive(Debug)]
pub(super) struct Canonical {
    /// Volunteer ids, sorted; answers refer to them by index.
    pub volunteers: Vec<VolunteerId>,
    /// One answer per (task, volunteer), sorted by (task, volunteer).
    pub answers: Vec<Pending>,
    /// Valid marks; each answer's marks sorted by position, then class name.
    pub marks: Vec<PixelMark>,
}

/// Position, then class name (`names` by class index): the order of the input's own values.
fn cmp_marks(a: &PixelMark, b: &PixelMark, names: &[String]) -> Ordering {
    a.x.total_cmp(&b.x)
        .then(a.y.total_cmp(&b.y))
        .then_with(|| names[a.class as usize].cmp(&names[b.class as usize]))
}

/// Canonical order of two answers' contents, so duplicates resolve the same way in any order.
fn cmp_response(
    a: &[PixelMark],
    ak: Kind,
    b: &[PixelMark],
    bk: Kind,
    names: &[String],
) -> Ordering {
    let rank = |k| match k {
        Kind::Marks => 0,
        Kind::NothingHere => 1,
        Kind::CantTell => 2,
    };
    rank(ak).cmp(&rank(bk)).then_with(|| {
        a.len().cmp(&b.len()).then_with(|| {
            a.iter()
                .zip(b)
                .map(|(x, y)| cmp_marks(x, y, names))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        })
    })
}

fn kind_of(r: &Response) -> Kind {
    match r {
        Response::Marks(m) if !m.is_empty() => Kind::Marks,
        Response::Marks(_) | Response::NothingHere => Kind::NothingHere,
        Response::CantTell => Kind::CantTell,
    }
}

/// Validates, interns and orders `answers`. `tasks` are the campaign's tasks (sorted,
/// distinct) and `task_index` maps their ids to positions; `names` are the classes, which
/// `class_index` maps to their indices. Answers to other tasks, marks outside their tile or of
/// unknown classes, and duplicate answers are dropped and counted.
pub(super) fn canonical(
    answers: &[Answer],
    tasks: &[&Task],
    task_index: &FxHashMap<&TaskId, u32>,
    (names, class_index): (&[String], &FxHashMap<&str, u8>),
    summary: &mut Summary,
) -> Canonical {
    let input_answers = answers;
    // Volunteers get provisional numbers in order of appearance; only the distinct ids are
    // sorted, then renumbered.
    let mut seen: FxHashMap<&VolunteerId, u32> = FxHashMap::default();
    let mut ids: Vec<&VolunteerId> = Vec::new();
    let mut answers = Vec::with_capacity(input_answers.len());
    let mut marks: Vec<PixelMark> = Vec::with_capacity(
        input_answers
            .iter()
            .map(|a| match &a.response {
                Response::Marks(m) => m.len(),
                Response::NothingHere | Response::CantTell => 0,
            })
            .sum(),
    );
    for a in input_answers {
        let Some(&task) = task_index.get(&a.task) else {
            summary.skipped_unknown_task += 1;
            continue;
        };
        let volunteer = *seen.entry(&a.volunteer).or_insert_with(|| {
            ids.push(&a.volunteer);
            u32::try_from(ids.len() - 1).unwrap_or(u32::MAX)
        });
        let mut kind = kind_of(&a.response);
        let start = marks.len();
        if let Response::Marks(ms) = &a.response {
            let t = tasks[task as usize];
            for m in ms {
                if t.check_mark(m).is_err() {
                    summary.invalid_marks += 1;
                } else if let Some(&class) = class_index.get(m.class.as_str()) {
                    marks.push(PixelMark {
                        x: m.x,
                        y: m.y,
                        class,
                    });
                } else {
                    summary.unknown_class_marks += 1;
                }
            }
            marks[start..].sort_by(|x, y| cmp_marks(x, y, names));
            if marks.len() == start && kind == Kind::Marks {
                // Every mark was invalid: we do not know what the volunteer saw.
                kind = Kind::CantTell;
            }
        }
        answers.push(Pending {
            task,
            volunteer,
            kind,
            marks: start..marks.len(),
        });
    }
    let mut order: Vec<u32> = (0..u32::try_from(ids.len()).unwrap_or(u32::MAX)).collect();
    order.sort_unstable_by(|&a, &b| ids[a as usize].cmp(ids[b as usize]));
    let mut rank = vec![0u32; ids.len()];
    for (r, &p) in (0u32..).zip(&order) {
        rank[p as usize] = r;
    }
    for a in &mut answers {
        a.volunteer = rank[a.volunteer as usize];
    }
    // Answers that compare equal have equal contents, so which of them survives `dedup` does
    // not matter and the parallel sort cannot change the result.
    answers.par_sort_unstable_by(|a, b| {
        (a.task, a.volunteer)
            .cmp(&(b.task, b.volunteer))
            .then_with(|| {
                cmp_response(
                    &marks[a.marks.clone()],
                    a.kind,
                    &marks[b.marks.clone()],
                    b.kind,
                    names,
                )
            })
    });
    let before = answers.len();
    answers.dedup_by(|a, b| a.task == b.task && a.volunteer == b.volunteer);
    summary.duplicate_answers = before - answers.len();
    Canonical {
        volunteers: order.iter().map(|&p| ids[p as usize].clone()).collect(),
        answers,
        marks,
    }
}
