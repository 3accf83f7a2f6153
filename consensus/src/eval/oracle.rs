//! An oracle: the decisions the best possible consensus would take on the same marks.
//!
//! It is given what no consensus can know: every volunteer's true recall, fooled rate,
//! false-mark rate and class accuracy, the densities of sites and look-alikes, the class
//! frequencies, and which marks belong together. It then decides each spot exactly by Bayes'
//! rule under the simulator's own generative model, so its F1 is the ceiling of what the marks
//! allow, and the gap between a consensus and the oracle is what the consensus leaves behind.
//!
//! # Algorithm
//!
//! 1. **Spots.** Each mark goes to the nearest true site or look-alike within its reach:
//!    `radius_m` (the scoring radius), widened on a tile coarser than the campaign's median
//!    ground resolution by their ratio, since clicks scatter by as many pixels there (a 2 m
//!    tile among 0.5 m ones reaches 4 × as far). Marks near neither are grouped greedily (in
//!    canonical order, a mark joins the first group whose seed mark is within its reach, else
//!    seeds a new one). A spot is placed at the mean of its marks.
//! 2. **Who saw it.** Every answer (can't-tell excluded) whose task footprint contains the spot
//!    is one independent trial, as in the simulator: a volunteer who answered two overlapping
//!    tiles had two chances to mark it.
//! 3. **Likelihoods.** An answer by volunteer `v` marks a spot of area `A = π reach²` with
//!    probability `1 − (1 − rᵥ)(1 − φᵥ)` if it is a site, `1 − (1 − fᵥ)(1 − φᵥ)` if a look-alike,
//!    and `φᵥ` if nothing is there, where `rᵥ` is the recall, `fᵥ` the fooled rate and
//!    `φᵥ = 1 − exp(−λᵥ A / area of the task)` the chance that one of the `λᵥ` false marks per
//!    tile falls in the spot.
//! 4. **Decision.** Priors are the true densities times `A` (site, look-alike; nothing takes
//!    the rest). A spot is reported as a site when its posterior probability of being one is
//!    above ½. Its class is the posterior mode under the one-coin confusion model (the true
//!    class with probability `aᵥ`, each other class with `(1 − aᵥ)/(K − 1)`) with the true class
//!    frequencies as prior; one-class volunteers and spammers carry no class information.

use std::collections::HashMap;

use super::scoring::{Scores, score};
use crate::geo::{LocalProjection, Quad, dist2};
use crate::sim::{GroundTruth, TruthVolunteer};
use crate::types::{DamageClass, Input, Response};

/// The oracle's decisions on one campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Oracle {
    /// Reported sites as `([lon, lat], class)`.
    pub sites: Vec<([f64; 2], DamageClass)>,
    /// Their [`score`] against the truth.
    pub scores: Scores,
    /// Every spot decided, reported or not, as `([lon, lat], posterior probability of being a
    /// site)`: calibrated when the oracle's model is the simulator's (see [`crate::eval::calibration`]).
    pub spots: Vec<([f64; 2], f64)>,
}

/// A group of marks: the answers that marked it and the class each gave.
#[derive(Default)]
struct Spot {
    sum: [f64; 2],
    marks: usize,
    /// `(answer index, class)`: one entry per answer, its first mark's class.
    answers: Vec<(usize, DamageClass)>,
}

