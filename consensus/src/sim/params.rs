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
    /// Volunteer pool size; 0 picks one volunteer per ~200 answers, or per ~4 answers when
    /// `activity_zipf` is positive (at least 4 × answers per tile).
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
    /// Look-alikes per tile (mean of a Poisson count over the frame): spots that are not sites
    /// but fool volunteers, placed `min_separation_m` from sites and from each other. Default 0.
    pub decoys_per_tile: f64,
    /// Mean share of the honest volunteers who see a look-alike that mark it. Each volunteer has
    /// their own fooled rate, Beta-distributed around this mean, so the same volunteers fall for
    /// look-alikes again and again (mistakes coincide across a crowd, unlike scattered false marks).
    pub decoy_fooling: f64,
    /// Concentration of the Beta distribution of fooled rates (higher: more alike).
    pub decoy_fooling_concentration: f64,
    /// Share of honest volunteers who give every mark one class of their own (drawn by class
    /// frequency), whatever they see. Default 0.
    pub single_class_share: f64,
    /// Share of honest volunteers whose clicks all land `offset_px` away from the spot, in one
    /// direction of their own (a habit, e.g. clicking a building's corner). Default 0.
    pub offset_share: f64,
    /// Length of a systematic offset, tile px.
    pub offset_px: f64,
    /// Share of the spammers who answer every task "nothing here"; the others mark at random,
    /// `spammer_marks_per_tile` a tile. Default 0.
    pub silent_spammer_share: f64,
    /// Share of tiles served at another ground resolution, one of `mixed_gsd_m` picked
    /// uniformly. Such a tile keeps its pixel size and its centre, so its footprint grows or
    /// shrinks with the resolution (a 1 m tile covers four times the ground of a 0.5 m one) and
    /// position noise, offsets and false marks stay in its pixels. Default 0.
    pub mixed_gsd_share: f64,
    /// The other ground resolutions of mixed tiles, metres per px.
    pub mixed_gsd_m: Vec<f64>,
    /// Zipf exponent of volunteer activity: the k-th volunteer of the pool is picked with weight
    /// 1/kˢ, so a core answers hundreds of tasks and a long tail one to five. Default 0 (everyone
    /// alike).
    pub activity_zipf: f64,
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
            decoys_per_tile: 0.0,
            decoy_fooling: 0.15,
            decoy_fooling_concentration: 6.0,
            single_class_share: 0.0,
            offset_share: 0.0,
            offset_px: 4.0,
            silent_spammer_share: 0.0,
            mixed_gsd_share: 0.0,
            mixed_gsd_m: vec![1.0, 2.0],
            activity_zipf: 0.0,
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
    check_crowd(p)
}

/// Checks the look-alike and crowd-realism parameters, each by name.
fn check_crowd(p: &SimParams) -> ConsensusResult<()> {
    let non_negative = |name, v: f64| {
        if v >= 0.0 && v.is_finite() {
            Ok(())
        } else {
            Err(bad(name, "must be finite and non-negative"))
        }
    };
    let share = |name, v: f64| {
        if (0.0..=1.0).contains(&v) {
            Ok(())
        } else {
            Err(bad(name, "must be in [0, 1]"))
        }
    };
    non_negative("decoys_per_tile", p.decoys_per_tile)?;
    share("decoy_fooling", p.decoy_fooling)?;
    if !(p.decoy_fooling_concentration > 0.0 && p.decoy_fooling_concentration.is_finite()) {
        return Err(bad("decoy_fooling_concentration", "must be positive"));
    }
    share("single_class_share", p.single_class_share)?;
    share("offset_share", p.offset_share)?;
    non_negative("offset_px", p.offset_px)?;
    share("silent_spammer_share", p.silent_spammer_share)?;
    share("mixed_gsd_share", p.mixed_gsd_share)?;
    if p.mixed_gsd_share > 0.0
        && (p.mixed_gsd_m.is_empty() || !p.mixed_gsd_m.iter().all(|g| *g > 0.0 && g.is_finite()))
    {
        return Err(bad(
            "mixed_gsd_m",
            "mixed tiles need at least one positive resolution",
        ));
    }
    non_negative("activity_zipf", p.activity_zipf)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::error::ConsensusError;

    #[rstest]
    #[case::negative_decoys(SimParams { decoys_per_tile: -1.0, ..SimParams::default() }, "decoys_per_tile")]
    #[case::fooling_above_one(SimParams { decoy_fooling: 1.5, ..SimParams::default() }, "decoy_fooling")]
    #[case::fooling_nan(SimParams { decoy_fooling: f64::NAN, ..SimParams::default() }, "decoy_fooling")]
    #[case::zero_concentration(SimParams { decoy_fooling_concentration: 0.0, ..SimParams::default() }, "decoy_fooling_concentration")]
    #[case::single_class(SimParams { single_class_share: -0.1, ..SimParams::default() }, "single_class_share")]
    #[case::offset_share(SimParams { offset_share: 2.0, ..SimParams::default() }, "offset_share")]
    #[case::offset_px(SimParams { offset_px: f64::INFINITY, ..SimParams::default() }, "offset_px")]
    #[case::silent(SimParams { silent_spammer_share: 1.1, ..SimParams::default() }, "silent_spammer_share")]
    #[case::mixed_share(SimParams { mixed_gsd_share: -0.5, ..SimParams::default() }, "mixed_gsd_share")]
    #[case::no_resolutions(SimParams { mixed_gsd_share: 0.5, mixed_gsd_m: vec![], ..SimParams::default() }, "mixed_gsd_m")]
    #[case::zero_resolution(SimParams { mixed_gsd_share: 0.5, mixed_gsd_m: vec![1.0, 0.0], ..SimParams::default() }, "mixed_gsd_m")]
    #[case::zipf(SimParams { activity_zipf: -1.0, ..SimParams::default() }, "activity_zipf")]
    fn out_of_range_crowd_parameter_is_named(#[case] p: SimParams, #[case] want: &str) {
        match check(&p) {
            Err(ConsensusError::InvalidParameter { name, .. }) => assert_eq!(name, want),
            other => panic!("expected {want} to be refused, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_a_realistic_crowd_are_valid() {
        assert!(check(&SimParams::default()).is_ok());
        let crowd = SimParams {
            decoys_per_tile: 1.0,
            decoy_fooling: 0.3,
            single_class_share: 0.1,
            offset_share: 0.2,
            silent_spammer_share: 0.5,
            mixed_gsd_share: 0.2,
            activity_zipf: 1.0,
            ..SimParams::default()
        };
        assert!(check(&crowd).is_ok());
        // Unused resolutions are not checked: mixed tiles are off.
        assert!(
            check(&SimParams {
                mixed_gsd_m: vec![],
                ..SimParams::default()
            })
            .is_ok()
        );
    }
}
