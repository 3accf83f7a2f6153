//! The simulator's parameters and their ranges.

use serde::{Deserialize, Serialize};

use crate::error::{ConsensusError, ConsensusResult};

/// Simulation parameters; `Default` is the issue's accuracy scenario on a 20 × 20-tile frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimParams {
    /// Tiles across.
    pub tiles_x: u32,
    /// Tiles down.
    pub tiles_y: u32,
    /// Tile side in px.
    pub tile_size: u32,
    /// Overlap between neighbouring tiles in px.
    pub overlap: u32,
    /// Ground resolution, metres per px.
    pub gsd_m: f64,
    /// Frame centre `[lon, lat]`.
    pub centre: [f64; 2],
    /// True sites per tile (per `(tile_size − overlap)²` of frame).
    pub sites_per_tile: f64,
    /// Least distance between two true sites, metres.
    pub min_separation_m: f64,
    /// Damage classes and their relative frequencies.
    pub classes: Vec<(String, f64)>,
    /// Distinct volunteers per task.
    pub answers_per_tile: usize,
    /// Volunteer pool size; 0 picks one volunteer per ~200 answers (at least 4 × answers per tile).
    pub volunteers: usize,
    /// Mean recall of honest volunteers.
    pub recall_mean: f64,
    /// Concentration of the Beta distribution of recall (higher: more alike).
    pub recall_concentration: f64,
    /// Mean false marks per tile of honest volunteers (Gamma-distributed across the pool, shape 2).
    pub false_marks_per_tile: f64,
    /// Standard deviation of click position, px per axis.
    pub position_noise_px: f64,
    /// Mean class accuracy of honest volunteers.
    pub class_accuracy_mean: f64,
    /// Share of spammers in the pool.
    pub spammer_share: f64,
    /// Random marks per tile by a spammer.
    pub spammer_marks_per_tile: f64,
    /// Probability that an answer is can't-tell.
    pub cant_tell_rate: f64,
    /// Probability that a volunteer marks a site twice.
    pub double_mark_rate: f64,
    /// Share of tasks that are gold (their truth is attached).
    pub gold_share: f64,
}

impl Default for SimParams {
    fn default() -> Self {
        Self {
            tiles_x: 20,
            tiles_y: 20,
            tile_size: 256,
            overlap: 32,
            gsd_m: 0.5,
            centre: [39.0125, 35.9528],
            sites_per_tile: 2.0,
            min_separation_m: 15.0,
            classes: vec![
                ("destroyed".into(), 0.3),
                ("severe".into(), 0.3),
                ("moderate".into(), 0.25),
                ("crater".into(), 0.15),
            ],
            answers_per_tile: 5,
            volunteers: 0,
            recall_mean: 0.7,
            recall_concentration: 8.0,
            false_marks_per_tile: 0.3,
            position_noise_px: 3.0,
            class_accuracy_mean: 0.85,
            spammer_share: 0.05,
            spammer_marks_per_tile: 3.0,
            cant_tell_rate: 0.02,
            double_mark_rate: 0.05,
            gold_share: 0.02,
        }
    }
}

impl SimParams {
    /// The default scenario on a frame of `tiles_x × tiles_y` tiles.
    ///
    /// ```
    /// use tessera_consensus::sim::SimParams;
    /// let p = SimParams::with_tiles(3, 2);
    /// assert_eq!((p.tiles_x, p.tiles_y, p.tile_size), (3, 2, 256));
    /// ```
    #[must_use]
    pub fn with_tiles(tiles_x: u32, tiles_y: u32) -> Self {
        Self {
            tiles_x,
            tiles_y,
            ..Self::default()
        }
    }
}

pub(super) fn bad(name: &'static str, reason: &str) -> ConsensusError {
    ConsensusError::InvalidParameter {
        name,
        reason: reason.into(),
    }
}

/// Checks every parameter's range.
pub(super) fn check(p: &SimParams) -> ConsensusResult<()> {
    let unit = |v: f64| (0.0..=1.0).contains(&v);
    if p.tiles_x == 0 || p.tiles_y == 0 || p.tile_size == 0 || p.overlap >= p.tile_size {
        return Err(bad("tiles", "need tiles ≥ 1 and overlap < tile_size"));
    }
    if !(p.gsd_m > 0.0
        && p.sites_per_tile >= 0.0
        && p.min_separation_m >= 0.0
        && p.position_noise_px >= 0.0)
    {
        return Err(bad(
            "sim",
            "gsd_m must be positive; densities, separation and noise non-negative",
        ));
    }
    if !(p.recall_mean > 0.0
        && p.recall_mean < 1.0
        && p.class_accuracy_mean > 0.0
        && p.class_accuracy_mean < 1.0)
    {
        return Err(bad("recall_mean", "means must be in (0, 1)"));
    }
    if ![
        p.spammer_share,
        p.cant_tell_rate,
        p.double_mark_rate,
        p.gold_share,
    ]
    .into_iter()
    .all(unit)
    {
        return Err(bad("sim", "shares and rates must be in [0, 1]"));
    }
    if p.classes.is_empty() || p.answers_per_tile == 0 || p.recall_concentration <= 0.0 {
        return Err(bad(
            "classes",
            "need classes, answers_per_tile ≥ 1 and a positive concentration",
        ));
    }
    if !(p.false_marks_per_tile >= 0.0 && p.spammer_marks_per_tile >= 0.0) {
        return Err(bad("false_marks_per_tile", "must be non-negative"));
    }
    Ok(())
}
