//! Turning raw samples into display pixels: band choice (e.g. 3,2,1 for true colour), nodata and
//! alpha masking, and a per-band lookup table (identity for 8-bit RGB, a percentile stretch for
//! 16-bit and multispectral data — see [`crate::stretch`]).

/// Display pixels of a rectangle: 1 (gray) or 3 (RGB) bytes per pixel, plus an optional mask
/// (`None` = every pixel valid; otherwise 1 = valid, 0 = nodata).
#[derive(Debug, Clone, Default)]
pub struct Pixels {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Bytes per pixel: 1 or 3.
    pub channels: usize,
    /// Row-major pixel bytes, `width * height * channels` long.
    pub data: Vec<u8>,
    /// Per-pixel validity, `width * height` long, or `None` when all pixels are valid.
    pub valid: Option<Vec<u8>>,
}

impl Pixels {
    /// A black, fully-valid buffer.
    #[must_use]
    pub fn new(width: usize, height: usize, channels: usize) -> Self {
        Self {
            width,
            height,
            channels,
            data: vec![0; width * height * channels],
            valid: None,
        }
    }

    /// Whether pixel (x, y) holds data.
    #[must_use]
    pub fn is_valid(&self, x: usize, y: usize) -> bool {
        self.valid
            .as_ref()
            .is_none_or(|v| v[y * self.width + x] != 0)
    }

    /// Copies the rectangle (sx, sy, w, h) of `src` to (dx, dy) of `self`, mask included.
    #[expect(
        clippy::many_single_char_names,
        reason = "rectangle arithmetic reads best with x/y/w/h"
    )]
    pub(crate) fn blit(
        &mut self,
        src: &Self,
        (sx, sy): (usize, usize),
        (dx, dy): (usize, usize),
        (w, h): (usize, usize),
    ) {
        let c = self.channels;
        debug_assert_eq!(c, src.channels);
        for row in 0..h {
            let s = ((sy + row) * src.width + sx) * c;
            let d = ((dy + row) * self.width + dx) * c;
            self.data[d..d + w * c].copy_from_slice(&src.data[s..s + w * c]);
        }
        if src.valid.is_none() && self.valid.is_none() {
            return;
        }
        let dst_w = self.width;
        let mask = self
            .valid
            .get_or_insert_with(|| vec![1; dst_w * self.height]);
        for row in 0..h {
            let d = (dy + row) * dst_w + dx;
            match &src.valid {
                Some(v) => {
                    let s = (sy + row) * src.width + sx;
                    mask[d..d + w].copy_from_slice(&v[s..s + w]);
                }
                None => mask[d..d + w].fill(1),
            }
        }
    }
}

/// How raw samples map to display channels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DisplayMap {
    /// Source band (0-based) for each display channel: one (gray) or three (RGB).
    pub bands: Vec<usize>,
    /// Alpha band (0-based): pixels with alpha 0 are nodata.
    pub alpha: Option<usize>,
    /// Raw value meaning "no data" (a pixel is nodata when every displayed band has it).
    pub nodata: Option<u16>,
    /// Per display channel lookup table indexed by raw value, or `None` for identity (8-bit).
    pub luts: Option<Vec<Vec<u8>>>,
}

impl DisplayMap {
    /// True when raw chunky 8-bit samples can be used as display bytes without any conversion.
    pub(crate) fn is_identity_for(&self, samples: usize) -> bool {
        self.alpha.is_none()
            && self.nodata.is_none()
            && self.luts.is_none()
            && self.bands.len() == samples
            && self.bands.iter().enumerate().all(|(i, &b)| i == b)
    }

