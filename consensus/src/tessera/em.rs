//! Expectation–maximisation of site truth and volunteer reliability (Dawid–Skene style, three
//! kinds of candidate).
//!
//! Model (README, "Reliability model"): a candidate `c` is one of three kinds — a **site**
//! (prior `π_S`), a **look-alike** (`π_L`: a shadow, a rubble-coloured roof, anything that
//! fools several volunteers at once) or **scatter** (`π_N`: false marks that happen to fall
//! there). A volunteer `v` who saw it marks a site with probability `sᵥ` (sensitivity), a
//! look-alike with probability `fᵥ` (how easily fooled) and makes scattered false marks as a
//! Poisson process of `ρᵥ` per m², so marks a given empty spot with `φᵥ = 1 − exp(−ρᵥ·π·eps²)`.
//! Given the kind, volunteers are independent: the correlation of real crowds' mistakes is the
//! look-alike kind, shared by everyone who saw the spot.
//!
//! Spots of each kind are scattered over the campaign; a spot becomes a candidate when someone
//! marks it. `P(M | site) = Π_M s Π_U (1 − s)`, the same with `f` for a look-alike and `φ` for
//! scatter, and the prior of each kind is its share of all spots, marked or not: each candidate
//! stands for `1 / (1 − Π_E (1 − x))` spots of its kind, the inverse of its chance to be marked
//! at all. (Conditioning each likelihood on "at least one mark" instead, with priors shared over
//! candidates, favours look-alikes wherever the viewers rarely mark one.) E-step: the posterior
//! of each kind. M-step: posterior means
//! under Beta(`k·s₀`, `k·(1−s₀)`), Beta(`k·f₀`, `k·(1−f₀)`) and Gamma(`k·λ₀`, `k·Ā`) priors, so
//! a volunteer with few answers stays near the prior. The fixed point is pinned by those priors,
//! by gold (candidates inside gold tasks keep their kind), and by `fᵥ ≤ sᵥ` — without it,
//! "sites" and "look-alikes" could trade names.

use rayon::prelude::*;

use super::answers::Kind;
use super::candidates::{BLOCK, Candidates, Seen, Vote};
use super::prepare::Campaign;
use super::squarem::squarem;
use crate::params::ConsensusParams;

const S_MIN: f64 = 1e-4;
const PHI_MIN: f64 = 1e-9;
/// The most unmarked candidates one marked candidate stands for in the M-step.
const UNSEEN_WEIGHT_MAX: f64 = 20.0;
/// Kinds of candidate: a site, a look-alike, scatter.
const KINDS: usize = 3;
const SITE: usize = 0;
const LOOK_ALIKE: usize = 1;
const SCATTER: usize = 2;

/// Reliabilities held fixed during EM (incremental runs), indexed by campaign volunteer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fixed {
    /// `[π_S, π_L]`, the priors of a site and of a look-alike.
    pub priors: Option<[f64; 2]>,
    /// `(sensitivity, ρ per m², fooled)` for volunteers known from an earlier full run.
    pub volunteers: Vec<Option<(f64, f64, f64)>>,
}

#[derive(Debug, Clone)]
pub(crate) struct EmResult {
    /// Posterior probability that each candidate is a site.
    pub q: Vec<f64>,
    pub s: Vec<f64>,
    /// Probability of marking a look-alike.
    pub f: Vec<f64>,
    /// Scattered false marks per m².
    pub rho: Vec<f64>,
    pub phi: Vec<f64>,
    pub prior_site: f64,
    pub prior_decoy: f64,
    pub iterations: usize,
    pub mean_task_area: f64,
    pub answered: Vec<usize>,
}

/// What an exposure contributes for one volunteer, one cache line: `ln(1 − x)` for each kind's
/// marking chance `x = s, f, φ`, then `1 − x` itself (the product over exposures is the chance
/// that nobody marks a spot of the kind, without an exponential per candidate).
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(64))]
struct Miss {
    ln: [f64; KINDS],
    p: [f64; KINDS],
}

/// Per-volunteer likelihood terms of one iteration: for everyone who saw a candidate (`miss`),
/// and for those who marked it, the log-odds of a mark under each kind, `ln(x / (1 − x))`.
#[derive(Default)]
struct Terms {
    miss: Vec<Miss>,
    odds: Vec<[f64; KINDS]>,
}

fn clamp_p(x: f64) -> f64 {
    x.clamp(S_MIN, 1.0 - S_MIN)
}

