//! Percentile contrast stretch for 16-bit and multispectral frames.
//!
//! Raw 16-bit reflectances (or an arbitrary band triple of a multispectral frame) look black or
//! washed out when shown as-is. Each displayed band is stretched linearly so that its `lo`-th
//! percentile maps to 0 and its `hi`-th to 255 (2 % and 98 % by default, as QGIS does). The
//! percentiles come from a histogram over an evenly spread sample of chunks, never from the whole
//! frame.

use rayon::prelude::*;

use crate::display::DisplayMap;
use crate::error::TilerResult;
use crate::geotiff::reader::{ChunkReader, RawChunk};

/// About this many pixels are sampled for the histogram.
const SAMPLE_PIXELS: u64 = 2_000_000;

/// A lookup table mapping raw values to display bytes from a histogram and two percentiles.
///
/// Values at or below the `lo` percentile become 0, at or above the `hi` percentile 255.
pub(crate) fn lut_from_histogram(hist: &[u64], lo: f64, hi: f64) -> Vec<u8> {
    let total: u64 = hist.iter().sum();
    let find = |pct: f64| {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "a pixel count well below 2^52"
        )]
        let target = ((total as f64) * pct / 100.0).ceil().max(1.0) as u64;
        let mut acc = 0;
        hist.iter()
            .position(|&n| {
                acc += n;
                acc >= target
            })
            .unwrap_or(hist.len().saturating_sub(1))
    };
    let (low, high) = if total == 0 {
        (0, hist.len() - 1)
    } else {
        (find(lo), find(hi))
    };
    let span = high.saturating_sub(low).max(1);
    (0..hist.len())
        .map(|v| {
            let scaled = (v.saturating_sub(low) * 255 + span / 2) / span;
            u8::try_from(scaled.min(255)).unwrap_or(u8::MAX)
        })
        .collect()
}

/// Per-band stretch tables for `map`'s displayed bands, from a sample of `reader`'s chunks.
pub(crate) fn percentile_luts(
    reader: &ChunkReader,
    map: &DisplayMap,
    lo: f64,
    hi: f64,
) -> TilerResult<Vec<Vec<u8>>> {
    let l = reader.layout();
    let levels = 1usize << l.bits;
    let chunks = u64::from(l.chunks_across) * u64::from(l.chunks_down);
    let per_chunk = (u64::from(l.chunk_w) * u64::from(l.chunk_h)).max(1);
    let take = (SAMPLE_PIXELS / per_chunk).clamp(8, 512).min(chunks);
    let step = (chunks / take.max(1)).max(1);
    let picks: Vec<u64> = (0..take)
        .map(|i| i * step + step / 2)
        .filter(|&i| i < chunks)
        .collect();
    let stride = if l.planar { 1 } else { usize::from(l.samples) };
    let needed = reader.needed();
    let loc = |b: usize| {
        if l.planar {
            (needed.iter().position(|&n| n == b).unwrap_or(0), 0)
        } else {
            (0, b)
        }
    };
    let hists = picks
        .par_iter()
        .map(|&i| {
            let across = u64::from(l.chunks_across);
            let (cx, cy) = (
                u32::try_from(i % across).unwrap_or(0),
                u32::try_from(i / across).unwrap_or(0),
            );
            let (raw, w, h) = reader.read_raw(cx, cy)?;
            let mut hist = vec![vec![0u64; levels]; map.bands.len()];
            let get = |plane: usize, idx: usize| -> usize {
                match &raw {
                    RawChunk::U8(p) => usize::from(p[plane][idx]),
                    RawChunk::U16(p) => usize::from(p[plane][idx]),
                }
            };
            let locs: Vec<_> = map.bands.iter().map(|&b| loc(b)).collect();
            let alpha = map.alpha.map(loc);
            for px in 0..w * h {
                if alpha.is_some_and(|(p, o)| get(p, px * stride + o) == 0) {
                    continue;
                }
                let vals: Vec<usize> = locs.iter().map(|&(p, o)| get(p, px * stride + o)).collect();
                if map
                    .nodata
                    .is_some_and(|nd| vals.iter().all(|&v| v == usize::from(nd)))
                {
                    continue;
                }
                for (c, v) in vals.into_iter().enumerate() {
                    hist[c][v] += 1;
                }
            }
            Ok(hist)
        })
        .collect::<TilerResult<Vec<_>>>()?;
    let mut total = vec![vec![0u64; levels]; map.bands.len()];
    for h in hists {
        for (t, b) in total.iter_mut().zip(h) {
            t.iter_mut().zip(b).for_each(|(a, n)| *a += n);
        }
    }
    Ok(total
        .iter()
        .map(|h| lut_from_histogram(h, lo, hi))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_map_to_full_range() {
        // 100 values spread evenly over 1000..1100 in a 16-bit histogram.
        let mut hist = vec![0u64; 65536];
        hist[1000..1100].fill(1);
        let lut = lut_from_histogram(&hist, 2.0, 98.0);
        assert_eq!(lut[0], 0);
        assert_eq!(lut[1001], 0);
        assert_eq!(lut[1097], 255);
        assert_eq!(lut[60000], 255);
        assert!(lut[1050] > 100 && lut[1050] < 155, "{}", lut[1050]);
    }

    #[test]
    fn empty_histogram_is_a_plain_ramp() {
        let lut = lut_from_histogram(&[0; 256], 2.0, 98.0);
        assert_eq!(lut[0], 0);
        assert_eq!(lut[255], 255);
    }
}
