//! Scores of detected sites against the truth: one-to-one matching within a radius, closest
//! pairs first, then precision, recall, F1 and class accuracy on matched sites.

use serde::Serialize;

use crate::geo::{LocalProjection, dist2};
use crate::sim::GroundTruth;
use crate::types::DamageClass;

/// Detection scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Scores {
    /// Sites reported.
    pub detected: usize,
    /// True sites.
    pub truth: usize,
    /// One-to-one matches within the radius.
    pub matched: usize,
    /// Matched / detected.
    pub precision: f64,
    /// Matched / truth.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Share of matched sites with the true class.
    pub class_accuracy: f64,
}

/// Matches `detected` to `truth` one-to-one within `radius_m` metres, closest pairs first.
///
/// ```
/// use tessera_consensus::eval::score;
/// use tessera_consensus::sim::{GroundTruth, TruthSite};
/// let truth = GroundTruth {
///     sites: vec![TruthSite { lon: 39.0, lat: 36.0, class: "crater".into() }],
///     ..GroundTruth::default()
/// };
/// // One site 1 m east of the truth, one 100 m away.
/// let near = ([39.0 + 1.0 / 90_000.0, 36.0], "crater".into());
/// let far = ([39.0 + 100.0 / 90_000.0, 36.0], "crater".into());
/// let s = score(&[near, far], &truth, 5.0);
/// assert_eq!((s.matched, s.precision, s.recall), (1, 0.5, 1.0));
/// ```
#[must_use]
pub fn score(detected: &[([f64; 2], DamageClass)], truth: &GroundTruth, radius_m: f64) -> Scores {
    let positions: Vec<[f64; 2]> = detected.iter().map(|d| d.0).collect();
    let pairs = match_to_truth(&positions, truth, radius_m);
    let matched = pairs.iter().flatten().count();
    let right = detected
        .iter()
        .zip(&pairs)
        .filter(|(d, m)| m.is_some_and(|t| d.1 == truth.sites[t].class))
        .count();
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (
        ratio(matched, detected.len()),
        ratio(matched, truth.sites.len()),
    );
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Scores {
        detected: detected.len(),
        truth: truth.sites.len(),
        matched,
        precision,
        recall,
        f1,
        class_accuracy: ratio(right, matched),
    }
}

/// For each detected `[lon, lat]`, the true site it is matched to: one-to-one within
/// `radius_m` metres, closest pairs first (ties by index, so the matching is deterministic).
pub(crate) fn match_to_truth(
    detected: &[[f64; 2]],
    truth: &GroundTruth,
    radius_m: f64,
) -> Vec<Option<usize>> {
    let mut out = vec![None; detected.len()];
    let Some(first) = truth.sites.first() else {
        return out;
    };
    let proj = LocalProjection::new(first.lon, first.lat);
    let t: Vec<[f64; 2]> = truth
        .sites
        .iter()
        .map(|s| proj.forward([s.lon, s.lat]))
        .collect();
    let tree = rstar::RTree::bulk_load(
        t.iter()
            .zip(0usize..)
            .map(|(p, i)| rstar::primitives::GeomWithData::new(*p, i))
            .collect(),
    );
    let r2 = radius_m * radius_m;
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (di, p) in detected.iter().enumerate() {
        let q = proj.forward(*p);
        pairs.extend(
            tree.locate_within_distance(q, r2)
                .map(|g| (dist2(q, t[g.data]), di, g.data)),
        );
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut tused = vec![false; t.len()];
    for (_, di, ti) in pairs {
        if out[di].is_some() || tused[ti] {
            continue;
        }
        tused[ti] = true;
        out[di] = Some(ti);
    }
    out
}
