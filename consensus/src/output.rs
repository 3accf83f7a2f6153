//! The output model: sites, per-task verdicts, volunteer estimates and a run summary (with the
//! reader's report of what it skipped).

use serde::{Deserialize, Serialize};

use crate::id::{TaskId, VolunteerId};
use crate::types::DamageClass;

/// Where a site is: WGS84 for georeferenced campaigns, task pixels otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SitePosition {
    /// WGS84 degrees.
    Geo {
        /// Longitude.
        lon: f64,
        /// Latitude.
        lat: f64,
    },
    /// Pixel space of one task (a campaign without footprints).
    Pixel {
        /// The task.
        task: TaskId,
        /// Pixel x.
        x: f64,
        /// Pixel y.
        y: f64,
    },
}

/// A confirmed strike site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    /// Robust weighted centre.
    #[serde(flatten)]
    pub position: SitePosition,
    /// Damage class by reliability-weighted vote.
    pub class: DamageClass,
    /// Posterior probability that the site is real, in `[0, 1]`.
    pub confidence: f64,
    /// Reliability-weighted share of the volunteers who saw the spot that marked it, in `[0, 1]`.
    pub support: f64,
    /// Distinct volunteers whose answered tasks covered the spot (can't-tell excluded).
    pub seen_by: usize,
    /// Distinct volunteers who marked it, sorted.
    pub volunteers: Vec<VolunteerId>,
    /// Each marking volunteer's class, in the order of `volunteers`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub votes: Vec<SiteVote>,
    /// The tasks whose answers formed the site (every task covering it that was answered),
    /// sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<TaskId>,
    /// 1-σ uncertainty of the centre, in metres (pixels in pixel space).
    pub uncertainty: f64,
}

/// One volunteer's mark behind a site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteVote {
    /// The volunteer.
    pub volunteer: VolunteerId,
    /// The class they gave it.
    pub class: DamageClass,
}

/// Per-task verdict: what the scheduler's adaptive redundancy needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskVerdict {
    /// The task.
    pub id: TaskId,
    /// Probability that the task contains damage.
    pub p_damage: f64,
    /// Whether the answers agree enough to stop asking.
    pub retire: bool,
    /// Distinct volunteers who answered (can't-tell included).
    pub answers: usize,
}

/// A volunteer's estimated reliability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolunteerEstimate {
    /// The volunteer.
    pub id: VolunteerId,
    /// Probability of marking a real site they saw.
    pub sensitivity: f64,
    /// Expected false marks per task (per tile of the campaign's mean area): scattered marks
    /// where nothing is, the kind that rarely coincide with anyone else's.
    pub false_rate: f64,
    /// Probability of marking a look-alike they saw: a spot that draws marks from several
    /// volunteers (a shadow, rubble-coloured roof, burnt field) but is not a site.
    #[serde(default)]
    pub fooled: f64,
    /// Probability that a correct mark carries the right class.
    pub class_accuracy: f64,
    /// Vote weight in `[0, 1]`: sensitivity minus false-mark probability on one spot (Youden's J).
    pub weight: f64,
    /// Answers used (can't-tell excluded).
    pub answers: usize,
}

/// Counts for one run, written as the last output line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `"tessera"`.
    pub mode: String,
    /// Tasks in the input.
    pub tasks: usize,
    /// Answers in the input.
    pub answers: usize,
    /// Answers used after skips.
    pub answers_used: usize,
    /// Marks used.
    pub marks: usize,
    /// Answers skipped: their task is not in the input.
    pub skipped_unknown_task: usize,
    /// Answers skipped: another answer by the same volunteer to the same task was kept.
    pub duplicate_answers: usize,
    /// Marks skipped: outside the task's pixel window.
    pub invalid_marks: usize,
    /// Marks skipped: class not among the campaign's classes.
    pub unknown_class_marks: usize,
    /// Tasks skipped: duplicate id.
    pub duplicate_tasks: usize,
    /// Can't-tell answers (kept, neutral).
    pub cant_tell: usize,
    /// Candidate clusters evaluated by EM (including single-volunteer ones).
    pub candidates: usize,
    /// Sites written.
    pub sites: usize,
    /// EM iterations until convergence.
    pub em_iterations: usize,
    /// The clustering radius used (metres, or pixels in pixel space).
    pub eps: f64,
    /// Estimated share of real sites among all spots of the model, marked or not (sites,
    /// look-alikes and the empty spots where scattered false marks fall).
    pub prior_site: f64,
    /// Estimated share of look-alikes (spots that fool several, not real) among all spots.
    #[serde(default)]
    pub prior_decoy: f64,
    /// The reader's report, when the CLI read a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<InputReport>,
}

/// Everything a tessera-mode run produces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    /// Confirmed sites, sorted by position.
    pub sites: Vec<Site>,
    /// One verdict per task, in task-id order.
    pub tasks: Vec<TaskVerdict>,
    /// One estimate per volunteer, in id order.
    pub volunteers: Vec<VolunteerEstimate>,
    /// Counts.
    pub summary: Summary,
}

/// What [`crate::read_jsonl`] read and skipped: part of the run summary when the CLI read a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputReport {
    /// Lines read, blank ones included.
    pub lines: usize,
    /// Task lines accepted.
    pub tasks: usize,
    /// Answer lines accepted.
    pub answers: usize,
    /// Lines skipped: not JSON, unknown `type`, missing or invalid fields (NaN, bad footprint,
    /// zero-sized task, an answer with none or several of `marks` / `nothing_here` / `cant_tell`).
    pub skipped: usize,
    /// The first skipped lines with the reason, `"line N: message"`.
    pub errors: Vec<String>,
}
