//! Uniform grids for the pipeline's two spatial queries: the marks within `eps` of a mark
//! (DBSCAN) and the task footprints that contain a point (exposure).
//!
//! Both queries have a fixed size (the radius `eps`; footprints are tiles of similar size), so a
//! grid answers them with one cell lookup (or a 3×3 block) instead of an R-tree descent, and
//! builds with one sort. Results are exact: the grid only selects candidates, which are then
//! tested exactly (distance ≤ eps; bounding box, then point in quadrilateral).

use super::prepare::Campaign;

/// Points bucketed into square cells at least `eps` wide, so every point within `eps` of a
/// point lies in its cell or one of the 8 around it.
#[derive(Debug)]
pub(crate) struct PointGrid {
    /// Occupied cells' keys (`row · cols + col`, both offset by one), ascending.
    keys: Vec<u64>,
    /// `items[starts[k]..starts[k + 1]]` are the points of cell `keys[k]`.
    starts: Vec<usize>,
    /// Point indices grouped by cell, ascending within a cell.
    items: Vec<u32>,
    cols: u64,
}

impl PointGrid {
    /// Buckets `points` (finite) for queries of radius `eps` (> 0).
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "cell coordinates are in [0, 1e9 + 2]: the cell side is ≥ 1e-9 × the extent"
    )]
    pub(crate) fn new(points: &[[f64; 2]], eps: f64) -> Self {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in points {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        let extent = (hi[0] - lo[0]).max(hi[1] - lo[1]).max(0.0);
        // A side a little over eps absorbs the rounding of (x − origin) / side: two points
        // within eps are then at most one cell apart (the relative rounding error, ≈ 1e-16 ×
        // the extent / side ≤ 1e-7, is far below the 1e-6 slack).
        let side = (eps * (1.0 + 1e-6)).max(extent * 1e-9);
        let cell = |v: f64, o: f64| ((v - o) / side).floor() as u64 + 1;
        let cols = if points.is_empty() {
            1
        } else {
            cell(hi[0], lo[0]) + 2
        };
        let mut keyed: Vec<(u64, u32)> = points
            .iter()
            .zip(0u32..)
            .map(|(p, i)| (cell(p[1], lo[1]) * cols + cell(p[0], lo[0]), i))
            .collect();
        keyed.sort_unstable();
        let mut keys = Vec::new();
        let mut starts = Vec::new();
        for (n, &(k, _)) in keyed.iter().enumerate() {
            if keys.last() != Some(&k) {
                keys.push(k);
                starts.push(n);
            }
        }
        starts.push(keyed.len());
        Self {
            keys,
            starts,
            items: keyed.into_iter().map(|(_, i)| i).collect(),
            cols,
        }
    }

    /// The number of occupied cells.
    pub(crate) fn cells(&self) -> usize {
        self.keys.len()
    }

    /// Calls `f(members, around)` for every occupied cell in `cells` (a range of cell numbers,
    /// `0..self.cells()` for all), in key order: the cell's points and the points of the 3×3
    /// block of cells around it (the cell included), as slices.
    pub(crate) fn for_each_cell<'a>(
        &'a self,
        cells: std::ops::Range<usize>,
        mut f: impl FnMut(&'a [u32], &[&'a [u32]]),
    ) {
        // Cells are visited in key order, so the first key of each neighbouring row only grows:
        // three cursors sweep the cell list once.
        let mut cursor = [0usize; 3];
        if let Some(&key) = self.keys.get(cells.start) {
            for (row, cur) in cursor.iter_mut().enumerate() {
                let first = key + row as u64 * self.cols - self.cols - 1;
                *cur = self.keys.partition_point(|&k| k < first);
            }
        }
        let mut around: Vec<&[u32]> = Vec::with_capacity(9);
        for (k, &key) in self.keys.iter().enumerate().take(cells.end).skip(cells.start) {
            around.clear();
            for (row, cur) in cursor.iter_mut().enumerate() {
                // Keys are offset by one row and one column, so these never underflow.
                let first = key + row as u64 * self.cols - self.cols - 1;
                while *cur < self.keys.len() && self.keys[*cur] < first {
                    *cur += 1;
                }
                let mut j = *cur;
                while j < self.keys.len() && self.keys[j] <= first + 2 {
                    around.push(&self.items[self.starts[j]..self.starts[j + 1]]);
                    j += 1;
                }
            }
            f(&self.items[self.starts[k]..self.starts[k + 1]], &around);
        }
    }
}

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
