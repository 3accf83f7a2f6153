//! From EM posteriors to reported sites: class by Dawid–Skene over classes (a confusion matrix
//! per volunteer), a weighted geometric-median position, support against exposure,
//! and an uncertainty radius.

use std::cmp::Ordering;

use rayon::prelude::*;

use super::candidates::{Candidates, Seen, Vote};
use super::em::EmResult;
use super::prepare::Campaign;
use super::squarem::squarem;
use crate::geo::{dist2, geometric_median};
use crate::output::{Site, SitePosition, SiteVote};
use crate::par::map_blocks;
use crate::params::ConsensusParams;
use crate::types::DamageClass;

/// Per-volunteer class accuracy and each reported candidate's class posterior.
pub(crate) struct Classes {
    pub accuracy: Vec<f64>,
    /// Reported candidates (indices into the candidate list).
    pub reported: Vec<usize>,
    /// Class posteriors, `classes` values per reported candidate.
    pub posterior: Vec<f64>,
}

/// Whether candidate `i` becomes a site: confident enough, marked by enough volunteers of
/// enough weight, and by a large enough share of those who saw it.
pub(crate) fn is_reported(
    cands: &Candidates,
    i: usize,
    em: &EmResult,
    params: &ConsensusParams,
) -> bool {
    let votes = cands.votes(i);
    em.q[i] >= params.min_confidence
        && votes
            .iter()
            .filter(|v| weight(em, v.volunteer as usize) >= params.min_volunteer_weight)
            .count()
            >= params.min_volunteers
        && support(em, votes, cands.exposed(i)) >= params.min_support
}

/// Reliability-weighted share of the volunteers who saw a candidate that marked it; the plain
/// share when nobody who saw it carries any weight.
pub(crate) fn support(em: &EmResult, votes: &[Vote], exposed: &[Seen]) -> f64 {
    let (mut marked, mut seen) = (0.0, 0.0);
    for s in exposed {
        let w = weight(em, s.volunteer() as usize);
        seen += w;
        if s.marked() {
            marked += w;
        }
    }
    if seen > 0.0 {
        marked / seen
    } else {
        votes.len() as f64 / exposed.len().max(1) as f64
    }
}

/// Rounds of the class EM at most; it starts from a weighted vote and, accelerated, settles
/// within a few dozen.
const CLASS_ROUNDS: usize = 50;
/// Sites per parallel block of the class M-step.
const CLASS_BLOCK: usize = 65_536;
/// The class EM stops when no class posterior moves by more than this in a round.
const CLASS_TOLERANCE: f64 = 1e-4;
/// The smallest confusion probability.
const CONF_FLOOR: f64 = 1e-9;

/// The class EM's parameters: each volunteer's confusion matrix and each class's share, in logs.
#[derive(Clone)]
struct ClassTheta {
    /// ln P(label l | true t) of volunteer v at `[v·nk² + t·nk + l]`.
    log_conf: Vec<f64>,
    log_share: Vec<f64>,
}

impl ClassTheta {
    /// One SQUAREM step from `x0` and `x1 = F(x0)` to `self = F(x1)`, in log space: `r = x1 − x0`,
    /// `v = x2 − 2·x1 + x0`, `α = −‖r‖/‖v‖` (at most −1, which gives back `x2`), `x = x0 − 2α·r +
    /// α²·v`; then every row (and the shares) is floored and renormalised to probabilities.
    fn extrapolate(&mut self, x0: &ClassTheta, x1: &ClassTheta, nk: usize) {
        let pairs = || {
            x0.log_conf
                .iter()
                .chain(&x0.log_share)
                .zip(x1.log_conf.iter().chain(&x1.log_share))
        };
        let (mut rr, mut vv) = (0.0, 0.0);
        for ((a, b), c) in pairs().zip(self.log_conf.iter().chain(&self.log_share)) {
            rr += (b - a) * (b - a);
            vv += (c - 2.0 * b + a) * (c - 2.0 * b + a);
        }
        if vv <= 0.0 || !vv.is_finite() {
            return;
        }
        let alpha = (-(rr / vv).sqrt()).min(-1.0);
        let floor = CONF_FLOOR.ln();
        let step = |a: f64, b: f64, c: f64| {
            (a - 2.0 * alpha * (b - a) + alpha * alpha * (c - 2.0 * b + a)).max(floor)
        };
        for ((c, a), b) in self.log_conf.iter_mut().zip(&x0.log_conf).zip(&x1.log_conf) {
            *c = step(*a, *b, *c);
        }
        for ((c, a), b) in self
            .log_share
            .iter_mut()
            .zip(&x0.log_share)
            .zip(&x1.log_share)
        {
            *c = step(*a, *b, *c);
        }
        for row in self
            .log_conf
            .chunks_mut(nk)
            .chain([&mut self.log_share[..]])
        {
            let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let total = max + row.iter().map(|x| (x - max).exp()).sum::<f64>().ln();
            for x in row.iter_mut() {
                *x = (*x - total).max(floor);
            }
        }
    }
}