/// The oracle's sites and scores on `input`, whose truth is `truth`, matching within
/// `radius_m` metres. Answers by volunteers missing from the truth are ignored.
///
/// # Examples
/// ```
/// use tessera_consensus::eval::{oracle, score};
/// use tessera_consensus::sim::{SimParams, simulate};
/// let p = SimParams { decoys_per_tile: 1.0, ..SimParams::with_tiles(4, 4) };
/// let (input, truth) = simulate(&p, 1).unwrap();
/// let best = oracle(&input, &truth, 5.0);
/// assert!(best.scores.f1 > 0.8);
/// assert_eq!(best.scores, score(&best.sites, &truth, 5.0));
/// ```
#[must_use]
pub fn oracle(input: &Input, truth: &GroundTruth, radius_m: f64) -> Oracle {
    let Some(first) = input.tasks.iter().find_map(|t| t.footprint) else {
        return Oracle {
            sites: Vec::new(),
            scores: score(&[], truth, radius_m),
            spots: Vec::new(),
        };
    };
    let proj = LocalProjection::new(first.corners()[0][0], first.corners()[0][1]);
    let c = Campaign::new(input, truth, &proj);
    let spots = group_marks(&c, truth, radius_m, &proj);
    let area = std::f64::consts::PI * radius_m * radius_m;
    let frame = c.frame_area();
    let prior_site = (truth.sites.len() as f64 / frame * area).min(0.5);
    let prior_decoy = (truth.decoys.len() as f64 / frame * area).min(0.5);
    let prior_none = (1.0 - prior_site - prior_decoy).max(1e-9);
    let classes = class_priors(truth);
    let mut sites = Vec::new();
    let mut posteriors = Vec::with_capacity(spots.len());
    let mut seen = Vec::new();
    for spot in &spots {
        let centre = [
            spot.sum[0] / spot.marks as f64,
            spot.sum[1] / spot.marks as f64,
        ];
        let (mut ls, mut ld, mut ln) = (prior_site.ln(), prior_decoy.ln(), prior_none.ln());
        c.answers_seeing(centre, &mut seen);
        for &(i, task_area, reach) in &seen {
            let Some(v) = c.volunteers[i] else { continue };
            let marked = spot.answers.binary_search_by_key(&i, |a| a.0).is_ok();
            let phi = 1.0 - (-v.false_rate * area * reach * reach / task_area).exp();
            let log = |p: f64| {
                let p = p.clamp(1e-12, 1.0 - 1e-12);
                if marked { p.ln() } else { (1.0 - p).ln() }
            };
            ls += log(1.0 - (1.0 - v.recall) * (1.0 - phi));
            ld += log(1.0 - (1.0 - v.fooled_rate) * (1.0 - phi));
            ln += log(phi);
        }
        // ln(P(look-alike, marks) + P(nothing, marks)), then P(site | marks) = σ(ls − other).
        let other = ld.max(ln) + (-(ld - ln).abs()).exp().ln_1p();
        posteriors.push((proj.inverse(centre), 1.0 / (1.0 + (other - ls).exp())));
        if ls > other {
            let class = decide_class(spot, &classes, &c.volunteers);
            sites.push((proj.inverse(centre), class));
        }
    }
    Oracle {
        scores: score(&sites, truth, radius_m),
        spots: posteriors,
        sites,
    }
}

/// The campaign as the oracle reads it: footprints in metres, indexed, and each answer's
/// volunteer's truth.
struct Campaign<'a> {
    input: &'a Input,
    /// Per task of `input`: its footprint in metres (`None` without one).
    quads: Vec<Option<Quad>>,
    /// Per answer of `input`: its task's index, if the task is known and georeferenced.
    task_of: Vec<Option<usize>>,
    /// Per answer of `input`: its volunteer's truth.
    volunteers: Vec<Option<&'a TruthVolunteer>>,
    /// Per task: how much farther than the scoring radius its marks may land (≥ 1), the ratio
    /// of its ground resolution to the campaign's median.
    reach: Vec<f64>,
    /// Answers (can't-tell excluded) per task.
    answers_of: Vec<Vec<usize>>,
    /// Task footprints' bounding boxes.
    tree: rstar::RTree<
        rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>,
    >,
}

impl<'a> Campaign<'a> {
    fn new(input: &'a Input, truth: &'a GroundTruth, proj: &LocalProjection) -> Self {
        let quads: Vec<Option<Quad>> = input
            .tasks
            .iter()
            .map(|t| {
                t.footprint
                    .map(|f| Quad(f.corners().map(|c| proj.forward(c))))
            })
            .collect();
        let index: HashMap<_, _> = input
            .tasks
            .iter()
            .zip(0usize..)
            .map(|(t, i)| (&t.id, i))
            .collect();
        let who: HashMap<&str, &TruthVolunteer> = truth
            .volunteers
            .iter()
            .map(|v| (v.id.as_str(), v))
            .collect();
        let task_of: Vec<Option<usize>> = input
            .answers
            .iter()
            .map(|a| index.get(&a.task).copied().filter(|&t| quads[t].is_some()))
            .collect();
        let volunteers = input
            .answers
            .iter()
            .map(|a| who.get(a.volunteer.to_string().as_str()).copied())
            .collect();
        let gsd: Vec<Option<f64>> = input
            .tasks
            .iter()
            .zip(&quads)
            .map(|(t, q)| {
                let px = f64::from(t.width) * f64::from(t.height);
                q.as_ref().map(|q| (q.area() / px).sqrt())
            })
            .collect();
        let mut sorted: Vec<f64> = gsd.iter().flatten().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let median = sorted.get(sorted.len() / 2).copied().unwrap_or(1.0);
        let reach = gsd
            .iter()
            .map(|g| g.map_or(1.0, |g| (g / median).max(1.0)))
            .collect();
        let mut answers_of = vec![Vec::new(); input.tasks.len()];
        for (i, (a, t)) in input.answers.iter().zip(&task_of).enumerate() {
            if let (Some(t), false) = (t, matches!(a.response, Response::CantTell)) {
                answers_of[*t].push(i);
            }
        }
        let tree = rstar::RTree::bulk_load(
            quads
                .iter()
                .zip(0usize..)
                .filter_map(|(q, i)| {
                    let (lo, hi) = q.as_ref()?.bbox();
                    Some(rstar::primitives::GeomWithData::new(
                        rstar::primitives::Rectangle::from_corners(lo, hi),
                        i,
                    ))
                })
                .collect(),
        );
        Self {
            input,
            quads,
            task_of,
            volunteers,
            reach,
            answers_of,
            tree,
        }
    }