/// Recomputes the terms (and `phi`) from the current estimates.
fn update_terms(terms: &mut Terms, est: &Estimates, spot: f64, phi: &mut [f64]) {
    let nv = est.s.len();
    terms.miss.resize(nv, Miss::default());
    terms.odds.resize(nv, [0.0; KINDS]);
    let per_volunteer = terms
        .miss
        .iter_mut()
        .zip(&mut terms.odds)
        .zip(phi.iter_mut());
    for (v, ((miss, odds), phi)) in per_volunteer.enumerate() {
        let s = clamp_p(est.s[v]);
        let f = clamp_p(est.f[v]);
        *phi = (-(-est.rho[v] * spot).exp_m1()).clamp(PHI_MIN, 1.0 - S_MIN);
        let p = *phi;
        let (ns, nf, np) = ((-s).ln_1p(), (-f).ln_1p(), (-p).ln_1p());
        *odds = [s.ln() - ns, f.ln() - nf, p.ln() - np];
        *miss = Miss {
            ln: [ns, nf, np],
            p: [1.0 - s, 1.0 - f, 1.0 - p],
        };
    }
}

/// The estimates EM alternates with the posteriors.
#[derive(Clone)]
struct Estimates {
    s: Vec<f64>,
    f: Vec<f64>,
    rho: Vec<f64>,
    /// `ln π` of each kind.
    log_prior: [f64; KINDS],
}

/// Sums of the M-step, per volunteer: `seen` is `[Σ q_S, Σ q_L]` over exposures and `marked`
/// `[Σ q_S, Σ q_L, Σ q_N]` over marks; and per kind the spots it stands for (marked or not)
/// over the free (not gold-fixed) candidates.
struct MSums {
    seen: Vec<[f64; 2]>,
    marked: Vec<[f64; KINDS]>,
    kinds: [f64; KINDS],
}

impl MSums {
    fn new(nv: usize) -> Self {
        Self {
            seen: vec![[0.0; 2]; nv],
            marked: vec![[0.0; KINDS]; nv],
            kinds: [0.0; KINDS],
        }
    }

    fn add(&mut self, other: &MSums) {
        for (a, b) in self.seen.iter_mut().zip(&other.seen) {
            a[0] += b[0];
            a[1] += b[1];
        }
        for (a, b) in self.marked.iter_mut().zip(&other.marked) {
            for k in 0..KINDS {
                a[k] += b[k];
            }
        }
        for k in 0..KINDS {
            self.kinds[k] += other.kinds[k];
        }
    }
}

/// The posterior of each kind for one candidate, from its exposures, and each kind's chance
/// that nobody who saw it marks it.
fn posterior(
    exposed: &[Seen],
    markers: &[Vote],
    terms: &Terms,
    log_prior: &[f64; KINDS],
) -> ([f64; KINDS], [f64; KINDS]) {
    // a: Σ over markers of the log-odds; b: Σ over everyone who saw it of ln(1 − x), and
    // miss: Π of (1 − x). The markers are the votes (both lists are sorted by volunteer): two
    // loops without a branch on "marked".
    let (mut a, mut b, mut miss) = ([0.0; KINDS], [0.0; KINDS], [1.0; KINDS]);
    for vote in markers {
        let t = &terms.odds[vote.volunteer as usize];
        a[0] += t[0];
        a[1] += t[1];
        a[2] += t[2];
    }
    for seen in exposed {
        let t = &terms.miss[seen.volunteer() as usize];
        for k in 0..KINDS {
            b[k] += t.ln[k];
            miss[k] *= t.p[k];
        }
    }
    let l = [
        log_prior[SITE] + a[0] + b[0],
        log_prior[LOOK_ALIKE] + a[1] + b[1],
        log_prior[SCATTER] + a[2] + b[2],
    ];
    // The likeliest kind's term is exp(0) = 1: two exponentials per candidate, not three.
    let top = if l[0] >= l[1] && l[0] >= l[2] {
        0
    } else if l[1] >= l[2] {
        1
    } else {
        2
    };
    let mut e = [0.0; KINDS];
    for (k, (e, lk)) in e.iter_mut().zip(l).enumerate() {
        *e = if k == top { 1.0 } else { (lk - l[top]).exp() };
    }
    let total = e[0] + e[1] + e[2];
    ([e[0] / total, e[1] / total, e[2] / total], miss)
}

/// How many spots of a kind one marked candidate stands for: `1 / (1 − P(no mark))`, the
/// inverse of its chance to be marked at all.
fn spots_per_candidate(miss: f64) -> f64 {
    1.0 / (1.0 - miss).max(1e-300)
}