/// The class Dawid–Skene model over the reported candidates: its fixed inputs.
struct ClassModel<'a> {
    cands: &'a Candidates,
    em: &'a EmResult,
    reported: Vec<usize>,
    nk: usize,
    nv: usize,
    strength: f64,
    accuracy: f64,
}

impl ClassModel<'_> {
    /// The prior chance a volunteer labels a site of true class `t` as `l`.
    fn prior(&self, t: usize, l: usize) -> f64 {
        if self.nk == 1 {
            1.0
        } else if t == l {
            self.accuracy
        } else {
            (1.0 - self.accuracy) / (self.nk as f64 - 1.0)
        }
    }

    fn start(&self) -> ClassTheta {
        let nk = self.nk;
        // ln P(label l | true t) of volunteer v at [v·nk² + t·nk + l].
        let log_conf = (0..self.nv * nk * nk)
            .map(|i| self.prior((i / nk) % nk, i % nk).max(CONF_FLOOR).ln())
            .collect();
        ClassTheta {
            log_conf,
            log_share: vec![-(nk as f64).ln(); nk],
        }
    }

    /// Each reported candidate's class posterior under `theta`.
    fn e_step(&self, theta: &ClassTheta, posterior: &mut [f64]) {
        let nk = self.nk;
        self.reported
            .par_iter()
            .zip(posterior.par_chunks_mut(nk))
            .for_each(|(&i, p)| {
                p.copy_from_slice(&theta.log_share);
                for vote in self.cands.votes(i) {
                    let row = vote.volunteer as usize * nk * nk + vote.class as usize;
                    for (t, x) in p.iter_mut().enumerate() {
                        *x += theta.log_conf[row + t * nk];
                    }
                }
                let max = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                for x in p.iter_mut() {
                    *x = (*x - max).exp();
                }
                let total: f64 = p.iter().sum();
                for x in p.iter_mut() {
                    *x /= total;
                }
            });
    }

    /// Confusions and shares from the posteriors, each site weighted by its chance of being real.
    fn m_step(&self, posterior: &[f64], theta: &mut ClassTheta) {
        let nk = self.nk;
        let q = &self.em.q;
        // Per block of sites, its sums (confusion counts, then the shares), added in block
        // order: cut by the number of sites alone, so the result does not depend on threads.
        let parts = map_blocks(self.reported.len(), CLASS_BLOCK, |range| {
            let mut counts = vec![0.0; self.nv * nk * nk + nk];
            let (confusion, shares) = counts.split_at_mut(self.nv * nk * nk);
            for j in range {
                let (i, p) = (self.reported[j], &posterior[j * nk..(j + 1) * nk]);
                for (t, x) in p.iter().enumerate() {
                    shares[t] += q[i] * x;
                }
                for vote in self.cands.votes(i) {
                    let base = vote.volunteer as usize * nk * nk + vote.class as usize;
                    for (t, x) in p.iter().enumerate() {
                        confusion[base + t * nk] += q[i] * x;
                    }
                }
            }
            counts
        });
        let mut counts = vec![0.0; self.nv * nk * nk + nk];
        for part in &parts {
            for (a, b) in counts.iter_mut().zip(part) {
                *a += b;
            }
        }
        let shares: Vec<f64> = counts
            .split_off(self.nv * nk * nk)
            .iter()
            .map(|x| x + 1.0)
            .collect();
        let total: f64 = shares.iter().sum();
        for (l, x) in theta.log_share.iter_mut().zip(&shares) {
            *l = (x / total).ln();
        }
        let k = self.strength;
        for (row, (conf, count)) in theta
            .log_conf
            .chunks_mut(nk)
            .zip(counts.chunks(nk))
            .enumerate()
        {
            let t = row % nk;
            let n: f64 = count.iter().sum();
            for (l, (c, x)) in conf.iter_mut().zip(count).enumerate() {
                *c = ((k * self.prior(t, l) + x) / (k + n)).max(CONF_FLOOR).ln();
            }
        }
    }
}

