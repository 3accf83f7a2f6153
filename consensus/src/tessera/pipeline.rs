//! The tessera pipeline over one campaign: prepare, cluster, expose, EM, report; and the
//! per-task verdicts that drive adaptive redundancy.

use std::io::Write;

use rayon::prelude::*;

use super::answers::Kind;
use super::candidates::{Candidates, candidates};
use super::em::{EmResult, Fixed, em};
use super::exposure::expose;
use super::index::FootprintIndex;
use super::prepare::{Campaign, prepare, prepare_owned};
use super::sites::{self, SiteList, support};
use crate::agreement::retires;
use crate::error::ConsensusResult;
use crate::jsonl::{write_all_but_sites, write_sites};
use crate::output::{InputReport, Output, Site, Summary, TaskVerdict, VolunteerEstimate};
use crate::params::ConsensusParams;
use crate::types::Input;

/// Runs tessera-mode consensus over a whole campaign.
///
/// # Parameters
/// - `input`: tasks and answers (any order; the result does not depend on it).
/// - `params`: see [`ConsensusParams`]; `ConsensusParams::default()` is the documented default.
///
/// # Returns
/// An [`Output`]: confirmed sites (WGS84, or task pixels for a campaign without footprints),
/// one verdict per task, one reliability estimate per volunteer, and a summary that counts
/// every skipped answer or mark (unknown task, duplicate, out of range, unknown class).
///
/// # Algorithm
/// 1. Validate, drop what cannot be used (counted), order canonically, and project every mark
///    to metres (bilinear interpolation in the task footprint, then an equirectangular plane
///    around the campaign centroid).
/// 2. DBSCAN on a uniform grid where density counts **distinct volunteers** within `eps`;
///    unclustered marks become single-volunteer candidates. Each volunteer votes once per
///    candidate.
/// 3. Exposure: the volunteers whose answered tasks (not can't-tell) cover each candidate.
/// 4. EM of site truth and each volunteer's sensitivity and false-mark rate (Beta / Gamma priors,
///    gold tasks anchoring), see the crate README.
/// 5. Report candidates with ≥ `min_volunteers`, posterior ≥ `min_confidence` and support
///    ≥ `min_support`: class by a one-coin Dawid–Skene vote, a weighted geometric-median centre,
///    support, uncertainty.
///
/// # Errors
/// [`crate::ConsensusError::InvalidParameter`] for invalid `params`;
/// [`crate::ConsensusError::MixedSpaces`] when only some tasks have footprints.
///
/// # Examples
/// ```
/// use tessera_consensus::{ConsensusParams, read_jsonl, run};
/// let mut text = String::from(r#"{"type":"task","id":1,"width":256,"height":256}"#);
/// for v in 0..4 {
///     text += &format!("\n{{\"type\":\"answer\",\"task\":1,\"volunteer\":{v},\"marks\":[{{\"x\":{},\"y\":50,\"class\":\"destroyed\"}}]}}", 100 + v);
/// }
/// text += "\n{\"type\":\"answer\",\"task\":1,\"volunteer\":9,\"nothing_here\":true}";
/// let (input, _) = read_jsonl(text.as_bytes()).unwrap();
/// let out = run(&input, &ConsensusParams::default()).unwrap();
/// assert_eq!(out.sites.len(), 1);
/// assert_eq!(out.sites[0].class.0, "destroyed");
/// assert_eq!(out.sites[0].seen_by, 5);
/// assert!(out.sites[0].confidence > 0.9);
///
/// let bad = ConsensusParams { eps_px: -1.0, ..ConsensusParams::default() };
/// assert!(run(&input, &bad).is_err());
/// ```
pub fn run(input: &Input, params: &ConsensusParams) -> ConsensusResult<Output> {
    let c = prepare(input, params)?;
    Ok(run_campaign(&c, params, &Fixed::default()))
}

