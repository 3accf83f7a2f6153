//! Task footprints on a uniform grid: "which tasks cover this point?" (exposure) is one cell
//! lookup, then exact tests (bounding box, point in quadrilateral), instead of an R-tree descent.

use super::prepare::Campaign;

/// Task footprints on a dense grid of cells about one tile wide: "which tasks cover this point?"
/// is one cell lookup plus exact tests. Footprints spanning many cells (unusually large tiles)
/// are kept aside and tested on every query.
#[derive(Debug)]
pub(crate) struct FootprintIndex {
    origin: [f64; 2],
    side: f64,
    cols: usize,
    rows: usize,
    /// `items[starts[c]..starts[c + 1]]`: tasks whose bounding box meets cell `c`, ascending.
    starts: Vec<usize>,
    items: Vec<u32>,
    /// Tasks too large for the grid.
    large: Vec<u32>,
    /// Bounding boxes, by task.
    bbox: Vec<([f64; 2], [f64; 2])>,
}

/// A footprint meeting more cells than this is tested on every query instead.
const MAX_CELLS_PER_TASK: usize = 16;

impl FootprintIndex {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "the grid has at most 4·tasks + 64 cells, so its coordinates fit"
    )]
    pub(crate) fn new(c: &Campaign) -> Self {
        let bbox: Vec<([f64; 2], [f64; 2])> = c.tasks.iter().map(|t| t.quad.bbox()).collect();
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for (a, b) in &bbox {
            for k in 0..2 {
                lo[k] = lo[k].min(a[k]);
                hi[k] = hi[k].max(b[k]);
            }
        }
        if bbox.is_empty() {
            (lo, hi) = ([0.0; 2], [0.0; 2]);
        }
        let extent = [(hi[0] - lo[0]).max(0.0), (hi[1] - lo[1]).max(0.0)];
        let mut sizes: Vec<f64> = bbox
            .iter()
            .map(|(a, b)| (b[0] - a[0]).max(b[1] - a[1]))
            .collect();
        let mid = sizes.len() / 2;
        let typical = if sizes.is_empty() {
            1.0
        } else {
            *sizes.select_nth_unstable_by(mid, f64::total_cmp).1
        };
        let budget = (4 * bbox.len() + 64) as f64;
        let mut side = typical
            .max(extent[0].max(extent[1]) * 1e-6)
            .max(f64::MIN_POSITIVE);
        while (extent[0] / side + 1.0) * (extent[1] / side + 1.0) > budget {
            side *= 2.0;
        }
        let cols = (extent[0] / side) as usize + 1;
        let rows = (extent[1] / side) as usize + 1;
        let mut index = Self {
            origin: lo,
            side,
            cols,
            rows,
            starts: vec![0; cols * rows + 1],
            items: Vec::new(),
            large: Vec::new(),
            bbox,
        };
        // Counting sort of (cell, task) pairs: tasks stay ascending within each cell.
        let mut placed: Vec<(usize, usize, usize, usize)> = Vec::with_capacity(index.bbox.len());
        for (a, b) in &index.bbox {
            let (c0, r0) = index.cell(*a);
            let (c1, r1) = index.cell(*b);
            placed.push((c0, c1, r0, r1));
            if (c1 - c0 + 1) * (r1 - r0 + 1) <= MAX_CELLS_PER_TASK {
                for r in r0..=r1 {
                    for col in c0..=c1 {
                        index.starts[r * cols + col + 1] += 1;
                    }
                }
            }
        }
        for k in 1..index.starts.len() {
            index.starts[k] += index.starts[k - 1];
        }
        let mut fill = index.starts.clone();
        index.items = vec![0; index.starts[cols * rows]];
        for (t, &(c0, c1, r0, r1)) in (0u32..).zip(&placed) {
            if (c1 - c0 + 1) * (r1 - r0 + 1) > MAX_CELLS_PER_TASK {
                index.large.push(t);
                continue;
            }
            for r in r0..=r1 {
                for col in c0..=c1 {
                    let cell = r * cols + col;
                    index.items[fill[cell]] = t;
                    fill[cell] += 1;
                }
            }
        }
        index
    }

    /// The cell of `p` (column, row), clamped to the grid: monotone in each coordinate, so a
    /// point inside a bounding box falls in one of the box's cells.
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to the grid"
    )]
    fn cell(&self, p: [f64; 2]) -> (usize, usize) {
        let at = |v: f64, o: f64, n: usize| {
            let x = ((v - o) / self.side).floor();
            if x >= 0.0 { (x as usize).min(n - 1) } else { 0 }
        };
        (
            at(p[0], self.origin[0], self.cols),
            at(p[1], self.origin[1], self.rows),
        )
    }

    /// Appends the tasks whose footprint contains `p` to `out`, ascending and distinct.
    pub(crate) fn tasks_at(&self, c: &Campaign, p: [f64; 2], out: &mut Vec<u32>) {
        let start = out.len();
        let (col, row) = self.cell(p);
        let cell = row * self.cols + col;
        let hit = |t: u32| {
            let (a, b) = &self.bbox[t as usize];
            a[0] <= p[0]
                && p[0] <= b[0]
                && a[1] <= p[1]
                && p[1] <= b[1]
                && c.tasks[t as usize].quad.contains(p)
        };
        out.extend(
            self.items[self.starts[cell]..self.starts[cell + 1]]
                .iter()
                .copied()
                .filter(|&t| hit(t)),
        );
        if !self.large.is_empty() {
            out.extend(self.large.iter().copied().filter(|&t| hit(t)));
            out[start..].sort_unstable();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ConsensusParams;
    use crate::sim::{SimParams, simulate};
    use crate::tessera::prepare::prepare;

    #[test]
    fn footprint_lookup_matches_testing_every_task() {
        // Overlapping tiles, so points on overlaps and edges have several tasks.
        let p = SimParams {
            overlap: 32,
            ..SimParams::with_tiles(7, 5)
        };
        let input = simulate(&p, 3).expect("valid simulation parameters").0;
        let c = prepare(&input, &ConsensusParams::default()).expect("valid campaign");
        let index = FootprintIndex::new(&c);
        let (lo, hi) = c.tasks.iter().fold(
            ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]),
            |(lo, hi), t| {
                let (a, b) = t.quad.bbox();
                (
                    [lo[0].min(a[0]), lo[1].min(a[1])],
                    [hi[0].max(b[0]), hi[1].max(b[1])],
                )
            },
        );
        // A lattice over the frame and a margin, plus every task corner.
        let mut probes: Vec<[f64; 2]> = c.tasks.iter().flat_map(|t| t.quad.0).collect();
        for i in -5..=105 {
            for j in -5..=105 {
                probes.push([
                    lo[0] + (hi[0] - lo[0]) * f64::from(i) / 100.0,
                    lo[1] + (hi[1] - lo[1]) * f64::from(j) / 100.0,
                ]);
            }
        }
        let mut got = Vec::new();
        for p in probes {
            got.clear();
            index.tasks_at(&c, p, &mut got);
            let want: Vec<u32> = (0u32..)
                .zip(&c.tasks)
                .filter(|(_, t)| {
                    let (a, b) = t.quad.bbox();
                    a[0] <= p[0]
                        && p[0] <= b[0]
                        && a[1] <= p[1]
                        && p[1] <= b[1]
                        && t.quad.contains(p)
                })
                .map(|(i, _)| i)
                .collect();
            assert_eq!(got, want, "at {p:?}");
        }
    }
}
