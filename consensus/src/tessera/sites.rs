//! From EM posteriors to reported sites: class by reliability-weighted vote (one-coin
//! Dawid–Skene over classes), a weighted geometric-median position, support against exposure,
//! and an uncertainty radius.

use std::cmp::Ordering;

use rayon::prelude::*;

use super::candidates::{Candidates, Vote};
use super::em::EmResult;
use super::prepare::Campaign;
use crate::geo::{dist2, geometric_median};
use crate::output::{Site, SitePosition, SiteVote};
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
fn support(em: &EmResult, votes: &[Vote], exposed: &[(u32, bool)]) -> f64 {
    let (mut marked, mut seen) = (0.0, 0.0);
    for &(v, m) in exposed {
        let w = weight(em, v as usize);
        seen += w;
        if m {
            marked += w;
        }
    }
    if seen > 0.0 {
        marked / seen
    } else {
        votes.len() as f64 / exposed.len().max(1) as f64
    }
}

/// Alternates class posteriors and volunteers' class accuracies (a few rounds suffice).
pub(crate) fn classes(
    c: &Campaign,
    cands: &Candidates,
    em: &EmResult,
    params: &ConsensusParams,
) -> Classes {
    let nk = c.classes.len();
    let k = params.prior_strength;
    let a0 = params.prior_class_accuracy;
    let mut acc = vec![a0; c.volunteers.len()];
    let reported: Vec<usize> = (0..cands.len())
        .filter(|&i| is_reported(cands, i, em, params))
        .collect();
    let mut posterior = vec![0.0; reported.len() * nk];
    let (mut num, mut den) = (vec![0.0; acc.len()], vec![0.0; acc.len()]);
    for _ in 0..4 {
        let vote_weight: Vec<f64> = acc
            .iter()
            .map(|a| {
                let a = a.clamp(1e-3, 1.0 - 1e-3);
                // log P(label | true = label) − log P(label | true ≠ label), one-coin model.
                if nk > 1 {
                    (a * (nk as f64 - 1.0) / (1.0 - a)).ln()
                } else {
                    0.0
                }
            })
            .collect();
        let vote_weight = &vote_weight;
        reported
            .par_iter()
            .zip(posterior.par_chunks_mut(nk))
            .for_each(|(&i, p)| {
                p.fill(0.0);
                for vote in cands.votes(i) {
                    p[vote.class as usize] += vote_weight[vote.volunteer as usize];
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
        num.fill(0.0);
        den.fill(0.0);
        for (&i, p) in reported.iter().zip(posterior.chunks(nk)) {
            for vote in cands.votes(i) {
                num[vote.volunteer as usize] += em.q[i] * p[vote.class as usize];
                den[vote.volunteer as usize] += em.q[i];
            }
        }
        for v in 0..acc.len() {
            acc[v] = (k * a0 + num[v]) / (k + den[v]);
        }
    }
    Classes {
        accuracy: acc,
        reported,
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
    let nk = c.classes.len();
    let out: Vec<Site> = cls
        .reported
        .par_iter()
        .zip(cls.posterior.par_chunks(nk))
        .filter_map(|(i, post)| {
            let (votes, exposed) = (cands.votes(*i), cands.exposed(*i));
            let pts: Vec<([f64; 2], f64)> = votes
                .iter()
                .map(|v| (v.p, weight(em, v.volunteer as usize).max(1e-3)))
                .collect();
            let centre = geometric_median(&pts);
            let support = support(em, votes, exposed);
            // Spread of the votes about the centre, shrunk towards eps/2 by one pseudo-vote,
            // divided by √(effective number of votes): a 1-σ radius for the centre.
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
            let class = post
                .iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |best, (k, &p)| {
                    if p > best.1 { (k, p) } else { best }
                })
                .0;
            let position = position(c, cands.tasks(*i), centre)?;
            let mut marked: Vec<SiteVote> = votes
                .iter()
                .map(|v| SiteVote {
                    volunteer: c.volunteers[v.volunteer as usize].clone(),
                    class: DamageClass(c.classes[v.class as usize].clone()),
                })
                .collect();
            marked.sort_by(|a, b| a.volunteer.cmp(&b.volunteer));
            let volunteers = marked.iter().map(|v| v.volunteer.clone()).collect();
            let mut tasks: Vec<_> = cands
                .tasks(*i)
                .iter()
                .map(|&t| c.tasks[t as usize].id.clone())
                .collect();
            tasks.sort();
            tasks.dedup();
            Some(Site {
                position,
                class: DamageClass(c.classes[class].clone()),
                confidence: em.q[*i],
                support,
                seen_by: exposed.len(),
                volunteers,
                votes: marked,
                tasks,
                uncertainty: spread / n_eff.sqrt(),
            })
        })
        .collect();
    // Keys computed once (a pixel-space key formats the task id), compared field by field:
    // the tuple's own `partial_cmp` is an order of magnitude slower.
    let mut keyed: Vec<(SiteKey, usize)> = out
        .iter()
        .enumerate()
        .map(|(i, s)| (key(&s.position), i))
        .collect();
    keyed.sort_by(|a, b| cmp_keys(&a.0, &b.0));
    let mut slots: Vec<Option<Site>> = out.into_iter().map(Some).collect();
    keyed.iter().filter_map(|(_, i)| slots[*i].take()).collect()
}

/// Sort key of a site: task (pixel space only), then y / latitude, then x / longitude.
type SiteKey = (String, f64, f64);

fn cmp_keys(a: &SiteKey, b: &SiteKey) -> Ordering {
    let by_task = if a.0.is_empty() && b.0.is_empty() {
        Ordering::Equal
    } else {
        a.0.cmp(&b.0)
    };
    by_task.then_with(|| match a.1.partial_cmp(&b.1) {
        Some(Ordering::Equal) => a.2.partial_cmp(&b.2).unwrap_or(Ordering::Equal),
        o => o.unwrap_or(Ordering::Equal),
    })
}

fn key(p: &SitePosition) -> SiteKey {
    match p {
        SitePosition::Geo { lon, lat } => (String::new(), *lat, *lon),
        SitePosition::Pixel { task, x, y } => (task.to_string(), *y, *x),
    }
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
