//! Parameters of the tessera mode ([`ConsensusParams`]) and of the panoptes-compatible mode
//! ([`PanoptesParams`]), both serde-ready so a campaign can store them and a run can name them.

use serde::{Deserialize, Serialize};

use crate::error::{ConsensusError, ConsensusResult};

/// Parameters of [`crate::run`] and [`crate::task_agreement`]. `Default` gives the documented values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsensusParams {
    /// Clustering radius in metres; `None` derives it as `eps_px` × the median ground resolution
    /// of the task footprints.
    pub eps_m: Option<f64>,
    /// Clustering radius in pixels: used in pixel space, by [`crate::task_agreement`], and to derive `eps_m`.
    pub eps_px: f64,
    /// DBSCAN density rule: distinct volunteers within `eps` of a mark that make it a core mark,
    /// and the least number of distinct volunteers behind a reported site.
    pub min_volunteers: usize,
    /// Least confidence (posterior probability of being real) of a reported site.
    pub min_confidence: f64,
    /// Least support of a reported site, in `[0, 1]`: the share of the volunteers who saw the
    /// spot (answered a task covering it, can't-tell excluded) that marked it, each weighted by
    /// their reliability as in [`crate::Site::support`]. A site below it is not reported, and
    /// does not count towards its tasks' `p_damage`. Default 0 (no floor).
    pub min_support: f64,
    /// Least vote weight (Youden's J, see [`crate::VolunteerEstimate::weight`]) for a volunteer to
    /// count towards `min_volunteers`: identified spammers never make a site on their own.
    pub min_volunteer_weight: f64,
    /// The campaign's damage classes; marks with other classes are skipped and counted.
    pub classes: Vec<String>,
    /// Prior mean of a volunteer's sensitivity.
    pub prior_sensitivity: f64,
    /// Prior mean of a volunteer's false marks per task.
    pub prior_false_per_task: f64,
    /// Prior mean of the probability that a volunteer marks a look-alike they saw (a spot that
    /// fools several volunteers but is not a site).
    pub prior_fooled: f64,
    /// Prior mean of a volunteer's class accuracy.
    pub prior_class_accuracy: f64,
    /// Prior strength: how many pseudo-observations the priors above are worth.
    pub prior_strength: f64,
    /// EM stops after this many iterations …
    pub max_iterations: usize,
    /// … or when no site's posterior moves by more than this. The default, 1e-4, is a
    /// hundredth of the precision a confidence is read at; on 2 M answers, 1e-6 took 62 steps
    /// and 1e-4 takes 33, and no site's confidence differs by more than 3e-4.
    pub tolerance: f64,
    /// Adaptive redundancy: answers (can't-tell excluded) before a task may retire.
    pub min_answers: usize,
    /// Adaptive redundancy: a task retires at this many answers whatever they say.
    pub max_answers: usize,
}

/// Default of [`ConsensusParams::min_support`]: no floor. Confidence already weighs the reliable
/// volunteers who saw a spot and did not mark it; a floor of 0.5 on top of it costs the simulated
/// crowds without look-alikes (`tests/decoys.rs`) recall 0.96 → 0.86, as volunteers of recall 0.7
/// often leave a real site under half-marked.
const MIN_SUPPORT: f64 = 0.0;

impl Default for ConsensusParams {
    fn default() -> Self {
        Self {
            eps_m: None,
            eps_px: 10.0,
            min_volunteers: 2,
            min_confidence: 0.5,
            min_support: MIN_SUPPORT,
            min_volunteer_weight: 0.2,
            classes: ["destroyed", "severe", "moderate", "crater"]
                .map(String::from)
                .to_vec(),
            prior_sensitivity: 0.7,
            prior_false_per_task: 0.3,
            prior_fooled: 0.15,
            prior_class_accuracy: 0.8,
            prior_strength: 7.0,
            max_iterations: 100,
            tolerance: 1e-4,
            min_answers: 3,
            max_answers: 8,
        }
    }
}

fn invalid(name: &'static str, reason: impl Into<String>) -> ConsensusError {
    ConsensusError::InvalidParameter {
        name,
        reason: reason.into(),
    }
}

