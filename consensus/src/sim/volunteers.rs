//! Simulated volunteers: their true behaviour and how they answer one tile.
//!
//! Draws for the behaviours added after the first simulator (look-alikes, one-class markers,
//! offsets, silent spammers) come from a second generator, `extra`, so a campaign with them off
//! is draw for draw the campaign the simulator always produced, and turning one on keeps the
//! same sites, volunteers and answers otherwise.

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
    /// Mean false (or, for spammers, random) marks per tile; 0 for a silent spammer.
    pub false_rate: f64,
    /// Probability that a mark carries the true class (for a one-class volunteer, the share of
    /// sites of their class).
    pub class_accuracy: f64,
    /// Marks at random, or (with `false_rate` 0) never marks.
    pub spammer: bool,
    /// Probability of marking a look-alike they see (0 for spammers, and when the campaign has
    /// no look-alikes).
    #[serde(default)]
    pub fooled_rate: f64,
    /// The one class this volunteer gives every mark, if they do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_class: Option<String>,
    /// Systematic click offset `[dx, dy]`, tile px.
    #[serde(default)]
    pub offset_px: [f64; 2],
}

pub(super) struct SimVolunteer {
    pub id: String,
    pub truth: TruthVolunteer,
    /// Index of `only_class` in the campaign's classes.
    only_class: Option<usize>,
}

/// What one tile shows, in its own pixels: sites and look-alikes as `(x, y, class index)`.
pub(super) struct TileView<'a> {
    pub sites: &'a [(f64, f64, usize)],
    pub decoys: &'a [(f64, f64, usize)],
    pub size: f64,
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

/// A draw that is `false` without touching the generator when `p` is 0, so a behaviour that is
/// off leaves the stream as it was.
pub(super) fn chance(rng: &mut Pcg64Mcg, p: f64) -> bool {
    p > 0.0 && rng.random_bool(p)
}

/// Pool size: as given, or derived from the number of answers.
pub(super) fn pool_size(p: &SimParams, n_tasks: usize) -> usize {
    if p.volunteers > 0 {
        return p.volunteers;
    }
    // A long tail needs many volunteers with a few answers each.
    let per = if p.activity_zipf > 0.0 { 4 } else { 200 };
    (n_tasks * p.answers_per_tile / per).max(4 * p.answers_per_tile)
}

pub(super) fn volunteer_pool(
    p: &SimParams,
    rng: &mut Pcg64Mcg,
    extra: &mut Pcg64Mcg,
    n: usize,
) -> Vec<SimVolunteer> {
    let false_dist = Gamma::new(2.0, p.false_marks_per_tile.max(1e-9) / 2.0).ok();
    let class_share = |k: usize| {
        let total: f64 = p.classes.iter().map(|c| c.1.max(0.0)).sum();
        p.classes[k].1.max(0.0) / total.max(f64::MIN_POSITIVE)
    };
    (0..n)
        .map(|i| {
            let id = format!("v{i:05}");
            let spammer = rng.random_bool(p.spammer_share);
            let mut truth = TruthVolunteer {
                id: id.clone(),
                recall: 0.0,
                false_rate: p.spammer_marks_per_tile,
                class_accuracy: 0.0,
                spammer,
                fooled_rate: 0.0,
                only_class: None,
                offset_px: [0.0, 0.0],
            };
            let mut only_class = None;
            if spammer {
                if chance(extra, p.silent_spammer_share) {
                    truth.false_rate = 0.0;
                }
            } else {
                truth.recall = beta(rng, p.recall_mean, p.recall_concentration);
                truth.false_rate = false_dist.map_or(0.0, |d| d.sample(rng));
                truth.class_accuracy = beta(rng, p.class_accuracy_mean, 10.0);
                if p.decoys_per_tile > 0.0 {
                    truth.fooled_rate = beta(extra, p.decoy_fooling, p.decoy_fooling_concentration);
                }
                if chance(extra, p.single_class_share) {
                    let k = pick_class(&p.classes, extra);
                    truth.only_class = Some(p.classes[k].0.clone());
                    truth.class_accuracy = class_share(k);
                    only_class = Some(k);
                }
                if chance(extra, p.offset_share) {
                    let angle = extra.random::<f64>() * std::f64::consts::TAU;
                    truth.offset_px = [p.offset_px * angle.cos(), p.offset_px * angle.sin()];
                }
            }
            SimVolunteer {
                id,
                truth,
                only_class,
            }
        })
        .collect()
}

impl SimVolunteer {
    /// One answer to a tile.
    pub(super) fn answer(
        &self,
        p: &SimParams,
        rng: &mut Pcg64Mcg,
        extra: &mut Pcg64Mcg,
        noise: &Normal<f64>,
        tile: &TileView<'_>,
    ) -> Response {
        if rng.random_bool(p.cant_tell_rate) {
            return Response::CantTell;
        }
        let t = &self.truth;
        let size = tile.size;
        let class = |k: usize| DamageClass::from(p.classes[k].0.as_str());
        let mut marks = Vec::new();
        // A mark of a spot of class `c` seen in the tile, with the volunteer's class habits,
        // click noise and offset.
        let mut mark_spot = |rng: &mut Pcg64Mcg, x: f64, y: f64, c: usize| {
            let k = if let Some(k) = self.only_class {
                k
            } else if p.classes.len() > 1 && !rng.random_bool(t.class_accuracy) {
                // A confusion: another class, uniformly.
                (c + 1 + rng.random_range(0..p.classes.len() - 1)) % p.classes.len()
            } else {
                c
            };
            let jx = (x + t.offset_px[0] + noise.sample(rng)).clamp(0.0, size);
            let jy = (y + t.offset_px[1] + noise.sample(rng)).clamp(0.0, size);
            marks.push(Mark {
                x: jx,
                y: jy,
                class: class(k),
            });
        };
        if !t.spammer {
            for &(x, y, c) in tile.sites {
                if !rng.random_bool(t.recall) {
                    continue;
                }
                let times = if rng.random_bool(p.double_mark_rate) {
                    2
                } else {
                    1
                };
                for _ in 0..times {
                    mark_spot(rng, x, y, c);
                }
            }
            for &(x, y, c) in tile.decoys {
                if chance(extra, t.fooled_rate) {
                    mark_spot(extra, x, y, c);
                }
            }
        }
        for _ in 0..poisson(rng, t.false_rate) {
            let (fx, fy) = (rng.random::<f64>() * size, rng.random::<f64>() * size);
            let drawn = pick_class(&p.classes, rng);
            marks.push(Mark {
                x: fx,
                y: fy,
                class: class(self.only_class.unwrap_or(drawn)),
            });
        }
        if marks.is_empty() {
            Response::NothingHere
        } else {
            Response::Marks(marks)
        }
    }
}

/// A Poisson draw of mean `mean` (0 for a non-positive mean).
pub(super) fn poisson(rng: &mut Pcg64Mcg, mean: f64) -> usize {
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