/// One pass over the exposures: the E-step (every candidate's posterior; gold-fixed ones keep
/// their kind, a false one split between look-alike and scatter) and the sums of the next
/// M-step, in parallel blocks. Blocks are cut by the numbers of candidates and volunteers alone
/// and their sums added in block order, so the result does not depend on the number of
/// threads. Returns the largest change of a site posterior.
fn e_step(
    cands: &Candidates,
    q: &mut [[f64; KINDS]],
    terms: &Terms,
    log_prior: &[f64; KINDS],
    stride: usize,
) -> (f64, MSums) {
    let nv = terms.miss.len();
    let block = e_block(nv);
    let parts: Vec<(f64, MSums)> = q
        .par_chunks_mut(block)
        .enumerate()
        .filter(|(b, _)| b % stride == 0)
        .map(|(b, qs)| {
            let mut delta: f64 = 0.0;
            let mut sums = MSums::new(nv);
            for (i, qc) in (b * block..).zip(qs) {
                let (exposed, markers) = (cands.exposed(i), cands.votes(i));
                // Gold candidates exist whether or not anyone marked them; the others stand
                // for the unmarked spots of their kind too (see `spots_per_candidate`).
                let (next, [w_site, w_alike]) = match cands.fixed[i] {
                    Some(true) => ([1.0, 0.0, 0.0], [1.0, 1.0]),
                    Some(false) => {
                        let (p, _) = posterior(exposed, markers, terms, log_prior);
                        let false_total = (p[LOOK_ALIKE] + p[SCATTER]).max(1e-300);
                        (
                            [0.0, p[LOOK_ALIKE] / false_total, p[SCATTER] / false_total],
                            [1.0, 1.0],
                        )
                    }
                    None => {
                        let (p, miss) = posterior(exposed, markers, terms, log_prior);
                        let spots = miss.map(spots_per_candidate);
                        // The priors count every spot; the exposure sums at most
                        // `UNSEEN_WEIGHT_MAX` spots per candidate.
                        for ((sum, pk), n) in sums.kinds.iter_mut().zip(p).zip(spots) {
                            *sum += pk * n;
                        }
                        (
                            p,
                            [spots[SITE], spots[LOOK_ALIKE]].map(|n| n.min(UNSEEN_WEIGHT_MAX)),
                        )
                    }
                };
                delta = delta.max((next[SITE] - qc[SITE]).abs());
                *qc = next;
                let (seen_site, seen_alike) = (next[SITE] * w_site, next[LOOK_ALIKE] * w_alike);
                for seen in exposed {
                    let s = &mut sums.seen[seen.volunteer() as usize];
                    s[0] += seen_site;
                    s[1] += seen_alike;
                }
                for vote in markers {
                    let s = &mut sums.marked[vote.volunteer as usize];
                    for k in 0..KINDS {
                        s[k] += next[k];
                    }
                }
            }
            (delta, sums)
        })
        .collect();
    let mut total = MSums::new(nv);
    let mut delta: f64 = 0.0;
    for (d, part) in &parts {
        delta = delta.max(*d);
        total.add(part);
    }
    (delta, total)
}

/// Candidates per E-step block: each block keeps its own per-volunteer sums, so at least 4
/// candidates per volunteer.
fn e_block(nv: usize) -> usize {
    BLOCK.max(4 * nv)
}

/// Campaigns of more E-step blocks than this first converge on a sample of them.
const WARM_START_BLOCKS: usize = 16;
/// One block in this many makes the sample.
const WARM_START_STRIDE: usize = 8;

/// Runs EM over `cands` (exposure lists) and returns posteriors and reliabilities.
///
/// On a large campaign EM first converges on every `WARM_START_STRIDE`-th block of candidates,
/// then goes on from there over all of them: the early steps, where the kinds' priors travel
/// from their starting values to the campaign's (a look-alike prior from 0.25 to 0.0006 over
/// 30 steps on 2 M answers without look-alikes), cost an eighth as much, and the steps over
/// the whole campaign start near its fixed point. The sample is cut by the numbers of
/// candidates and volunteers alone, so the result is as deterministic as before.
pub(crate) fn em(
    c: &Campaign,
    cands: &Candidates,
    params: &ConsensusParams,
    fixed: &Fixed,
) -> EmResult {
    em_warming_above(c, cands, params, fixed, WARM_START_BLOCKS)
}

