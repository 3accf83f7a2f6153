//! Cutting the before-tile: the pixels of an earlier frame over the same ground as an after-tile,
//! on the after-tile's pixel grid.
//!
//! Each after-tile pixel centre goes after-pixel → after-CRS → before-CRS → before-pixel (an affine
//! map when both frames share a CRS, a projection otherwise) and is sampled there. When the map is
//! an integer translation (identical or pixel-aligned grids) nearest sampling returns exactly the
//! before frame's pixels; otherwise the chosen [`Resampling`] applies.

use serde::Serialize;

use crate::display::Pixels;
use crate::error::{TilerError, TilerResult};
use crate::frame::Frame;
use crate::georef::GeoTransform;

/// How before-tiles are sampled when the two frames' grids differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Resampling {
    /// Nearest neighbour.
    Nearest,
    /// Bilinear interpolation of the four neighbours.
    #[default]
    Bilinear,
}

/// After-pixel → before-pixel mapping.
#[derive(Debug)]
pub(crate) enum PixelMap<'a> {
    /// Both frames in one CRS: an affine map; `exact` when it is an integer translation.
    Affine { map: GeoTransform, exact: bool },
    /// Different CRSs: through a projection for every pixel.
    Projected {
        after: &'a Frame,
        before: &'a Frame,
        before_inv: GeoTransform,
    },
}

impl<'a> PixelMap<'a> {
    pub(crate) fn new(after: &'a Frame, before: &'a Frame) -> TilerResult<Self> {
        let inv = before
            .transform()
            .invert()
            .ok_or_else(|| TilerError::InvalidOption {
                path: before.info().path.clone(),
                detail: "degenerate geotransform".into(),
            })?;
        let same_crs = match (after.crs(), before.crs()) {
            (Some(a), Some(b)) => a == b,
            (None, None) => true,
            _ => {
                return Err(TilerError::InvalidOption {
                    path: before.info().path.clone(),
                    detail: "cannot pair a georeferenced frame with a pixel-space frame".into(),
                });
            }
        };
        if !same_crs {
            return Ok(Self::Projected {
                after,
                before,
                before_inv: inv,
            });
        }
        // Compose: after pixel → CRS → before pixel.
        let a = after.transform().0;
        let (c0, c3) = inv.apply(a[0], a[3]);
        let i = inv.0;
        let map = GeoTransform([
            c0,
            i[1] * a[1] + i[2] * a[4],
            i[1] * a[2] + i[2] * a[5],
            c3,
            i[4] * a[1] + i[5] * a[4],
            i[4] * a[2] + i[5] * a[5],
        ]);
        let m = map.0;
        let near = |v: f64, t: f64| (v - t).abs() < 1e-6;
        let exact = near(m[1], 1.0)
            && near(m[5], 1.0)
            && near(m[2], 0.0)
            && near(m[4], 0.0)
            && near(m[0], m[0].round())
            && near(m[3], m[3].round());
        let map = if exact {
            GeoTransform([m[0].round(), 1.0, 0.0, m[3].round(), 0.0, 1.0])
        } else {
            map
        };
        Ok(Self::Affine { map, exact })
    }

    /// Before-pixel coordinate of after-pixel (px, py) (pixel-corner coordinates).
    pub(crate) fn map(&self, px: f64, py: f64) -> Option<(f64, f64)> {
        match self {
            Self::Affine { map, .. } => Some(map.apply(px, py)),
            Self::Projected {
                after,
                before,
                before_inv,
            } => {
                let (x, y) = after.transform().apply(px, py);
                let (bx, by) = after.crs()?.to_crs(before.crs()?, x, y).ok()?;
                Some(before_inv.apply(bx, by))
            }
        }
    }

    /// Range of before-frame rows [y0, y1) needed for after-rows [y0, y0+h) across `width`.
    pub(crate) fn rows_needed(&self, width: u32, y0: u32, h: u32) -> (f64, f64) {
        let (w, y0, y1) = (f64::from(width), f64::from(y0), f64::from(y0 + h));
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for i in 0..=16 {
            let x = w * f64::from(i) / 16.0;
            for y in [y0, f64::midpoint(y0, y1), y1] {
                if let Some((_, by)) = self.map(x, y) {
                    lo = lo.min(by);
                    hi = hi.max(by);
                }
            }
        }
        (lo - 2.0, hi + 2.0)
    }

