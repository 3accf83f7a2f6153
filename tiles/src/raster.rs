//! Row-band access to a frame's display pixels without holding the whole raster.
//!
//! A [`PixelSource`] decodes one *chunk row* at a time (a strip, or a row of internal tiles).
//! [`BandCache`] keeps only the chunk rows that overlap the band of image rows asked for last, so
//! consecutive, overlapping tile rows reuse decoded chunks, and memory stays at a few chunk rows of
//! the frame width whatever the frame height.

use rayon::prelude::*;

use crate::display::Pixels;
use crate::error::TilerResult;

/// Something that decodes full-width rows of chunks into display pixels.
pub(crate) trait PixelSource: Send + Sync + std::fmt::Debug {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Display channels: 1 or 3.
    fn channels(&self) -> usize;
    /// Image rows per chunk row (the last one may be shorter).
    fn row_height(&self) -> u32;
    /// Decodes chunk row `cy` at full width.
    fn decode_row(&self, cy: u32) -> TilerResult<Pixels>;
}

/// A fully decoded image (PNG/JPEG frames), served in bands of 256 rows.
#[derive(Debug)]
pub(crate) struct MemorySource(pub Pixels);

impl PixelSource for MemorySource {
    fn size(&self) -> (u32, u32) {
        (
            u32::try_from(self.0.width).unwrap_or(u32::MAX),
            u32::try_from(self.0.height).unwrap_or(u32::MAX),
        )
    }

    fn channels(&self) -> usize {
        self.0.channels
    }

    fn row_height(&self) -> u32 {
        256
    }

    fn decode_row(&self, cy: u32) -> TilerResult<Pixels> {
        let y0 = cy as usize * 256;
        let h = 256.min(self.0.height.saturating_sub(y0));
        let mut out = Pixels::new(self.0.width, h, self.0.channels);
        out.blit(&self.0, (0, y0), (0, 0), (self.0.width, h));
        Ok(out)
    }
}

/// Caches the decoded chunk rows overlapping the last requested band.
#[derive(Debug)]
pub(crate) struct BandCache<'a> {
    src: &'a dyn PixelSource,
    rows: Vec<(u32, Pixels)>,
}

impl<'a> BandCache<'a> {
    pub(crate) fn new(src: &'a dyn PixelSource) -> Self {
        Self {
            src,
            rows: Vec::new(),
        }
    }

    /// Width and height of the source.
    pub(crate) fn size(&self) -> (u32, u32) {
        self.src.size()
    }

    /// Full-width display pixels of image rows `y0 .. y0 + h` (clamped to the image).
    pub(crate) fn read_rows(&mut self, y0: u32, h: u32) -> TilerResult<Pixels> {
        self.read_band(y0, h, 0)
    }

    /// As [`Self::read_rows`], for callers that will ask only for rows from `keep_from` on next:
    /// when the band is exactly one decoded chunk row that ends before `keep_from` (tiles of the
    /// chunk height without overlap), that chunk row is handed over instead of copied.
    pub(crate) fn read_band(&mut self, y0: u32, h: u32, keep_from: u32) -> TilerResult<Pixels> {
        let (width, height) = self.src.size();
        let y0 = y0.min(height);
        let h = h.min(height - y0);
        if h == 0 {
            return Ok(Pixels::new(width as usize, 0, self.src.channels()));
        }
        let rh = self.src.row_height();
        let (first, last) = (y0 / rh, (y0 + h - 1) / rh);
        self.rows.retain(|(cy, _)| (first..=last).contains(cy));
        let missing: Vec<u32> = (first..=last)
            .filter(|cy| !self.rows.iter().any(|(c, _)| c == cy))
            .collect();
        let decoded = missing
            .par_iter()
            .map(|&cy| self.src.decode_row(cy).map(|p| (cy, p)))
            .collect::<TilerResult<Vec<_>>>()?;
        self.rows.extend(decoded);
        if let [(cy, px)] = self.rows.as_slice()
            && cy * rh == y0
            && px.height == h as usize
            && y0 + h <= keep_from
            && let Some((_, px)) = self.rows.pop()
        {
            return Ok(px);
        }
        let mut out = Pixels::new(width as usize, h as usize, self.src.channels());
        for (cy, px) in &self.rows {
            let top = cy * rh;
            let from = y0.max(top);
            let to = (y0 + h).min(top + u32::try_from(px.height).unwrap_or(u32::MAX));
            if from < to {
                out.blit(
                    px,
                    (0, (from - top) as usize),
                    (0, (from - y0) as usize),
                    (width as usize, (to - from) as usize),
                );
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: usize, h: usize) -> Pixels {
        let mut p = Pixels::new(w, h, 1);
        for y in 0..h {
            for x in 0..w {
                p.data[y * w + x] = u8::try_from((x + 3 * y) % 251).unwrap();
            }
        }
        p
    }

    #[test]
    fn bands_across_chunk_rows_match_the_image() {
        let img = gradient(40, 700);
        let src = MemorySource(img.clone());
        let mut cache = BandCache::new(&src);
        for &(y0, h) in &[(0, 256), (224, 256), (250, 300), (600, 256)] {
            let band = cache.read_rows(y0, h).unwrap();
            let h_eff = h.min(700 - y0) as usize;
            assert_eq!(band.height, h_eff);
            let start = y0 as usize * 40;
            assert_eq!(band.data, img.data[start..start + h_eff * 40]);
        }
        // Only the chunk rows of the last band stay cached.
        assert_eq!(cache.rows.len(), 1);
    }

    #[test]
    fn whole_chunk_rows_are_handed_over_when_not_needed_again() {
        let img = gradient(40, 700);
        let src = MemorySource(img.clone());
        let mut cache = BandCache::new(&src);
        let band = cache.read_band(256, 256, 512).unwrap();
        assert_eq!(band.data, img.data[256 * 40..512 * 40]);
        assert!(cache.rows.is_empty());
        // Still needed by the next band (overlap): kept, and copied out.
        let band = cache.read_band(0, 256, 224).unwrap();
        assert_eq!(band.data, img.data[..256 * 40]);
        assert_eq!(cache.rows.len(), 1);
    }
}