/// [`em`], warming up on a sample when there are more than `warm_start_blocks` blocks.
fn em_warming_above(
    c: &Campaign,
    cands: &Candidates,
    params: &ConsensusParams,
    fixed: &Fixed,
    warm_start_blocks: usize,
) -> EmResult {
    let nv = c.volunteers.len();
    let mut area = vec![0.0; nv];
    let mut answered = vec![0usize; nv];
    for a in c.answers.iter().filter(|a| a.kind != Kind::CantTell) {
        area[a.volunteer as usize] += c.tasks[a.task as usize].quad.area();
        answered[a.volunteer as usize] += 1;
    }
    let mean_task_area = if c.tasks.is_empty() {
        1.0
    } else {
        c.tasks.iter().map(|t| t.quad.area()).sum::<f64>() / c.tasks.len() as f64
    };
    let spot = std::f64::consts::PI * c.eps * c.eps;
    let k = params.prior_strength;
    let a_s = k * params.prior_sensitivity;
    let a_f = k * params.prior_fooled;
    let (a_r, b_r) = (k * params.prior_false_per_task, k * mean_task_area);

    let mut est = Estimates {
        s: vec![params.prior_sensitivity; nv],
        // Look-alikes start halfway between the priors of being fooled and of finding a site:
        // EM starts with no opinion on which marked spots fool people. Started at the fooled
        // prior, rare scattered marks claim the look-alike kind and the spots that fool many
        // pass for sites (see README, "Reliability model").
        f: vec![f64::midpoint(params.prior_fooled, params.prior_sensitivity); nv],
        rho: vec![a_r / b_r; nv],
        log_prior: log_priors(fixed.priors.unwrap_or([0.5, 0.25])),
    };
    let known = |v: usize| fixed.volunteers.get(v).copied().flatten();
    for v in 0..nv {
        if let Some((s, rho, f)) = known(v) {
            (est.s[v], est.rho[v], est.f[v]) = (s, rho, f);
        }
    }
    let mut q: Vec<[f64; KINDS]> = vec![[0.5, 0.25, 0.25]; cands.len()];
    let mut phi = vec![0.0; nv];
    let mut terms = Terms::default();
    let m_step = |est: &mut Estimates, sums: &MSums| {
        // Posterior means.
        for v in (0..nv).filter(|&v| known(v).is_none()) {
            let [site_seen, alike_seen] = sums.seen[v];
            let [site_marked, alike_marked, scatter_marked] = sums.marked[v];
            est.s[v] = (a_s + site_marked) / (k + site_seen);
            // A volunteer is never estimated likelier to mark a look-alike than a site: the
            // two kinds would otherwise be free to swap names.
            est.f[v] = ((a_f + alike_marked) / (k + alike_seen)).min(est.s[v]);
            est.rho[v] = (a_r + scatter_marked) / (b_r + area[v]);
        }
        if fixed.priors.is_none() {
            let spots: f64 = sums.kinds.iter().sum();
            let share = |kind: usize| (1.0 + sums.kinds[kind]) / (3.0 + spots);
            est.log_prior = log_priors([share(SITE), share(LOOK_ALIKE)]);
        }
    };
    let mut run = |stride: usize, est: &mut Estimates, q: &mut [[f64; KINDS]]| {
        squarem(
            est,
            params.max_iterations,
            |est, n| {
                update_terms(&mut terms, est, spot, &mut phi);
                let (delta, sums) = e_step(cands, q, &terms, &est.log_prior, stride);
                if delta < params.tolerance && n > 1 {
                    return true;
                }
                m_step(est, &sums);
                false
            },
            |x0, x1, est| {
                extrapolate(
                    x0,
                    x1,
                    est,
                    mean_task_area,
                    |v| known(v).is_none(),
                    fixed.priors.is_none(),
                );
            },
        )
    };
    if cands.len().div_ceil(e_block(nv)) > warm_start_blocks {
        run(WARM_START_STRIDE, &mut est, &mut q);
    }
    let iterations = run(1, &mut est, &mut q);
    for (phi, rho) in phi.iter_mut().zip(&est.rho) {
        *phi = (-(-rho * spot).exp_m1()).clamp(PHI_MIN, 1.0 - S_MIN);
    }
    EmResult {
        q: q.iter().map(|p| p[SITE]).collect(),
        s: est.s,
        f: est.f,
        rho: est.rho,
        phi,
        prior_site: est.log_prior[SITE].exp(),
        prior_decoy: est.log_prior[LOOK_ALIKE].exp(),
        iterations,
        mean_task_area,
        answered,
    }
}

