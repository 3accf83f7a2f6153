//! Expectation–maximisation of site truth and volunteer reliability (Dawid–Skene style).
//!
//! Model (README, "Reliability model"): each candidate `c` is real with prior probability `π`.
//! A volunteer `v` who saw it marks a real site with probability `sᵥ` (sensitivity) and makes
//! false marks as a Poisson process of `ρᵥ` marks per m², so marks a spot with no site with
//! probability `φᵥ = 1 − exp(−ρᵥ·π·eps²)`. Given the truth, volunteers are independent.
//! E-step: posterior `q_c` from the log-likelihood ratio. M-step: posterior means under
//! Beta(`k·s₀`, `k·(1−s₀)`) and Gamma(`k·λ₀`, `k·Ā`) priors, so a volunteer with few answers
//! stays near the prior. Gold candidates keep `q` fixed at 0 or 1.
//! Candidates exist only where someone marked, so the likelihoods are conditioned on that:
//! `P(marks | real) / (1 − Π(1 − sᵥ))` against `P(marks | false) · |M| / Σφᵥ` (the seed mark of a
//! false candidate is one of its markers' false marks). Without this, every lone false mark
//! would look like strong evidence of a site.

use rayon::prelude::*;

use super::answers::Kind;
use super::candidates::{BLOCK, Candidates};
use super::prepare::Campaign;
use crate::params::ConsensusParams;

const S_MIN: f64 = 1e-4;
const PHI_MIN: f64 = 1e-9;

/// Reliabilities held fixed during EM (incremental runs), indexed by campaign volunteer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fixed {
    pub prior_site: Option<f64>,
    /// `(sensitivity, ρ per m²)` for volunteers known from an earlier full run.
    pub volunteers: Vec<Option<(f64, f64)>>,
}

#[derive(Debug, Clone)]
pub(crate) struct EmResult {
    pub q: Vec<f64>,
    pub s: Vec<f64>,
    /// False marks per m².
    pub rho: Vec<f64>,
    pub phi: Vec<f64>,
    pub prior_site: f64,
    pub iterations: usize,
    pub mean_task_area: f64,
    pub answered: Vec<usize>,
}

/// Per-volunteer likelihood terms of one iteration, side by side so the E-step reads one entry
/// per exposure: `[ln(s / φ), ln((1 − s) / (1 − φ)), 1 − s, φ]` (a mark, no mark, a miss, the
/// false-mark probability).
type Terms = Vec<[f64; 4]>;

/// Recomputes the terms (and `phi`) from sensitivities and false-mark rates.
fn update_terms(terms: &mut Terms, s: &[f64], rho: &[f64], spot: f64, phi: &mut [f64]) {
    terms.resize(s.len(), [0.0; 4]);
    for v in 0..s.len() {
        let sv = s[v].clamp(S_MIN, 1.0 - S_MIN);
        phi[v] = (-(-rho[v] * spot).exp_m1()).clamp(PHI_MIN, 1.0 - S_MIN);
        terms[v] = [
            (sv / phi[v]).ln(),
            ((1.0 - sv) / (1.0 - phi[v])).ln(),
            1.0 - sv,
            phi[v],
        ];
    }
}

/// Sums of the M-step, per volunteer: `[Σ q over exposures, Σ q over marks, Σ (1 − q) over
/// marks]`, and `Σ q` and count over free (not gold-fixed) candidates.
struct MSums {
    per_volunteer: Vec<[f64; 3]>,
    real: f64,
    free: f64,
}

impl MSums {
    fn new(nv: usize) -> Self {
        Self {
            per_volunteer: vec![[0.0; 3]; nv],
            real: 0.0,
            free: 0.0,
        }
    }

    fn add(&mut self, other: &MSums) {
        for (a, b) in self.per_volunteer.iter_mut().zip(&other.per_volunteer) {
            for k in 0..3 {
                a[k] += b[k];
            }
        }
        self.real += other.real;
        self.free += other.free;
    }
}