    /// Fills a `size`×`size` tile whose pixel (0,0) is after-pixel (x0, y0), sampling `band` (the
    /// before frame's full-width rows starting at `band_y0`). Returns the tile and its nodata share.
    pub(crate) fn cut(
        &self,
        band: &Pixels,
        band_y0: i64,
        (x0, y0): (u32, u32),
        size: u32,
        mode: Resampling,
    ) -> (Pixels, f64) {
        let s = size as usize;
        let c = band.channels;
        let mut out = Pixels::new(s, s, c);
        let mut valid = vec![0u8; s * s];
        let nearest =
            mode == Resampling::Nearest || matches!(self, Self::Affine { exact: true, .. });
        #[expect(
            clippy::cast_possible_wrap,
            reason = "frame sides are capped far below i64::MAX"
        )]
        let (bw, bh) = (band.width as i64, band.height as i64);
        let inside = |x: i64, y: i64| x >= 0 && y >= 0 && x < bw && y < bh;
        let at = |x: i64, y: i64| {
            #[expect(
                clippy::cast_sign_loss,
                clippy::cast_possible_truncation,
                reason = "checked by `inside`"
            )]
            let i = (y as usize) * band.width + x as usize;
            i
        };
        let ok =
            |x: i64, y: i64| inside(x, y) && band.valid.as_ref().is_none_or(|v| v[at(x, y)] != 0);
        for j in 0..s {
            for i in 0..s {
                #[expect(clippy::cast_precision_loss, reason = "tile offsets are small")]
                let Some((bx, by)) = self.map(
                    f64::from(x0) + i as f64 + 0.5,
                    f64::from(y0) + j as f64 + 0.5,
                ) else {
                    continue;
                };
                #[expect(clippy::cast_precision_loss, reason = "band offsets are small")]
                let by = by - band_y0 as f64;
                let o = (j * s + i) * c;
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "floor of a finite pixel coordinate"
                )]
                if nearest {
                    let (nx, ny) = (bx.floor() as i64, by.floor() as i64);
                    if ok(nx, ny) {
                        let p = at(nx, ny) * c;
                        out.data[o..o + c].copy_from_slice(&band.data[p..p + c]);
                        valid[j * s + i] = 1;
                    }
                } else {
                    let (fx, fy) = (bx - 0.5, by - 0.5);
                    let (x0i, y0i) = (fx.floor() as i64, fy.floor() as i64);
                    let (tx, ty) = (fx - fx.floor(), fy - fy.floor());
                    let corners = [
                        (x0i, y0i, (1.0 - tx) * (1.0 - ty)),
                        (x0i + 1, y0i, tx * (1.0 - ty)),
                        (x0i, y0i + 1, (1.0 - tx) * ty),
                        (x0i + 1, y0i + 1, tx * ty),
                    ];
                    let mut acc = [0.0f64; 3];
                    let mut wsum = 0.0;
                    for (cx, cy, w) in corners {
                        if w > 0.0 && ok(cx, cy) {
                            let p = at(cx, cy) * c;
                            for (a, &v) in acc.iter_mut().zip(&band.data[p..p + c]) {
                                *a += w * f64::from(v);
                            }
                            wsum += w;
                        }
                    }
                    if wsum > 0.5 {
                        for (dst, a) in out.data[o..o + c].iter_mut().zip(acc) {
                            #[expect(clippy::cast_sign_loss, reason = "weighted mean of bytes")]
                            let v = (a / wsum).round().clamp(0.0, 255.0) as u8;
                            *dst = v;
                        }
                        valid[j * s + i] = 1;
                    }
                }
            }
        }
        let empty = s * s - valid.iter().map(|&v| usize::from(v)).sum::<usize>();
        out.valid = Some(valid);
        #[expect(clippy::cast_precision_loss, reason = "pixel counts")]
        let frac = empty as f64 / (s * s) as f64;
        (out, frac)
    }
}

#[cfg(test)]
mod tests {
    #![expect(
        clippy::float_cmp,
        reason = "these results are exact in binary floating point"
    )]

    use super::*;

    #[test]
    fn integer_translation_copies_pixels_exactly() {
        let map = PixelMap::Affine {
            map: GeoTransform([3.0, 1.0, 0.0, 1.0, 0.0, 1.0]),
            exact: true,
        };
        let mut band = Pixels::new(10, 10, 1);
        for (i, v) in band.data.iter_mut().enumerate() {
            *v = u8::try_from(i).unwrap();
        }
        let (tile, frac) = map.cut(&band, 0, (0, 0), 4, Resampling::Bilinear);
        assert_eq!(&tile.data[..4], &[13, 14, 15, 16]);
        assert_eq!(frac, 0.0);
    }

    #[test]
    fn outside_the_before_frame_is_nodata() {
        let map = PixelMap::Affine {
            map: GeoTransform([8.0, 1.0, 0.0, 0.0, 0.0, 1.0]),
            exact: true,
        };
        let band = Pixels::new(10, 4, 1);
        let (tile, frac) = map.cut(&band, 0, (0, 0), 4, Resampling::Nearest);
        assert!(tile.is_valid(1, 0) && !tile.is_valid(2, 0));
        assert!(
            (frac - 0.5).abs() < 1e-12,
            "two of four columns are outside: {frac}"
        );
    }

    #[test]
    fn bilinear_halfway_between_pixels_averages() {
        // Half-pixel shift: each output pixel centre sits between two band pixels.
        let map = PixelMap::Affine {
            map: GeoTransform([0.5, 1.0, 0.0, 0.0, 0.0, 1.0]),
            exact: false,
        };
        let mut band = Pixels::new(4, 1, 1);
        band.data = vec![0, 100, 200, 250];
        let (tile, _) = map.cut(&band, 0, (0, 0), 1, Resampling::Bilinear);
        assert_eq!(tile.data[0], 50);
    }
}