/// One SQUAREM extrapolation from `x0`, `x1 = F(x0)` to `x2 = F(x1)` (in `x`): `r = x1 − x0`,
/// `v = x2 − 2·x1 + x0`, `α = −‖r‖/‖v‖` (at most −1, which gives back `x2`), and
/// `x = x0 − 2α·r + α²·v`, projected back into the model's ranges. False-mark rates count per
/// task of the mean area, so that all coordinates weigh alike; the kinds' priors count in logs.
/// Volunteers for whom `free` is false (held fixed) and fixed priors are left as they are.
fn extrapolate(
    x0: &Estimates,
    x1: &Estimates,
    x: &mut Estimates,
    area: f64,
    free: impl Fn(usize) -> bool,
    priors: bool,
) {
    let rate = |e: &Estimates, v: usize| e.rho[v] * area;
    let (mut rr, mut vv) = (0.0, 0.0);
    let mut add = |a: f64, b: f64, c: f64| {
        rr += (b - a) * (b - a);
        vv += (c - 2.0 * b + a) * (c - 2.0 * b + a);
    };
    for v in (0..x.s.len()).filter(|&v| free(v)) {
        add(x0.s[v], x1.s[v], x.s[v]);
        add(x0.f[v], x1.f[v], x.f[v]);
        add(rate(x0, v), rate(x1, v), rate(x, v));
    }
    if priors {
        for k in 0..KINDS {
            add(x0.log_prior[k], x1.log_prior[k], x.log_prior[k]);
        }
    }
    if vv <= 0.0 || !vv.is_finite() {
        return;
    }
    let alpha = (-(rr / vv).sqrt()).min(-1.0);
    let step =
        |a: f64, b: f64, c: f64| a - 2.0 * alpha * (b - a) + alpha * alpha * (c - 2.0 * b + a);
    for v in (0..x.s.len()).filter(|&v| free(v)) {
        let s = step(x0.s[v], x1.s[v], x.s[v]).clamp(S_MIN, 1.0 - S_MIN);
        let f = step(x0.f[v], x1.f[v], x.f[v]).clamp(S_MIN, s);
        let r = step(rate(x0, v), rate(x1, v), rate(x, v)).max(PHI_MIN) / area;
        (x.s[v], x.f[v], x.rho[v]) = (s, f, r);
    }
    if priors {
        let l: Vec<f64> = (0..KINDS)
            .map(|k| step(x0.log_prior[k], x1.log_prior[k], x.log_prior[k]))
            .collect();
        let max = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = l.iter().map(|y| (y - max).exp()).sum();
        let share = |k: usize| (l[k] - max).exp() / total;
        x.log_prior = log_priors([share(SITE), share(LOOK_ALIKE)]);
    }
}

/// `ln π` of the three kinds from the priors of a site and of a look-alike (scatter gets the
/// rest); each kept in `[1e-12, 1 − 1e-12]` (a site among a million unmarked spots is a prior of
/// 1e-6).
fn log_priors([site, alike]: [f64; 2]) -> [f64; KINDS] {
    let site = site.clamp(1e-12, 1.0 - 2e-12);
    let alike = alike.clamp(1e-12, 1.0 - site - 1e-12);
    [site.ln(), alike.ln(), (1.0 - site - alike).max(1e-12).ln()]
}

#[cfg(test)]
mod tests {
    use super::super::exposure::expose;
    use super::super::index::FootprintIndex;
    use super::super::prepare::prepare;
    use super::*;
    use crate::sim::{SimParams, simulate};

    #[test]
    fn warm_start_reaches_the_fixed_point_of_plain_em() {
        let (input, _) = simulate(
            &SimParams {
                decoys_per_tile: 1.0,
                ..SimParams::with_tiles(110, 110)
            },
            3,
        )
        .expect("valid simulation parameters");
        let params = ConsensusParams::default();
        let c = prepare(&input, &params).expect("a valid campaign");
        let mut cands = super::super::candidates::candidates(&c, params.min_volunteers);
        expose(&c, &FootprintIndex::new(&c), &mut cands);
        assert!(
            cands.len().div_ceil(e_block(c.volunteers.len())) > WARM_START_BLOCKS,
            "a campaign large enough to warm up: {} candidates",
            cands.len()
        );
        let warm = em(&c, &cands, &params, &Fixed::default());
        let plain = em_warming_above(&c, &cands, &params, &Fixed::default(), usize::MAX);
        let gap = warm
            .q
            .iter()
            .zip(&plain.q)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(gap < 1e-2, "largest difference of a posterior: {gap}");
        let sites = |r: &EmResult| r.q.iter().filter(|&&q| q >= 0.5).count();
        let (w, p) = (sites(&warm), sites(&plain));
        assert!(w.abs_diff(p) * 1000 <= p, "{w} sites warm, {p} plain");
        for (a, b) in warm.s.iter().zip(&plain.s) {
            assert!((a - b).abs() < 1e-2, "sensitivity {a} warm, {b} plain");
        }
    }
}
