//! Calibration of confidences: of the sites reported with confidence about `c`, a share `c`
//! should be real. Sites are binned by confidence decile; a site is real when the one-to-one
//! matching of [`crate::eval::score`] pairs it with a true site, so a duplicate of a found site or a
//! site on a look-alike counts as not real.

use std::fmt::Write as _;

use super::scoring::match_to_truth;
use crate::sim::GroundTruth;

/// One confidence decile.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CalibrationBin {
    /// Lower edge (inclusive).
    pub lo: f64,
    /// Upper edge (exclusive, but 1 is in the last bin).
    pub hi: f64,
    /// Sites with a confidence in the bin.
    pub count: usize,
    /// Their mean confidence (0 for an empty bin).
    pub mean_confidence: f64,
    /// The share of them that are real (0 for an empty bin).
    pub observed: f64,
}

/// Reliability of confidences over a set of sites.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// The ten deciles `[0, 0.1)`, …, `[0.9, 1]`.
    pub bins: Vec<CalibrationBin>,
    /// Expected calibration error: `Σ (count / sites) · |mean confidence − observed|`.
    pub ece: f64,
    /// Sites binned.
    pub sites: usize,
}

impl Calibration {
    /// The calibration of several campaigns' sites taken together (bins with the same edges
    /// added).
    ///
    /// ```
    /// use tessera_consensus::eval::{Calibration, calibration};
    /// use tessera_consensus::sim::GroundTruth;
    /// let none = GroundTruth::default();
    /// let a = calibration(&[([0.0, 0.0], 0.95)], &none, 5.0);
    /// let b = calibration(&[([0.0, 0.0], 0.85), ([1.0, 0.0], 0.99)], &none, 5.0);
    /// let both = Calibration::pooled(&[a, b]);
    /// assert_eq!((both.sites, both.bins[9].count, both.bins[8].count), (3, 2, 1));
    /// assert!((both.bins[9].mean_confidence - 0.97).abs() < 1e-12);
    /// ```
    #[must_use]
    pub fn pooled(parts: &[Calibration]) -> Calibration {
        let mut bins: Vec<CalibrationBin> = Vec::new();
        for part in parts {
            for (i, b) in part.bins.iter().enumerate() {
                if bins.len() <= i {
                    bins.push(CalibrationBin {
                        count: 0,
                        mean_confidence: 0.0,
                        observed: 0.0,
                        ..*b
                    });
                }
                // Sums for now; divided below.
                let sum = &mut bins[i];
                sum.count += b.count;
                sum.mean_confidence += b.mean_confidence * b.count as f64;
                sum.observed += b.observed * b.count as f64;
            }
        }
        let sites: usize = bins.iter().map(|b| b.count).sum();
        let mut ece = 0.0;
        for b in bins.iter_mut().filter(|b| b.count > 0) {
            b.mean_confidence /= b.count as f64;
            b.observed /= b.count as f64;
            ece += b.count as f64 / sites as f64 * (b.mean_confidence - b.observed).abs();
        }
        Calibration { bins, ece, sites }
    }
}

/// Bins `sites` (`([lon, lat], confidence)`) by confidence decile and measures how often each
/// bin's sites are real, matching them to `truth` within `radius_m` metres.
///
/// # Examples
/// ```
/// use tessera_consensus::eval::calibration;
/// use tessera_consensus::sim::{GroundTruth, TruthSite};
/// let truth = GroundTruth {
///     sites: vec![TruthSite { lon: 39.0, lat: 36.0, class: "crater".into() }],
///     ..GroundTruth::default()
/// };
/// // Sure of a real site, and half sure of a spot 100 m away that is not one.
/// let c = calibration(&[([39.0, 36.0], 0.95), ([39.001, 36.0], 0.55)], &truth, 5.0);
/// assert_eq!((c.bins[9].count, c.bins[9].observed), (1, 1.0));
/// assert_eq!((c.bins[5].count, c.bins[5].observed), (1, 0.0));
/// assert!((c.ece - (0.05 + 0.55) / 2.0).abs() < 1e-12);
/// ```
#[must_use]
pub fn calibration(sites: &[([f64; 2], f64)], truth: &GroundTruth, radius_m: f64) -> Calibration {
    let positions: Vec<[f64; 2]> = sites.iter().map(|s| s.0).collect();
    let real = match_to_truth(&positions, truth, radius_m);
    let mut sums = [(0usize, 0.0f64, 0usize); 10];
    for (s, m) in sites.iter().zip(&real) {
        let c = s.1.clamp(0.0, 1.0);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a confidence in [0, 1] times 10"
        )]
        let b = ((c * 10.0) as usize).min(9);
        sums[b].0 += 1;
        sums[b].1 += c;
        sums[b].2 += usize::from(m.is_some());
    }
    let n = sites.len();
    let mut ece = 0.0;
    let bins = (0u32..)
        .zip(sums)
        .map(|(b, (count, conf, hits))| {
            let (mean_confidence, observed) = if count == 0 {
                (0.0, 0.0)
            } else {
                (conf / count as f64, hits as f64 / count as f64)
            };
            if count > 0 {
                ece += count as f64 / n as f64 * (mean_confidence - observed).abs();
            }
            CalibrationBin {
                lo: f64::from(b) / 10.0,
                hi: f64::from(b + 1) / 10.0,
                count,
                mean_confidence,
                observed,
            }
        })
        .collect();
    Calibration {
        bins,
        ece,
        sites: n,
    }
}

/// A text reliability diagram: one row per non-empty decile with its count, mean confidence
/// and observed frequency, and a bar of the observed frequency (`#`) with the mean confidence
/// marked (`|`), so a calibrated row has its bar end at the mark.
///
/// ```
/// use tessera_consensus::eval::{Calibration, CalibrationBin, reliability_diagram};
/// let bin = CalibrationBin { lo: 0.9, hi: 1.0, count: 40, mean_confidence: 0.95, observed: 0.5 };
/// let text = reliability_diagram(&Calibration { bins: vec![bin], ece: 0.45, sites: 40 });
/// assert!(text.contains("0.9-1.0"));
/// assert!(text.contains("ECE 0.450"));
/// ```
#[must_use]
pub fn reliability_diagram(c: &Calibration) -> String {
    const WIDTH: usize = 40;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "confidence  sites  mean conf  real   (# real, | mean confidence)"
    );
    let cells = |v: f64| {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a share in [0, 1] times the bar width"
        )]
        let k = (v.clamp(0.0, 1.0) * WIDTH as f64).round() as usize;
        k
    };
    for b in c.bins.iter().filter(|b| b.count > 0) {
        let (filled, mark) = (cells(b.observed), cells(b.mean_confidence).min(WIDTH - 1));
        let bar: String = (0..WIDTH)
            .map(|i| match (i == mark, i < filled) {
                (true, _) => '|',
                (false, true) => '#',
                (false, false) => ' ',
            })
            .collect();
        let _ = writeln!(
            out,
            "{:.1}-{:.1}  {:>6}  {:>9.3}  {:>5.3}  [{bar}]",
            b.lo, b.hi, b.count, b.mean_confidence, b.observed
        );
    }
    let _ = writeln!(out, "{} sites, ECE {:.3}", c.sites, c.ece);
    out
}
