//! Scoring detected sites against simulated ground truth: one-to-one matching within a radius
//! (closest pairs first), precision, recall, F1 and class accuracy on matched sites; an oracle
//! that knows every volunteer's true behaviour, as the ceiling any consensus can reach on the
//! same marks ([`oracle`]); and how well confidences are calibrated ([`calibration`]).

mod calibration;
mod oracle;
mod scoring;

use crate::output::{Output, SitePosition};
use crate::panoptes::PanoptesOutput;
use crate::types::{DamageClass, Input};
pub use calibration::{Calibration, CalibrationBin, calibration, reliability_diagram};
pub use oracle::{Oracle, oracle};
pub use scoring::{Scores, score};

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

/// Tessera-mode sites as `([lon, lat], confidence)`, for [`calibration`].
#[must_use]
pub fn tessera_confidences(out: &Output) -> Vec<([f64; 2], f64)> {
    out.sites
        .iter()
        .filter_map(|s| match s.position {
            SitePosition::Geo { lon, lat } => Some(([lon, lat], s.confidence)),
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
