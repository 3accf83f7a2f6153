//! Where sites and look-alikes lie in the frame: dart throwing with a minimum separation, so
//! two spots are never closer than `min_separation_m` (a look-alike on top of a site would be
//! neither), and the lookup of the spots a tile shows.

use rand::RngExt;
use rand_pcg::Pcg64Mcg;

use super::params::SimParams;
use super::volunteers::pick_class;

/// A spot in frame px with its class index (for a look-alike, the class it looks like).
pub(super) type Spot = (f64, f64, usize);

/// Spots placed so far, bucketed on a grid of cells one separation wide.
pub(super) struct Darts {
    min_px: f64,
    cell: f64,
    gw: usize,
    gh: usize,
    grid: Vec<Vec<(f64, f64)>>,
    fw: f64,
    fh: f64,
}

impl Darts {
    pub(super) fn new(p: &SimParams, fw: f64, fh: f64) -> Self {
        let min_px = p.min_separation_m / p.gsd_m;
        let cell = min_px.max(1.0);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "frame sizes are small positive numbers"
        )]
        let (gw, gh) = (
            (fw / cell).ceil() as usize + 1,
            (fh / cell).ceil() as usize + 1,
        );
        Self {
            min_px,
            cell,
            gw,
            gh,
            grid: vec![Vec::new(); gw * gh],
            fw,
            fh,
        }
    }

    /// Throws darts until `target` new spots are placed or `30 × (target + 1)` darts missed,
    /// and returns the new spots sorted by y, then x.
    pub(super) fn place(&mut self, p: &SimParams, rng: &mut Pcg64Mcg, target: f64) -> Vec<Spot> {
        let mut out: Vec<Spot> = Vec::new();
        let mut tries = 0usize;
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a small non-negative spot count"
        )]
        let max_tries = 30 * (target as usize + 1);
        while (out.len() as f64) < target && tries < max_tries {
            tries += 1;
            let (x, y) = (rng.random::<f64>() * self.fw, rng.random::<f64>() * self.fh);
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "non-negative, bounded by the grid"
            )]
            let (gx, gy) = ((x / self.cell) as usize, (y / self.cell) as usize);
            let clash = (gx.saturating_sub(1)..=(gx + 1).min(self.gw - 1)).any(|i| {
                (gy.saturating_sub(1)..=(gy + 1).min(self.gh - 1)).any(|j| {
                    self.grid[j * self.gw + i]
                        .iter()
                        .any(|&(qx, qy)| (qx - x).hypot(qy - y) < self.min_px)
                })
            });
            if !clash {
                self.grid[gy * self.gw + gx].push((x, y));
                out.push((x, y, pick_class(&p.classes, rng)));
            }
        }
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.total_cmp(&b.0)));
        out
    }
}

/// Spots of `spots` (sorted by y) inside the frame-px box `[x0, x1] × [y0, y1]`.
pub(super) fn spots_in(spots: &[Spot], [x0, y0, x1, y1]: [f64; 4]) -> impl Iterator<Item = &Spot> {
    // Sorted by row; a binary search finds the band's start.
    let start = spots.partition_point(|s| s.1 < y0);
    spots[start..]
        .iter()
        .take_while(move |s| s.1 <= y1)
        .filter(move |s| s.0 >= x0 && s.0 <= x1)
}
