//! The pyramid's levels: the deepest rendered from the frame one tile row at a time, each
//! shallower one averaged 2×2 from the level below as pairs of its rows complete.

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::mercator::{TILE, pixel_to_mercator, tile_at, to_lonlat};
use super::{OverviewOptions, OverviewSummary, Plan};
use crate::display::Pixels;
use crate::encode::{TileFormat, encode, encode_rgba_png};
use crate::error::{TilerError, TilerResult};
use crate::frame::Frame;
use crate::raster::BandCache;
use crate::sample::{NodeGrid, render_rgba};
use crate::store::TileStore;

const T: usize = TILE as usize;

/// One tile row of a level as RGBA (`cols × 256` wide, 256 high); `None` when fully transparent.
type Strip = Option<Vec<u8>>;

/// One zoom level: its tile range, and the upper half of the next shallower row waiting for
/// its lower half.
struct Level {
    z: u8,
    x0: u32,
    x1: u32,
    y0: u32,
    y1: u32,
    pending: Option<(u32, Strip)>,
}

impl Level {
    fn cols(&self) -> usize {
        (self.x1 - self.x0 + 1) as usize
    }

    fn tiles(&self) -> u64 {
        u64::from(self.x1 - self.x0 + 1) * u64::from(self.y1 - self.y0 + 1)
    }
}

/// What a tile of a strip is written as.
enum Kind {
    Empty,
    Opaque,
    Edge,
}

pub(super) struct Pyramid<'a> {
    frame: &'a Frame,
    key: &'a str,
    opts: &'a OverviewOptions,
    store: &'a dyn TileStore,
    progress: &'a (dyn Fn(u64, u64) + Sync),
    /// Deepest zoom first.
    levels: Vec<Level>,
    done: AtomicU64,
    total: u64,
    summary: OverviewSummary,
}

impl<'a> Pyramid<'a> {
    pub(super) fn new(
        frame: &'a Frame,
        key: &'a str,
        plan: &Plan,
        opts: &'a OverviewOptions,
        store: &'a dyn TileStore,
        progress: &'a (dyn Fn(u64, u64) + Sync),
    ) -> Self {
        let [west, south, east, north] = plan.mercator;
        let (x0, y0) = tile_at(plan.max_zoom, west, north);
        let (x1, y1) = tile_at(plan.max_zoom, east, south);
        // Shallower ranges by halving, so that each level's tiles are exactly the parents of
        // the level below.
        let levels: Vec<Level> = (plan.min_zoom..=plan.max_zoom)
            .rev()
            .map(|z| {
                let shift = plan.max_zoom - z;
                Level {
                    z,
                    x0: x0 >> shift,
                    x1: x1 >> shift,
                    y0: y0 >> shift,
                    y1: y1 >> shift,
                    pending: None,
                }
            })
            .collect();
        let total = levels.iter().map(Level::tiles).sum();
        Self {
            frame,
            key,
            opts,
            store,
            progress,
            levels,
            done: AtomicU64::new(0),
            total,
            summary: OverviewSummary {
                min_zoom: plan.min_zoom,
                max_zoom: plan.max_zoom,
                ..OverviewSummary::default()
            },
        }
    }

    pub(super) fn run(mut self) -> TilerResult<OverviewSummary> {
        let frame = self.frame;
        let path = &frame.info().path;
        let no_crs = || TilerError::InvalidOption {
            path: path.clone(),
            detail: "a frame in pixel space has no place on the map".into(),
        };
        let crs = frame.crs().ok_or_else(no_crs)?;
        let inverse = frame
            .transform()
            .invert()
            .ok_or_else(|| TilerError::InvalidOption {
                path: path.clone(),
                detail: "degenerate geotransform".into(),
            })?;
        let (z, x0, y0, y1, width) = {
            let top = &self.levels[0];
            (top.z, top.x0, top.y0, top.y1, top.cols() * T)
        };
        let mut cache = BandCache::new(frame.source());
        for y in y0..=y1 {
            let project = |px: f64, py: f64| {
                let (mx, my) =
                    pixel_to_mercator(z, f64::from(x0 * TILE) + px, f64::from(y * TILE) + py);
                let (lon, lat) = to_lonlat(mx, my);
                let (cx, cy) = crs.from_wgs84(lon, lat).ok()?;
                Some(inverse.apply(cx, cy))
            };
            let grid = NodeGrid::new(width, T, &project);
            let (strip, rows) = render_rgba(&mut cache, &grid, width, T)?;
            self.summary.largest_band_rows = self.summary.largest_band_rows.max(rows);
            self.push(0, y, strip)?;
        }
        drop(cache);
        for li in 0..self.levels.len() - 1 {
            self.flush(li)?;
        }
        Ok(self.summary)
    }

    /// Writes row `y` of level `li`, and carries it into the next shallower level.
    fn push(&mut self, li: usize, y: u32, strip: Strip) -> TilerResult<()> {
        self.write_row(li, y, strip.as_deref())?;
        if li + 1 == self.levels.len() {
            return Ok(());
        }
        let parent = y / 2;
        if self.levels[li]
            .pending
            .as_ref()
            .is_some_and(|(p, _)| *p != parent)
        {
            self.flush(li)?;
        }
        if y.is_multiple_of(2) {
            self.levels[li].pending = Some((parent, strip));
            return Ok(());
        }
        let top = self.levels[li].pending.take().and_then(|(_, s)| s);
        let down = self.downsample(li, top.as_deref(), strip.as_deref());
        self.push(li + 1, parent, down)
    }