/// [`run`], taking the input by value: the parsed lines (an owned `String` per id and class,
/// about 300 bytes per answer) are freed once validated into the compact campaign, before the
/// clustering and EM allocate theirs. The result is the same as [`run`]'s.
///
/// # Errors
/// As [`run`].
///
/// # Examples
/// ```
/// use tessera_consensus::{ConsensusParams, read_jsonl, run, run_owned};
/// let text = r#"{"type":"task","id":1,"width":256,"height":256}"#;
/// let (input, _) = read_jsonl(text.as_bytes()).unwrap();
/// let p = ConsensusParams::default();
/// assert_eq!(run(&input, &p).unwrap(), run_owned(input, &p).unwrap());
/// ```
pub fn run_owned(input: Input, params: &ConsensusParams) -> ConsensusResult<Output> {
    let c = prepare_owned(input, params)?;
    Ok(run_campaign(&c, params, &Fixed::default()))
}

/// [`run_owned`], writing the output as JSON lines ([`crate::write_jsonl`]'s bytes exactly)
/// while it is built: sites are built and written a block at a time, so a large campaign never
/// holds them all (on 2 M answers the peak RSS fell from 1.26 GB to 1.06 GB). `report`, when given,
/// becomes the summary's `input`. Returns the summary written.
///
/// # Errors
/// As [`run`], and [`crate::ConsensusError::Write`] when the writer fails.
///
/// # Examples
/// ```
/// use tessera_consensus::{ConsensusParams, read_jsonl, run, run_to_jsonl, write_jsonl};
/// let mut text = String::from(r#"{"type":"task","id":1,"width":256,"height":256}"#);
/// for v in 0..4 {
///     text += &format!("\n{{\"type\":\"answer\",\"task\":1,\"volunteer\":{v},\"marks\":[{{\"x\":{},\"y\":50,\"class\":\"crater\"}}]}}", 100 + v);
/// }
/// let (input, _) = read_jsonl(text.as_bytes()).unwrap();
/// let p = ConsensusParams::default();
/// let mut whole = Vec::new();
/// write_jsonl(&run(&input, &p).unwrap(), &mut whole).unwrap();
/// let mut streamed = Vec::new();
/// let summary = run_to_jsonl(input, &p, None, &mut streamed).unwrap();
/// assert_eq!((streamed, summary.sites), (whole, 1));
/// ```
pub fn run_to_jsonl(
    input: Input,
    params: &ConsensusParams,
    report: Option<InputReport>,
    writer: impl Write,
) -> ConsensusResult<Summary> {
    run_to_jsonl_in_blocks(input, params, report, writer, SITES_AT_ONCE)
}

fn run_to_jsonl_in_blocks(
    input: Input,
    params: &ConsensusParams,
    report: Option<InputReport>,
    mut writer: impl Write,
    block: usize,
) -> ConsensusResult<Summary> {
    let c = prepare_owned(input, params)?;
    let d = derive(&c, params, &Fixed::default());
    let list = SiteList::new(&c, &d.cands, &d.result, &d.cls);
    for start in (0..list.len()).step_by(block) {
        let sites = list.build(start..list.len().min(start + block));
        write_sites(&mut writer, &sites)?;
    }
    let mut out = finish(&c, &d, params, Vec::new());
    out.summary.sites = list.len();
    out.summary.input = report;
    write_all_but_sites(&out, &mut writer)?;
    Ok(out.summary)
}

/// Sites built and written at once by [`run_to_jsonl`].
const SITES_AT_ONCE: usize = 1 << 16;

/// What a run derives from a campaign before its sites are built.
struct Derived {
    cands: Candidates,
    result: EmResult,
    cls: sites::Classes,
}

fn derive(c: &Campaign, params: &ConsensusParams, fixed: &Fixed) -> Derived {
    let index = FootprintIndex::new(c);
    let mut cands = candidates(c, params.min_volunteers);
    expose(c, &index, &mut cands);
    let result = em(c, &cands, params, fixed);
    let cls = sites::classes(c, &cands, &result, params);
    Derived { cands, result, cls }
}

