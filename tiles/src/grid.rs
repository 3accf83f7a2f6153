//! The tile grid: S×S tiles with O pixels of overlap (stride S−O), the last column and row padded
//! past the frame edge rather than shifted, so every tile's pixel (0,0) sits on the same lattice.

use serde::Serialize;

use crate::error::{TilerError, TilerResult};

/// The pixel window of one tile inside its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TileWindow {
    /// Column of the tile in the grid.
    pub col: u32,
    /// Row of the tile in the grid.
    pub row: u32,
    /// Left edge in frame pixels.
    pub x: u32,
    /// Top edge in frame pixels.
    pub y: u32,
    /// Width of the part inside the frame (≤ tile size).
    pub w: u32,
    /// Height of the part inside the frame (≤ tile size).
    pub h: u32,
    /// True when the tile reaches past the frame edge and is padded.
    pub edge: bool,
}

/// A validated tile grid over a `width` × `height` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileGrid {
    width: u32,
    height: u32,
    size: u32,
    overlap: u32,
    cols: u32,
    rows: u32,
}

fn count(extent: u32, size: u32, stride: u32) -> u32 {
    if extent <= size {
        1
    } else {
        (extent - size).div_ceil(stride) + 1
    }
}

impl TileGrid {
    /// A grid of `size`-pixel tiles overlapping by `overlap` pixels.
    ///
    /// ```
    /// use tessera_tiles::TileGrid;
    /// let grid = TileGrid::new(1225, 500, 256, 32).unwrap();
    /// assert_eq!((grid.cols(), grid.rows()), (6, 3));
    /// let last = grid.window(5, 2);
    /// assert_eq!((last.x, last.y, last.w, last.h, last.edge), (1120, 448, 105, 52, true));
    /// // The overlap must be smaller than the tile.
    /// assert!(TileGrid::new(1225, 500, 256, 256).is_err());
    /// ```
    ///
    /// # Errors
    /// [`TilerError::InvalidOption`] when `size` is 0 or `overlap >= size`.
    pub fn new(width: u32, height: u32, size: u32, overlap: u32) -> TilerResult<Self> {
        if size == 0 || overlap >= size || size > 1 << 14 {
            return Err(TilerError::InvalidOption {
                path: "<grid>".into(),
                detail: format!(
                    "tile size {size} with overlap {overlap}: need 0 < size ≤ 16384 and overlap < size"
                ),
            });
        }
        let stride = size - overlap;
        Ok(Self {
            width,
            height,
            size,
            overlap,
            cols: count(width, size, stride),
            rows: count(height, size, stride),
        })
    }

    /// Tile size in pixels.
    #[must_use]
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Distance between the origins of neighbouring tiles.
    #[must_use]
    pub fn stride(&self) -> u32 {
        self.size - self.overlap
    }

    /// Number of tile columns.
    #[must_use]
    pub fn cols(&self) -> u32 {
        self.cols
    }

    /// Number of tile rows.
    #[must_use]
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Total number of tiles.
    #[must_use]
    pub fn len(&self) -> u64 {
        u64::from(self.cols) * u64::from(self.rows)
    }

    /// Never true: a grid has at least one tile.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The window of tile (col, row). Out-of-range indices give an empty window.
    #[must_use]
    pub fn window(&self, col: u32, row: u32) -> TileWindow {
        let (x, y) = (
            col.saturating_mul(self.stride()),
            row.saturating_mul(self.stride()),
        );
        let w = self.size.min(self.width.saturating_sub(x));
        let h = self.size.min(self.height.saturating_sub(y));
        TileWindow {
            col,
            row,
            x,
            y,
            w,
            h,
            edge: w < self.size || h < self.size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case::exact_fit(1024, 256, 0, 4)]
    #[case::one_tile_smaller_than_size(100, 256, 32, 1)]
    #[case::exactly_one_tile(256, 256, 32, 1)]
    #[case::overlap_stride(1225, 256, 32, 6)]
    #[case::one_pixel_past(257, 256, 0, 2)]
    fn column_counts(
        #[case] width: u32,
        #[case] size: u32,
        #[case] overlap: u32,
        #[case] cols: u32,
    ) {
        assert_eq!(
            TileGrid::new(width, 10, size, overlap).unwrap().cols(),
            cols
        );
    }

    #[test]
    fn grid_covers_every_pixel_and_no_tile_is_only_overlap() {
        for (w, s, o) in [
            (1000, 256, 32),
            (791, 256, 32),
            (8192, 256, 0),
            (300, 128, 127),
        ] {
            let g = TileGrid::new(w, w, s, o).unwrap();
            let last = g.window(g.cols() - 1, 0);
            assert_eq!(last.x + last.w, w, "{w} {s} {o}");
            if g.cols() > 1 {
                assert!(last.w > o, "last tile holds new pixels");
            }
        }
    }

    #[test]
    fn interior_tiles_are_not_edges() {
        let g = TileGrid::new(1024, 1024, 256, 0).unwrap();
        assert!(!g.window(3, 3).edge);
        assert_eq!(g.len(), 16);
    }
}