    /// Completes a waiting upper half with an empty lower half.
    fn flush(&mut self, li: usize) -> TilerResult<()> {
        if let Some((parent, top)) = self.levels[li].pending.take() {
            let down = self.downsample(li, top.as_deref(), None);
            self.push(li + 1, parent, down)?;
        }
        Ok(())
    }

    /// The parent row of two rows of level `li` (upper, lower): each pixel the alpha-weighted
    /// mean of the four below it.
    fn downsample(&self, li: usize, top: Option<&[u8]>, bottom: Option<&[u8]>) -> Strip {
        if top.is_none() && bottom.is_none() {
            return None;
        }
        let (child, parent) = (&self.levels[li], &self.levels[li + 1]);
        let (cw, pw) = (child.cols() * T, parent.cols() * T);
        // The child row starts half a parent tile in when its first tile is a right child.
        let offset = (child.x0 - 2 * parent.x0) as usize * T;
        let mut out = vec![0u8; pw * T * 4];
        out.par_chunks_mut(pw * 4)
            .enumerate()
            .for_each(|(py, row)| {
                let (src, sy) = if py < T / 2 {
                    (top, 2 * py)
                } else {
                    (bottom, 2 * py - T)
                };
                let Some(src) = src else { return };
                for (px, dst) in row.chunks_exact_mut(4).enumerate() {
                    let mut acc = [0u32; 4];
                    for dy in 0..2 {
                        for dx in 0..2 {
                            let Some(cx) = (2 * px + dx).checked_sub(offset).filter(|&x| x < cw)
                            else {
                                continue;
                            };
                            let s = &src[((sy + dy) * cw + cx) * 4..][..4];
                            let a = u32::from(s[3]);
                            for c in 0..3 {
                                acc[c] += u32::from(s[c]) * a;
                            }
                            acc[3] += a;
                        }
                    }
                    let alpha = acc[3];
                    for c in 0..3 {
                        if let Some(v) = (acc[c] + alpha / 2).checked_div(alpha) {
                            dst[c] = u8::try_from(v).unwrap_or(u8::MAX);
                        }
                    }
                    dst[3] = u8::try_from((alpha + 2) / 4).unwrap_or(u8::MAX);
                }
            });
        out.chunks_exact(4).any(|p| p[3] != 0).then_some(out)
    }

    /// Encodes and stores the tiles of row `y` of level `li` that hold data.
    fn write_row(&mut self, li: usize, y: u32, strip: Option<&[u8]>) -> TilerResult<()> {
        let level = &self.levels[li];
        let cols = level.cols();
        let results: Vec<(Kind, u64)> = (0..cols)
            .into_par_iter()
            .map(|c| {
                let out = match strip {
                    Some(s) => self.write_tile(level, c, y, s),
                    None => Ok((Kind::Empty, 0)),
                };
                (self.progress)(self.done.fetch_add(1, Ordering::Relaxed) + 1, self.total);
                out
            })
            .collect::<TilerResult<_>>()?;
        for (kind, bytes) in results {
            match kind {
                Kind::Empty => self.summary.empty_tiles += 1,
                Kind::Opaque => self.summary.jpeg_tiles += 1,
                Kind::Edge => self.summary.png_tiles += 1,
            }
            self.summary.bytes += bytes;
        }
        Ok(())
    }

    fn write_tile(
        &self,
        level: &Level,
        c: usize,
        y: u32,
        strip: &[u8],
    ) -> TilerResult<(Kind, u64)> {
        let width = level.cols() * T;
        let mut rgba = Vec::with_capacity(T * T * 4);
        for r in 0..T {
            rgba.extend_from_slice(&strip[(r * width + c * T) * 4..][..T * 4]);
        }
        let alpha = |p: &[u8]| p[3];
        let kind = if rgba.chunks_exact(4).all(|p| alpha(p) == 0) {
            return Ok((Kind::Empty, 0));
        } else if rgba.chunks_exact(4).all(|p| alpha(p) == 255) {
            Kind::Opaque
        } else {
            Kind::Edge
        };
        let x = level.x0 + u32::try_from(c).unwrap_or(u32::MAX);
        let ext = match kind {
            Kind::Opaque => TileFormat::Jpeg.extension(),
            _ => TileFormat::Png.extension(),
        };
        let key = format!("overview/{}/{}/{x}/{y}.{ext}", self.key, level.z);
        let encoded = match kind {
            Kind::Opaque => {
                let mut rgb = Pixels::new(T, T, 3);
                for (d, s) in rgb.data.chunks_exact_mut(3).zip(rgba.chunks_exact(4)) {
                    d.copy_from_slice(&s[..3]);
                }
                encode(&rgb, TileFormat::Jpeg, self.opts.quality)
            }
            _ => encode_rgba_png(&rgba, TILE, TILE),
        };
        let bytes = encoded.map_err(|detail| TilerError::Encode {
            path: self.frame.info().path.clone(),
            key: key.clone(),
            detail,
        })?;
        self.store.put(&key, &bytes)?;
        Ok((kind, bytes.len() as u64))
    }
}