pub(crate) fn run_campaign(c: &Campaign, params: &ConsensusParams, fixed: &Fixed) -> Output {
    let d = derive(c, params, fixed);
    let sites = sites::sites(c, &d.cands, &d.result, &d.cls);
    finish(c, &d, params, sites)
}

/// The output around `sites`: task verdicts, volunteer estimates and the summary.
fn finish(c: &Campaign, d: &Derived, params: &ConsensusParams, sites: Vec<Site>) -> Output {
    let (cands, result, cls) = (&d.cands, &d.result, &d.cls);
    let tasks = verdicts(c, cands, result, params);
    let volunteers = (0..c.volunteers.len())
        .map(|v| VolunteerEstimate {
            id: c.volunteers[v].clone(),
            sensitivity: result.s[v],
            false_rate: result.rho[v] * result.mean_task_area,
            fooled: result.f[v],
            class_accuracy: cls.accuracy[v],
            weight: sites::weight(result, v),
            answers: result.answered[v],
        })
        .collect();
    let mut summary = c.summary.clone();
    summary.candidates = cands.len();
    summary.sites = sites.len();
    summary.em_iterations = result.iterations;
    summary.prior_site = result.prior_site;
    summary.prior_decoy = result.prior_decoy;
    Output {
        sites,
        tasks,
        volunteers,
        summary,
    }
}

fn verdicts(
    c: &Campaign,
    cands: &Candidates,
    em: &EmResult,
    params: &ConsensusParams,
) -> Vec<TaskVerdict> {
    let mut p_none = vec![1.0; c.tasks.len()];
    // A candidate below `min_support` can never be reported, so it is no evidence of damage.
    let supported = |i: usize| support(em, cands.votes(i), cands.exposed(i)) >= params.min_support;
    for (i, q) in em.q.iter().enumerate() {
        if params.min_support > 0.0 && !supported(i) {
            continue;
        }
        for &t in cands.tasks(i) {
            p_none[t as usize] *= 1.0 - q;
        }
    }
    // Marks are sorted by task: each task's marks are one range.
    let mut mark_at = vec![0usize; c.tasks.len() + 1];
    for m in &c.marks {
        mark_at[m.task as usize + 1] += 1;
    }
    for i in 1..mark_at.len() {
        mark_at[i] += mark_at[i - 1];
    }
    c.tasks
        .par_iter()
        .enumerate()
        .map(|(i, t)| {
            let points: Vec<([f64; 2], u32)> = c.marks[mark_at[i]..mark_at[i + 1]]
                .iter()
                .map(|m| (m.p, m.volunteer))
                .collect();
            let answers = &c.answers[t.answers.clone()];
            let answered = answers.iter().filter(|a| a.kind != Kind::CantTell).count();
            let retire = retires(&points, c.eps, answered, answers.len(), params);
            TaskVerdict {
                id: t.id.clone(),
                p_damage: 1.0 - p_none[i],
                retire,
                answers: answers.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonl::write_jsonl;
    use crate::sim::{SimParams, simulate};

    #[test]
    fn streamed_output_is_the_whole_output_whatever_the_block() {
        let sim = SimParams {
            decoys_per_tile: 1.0,
            ..SimParams::with_tiles(5, 5)
        };
        let (input, _) = simulate(&sim, 7).unwrap();
        let p = ConsensusParams::default();
        let mut out = run(&input, &p).unwrap();
        assert!(out.sites.len() > 20, "{} sites", out.sites.len());
        out.summary.input = Some(InputReport::default());
        let mut whole = Vec::new();
        write_jsonl(&out, &mut whole).unwrap();
        for block in [1, 7, out.sites.len(), out.sites.len() + 1] {
            let mut streamed = Vec::new();
            let summary = run_to_jsonl_in_blocks(
                input.clone(),
                &p,
                Some(InputReport::default()),
                &mut streamed,
                block,
            )
            .unwrap();
            assert_eq!(summary, out.summary, "block {block}");
            assert!(streamed == whole, "block {block}");
        }
    }
}