/// Dawid–Skene over classes, on the reported candidates: each volunteer has a full confusion
/// matrix (`P(marked class | true class)`), each class a prior share. Confusions are posterior
/// means under a Dirichlet prior of strength `k` centred on the one-coin matrix (right with
/// probability `a₀`, otherwise any other class alike), so a volunteer with few marks keeps an
/// almost one-coin matrix and the first round is a plain vote; one who always marks one class,
/// or mixes two, is learnt as such. Each candidate counts by its site posterior.
pub(crate) fn classes(
    c: &Campaign,
    cands: &Candidates,
    em: &EmResult,
    params: &ConsensusParams,
) -> Classes {
    let nk = c.classes.len();
    let nv = c.volunteers.len();
    let model = ClassModel {
        cands,
        em,
        reported: (0..cands.len())
            .filter(|&i| is_reported(cands, i, em, params))
            .collect(),
        nk,
        nv,
        strength: params.prior_strength,
        accuracy: params.prior_class_accuracy,
    };
    let mut posterior = vec![0.0; model.reported.len() * nk];
    let mut previous = vec![f64::INFINITY; posterior.len()];
    let mut theta = model.start();
    // The class EM converges linearly and slowly where volunteers' confusions are weakly
    // identified, and would otherwise stop at the round limit.
    squarem(
        &mut theta,
        CLASS_ROUNDS,
        |theta, _| {
            model.e_step(theta, &mut posterior);
            let change = posterior
                .iter()
                .zip(&previous)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            if change < CLASS_TOLERANCE {
                return true;
            }
            previous.copy_from_slice(&posterior);
            model.m_step(&posterior, theta);
            false
        },
        |x0, x1, theta| theta.extrapolate(x0, x1, nk),
    );
    let ClassTheta {
        log_conf,
        log_share,
    } = theta;
    // A volunteer's class accuracy: the chance their class is right, over the classes' shares.
    let accuracy = (0..nv)
        .map(|v| {
            (0..nk)
                .map(|t| (log_share[t] + log_conf[v * nk * nk + t * nk + t]).exp())
                .sum()
        })
        .collect();
    Classes {
        accuracy,
        reported: model.reported,
        posterior,
    }
}

/// Youden's J on one spot: sensitivity minus the probability of marking a spot that is not a
/// site (fooled by a look-alike, or a scattered false mark), floored at 0.
pub(crate) fn weight(em: &EmResult, v: usize) -> f64 {
    let false_mark = em.f[v] + em.phi[v] - em.f[v] * em.phi[v];
    (em.s[v] - false_mark).max(0.0)
}

/// Builds the reported sites, sorted by position.
pub(crate) fn sites(c: &Campaign, cands: &Candidates, em: &EmResult, cls: &Classes) -> Vec<Site> {
    let list = SiteList::new(c, cands, em, cls);
    list.build(0..list.len())
}

/// A reported candidate, placed: what ordering the sites and building one needs.
struct Placed {
    /// Pixel space: the task's id as text, the first sort key (computed once: comparisons
    /// that format ids are an order of magnitude slower). Empty for WGS84.
    task_key: String,
    position: SitePosition,
    /// Index into [`Classes::reported`].
    j: usize,
    uncertainty: f64,
}

/// The reported sites in output order, built a range at a time: a caller that writes them
/// out never holds them all: a [`Site`] owns its volunteers, votes and tasks, a placed
/// candidate only its position.
pub(crate) struct SiteList<'a> {
    c: &'a Campaign,
    cands: &'a Candidates,
    em: &'a EmResult,
    cls: &'a Classes,
    names: Vec<DamageClass>,
    placed: Vec<Placed>,
}