fn unit_open(name: &'static str, v: f64) -> ConsensusResult<()> {
    if v > 0.0 && v < 1.0 {
        Ok(())
    } else {
        Err(invalid(name, format!("{v} is not in (0, 1)")))
    }
}

impl ConsensusParams {
    /// Checks every field's range.
    ///
    /// ```
    /// use tessera_consensus::ConsensusParams;
    /// assert!(ConsensusParams::default().validate().is_ok());
    /// let bad = ConsensusParams { min_volunteers: 0, ..ConsensusParams::default() };
    /// assert!(bad.validate().is_err());
    /// ```
    pub fn validate(&self) -> ConsensusResult<()> {
        if let Some(e) = self.eps_m
            && !(e.is_finite() && e > 0.0)
        {
            return Err(invalid(
                "eps_m",
                format!("{e} is not a positive number of metres"),
            ));
        }
        if !(self.eps_px.is_finite() && self.eps_px > 0.0) {
            return Err(invalid(
                "eps_px",
                format!("{} is not a positive number of pixels", self.eps_px),
            ));
        }
        if self.min_volunteers == 0 {
            return Err(invalid("min_volunteers", "must be at least 1"));
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(invalid("min_confidence", "must be in [0, 1]"));
        }
        if !(0.0..=1.0).contains(&self.min_support) {
            return Err(invalid("min_support", "must be in [0, 1]"));
        }
        if !(0.0..=1.0).contains(&self.min_volunteer_weight) {
            return Err(invalid("min_volunteer_weight", "must be in [0, 1]"));
        }
        if self.classes.is_empty() {
            return Err(invalid(
                "classes",
                "a campaign needs at least one damage class",
            ));
        }
        unit_open("prior_sensitivity", self.prior_sensitivity)?;
        unit_open("prior_class_accuracy", self.prior_class_accuracy)?;
        unit_open("prior_fooled", self.prior_fooled)?;
        if self.prior_fooled >= self.prior_sensitivity {
            return Err(invalid(
                "prior_fooled",
                "must be below prior_sensitivity: a look-alike is marked less often than a site",
            ));
        }
        if !(self.prior_false_per_task.is_finite() && self.prior_false_per_task > 0.0) {
            return Err(invalid("prior_false_per_task", "must be positive"));
        }
        if !(self.prior_strength.is_finite() && self.prior_strength > 0.0) {
            return Err(invalid("prior_strength", "must be positive"));
        }
        if self.max_iterations == 0 {
            return Err(invalid("max_iterations", "must be at least 1"));
        }
        if self.min_answers == 0 || self.max_answers < self.min_answers {
            return Err(invalid("min_answers", "need 1 ≤ min_answers ≤ max_answers"));
        }
        Ok(())
    }
}

/// Parameters of [`crate::panoptes::reduce`], named as `panoptes_aggregation` names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PanoptesParams {
    /// DBSCAN radius in pixels (panoptes default 5).
    pub eps: f64,
    /// DBSCAN `min_samples`, counting **points** including the point itself (panoptes default 3).
    pub min_samples: usize,
}

impl Default for PanoptesParams {
    fn default() -> Self {
        Self {
            eps: 5.0,
            min_samples: 3,
        }
    }
}

impl PanoptesParams {
    /// Checks the ranges scikit-learn enforces (`eps > 0`, `min_samples ≥ 1`).
    ///
    /// ```
    /// use tessera_consensus::PanoptesParams;
    /// assert!(PanoptesParams::default().validate().is_ok());
    /// assert!(PanoptesParams { eps: 5.0, min_samples: 0 }.validate().is_err());
    /// ```
    pub fn validate(&self) -> ConsensusResult<()> {
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(invalid(
                "eps",
                format!("{} is not a positive number of pixels", self.eps),
            ));
        }
        if self.min_samples == 0 {
            return Err(invalid(
                "min_samples",
                "must be at least 1 (as in scikit-learn)",
            ));
        }
        Ok(())
    }
}