/// One pass over the exposures: the E-step (every free candidate's posterior) and the sums of
/// the next M-step from the new posteriors, in parallel blocks. Blocks are cut by the numbers
/// of candidates and volunteers alone and their sums added in block order, so the result does
/// not depend on the number of threads. Returns the largest change of a posterior.
fn e_step(cands: &Candidates, q: &mut [f64], terms: &Terms, logit_prior: f64) -> (f64, MSums) {
    let nv = terms.len();
    // Each block keeps its own per-volunteer sums: at least 4 candidates per volunteer.
    let block = BLOCK.max(4 * nv);
    let parts: Vec<(f64, MSums)> = q
        .par_chunks_mut(block)
        .enumerate()
        .map(|(b, qs)| {
            let mut delta: f64 = 0.0;
            let mut sums = MSums::new(nv);
            for (i, qc) in (b * block..).zip(qs) {
                let exposed = cands.exposed(i);
                if cands.fixed[i].is_none() {
                    let (mut llr, mut miss_all, mut phi_sum, mut marked) =
                        (logit_prior, 1.0, 0.0, 0.0);
                    for &(v, m) in exposed {
                        let t = &terms[v as usize];
                        llr += if m { t[0] } else { t[1] };
                        miss_all *= t[2];
                        phi_sum += t[3];
                        marked += f64::from(u8::from(m));
                    }
                    // Condition on the candidate existing (it was found *because* someone
                    // marked it): P(marks | real, ≥1 mark) divides by 1 − Π(1 − s) (≥ 1e-4:
                    // s ≥ S_MIN, so no cancellation to fear); P(marks | false, exists) picks
                    // the seed mark among the markers in proportion to φ: × |M| / Σφ. With
                    // that ratio r, q = σ(llr + ln r) = r / (r + e^(−llr)): one exponential
                    // per candidate, no log.
                    let r = (phi_sum / marked.max(1.0) / (1.0 - miss_all).max(1e-300)).min(1e300);
                    let next = r / (r + (-llr).exp());
                    delta = delta.max((next - *qc).abs());
                    *qc = next;
                    sums.real += next;
                    sums.free += 1.0;
                }
                let qc = *qc;
                for &(v, m) in exposed {
                    let s = &mut sums.per_volunteer[v as usize];
                    s[0] += qc;
                    if m {
                        s[1] += qc;
                        s[2] += 1.0 - qc;
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

/// Runs EM over `cands` (exposure lists) and returns posteriors and reliabilities.
pub(crate) fn em(
    c: &Campaign,
    cands: &Candidates,
    params: &ConsensusParams,
    fixed: &Fixed,
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
    let (a_s, b_s) = (
        k * params.prior_sensitivity,
        k * (1.0 - params.prior_sensitivity),
    );
    let (a_r, b_r) = (k * params.prior_false_per_task, k * mean_task_area);

    let mut s = vec![params.prior_sensitivity; nv];
    let mut rho = vec![a_r / b_r; nv];
    for (v, known) in fixed.volunteers.iter().enumerate().take(nv) {
        if let Some((sv, rv)) = known {
            s[v] = *sv;
            rho[v] = *rv;
        }
    }
    let mut prior = fixed.prior_site.unwrap_or(0.5);
    let mut q: Vec<f64> = cands
        .fixed
        .iter()
        .map(|f| f.map_or(0.5, |f| if f { 1.0 } else { 0.0 }))
        .collect();
    let mut phi = vec![0.0; nv];
    let mut terms = Terms::new();
    let mut iterations = 0;
    for it in 1..=params.max_iterations {
        iterations = it;
        update_terms(&mut terms, &s, &rho, spot, &mut phi);
        let logit_prior = (prior / (1.0 - prior)).ln();
        let (delta, sums) = e_step(cands, &mut q, &terms, logit_prior);
        if delta < params.tolerance && it > 1 {
            break;
        }
        // M-step: posterior means.
        for v in 0..nv {
            if fixed.volunteers.get(v).is_some_and(Option::is_some) {
                continue;
            }
            let [sq, sqm, fm] = sums.per_volunteer[v];
            s[v] = (a_s + sqm) / (a_s + b_s + sq);
            rho[v] = (a_r + fm) / (b_r + area[v]);
        }
        if fixed.prior_site.is_none() {
            prior = ((1.0 + sums.real) / (2.0 + sums.free)).clamp(1e-6, 1.0 - 1e-6);
        }
    }
    for v in 0..nv {
        phi[v] = (-(-rho[v] * spot).exp_m1()).clamp(PHI_MIN, 1.0 - S_MIN);
    }
    EmResult {
        q,
        s,
        rho,
        phi,
        prior_site: prior,
        iterations,
        mean_task_area,
        answered,
    }
}
