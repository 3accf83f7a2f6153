//! A uniform grid of points for DBSCAN's fixed-radius neighbourhoods: one sort builds it, and
//! the marks within `eps` of a mark are found in its cell and the 8 around it (then tested
//! exactly), instead of by an R-tree descent per mark.

use rayon::slice::ParallelSliceMut;

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
        // Keys are distinct (cell, point) pairs: the order is the same on any number of threads.
        keyed.par_sort_unstable();
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
        for (k, &key) in self
            .keys
            .iter()
            .enumerate()
            .take(cells.end)
            .skip(cells.start)
        {
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