impl<'a> SiteList<'a> {
    /// Places every reported candidate (the weighted geometric median of its votes and the
    /// uncertainty of that centre) and orders them by position.
    pub(crate) fn new(
        c: &'a Campaign,
        cands: &'a Candidates,
        em: &'a EmResult,
        cls: &'a Classes,
    ) -> Self {
        let names = c
            .classes
            .iter()
            .map(|n| DamageClass::from(n.as_str()))
            .collect();
        // Indexed `map` (not `filter_map`) collects straight into one allocation of the final
        // size; a candidate without a position (pixel space, no task) is dropped after.
        let placed: Vec<Option<Placed>> = cls
            .reported
            .par_iter()
            .enumerate()
            .map(|(j, &i)| {
                let pts: Vec<([f64; 2], f64)> = cands
                    .votes(i)
                    .iter()
                    .map(|v| (v.p, weight(em, v.volunteer as usize).max(1e-3)))
                    .collect();
                let centre = geometric_median(&pts);
                // Spread of the votes about the centre, shrunk towards eps/2 by one
                // pseudo-vote, divided by √(effective number of votes): a 1-σ radius.
                let (w_sum, sq_weight_sum, spread_sum) =
                    pts.iter().fold((0.0, 0.0, 0.0), |(a, b, d), (p, w)| {
                        (a + w, b + w * w, d + w * dist2(*p, centre))
                    });
                let sigma0 = c.eps / 2.0;
                let spread = ((spread_sum + sigma0 * sigma0) / (w_sum + 1.0)).sqrt();
                let n_eff = if sq_weight_sum > 0.0 {
                    w_sum * w_sum / sq_weight_sum
                } else {
                    1.0
                };
                let position = position(c, cands.tasks(i), centre)?;
                Some(Placed {
                    task_key: match &position {
                        SitePosition::Pixel { task, .. } => task.to_string(),
                        SitePosition::Geo { .. } => String::new(),
                    },
                    position,
                    j,
                    uncertainty: spread / n_eff.sqrt(),
                })
            })
            .collect();
        // `filter_map` (unlike `flatten`) collects in place, into the allocation it reads.
        #[expect(clippy::filter_map_identity, reason = "see above")]
        let mut placed: Vec<Placed> = placed.into_iter().filter_map(|p| p).collect();
        // Equal positions keep the candidates' order: with that tie-break the order is total
        // and an unstable sort (no buffer of half the sites) gives the stable sort's result.
        placed.par_sort_unstable_by(|a, b| cmp_placed(a, b).then(a.j.cmp(&b.j)));
        Self {
            c,
            cands,
            em,
            cls,
            names,
            placed,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.placed.len()
    }

    /// Sites `range` of the output order.
    pub(crate) fn build(&self, range: std::ops::Range<usize>) -> Vec<Site> {
        let nk = self.c.classes.len();
        self.placed[range]
            .par_iter()
            .map(|p| self.site(p, &self.cls.posterior[p.j * nk..(p.j + 1) * nk]))
            .collect()
    }

    fn site(&self, p: &Placed, post: &[f64]) -> Site {
        let (c, em) = (self.c, self.em);
        let i = self.cls.reported[p.j];
        let (votes, exposed) = (self.cands.votes(i), self.cands.exposed(i));
        let class = post
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |best, (k, &p)| {
                if p > best.1 { (k, p) } else { best }
            })
            .0;
        let mut marked: Vec<SiteVote> = votes
            .iter()
            .map(|v| SiteVote {
                volunteer: c.volunteers[v.volunteer as usize].clone(),
                class: self.names[v.class as usize].clone(),
            })
            .collect();
        marked.sort_by(|a, b| a.volunteer.cmp(&b.volunteer));
        let volunteers = marked.iter().map(|v| v.volunteer.clone()).collect();
        let mut tasks: Vec<_> = self
            .cands
            .tasks(i)
            .iter()
            .map(|&t| c.tasks[t as usize].id.clone())
            .collect();
        tasks.sort();
        tasks.dedup();
        Site {
            position: p.position.clone(),
            class: self.names[class].clone(),
            confidence: em.q[i],
            support: support(em, votes, exposed),
            seen_by: exposed.len(),
            volunteers,
            votes: marked,
            tasks,
            uncertainty: p.uncertainty,
        }
    }
}

/// Output order of two placed sites: task (pixel space only, by its id's text), then y /
/// latitude, then x / longitude.
fn cmp_placed(a: &Placed, b: &Placed) -> Ordering {
    let yx = |p: &SitePosition| match p {
        SitePosition::Geo { lon, lat } => (*lat, *lon),
        SitePosition::Pixel { x, y, .. } => (*y, *x),
    };
    let ((ay, ax), (by, bx)) = (yx(&a.position), yx(&b.position));
    a.task_key
        .cmp(&b.task_key)
        .then_with(|| match ay.partial_cmp(&by) {
            Some(Ordering::Equal) => ax.partial_cmp(&bx).unwrap_or(Ordering::Equal),
            o => o.unwrap_or(Ordering::Equal),
        })
}

fn position(c: &Campaign, tasks: &[u32], centre: [f64; 2]) -> Option<SitePosition> {
    if let Some(proj) = c.projection {
        let [lon, lat] = proj.inverse(centre);
        return Some(SitePosition::Geo { lon, lat });
    }
    let t = &c.tasks[*tasks.first()? as usize];
    let o = t.quad.0[0];
    Some(SitePosition::Pixel {
        task: t.id.clone(),
        x: centre[0] - o[0],
        y: centre[1] - o[1],
    })
}
