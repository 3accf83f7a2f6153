//! Per-task agreement: the scheduler's adaptive-redundancy rule, cheap enough to call on every
//! submitted answer.
//!
//! The marks of one task are grouped into spots (marks within `eps_px` of each other, chained);
//! a spot marked by `k` of the `n` volunteers who answered is **settled** when one side leads by
//! `min_answers` votes, `|k − (n − k)| ≥ min_answers`. For volunteers of equal reliability this
//! is exactly Wald's sequential probability ratio test (the log-likelihood ratio is proportional
//! to the lead), so a unanimous task retires at `min_answers` answers and a split one asks for
//! more. A task retires when every spot is settled (no spot at all counts as settled: everyone
//! said nothing here), or when `max_answers` volunteers answered (can't-tell included).

use crate::error::ConsensusResult;
use crate::output::TaskVerdict;
use crate::params::ConsensusParams;
use crate::tessera::answers::Kind;
use crate::tessera::prepare::prepare;
use crate::types::{Answer, Input, Task};

/// The retire rule and the prior-reliability damage probability for one task's marks.
///
/// `points` are (position, volunteer) in any metric consistent with `eps`; `answered` counts
/// volunteers who marked or said nothing here, `total` adds can't-tell; `spot_prob` is the
/// chance that a typical volunteer's false marks hit a given spot.
pub(crate) fn verdict_core(
    points: &[([f64; 2], u32)],
    eps: f64,
    answered: usize,
    total: usize,
    spot_prob: f64,
    params: &ConsensusParams,
) -> (f64, bool) {
    let vols = spots(points, eps);
    let s0 = params.prior_sensitivity;
    let phi = spot_prob.clamp(1e-9, 0.5);
    let (lm, lu) = ((s0 / phi).ln(), ((1.0 - s0) / (1.0 - phi)).ln());
    let mut p_none = 1.0;
    for &k in &vols {
        let k = k.min(answered);
        // As in the EM: condition on the spot having been marked at all.
        let exists = -((answered as f64) * (1.0 - s0).ln()).exp_m1();
        let llr = k as f64 * lm
            + (answered - k) as f64 * lu
            + (answered as f64 * phi / k.max(1) as f64).ln()
            - exists.max(1e-300).ln();
        p_none *= 1.0 - 1.0 / (1.0 + (-llr).exp());
    }
    (1.0 - p_none, retire_rule(&vols, answered, total, params))
}

/// The retire rule alone (no damage probability): what a full run reports per task.
pub(crate) fn retires(
    points: &[([f64; 2], u32)],
    eps: f64,
    answered: usize,
    total: usize,
    params: &ConsensusParams,
) -> bool {
    total >= params.max_answers
        || (answered >= params.min_answers
            && retire_rule(&spots(points, eps), answered, total, params))
}

/// Retire when `max_answers` answered, or when `min_answers` did and every spot (marked by
/// `vols[i]` distinct volunteers) is settled: one side leads by `min_answers`.
fn retire_rule(vols: &[usize], answered: usize, total: usize, params: &ConsensusParams) -> bool {
    let settled = vols.iter().all(|&k| {
        let k = k.min(answered);
        k.abs_diff(answered - k) >= params.min_answers
    });
    total >= params.max_answers || (answered >= params.min_answers && settled)
}

/// Groups one task's marks into spots (chains of marks within `eps`) and returns the number of
/// distinct volunteers per spot. Brute force union–find: a task has a few dozen marks.
fn spots(points: &[([f64; 2], u32)], eps: f64) -> Vec<usize> {
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let n = points.len();
    let mut parent: Vec<usize> = (0..n).collect();
    let eps2 = eps * eps;
    for i in 0..n {
        for j in i + 1..n {
            if crate::geo::dist2(points[i].0, points[j].0) <= eps2 {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut keyed: Vec<(usize, u32)> = (0..n)
        .map(|i| (root(&mut parent, i), points[i].1))
        .collect();
    keyed.sort_unstable();
    keyed.dedup();
    keyed.chunk_by(|a, b| a.0 == b.0).map(<[_]>::len).collect()
}

/// Whether one task's answers agree enough to retire it, and how likely it holds damage.
///
/// # Parameters
/// - `task`: the task (its size sets the false-mark rate per spot).
/// - `answers`: the answers so far; answers to other tasks are ignored, duplicates by one
///   volunteer count once, invalid marks are dropped (as in [`crate::run`]).
/// - `params`: `eps_px`, `min_answers`, `max_answers` and the reliability priors.
///
/// # Returns
/// A [`TaskVerdict`] with `retire` and `p_damage` (computed with prior reliabilities; a full
/// [`crate::run`] refines it with learned ones).
///
/// # Algorithm
/// See the module docs: spots within `eps_px`, a sequential lead-of-`min_answers` rule, cap at
/// `max_answers`.
///
/// # Errors
/// [`crate::ConsensusError::InvalidParameter`] for invalid `params`.
///
/// # Examples
/// ```
/// use tessera_consensus::{Answer, ConsensusParams, Response, Task, task_agreement};
/// let task = Task::new(1.into(), 256, 256, None).unwrap();
/// let nothing = |v: i64| Answer { task: 1.into(), volunteer: v.into(), response: Response::NothingHere };
/// let params = ConsensusParams::default(); // min_answers 3, max_answers 8
/// let v = task_agreement(&task, &[nothing(1), nothing(2)], &params).unwrap();
/// assert!(!v.retire);
/// let v = task_agreement(&task, &[nothing(1), nothing(2), nothing(3)], &params).unwrap();
/// assert!(v.retire && v.p_damage < 0.01);
/// ```
pub fn task_agreement(
    task: &Task,
    answers: &[Answer],
    params: &ConsensusParams,
) -> ConsensusResult<TaskVerdict> {
    let mut t = task.clone();
    t.footprint = None;
    t.gold = None;
    let input = Input {
        tasks: vec![t],
        answers: answers
            .iter()
            .filter(|a| a.task == task.id)
            .cloned()
            .collect(),
    };
    let c = prepare(&input, params)?;
    let points: Vec<([f64; 2], u32)> = c.marks.iter().map(|m| (m.p, m.volunteer)).collect();
    let answered = c
        .answers
        .iter()
        .filter(|a| a.kind != Kind::CantTell)
        .count();
    let (p_damage, retire) = verdict_core(
        &points,
        c.eps,
        answered,
        c.answers.len(),
        spot_probability(params, task),
        params,
    );
    Ok(TaskVerdict {
        id: task.id.clone(),
        p_damage,
        retire,
        answers: c.answers.len(),
    })
}

/// Prior chance that a volunteer's false marks hit one spot of radius `eps_px` in this task.
pub(crate) fn spot_probability(params: &ConsensusParams, task: &Task) -> f64 {
    let area = f64::from(task.width) * f64::from(task.height);
    -(-params.prior_false_per_task * std::f64::consts::PI * params.eps_px * params.eps_px / area)
        .exp_m1()
}