    /// Step 2: the answers whose footprint contains `p`, with their task's area and reach, in
    /// answer order.
    fn answers_seeing(&self, p: [f64; 2], out: &mut Vec<(usize, f64, f64)>) {
        out.clear();
        for g in self.tree.locate_all_at_point(p) {
            let Some(q) = &self.quads[g.data] else {
                continue;
            };
            if q.contains(p) {
                let area = q.area().max(f64::MIN_POSITIVE);
                let reach = self.reach[g.data];
                out.extend(self.answers_of[g.data].iter().map(|&i| (i, area, reach)));
            }
        }
        out.sort_by_key(|a| a.0);
    }

    /// The area the tasks cover: their bounding box (the simulator's frame is a rectangle).
    fn frame_area(&self) -> f64 {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for (a, b) in self.quads.iter().flatten().map(Quad::bbox) {
            lo = [lo[0].min(a[0]), lo[1].min(a[1])];
            hi = [hi[0].max(b[0]), hi[1].max(b[1])];
        }
        ((hi[0] - lo[0]) * (hi[1] - lo[1])).max(f64::MIN_POSITIVE)
    }
}

/// Step 1: marks grouped around true sites and look-alikes, then greedily among themselves.
fn group_marks(
    campaign: &Campaign<'_>,
    truth: &GroundTruth,
    radius_m: f64,
    proj: &LocalProjection,
) -> Vec<Spot> {
    let anchors: Vec<[f64; 2]> = truth
        .sites
        .iter()
        .chain(&truth.decoys)
        .map(|s| proj.forward([s.lon, s.lat]))
        .collect();
    let tree = rstar::RTree::bulk_load(
        anchors
            .iter()
            .zip(0usize..)
            .map(|(p, i)| rstar::primitives::GeomWithData::new(*p, i))
            .collect(),
    );
    let mut spots: Vec<Spot> = (0..anchors.len()).map(|_| Spot::default()).collect();
    let mut seeds: Vec<[f64; 2]> = Vec::new();
    for (i, a) in campaign.input.answers.iter().enumerate() {
        let (Some(t), Some(_)) = (campaign.task_of[i], campaign.volunteers[i]) else {
            continue;
        };
        let Response::Marks(marks) = &a.response else {
            continue;
        };
        let task = &campaign.input.tasks[t];
        let Some(f) = task.footprint else { continue };
        let r2 = (radius_m * campaign.reach[t]).powi(2);
        for m in marks {
            let q = proj.forward(f.pixel_to_lonlat(m.x, m.y, task.width, task.height));
            let k = match tree.nearest_neighbor(q) {
                Some(g) if dist2(q, anchors[g.data]) <= r2 => g.data,
                _ => {
                    if let Some(s) = seeds.iter().position(|s| dist2(*s, q) <= r2) {
                        anchors.len() + s
                    } else {
                        seeds.push(q);
                        spots.push(Spot::default());
                        spots.len() - 1
                    }
                }
            };
            let spot = &mut spots[k];
            spot.sum = [spot.sum[0] + q[0], spot.sum[1] + q[1]];
            spot.marks += 1;
            if spot.answers.last().is_none_or(|l| l.0 != i) {
                spot.answers.push((i, m.class.clone()));
            }
        }
    }
    spots.retain(|s| s.marks > 0);
    spots
}

/// The true sites' class frequencies, as log priors.
fn class_priors(truth: &GroundTruth) -> Vec<(DamageClass, f64)> {
    let mut counts: HashMap<&DamageClass, usize> = HashMap::new();
    for s in &truth.sites {
        *counts.entry(&s.class).or_default() += 1;
    }
    let n = truth.sites.len().max(1) as f64;
    let mut out: Vec<(DamageClass, f64)> = counts
        .into_iter()
        .map(|(c, k)| (c.clone(), (k as f64 / n).ln()))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The posterior mode of a site's class under the one-coin confusion model.
fn decide_class(
    spot: &Spot,
    classes: &[(DamageClass, f64)],
    volunteers: &[Option<&TruthVolunteer>],
) -> DamageClass {
    let k = classes.len().max(2) as f64;
    let mut best: Option<(f64, &DamageClass)> = None;
    for (c, prior) in classes {
        let mut l = *prior;
        for (i, said) in &spot.answers {
            let Some(v) = volunteers[*i] else { continue };
            if v.spammer || v.only_class.is_some() {
                continue;
            }
            let a = v.class_accuracy.clamp(1e-6, 1.0 - 1e-6);
            l += if said == c {
                a.ln()
            } else {
                ((1.0 - a) / (k - 1.0)).ln()
            };
        }
        if best.is_none_or(|b| l > b.0) {
            best = Some((l, c));
        }
    }
    match best {
        Some(b) => b.1.clone(),
        // No true sites to take class frequencies from: the first marker's class.
        None => spot.answers[0].1.clone(),
    }
}
