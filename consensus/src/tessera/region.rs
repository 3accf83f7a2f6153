//! Incremental consensus: recompute only the area where answers arrived.
//!
//! A site depends only on marks within a few `eps` of it and on the volunteers who saw it, so
//! the sites inside a box can be recomputed from the tasks whose footprints reach the box
//! (grown by a margin of `3·eps`), with volunteer reliabilities taken from the last full run
//! and held fixed. The server re-runs a full [`crate::run`] now and then (reliabilities drift
//! slowly) and [`run_region`] for each batch of new answers.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::em::Fixed;
use super::pipeline::run_campaign;
use super::prepare::prepare;
use crate::error::{ConsensusError, ConsensusResult};
use crate::id::TaskId;
use crate::output::{Output, SitePosition, VolunteerEstimate};
use crate::params::ConsensusParams;
use crate::types::{Input, Task};

/// A WGS84 box (degrees), `west ≤ east`, `south ≤ north`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LonLatBox {
    /// Western longitude.
    pub west: f64,
    /// Southern latitude.
    pub south: f64,
    /// Eastern longitude.
    pub east: f64,
    /// Northern latitude.
    pub north: f64,
}

impl LonLatBox {
    /// A validated box.
    ///
    /// ```
    /// use tessera_consensus::LonLatBox;
    /// assert!(LonLatBox::new(39.0, 35.9, 39.1, 36.0).is_ok());
    /// assert!(LonLatBox::new(39.1, 35.9, 39.0, 36.0).is_err());
    /// ```
    pub fn new(west: f64, south: f64, east: f64, north: f64) -> ConsensusResult<Self> {
        let ok = [west, south, east, north].iter().all(|v| v.is_finite())
            && west <= east
            && south <= north
            && west >= -180.0
            && east <= 180.0
            && south >= -90.0
            && north <= 90.0;
        if ok {
            Ok(Self {
                west,
                south,
                east,
                north,
            })
        } else {
            Err(ConsensusError::InvalidParameter {
                name: "region",
                reason: "need west ≤ east, south ≤ north, in WGS84 range".into(),
            })
        }
    }

    /// Whether `(lon, lat)` is inside (boundary included).
    #[must_use]
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        (self.west..=self.east).contains(&lon) && (self.south..=self.north).contains(&lat)
    }

    fn grown(&self, metres: f64) -> Self {
        let dlat = metres / 111_195.0;
        let dlon = dlat / self.south.midpoint(self.north).to_radians().cos().max(1e-6);
        Self {
            west: self.west - dlon,
            south: self.south - dlat,
            east: self.east + dlon,
            north: self.north + dlat,
        }
    }

    #[expect(clippy::many_single_char_names, reason = "compass directions")]
    fn intersects(&self, task: &Task) -> bool {
        task.footprint.is_some_and(|f| {
            let c = f.corners();
            let (w, e) = c
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                    (a.min(p[0]), b.max(p[0]))
                });
            let (s, n) = c
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                    (a.min(p[1]), b.max(p[1]))
                });
            w <= self.east && e >= self.west && s <= self.north && n >= self.south
        })
    }
}

/// Reliabilities learned by a full run, to hold fixed in [`run_region`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reliabilities {
    /// Prior probability that a candidate is a real site.
    pub prior_site: f64,
    /// Prior probability that a candidate is a look-alike (see [`crate::Summary::prior_decoy`]).
    #[serde(default)]
    pub prior_decoy: f64,
    /// Per-volunteer estimates.
    pub volunteers: Vec<VolunteerEstimate>,
}

impl Output {
    /// The reliabilities of this run, for later incremental runs.
    #[must_use]
    pub fn reliabilities(&self) -> Reliabilities {
        Reliabilities {
            prior_site: self.summary.prior_site,
            prior_decoy: self.summary.prior_decoy,
            volunteers: self.volunteers.clone(),
        }
    }
}

/// Recomputes the sites inside `region` only.
///
/// # Parameters
/// - `input`: the whole campaign (only tasks reaching the grown region are used).
/// - `region`: the area to recompute.
/// - `params`: as for [`crate::run`].
/// - `known`: reliabilities from the last full run, held fixed; volunteers not in it (new ones)
///   are estimated from the region's answers. `None` estimates everything locally.
///
/// # Returns
/// An [`Output`] with the sites whose centre is in `region`, the verdicts of tasks whose
/// footprint intersects it, and the volunteers who answered there.
///
/// # Algorithm
/// Select tasks reaching `region` grown by `3·eps`, then the same pipeline as [`crate::run`].
///
/// # Errors
/// As [`crate::run`], plus [`ConsensusError::InvalidParameter`] for a campaign without footprints.
pub fn run_region(
    input: &Input,
    region: &LonLatBox,
    params: &ConsensusParams,
    known: Option<&Reliabilities>,
) -> ConsensusResult<Output> {
    params.validate()?;
    if input.tasks.iter().any(|t| t.footprint.is_none()) {
        return Err(ConsensusError::InvalidParameter {
            name: "region",
            reason: "the campaign has tasks without footprints".into(),
        });
    }
    let near: Vec<&Task> = input
        .tasks
        .iter()
        .filter(|t| region.intersects(t))
        .collect();
    let gsd = near.iter().map(|t| metres_per_px(t)).fold(0.0, f64::max);
    let eps = params.eps_m.unwrap_or(params.eps_px * gsd);
    let grown = region.grown(3.0 * eps);
    let tasks: Vec<Task> = input
        .tasks
        .iter()
        .filter(|t| grown.intersects(t))
        .cloned()
        .collect();
    let ids: std::collections::HashSet<&TaskId> = tasks.iter().map(|t| &t.id).collect();
    let answers = input
        .answers
        .iter()
        .filter(|a| ids.contains(&a.task))
        .cloned()
        .collect();
    let sub = Input { tasks, answers };
    let c = prepare(&sub, params)?;
    let mut fixed = Fixed::default();
    if let Some(k) = known {
        let mean_area =
            c.tasks.iter().map(|t| t.quad.area()).sum::<f64>() / c.tasks.len().max(1) as f64;
        let by_id: HashMap<_, _> = k.volunteers.iter().map(|v| (&v.id, v)).collect();
        fixed.priors = Some([k.prior_site, k.prior_decoy]);
        fixed.volunteers = c
            .volunteers
            .iter()
            .map(|id| {
                by_id
                    .get(id)
                    .map(|v| (v.sensitivity, v.false_rate / mean_area, v.fooled))
            })
            .collect();
    }
    let mut out = run_campaign(&c, params, &fixed);
    out.sites.retain(
        |s| matches!(s.position, SitePosition::Geo { lon, lat } if region.contains(lon, lat)),
    );
    let inside: std::collections::HashSet<&TaskId> = near.iter().map(|t| &t.id).collect();
    out.tasks.retain(|t| inside.contains(&t.id));
    out.summary.sites = out.sites.len();
    Ok(out)
}

/// Approximate ground resolution of a task from its footprint's first edge.
fn metres_per_px(t: &Task) -> f64 {
    let Some(f) = t.footprint else { return 0.0 };
    let c = f.corners();
    let dx = (c[1][0] - c[0][0]) * 111_195.0 * c[0][1].to_radians().cos();
    let dy = (c[1][1] - c[0][1]) * 111_195.0;
    dx.hypot(dy) / f64::from(t.width)
}
