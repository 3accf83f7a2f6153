//! The affine geotransform (GDAL's six coefficients) and how it is derived from GeoTIFF model tags
//! or a world file.
//!
//! GDAL is the reference reader, so its conventions are copied exactly: the transform maps pixel
//! *corners* (pixel (0,0) is the top-left corner of the first pixel); `ModelPixelScale` +
//! `ModelTiepoint` win over `ModelTransformation`; a negative Y scale is still read as north-up
//! (GDAL's default, `GTIFF_HONOUR_NEGATIVE_SCALEY=NO`); and for `RasterPixelIsPoint` files the
//! transform is shifted by half a pixel (GDAL's default, `GTIFF_POINT_GEO_IGNORE=NO`).

use serde::Serialize;

/// A GDAL-style affine transform: `x = c[0] + px*c[1] + py*c[2]`, `y = c[3] + px*c[4] + py*c[5]`,
/// where (px, py) are pixel-corner coordinates.
///
/// ```
/// use tessera_tiles::GeoTransform;
/// let gt = GeoTransform([100.0, 2.0, 0.0, 50.0, 0.0, -2.0]);
/// assert_eq!(gt.apply(10.0, 5.0), (120.0, 40.0));
/// assert_eq!(gt.invert().unwrap().apply(120.0, 40.0), (10.0, 5.0));
/// // A degenerate transform has no inverse.
/// assert!(GeoTransform([0.0; 6]).invert().is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GeoTransform(pub [f64; 6]);

