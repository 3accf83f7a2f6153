//! Scoring detected sites against simulated ground truth: one-to-one matching within a radius
//! (closest pairs first), precision, recall, F1 and class accuracy on matched sites.

use serde::Serialize;

use crate::geo::{LocalProjection, dist2};
use crate::output::{Output, SitePosition};
use crate::panoptes::PanoptesOutput;
use crate::sim::GroundTruth;
use crate::types::{DamageClass, Input};

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

/// Tessera-mode sites as `([lon, lat], class)` (pixel-space sites are skipped).
#[must_use]
pub fn tessera_sites(out: &Output) -> Vec<([f64; 2], DamageClass)> {
    out.sites
        .iter()
        .filter_map(|s| match s.position {
            SitePosition::Geo { lon, lat } => Some(([lon, lat], s.class.clone())),
            SitePosition::Pixel { .. } => None,
        })
        .collect()
}

/// Panoptes clusters placed in WGS84 through their task's footprint.
#[must_use]
pub fn panoptes_sites(out: &PanoptesOutput, input: &Input) -> Vec<([f64; 2], DamageClass)> {
    let tasks: std::collections::HashMap<_, _> = input.tasks.iter().map(|t| (&t.id, t)).collect();
    out.clusters
        .iter()
        .filter_map(|c| {
            let t = tasks.get(&c.task)?;
            Some((
                t.footprint?.pixel_to_lonlat(c.x, c.y, t.width, t.height),
                c.class.clone(),
            ))
        })
        .collect()
}

/// Matches `detected` to `truth` one-to-one within `radius_m` metres, closest pairs first.
#[must_use]
pub fn score(detected: &[([f64; 2], DamageClass)], truth: &GroundTruth, radius_m: f64) -> Scores {
    let Some(first) = truth.sites.first() else {
        return Scores {
            detected: detected.len(),
            ..Scores::default()
        };
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
    for (di, (p, _)) in detected.iter().enumerate() {
        let q = proj.forward(*p);
        pairs.extend(
            tree.locate_within_distance(q, r2)
                .map(|g| (dist2(q, t[g.data]), di, g.data)),
        );
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut dused, mut tused) = (vec![false; detected.len()], vec![false; t.len()]);
    let (mut matched, mut right) = (0usize, 0usize);
    for (_, di, ti) in pairs {
        if dused[di] || tused[ti] {
            continue;
        }
        dused[di] = true;
        tused[ti] = true;
        matched += 1;
        if detected[di].1 == truth.sites[ti].class {
            right += 1;
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (ratio(matched, detected.len()), ratio(matched, t.len()));
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Scores {
        detected: detected.len(),
        truth: t.len(),
        matched,
        precision,
        recall,
        f1,
        class_accuracy: ratio(right, matched),
    }
}