    /// Converts one rectangle of raw samples. `loc(band)` gives (plane, offset) of a band, and
    /// every plane has `stride` samples per pixel.
    pub(crate) fn convert<T: Copy + Into<u16>>(
        &self,
        planes: &[&[T]],
        stride: usize,
        loc: impl Fn(usize) -> (usize, usize),
        width: usize,
        height: usize,
    ) -> Pixels {
        let n = width * height;
        let channels = self.bands.len();
        let mut out = Pixels::new(width, height, channels);
        let locs: Vec<(usize, usize)> = self.bands.iter().map(|&b| loc(b)).collect();
        let alpha = self.alpha.map(&loc);
        let masked = alpha.is_some() || self.nodata.is_some();
        let mut valid = if masked { vec![1u8; n] } else { Vec::new() };
        for (c, &(plane, offset)) in locs.iter().enumerate() {
            let src = planes[plane];
            let lut = self.luts.as_ref().map(|l| l[c].as_slice());
            for i in 0..n {
                let v: u16 = src[i * stride + offset].into();
                out.data[i * channels + c] = match lut {
                    Some(l) => l[usize::from(v)],
                    // Without a table only 8-bit data reaches here, so the value fits.
                    None => u8::try_from(v).unwrap_or(u8::MAX),
                };
            }
        }
        if masked {
            for (i, ok) in valid.iter_mut().enumerate() {
                let transparent = alpha.is_some_and(|(p, o)| planes[p][i * stride + o].into() == 0);
                let empty = self.nodata.is_some_and(|nd| {
                    locs.iter()
                        .all(|&(p, o)| planes[p][i * stride + o].into() == nd)
                });
                if transparent || empty {
                    *ok = 0;
                    out.data[i * channels..(i + 1) * channels].fill(0);
                }
            }
            out.valid = Some(valid);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_choice_reorders_and_nodata_masks() {
        let map = DisplayMap {
            bands: vec![2, 1, 0],
            alpha: None,
            nodata: Some(0),
            luts: None,
        };
        // Two pixels of 4 bands: the second is all-zero in the displayed bands.
        let raw: [u8; 8] = [10, 20, 30, 40, 0, 0, 0, 9];
        let px = map.convert(&[&raw], 4, |b| (0, b), 2, 1);
        assert_eq!(px.data, [30, 20, 10, 0, 0, 0]);
        assert!(px.is_valid(0, 0));
        assert!(!px.is_valid(1, 0));
    }

    #[test]
    fn nodata_needs_every_band() {
        let map = DisplayMap {
            bands: vec![0, 1, 2],
            alpha: None,
            nodata: Some(0),
            luts: None,
        };
        let px = map.convert(&[&[0u8, 5, 0][..]], 3, |b| (0, b), 1, 1);
        assert!(px.is_valid(0, 0));
    }

    #[test]
    fn alpha_zero_is_nodata_and_planes_work() {
        let map = DisplayMap {
            bands: vec![0],
            alpha: Some(1),
            nodata: None,
            luts: None,
        };
        let gray: [u16; 2] = [7, 8];
        let alpha: [u16; 2] = [255, 0];
        let lut: Vec<u8> = (0..=u16::MAX)
            .map(|v| u8::try_from(v.min(255)).unwrap())
            .collect();
        let map = DisplayMap {
            luts: Some(vec![lut]),
            ..map
        };
        let px = map.convert(&[&gray, &alpha], 1, |b| (b, 0), 2, 1);
        assert_eq!(px.data, [7, 0]);
        assert_eq!(px.valid, Some(vec![1, 0]));
    }

    #[test]
    fn identity_detection() {
        let map = DisplayMap {
            bands: vec![0, 1, 2],
            alpha: None,
            nodata: None,
            luts: None,
        };
        assert!(map.is_identity_for(3));
        assert!(!map.is_identity_for(4));
    }

    #[test]
    fn blit_copies_mask() {
        let mut dst = Pixels::new(4, 2, 1);
        let mut src = Pixels::new(2, 1, 1);
        src.data = vec![5, 6];
        src.valid = Some(vec![1, 0]);
        dst.blit(&src, (0, 0), (1, 1), (2, 1));
        assert_eq!(dst.data, [0, 0, 0, 0, 0, 5, 6, 0]);
        assert!(dst.is_valid(0, 0) && dst.is_valid(1, 1) && !dst.is_valid(2, 1));
    }
}