impl GeoTransform {
    /// The identity transform used for frames tiled in pixel space (y grows downwards).
    pub const PIXEL: Self = Self([0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);

    /// Maps a pixel-corner coordinate to CRS coordinates.
    #[must_use]
    pub fn apply(&self, px: f64, py: f64) -> (f64, f64) {
        let c = &self.0;
        (c[0] + px * c[1] + py * c[2], c[3] + px * c[4] + py * c[5])
    }

    /// The inverse transform (CRS → pixel), or `None` if the transform is degenerate.
    #[must_use]
    pub fn invert(&self) -> Option<Self> {
        let [c0, c1, c2, c3, c4, c5] = self.0;
        let det = c1 * c5 - c2 * c4;
        if det.abs() < f64::MIN_POSITIVE || !det.is_finite() {
            return None;
        }
        let (i1, i2, i4, i5) = (c5 / det, -c2 / det, -c4 / det, c1 / det);
        Some(Self([
            -(i1 * c0 + i2 * c3),
            i1,
            i2,
            -(i4 * c0 + i5 * c3),
            i4,
            i5,
        ]))
    }

    /// True when the two transforms are equal within `tol` in every coefficient, relative to the
    /// pixel size (used to decide that two frames share one pixel grid).
    #[must_use]
    pub fn same_grid(&self, other: &Self, tol: f64) -> bool {
        let scale = self.0[1].abs().max(self.0[5].abs()).max(f64::MIN_POSITIVE);
        self.0
            .iter()
            .zip(other.0)
            .all(|(a, b)| (a - b).abs() <= tol * scale)
    }

    /// Builds the transform from GeoTIFF model tags exactly as GDAL does.
    ///
    /// `scale` is `ModelPixelScale` (33550), `tiepoints` `ModelTiepoint` (33922), `matrix`
    /// `ModelTransformation` (34264, 16 values). Returns `None` when the tags do not define an
    /// affine transform (none present, or only ground control points).
    #[must_use]
    pub fn from_model_tags(
        scale: Option<&[f64]>,
        tiepoints: Option<&[f64]>,
        matrix: Option<&[f64]>,
        pixel_is_point: bool,
    ) -> Option<Self> {
        let mut gt = match (scale, tiepoints, matrix) {
            (Some(s), Some(t), _) if s.len() >= 2 && s[0] != 0.0 && s[1] != 0.0 && t.len() >= 6 => {
                let (sx, sy) = (s[0], -s[1].abs());
                [t[3] - t[0] * sx, sx, 0.0, t[4] - t[1] * sy, 0.0, sy]
            }
            (_, _, Some(m)) if m.len() == 16 => [m[3], m[0], m[1], m[7], m[4], m[5]],
            _ => return None,
        };
        if pixel_is_point {
            gt[0] -= gt[1] * 0.5 + gt[2] * 0.5;
            gt[3] -= gt[4] * 0.5 + gt[5] * 0.5;
        }
        gt.iter().all(|v| v.is_finite()).then_some(Self(gt))
    }

    /// Parses a world file (`.tfw`, `.pgw`, `.jgw`, `.wld`): six lines A, D, B, E, C, F where C, F
    /// name the *centre* of the top-left pixel. Returns `None` if the text is not six numbers.
    ///
    /// ```
    /// use tessera_tiles::GeoTransform;
    /// let gt = GeoTransform::from_world_file("2\n0\n0\n-2\n101\n49\n").unwrap();
    /// assert_eq!(gt.0, [100.0, 2.0, 0.0, 50.0, 0.0, -2.0]);
    /// assert!(GeoTransform::from_world_file("2\n0\nnot a number\n").is_none());
    /// ```
    #[must_use]
    #[expect(
        clippy::many_single_char_names,
        reason = "A-F are the world-file coefficient names"
    )]
    pub fn from_world_file(text: &str) -> Option<Self> {
        let v: Vec<f64> = text
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .ok()?;
        let [a, d, b, e, c, f] = v.get(..6)?.try_into().ok()?;
        let gt = [c - 0.5 * a - 0.5 * b, a, b, f - 0.5 * d - 0.5 * e, d, e];
        gt.iter().all(|x| x.is_finite()).then_some(Self(gt))
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
    fn scale_and_tiepoint_give_north_up_transform() {
        let gt = GeoTransform::from_model_tags(
            Some(&[300.0, 300.0, 0.0]),
            Some(&[0.0, 0.0, 0.0, 101_985.0, 2_826_915.0, 0.0]),
            None,
            false,
        )
        .unwrap();
        assert_eq!(gt.0, [101_985.0, 300.0, 0.0, 2_826_915.0, 0.0, -300.0]);
    }

    #[test]
    fn negative_scale_y_is_still_north_up_like_gdal() {
        let gt = GeoTransform::from_model_tags(Some(&[1.0, -1.0]), Some(&[0.0; 6]), None, false)
            .unwrap();
        assert!(gt.0[5] < 0.0);
    }

    #[test]
    fn tiepoint_off_origin_is_moved_to_pixel_zero() {
        let gt = GeoTransform::from_model_tags(
            Some(&[2.0, 2.0]),
            Some(&[10.0, 5.0, 0.0, 1000.0, 500.0, 0.0]),
            None,
            false,
        )
        .unwrap();
        assert_eq!(gt.apply(10.0, 5.0), (1000.0, 500.0));
    }

    #[test]
    fn pixel_is_point_shifts_half_a_pixel() {
        let area =
            GeoTransform::from_model_tags(Some(&[2.0, 2.0]), Some(&[0.0; 6]), None, false).unwrap();
        let point =
            GeoTransform::from_model_tags(Some(&[2.0, 2.0]), Some(&[0.0; 6]), None, true).unwrap();
        assert_eq!(point.0[0], area.0[0] - 1.0);
        assert_eq!(point.0[3], area.0[3] + 1.0);
    }

    #[test]
    fn matrix_form_and_gcps() {
        let m = [
            2.0, 0.5, 0.0, 10.0, 0.25, -2.0, 0.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
        ];
        let gt = GeoTransform::from_model_tags(None, None, Some(&m), false).unwrap();
        assert_eq!(gt.0, [10.0, 2.0, 0.5, 20.0, 0.25, -2.0]);
        // Several tiepoints without a scale are ground control points: not affine.
        assert!(GeoTransform::from_model_tags(None, Some(&[0.0; 12]), None, false).is_none());
    }

    #[test]
    fn inverse_round_trips_rotated_transform() {
        let gt = GeoTransform([10.0, 2.0, 0.5, 20.0, 0.25, -2.0]);
        let inv = gt.invert().unwrap();
        let (x, y) = gt.apply(37.5, 12.25);
        let (px, py) = inv.apply(x, y);
        assert!((px - 37.5).abs() < 1e-9 && (py - 12.25).abs() < 1e-9);
    }
}
