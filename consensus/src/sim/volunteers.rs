//! Simulated volunteers: their true behaviour and how they answer one tile.

use rand::RngExt;
use rand_distr::{Beta, Distribution, Gamma, Normal, Poisson};
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};

use super::params::SimParams;
use crate::types::{DamageClass, Mark, Response};

/// A volunteer's true behaviour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthVolunteer {
    /// Volunteer id as in the answers.
    pub id: String,
    /// Probability of marking a site they see (0 for spammers).
    pub recall: f64,
    /// Mean false (or, for spammers, random) marks per tile.
    pub false_rate: f64,
    /// Probability that a mark carries the true class.
    pub class_accuracy: f64,
    /// Marks at random.
    pub spammer: bool,
}

pub(super) struct SimVolunteer {
    pub id: String,
    pub truth: TruthVolunteer,
}

pub(super) fn pick_class(classes: &[(String, f64)], rng: &mut Pcg64Mcg) -> usize {
    let total: f64 = classes.iter().map(|c| c.1.max(0.0)).sum();
    let mut r = rng.random::<f64>() * total;
    for (i, c) in classes.iter().enumerate() {
        r -= c.1.max(0.0);
        if r < 0.0 {
            return i;
        }
    }
    classes.len() - 1
}

fn beta(rng: &mut Pcg64Mcg, mean: f64, conc: f64) -> f64 {
    Beta::new(mean * conc, (1.0 - mean) * conc).map_or(mean, |d| d.sample(rng))
}

pub(super) fn volunteer_pool(
    p: &SimParams,
    rng: &mut Pcg64Mcg,
    n_tasks: usize,
) -> Vec<SimVolunteer> {
    let n = if p.volunteers > 0 {
        p.volunteers
    } else {
        (n_tasks * p.answers_per_tile / 200).max(4 * p.answers_per_tile)
    };
    let false_dist = Gamma::new(2.0, p.false_marks_per_tile.max(1e-9) / 2.0).ok();
    (0..n)
        .map(|i| {
            let id = format!("v{i:05}");
            let spammer = rng.random_bool(p.spammer_share);
            let truth = if spammer {
                TruthVolunteer {
                    id: id.clone(),
                    recall: 0.0,
                    false_rate: p.spammer_marks_per_tile,
                    class_accuracy: 0.0,
                    spammer,
                }
            } else {
                TruthVolunteer {
                    id: id.clone(),
                    recall: beta(rng, p.recall_mean, p.recall_concentration),
                    false_rate: false_dist.map_or(0.0, |d| d.sample(rng)),
                    class_accuracy: beta(rng, p.class_accuracy_mean, 10.0),
                    spammer,
                }
            };
            SimVolunteer { id, truth }
        })
        .collect()
}

impl SimVolunteer {
    /// One answer to a tile holding `sites` (tile px, class index).
    pub(super) fn answer(
        &self,
        p: &SimParams,
        rng: &mut Pcg64Mcg,
        noise: &Normal<f64>,
        sites: &[(f64, f64, usize)],
        size: f64,
    ) -> Response {
        if rng.random_bool(p.cant_tell_rate) {
            return Response::CantTell;
        }
        let t = &self.truth;
        let class = |k: usize| DamageClass(p.classes[k].0.clone());
        let mut marks = Vec::new();
        let random_mark = |rng: &mut Pcg64Mcg| Mark {
            x: rng.random::<f64>() * size,
            y: rng.random::<f64>() * size,
            class: class(pick_class(&p.classes, rng)),
        };
        if !t.spammer {
            for &(x, y, c) in sites {
                if !rng.random_bool(t.recall) {
                    continue;
                }
                let times = if rng.random_bool(p.double_mark_rate) {
                    2
                } else {
                    1
                };
                for _ in 0..times {
                    let k = if p.classes.len() > 1 && !rng.random_bool(t.class_accuracy) {
                        // A confusion: another class, uniformly.
                        (c + 1 + rng.random_range(0..p.classes.len() - 1)) % p.classes.len()
                    } else {
                        c
                    };
                    let jx = (x + noise.sample(rng)).clamp(0.0, size);
                    let jy = (y + noise.sample(rng)).clamp(0.0, size);
                    marks.push(Mark {
                        x: jx,
                        y: jy,
                        class: class(k),
                    });
                }
            }
        }
        for _ in 0..poisson(rng, t.false_rate) {
            marks.push(random_mark(rng));
        }
        if marks.is_empty() {
            Response::NothingHere
        } else {
            Response::Marks(marks)
        }
    }
}

/// A Poisson draw of mean `mean` (0 for a non-positive mean).
fn poisson(rng: &mut Pcg64Mcg, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    Poisson::new(mean).map_or(0, |d| {
        let k: f64 = d.sample(rng);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a Poisson draw is a small non-negative integer"
        )]
        let k = k as usize;
        k
    })
}
