//! Sampling a frame on another grid (a Web Mercator tile row, a north-up chip): every output pixel
//! centre goes through a projection to a frame pixel position, and the frame is read there with
//! bilinear interpolation, in bands of rows so memory stays bounded.
//!
//! Projecting every pixel through `proj4rs` would dominate the run time, so, like gdalwarp's
//! approximate transformer, the exact projection is computed on a [`NodeGrid`] every
//! [`STEP`] output pixels and interpolated bilinearly in between. Over 16 px of a tile the
//! projections used here (UTM, geographic, Mercator) are linear far below a tenth of a pixel.

use rayon::prelude::*;

use crate::display::Pixels;
use crate::error::TilerResult;
use crate::raster::BandCache;

/// Output pixels between two exactly projected nodes.
pub(crate) const STEP: usize = 16;
/// Output rows rendered per band read: bounds the frame rows held at once.
const SLICE: usize = 64;

/// Frame pixel positions (pixel-corner coordinates, as [`crate::GeoTransform`] uses) of output
/// pixel centres, exact at every [`STEP`]th pixel and interpolated between.
pub(crate) struct NodeGrid {
    cols: usize,
    rows: usize,
    nodes: Vec<Option<(f64, f64)>>,
}

impl NodeGrid {
    /// Nodes for a `width`×`height` output; `project(x, y)` maps an output position (pixel-corner
    /// coordinates, so a pixel centre is `i + 0.5`) to a frame position, `None` where it has none.
    pub(crate) fn new(
        width: usize,
        height: usize,
        project: &(dyn Fn(f64, f64) -> Option<(f64, f64)> + Sync),
    ) -> Self {
        let cols = width.saturating_sub(1).div_ceil(STEP) + 1;
        let rows = height.saturating_sub(1).div_ceil(STEP) + 1;
        let nodes = (0..cols * rows)
            .into_par_iter()
            .map(|n| {
                let (k, l) = (n % cols, n / cols);
                #[expect(clippy::cast_precision_loss, reason = "output sizes are small")]
                let (x, y) = ((k * STEP) as f64 + 0.5, (l * STEP) as f64 + 0.5);
                project(x, y).filter(|(fx, fy)| fx.is_finite() && fy.is_finite())
            })
            .collect();
        Self { cols, rows, nodes }
    }

    fn node(&self, k: usize, l: usize) -> Option<(f64, f64)> {
        self.nodes[l.min(self.rows - 1) * self.cols + k.min(self.cols - 1)]
    }

    /// The frame position of output pixel (i, j)'s centre.
    #[expect(
        clippy::many_single_char_names,
        reason = "pixel (i, j), node (k, l) and the four corners a-d"
    )]
    pub(crate) fn at(&self, i: usize, j: usize) -> Option<(f64, f64)> {
        let (k, l) = (i / STEP, j / STEP);
        #[expect(clippy::cast_precision_loss, reason = "0..STEP")]
        let (tx, ty) = (
            (i % STEP) as f64 / STEP as f64,
            (j % STEP) as f64 / STEP as f64,
        );
        let (a, b) = (self.node(k, l)?, self.node(k + 1, l)?);
        let (c, d) = (self.node(k, l + 1)?, self.node(k + 1, l + 1)?);
        let lerp = |p: f64, q: f64, t: f64| p + (q - p) * t;
        let top = (lerp(a.0, b.0, tx), lerp(a.1, b.1, tx));
        let bottom = (lerp(c.0, d.0, tx), lerp(c.1, d.1, tx));
        Some((lerp(top.0, bottom.0, ty), lerp(top.1, bottom.1, ty)))
    }

    /// The frame rows `[lo, hi)` that output rows `j0..j1` can touch inside a `width`×`height`
    /// frame, or `None` when they miss the frame.
    fn frame_rows(&self, j0: usize, j1: usize, width: u32, height: u32) -> Option<(u32, u32)> {
        let (l0, l1) = (j0 / STEP, ((j1 - 1) / STEP + 1).min(self.rows - 1));
        let (mut x_lo, mut x_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut y_lo, mut y_hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for l in l0..=l1 {
            for (fx, fy) in self.nodes[l * self.cols..(l + 1) * self.cols]
                .iter()
                .flatten()
            {
                x_lo = x_lo.min(*fx);
                x_hi = x_hi.max(*fx);
                y_lo = y_lo.min(*fy);
                y_hi = y_hi.max(*fy);
            }
        }
        let (w, h) = (f64::from(width), f64::from(height));
        // Two pixels of margin: the bilinear neighbours, and the interpolation between nodes.
        if x_hi < -2.0 || x_lo > w + 2.0 || y_hi < -2.0 || y_lo > h + 2.0 {
            return None;
        }
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped to the frame height"
        )]
        let (lo, hi) = (
            (y_lo - 2.0).floor().clamp(0.0, h) as u32,
            (y_hi + 2.0).ceil().clamp(0.0, h) as u32,
        );
        (lo < hi).then_some((lo, hi))
    }
}

/// Bilinear reads of a band of frame rows (1 or 3 channels with a nodata mask).
struct BandSampler<'a> {
    band: &'a Pixels,
    y0: i64,
}

impl BandSampler<'_> {
    fn valid_at(&self, x: i64, frame_y: i64) -> Option<usize> {
        let y = frame_y - self.y0;
        let (width, height) = (
            i64::try_from(self.band.width).ok()?,
            i64::try_from(self.band.height).ok()?,
        );
        if x < 0 || y < 0 || x >= width || y >= height {
            return None;
        }
        let i = usize::try_from(y * width + x).ok()?;
        self.band
            .valid
            .as_ref()
            .is_none_or(|v| v[i] != 0)
            .then_some(i)
    }

    /// RGB at frame position (fx, fy): `None` when the pixel it falls in is outside the frame or
    /// nodata; otherwise the bilinear mean of the valid neighbours around it.
    fn sample(&self, fx: f64, fy: f64) -> Option<[u8; 3]> {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "floor of a finite position near the band"
        )]
        let floor = |v: f64| v.floor() as i64;
        self.valid_at(floor(fx), floor(fy))?;
        let (gx, gy) = (fx - 0.5, fy - 0.5);
        let (x0, y0) = (floor(gx), floor(gy));
        let (tx, ty) = (gx - gx.floor(), gy - gy.floor());
        let c = self.band.channels;
        let mut acc = [0.0f64; 3];
        let mut wsum = 0.0;
        for (x, y, w) in [
            (x0, y0, (1.0 - tx) * (1.0 - ty)),
            (x0 + 1, y0, tx * (1.0 - ty)),
            (x0, y0 + 1, (1.0 - tx) * ty),
            (x0 + 1, y0 + 1, tx * ty),
        ] {
            if w <= 0.0 {
                continue;
            }
            if let Some(i) = self.valid_at(x, y) {
                let px = &self.band.data[i * c..(i + 1) * c];
                for (k, a) in acc.iter_mut().enumerate() {
                    *a += w * f64::from(px[k.min(c - 1)]);
                }
                wsum += w;
            }
        }
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a weighted mean of bytes"
        )]
        let byte = |a: f64| (a / wsum).round().clamp(0.0, 255.0) as u8;
        (wsum > 0.0).then(|| [byte(acc[0]), byte(acc[1]), byte(acc[2])])
    }
}

/// Renders a `width`×`height` RGBA image (alpha 0 outside the frame and on nodata) of `cache`'s
/// frame through `grid`, reading the frame in bands under [`SLICE`] output rows at a time.
/// Returns the pixels (`None` when nothing of the frame is in view) and the tallest band read.
pub(crate) fn render_rgba(
    cache: &mut BandCache<'_>,
    grid: &NodeGrid,
    width: usize,
    height: usize,
) -> TilerResult<(Option<Vec<u8>>, u32)> {
    let (fw, fh) = cache.size();
    let mut out: Option<Vec<u8>> = None;
    let mut tallest = 0;
    for j0 in (0..height).step_by(SLICE) {
        let j1 = (j0 + SLICE).min(height);
        let Some((lo, hi)) = grid.frame_rows(j0, j1, fw, fh) else {
            continue;
        };
        tallest = tallest.max(hi - lo);
        let band = cache.read_rows(lo, hi - lo)?;
        let sampler = BandSampler {
            band: &band,
            y0: i64::from(lo),
        };
        let buf = out.get_or_insert_with(|| vec![0; width * height * 4]);
        buf[j0 * width * 4..j1 * width * 4]
            .par_chunks_mut(width * 4)
            .enumerate()
            .for_each(|(r, row)| {
                for (i, px) in row.chunks_exact_mut(4).enumerate() {
                    if let Some([r_, g, b]) = grid
                        .at(i, j0 + r)
                        .and_then(|(fx, fy)| sampler.sample(fx, fy))
                    {
                        px.copy_from_slice(&[r_, g, b, 255]);
                    }
                }
            });
    }
    let any = out
        .as_ref()
        .is_some_and(|b| b.chunks_exact(4).any(|p| p[3] != 0));
    Ok((out.filter(|_| any), tallest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_interpolates_an_affine_map_exactly() {
        let grid = NodeGrid::new(40, 20, &|x, y| Some((2.0 * x + 1.0, 0.5 * y - 3.0)));
        for (i, j) in [(0, 0), (7, 3), (39, 19), (16, 16), (31, 2)] {
            #[expect(clippy::cast_precision_loss, reason = "small")]
            let (x, y) = (i as f64 + 0.5, j as f64 + 0.5);
            let (fx, fy) = grid.at(i, j).unwrap();
            assert!((fx - (2.0 * x + 1.0)).abs() < 1e-9, "{i},{j}: {fx}");
            assert!((fy - (0.5 * y - 3.0)).abs() < 1e-9, "{i},{j}: {fy}");
        }
    }

    #[test]
    fn a_missing_node_blanks_its_cells_only() {
        let grid = NodeGrid::new(40, 1, &|x, y| (x < 20.0).then_some((x, y)));
        assert!(grid.at(3, 0).is_some());
        assert!(grid.at(20, 0).is_none());
    }

    #[test]
    fn sampler_returns_pixels_at_centres_and_blends_between() {
        let mut band = Pixels::new(3, 1, 1);
        band.data = vec![0, 100, 200];
        let s = BandSampler { band: &band, y0: 0 };
        assert_eq!(s.sample(1.5, 0.5), Some([100; 3]));
        assert_eq!(s.sample(1.0, 0.5), Some([50; 3]));
        // Inside the last pixel, past its centre: only it counts.
        assert_eq!(s.sample(2.9, 0.5), Some([200; 3]));
        assert_eq!(s.sample(3.0, 0.5), None, "outside the frame");
        assert_eq!(s.sample(-0.1, 0.5), None);
    }

    #[test]
    fn sampler_skips_nodata() {
        let mut band = Pixels::new(2, 1, 3);
        band.data = vec![10, 20, 30, 0, 0, 0];
        band.valid = Some(vec![1, 0]);
        let s = BandSampler { band: &band, y0: 0 };
        assert_eq!(
            s.sample(0.9, 0.5),
            Some([10, 20, 30]),
            "the nodata neighbour is left out"
        );
        assert_eq!(s.sample(1.5, 0.5), None);
    }
}
