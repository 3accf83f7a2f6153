//! The tiling pipeline: frame in, tiles and manifest records out.
//!
//! Work goes one tile row at a time: the band cache decodes the chunk rows under it (in parallel),
//! then the row's tiles are cut, checked for nodata, encoded and stored in parallel. Memory is a few
//! full-width bands, whatever the frame height.

mod options;
mod rows;

pub use options::TileOptions;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{TilerError, TilerResult};
use crate::frame::Frame;
use crate::grid::TileGrid;
use crate::manifest::{TileRecord, to_jsonl};
use crate::raster::BandCache;
use crate::resample::PixelMap;
use crate::store::TileStore;
use rows::{BandReader, cut_one};

/// What a tiling run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TileSummary {
    /// Frames tiled.
    pub frames: u64,
    /// Tiles in the grid(s).
    pub tiles_total: u64,
    /// Tiles written (after-tiles; their before-tiles are counted in `bytes` only).
    pub tiles_written: u64,
    /// Tiles skipped as mostly nodata.
    pub tiles_skipped: u64,
    /// Bytes written (tiles, before-tiles and manifest).
    pub bytes: u64,
    /// Wall time in seconds.
    pub seconds: f64,
    /// The manifest rows, in grid order (row-major).
    pub records: Vec<TileRecord>,
}

impl TileSummary {
    /// Counts one tile: written (its record and bytes) or skipped (`None`).
    fn count(&mut self, tile: Option<(TileRecord, u64)>) {
        match tile {
            Some((rec, bytes)) => {
                self.tiles_written += 1;
                self.bytes += bytes;
                self.records.push(rec);
            }
            None => self.tiles_skipped += 1,
        }
    }

    /// Adds another frame's summary (for multi-frame runs).
    pub fn absorb(&mut self, other: Self) {
        self.frames += other.frames;
        self.tiles_total += other.tiles_total;
        self.tiles_written += other.tiles_written;
        self.tiles_skipped += other.tiles_skipped;
        self.bytes += other.bytes;
        self.seconds += other.seconds;
        self.records.extend(other.records);
    }
}

pub(crate) fn check_id(path: &std::path::Path, id: &str) -> TilerResult<()> {
    let ok = !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(TilerError::InvalidOption {
            path: path.to_path_buf(),
            detail: format!("frame id `{id}` must be [A-Za-z0-9._-] and not start with '.'"),
        })
    }
}

/// Cuts `after` into tiles, stores them (and, with `before`, a before-tile per tile over the same
/// ground) in `store`, writes `tiles/{frame_id}/manifest.jsonl` last, and returns the records.
///
/// `progress(done, total)` is called from worker threads after each tile.
///
/// # Errors
/// Any [`TilerError`] from reading, encoding or storing. Tiles written before the error are
/// complete files, but the frame's manifest is not written, so the frame is not marked done.
///
/// # Panics
/// Never on valid frames; rayon re-raises a panic from a worker thread.
pub fn tile_frame(
    after: &Frame,
    before: Option<&Frame>,
    frame_id: &str,
    before_id: Option<&str>,
    opts: &TileOptions,
    store: &dyn TileStore,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> TilerResult<TileSummary> {
    let path = &after.info().path;
    check_id(path, frame_id)?;
    let before = match (before, before_id) {
        (Some(b), Some(id)) => {
            check_id(path, id)?;
            Some((b, id, PixelMap::new(after, b)?))
        }
        (Some(b), None) => Some((b, "before", PixelMap::new(after, b)?)),
        (None, _) => None,
    };
    if !(0.0..=1.0).contains(&opts.nodata_threshold) {
        return Err(TilerError::InvalidOption {
            path: path.clone(),
            detail: "nodata_threshold must be within 0..=1".into(),
        });
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .map_err(|e| TilerError::InvalidOption {
            path: path.clone(),
            detail: e.to_string(),
        })?;
    let started = Instant::now();
    let (width, height) = after.source().size();
    let grid = TileGrid::new(width, height, opts.tile_size, opts.overlap).map_err(|_| {
        TilerError::InvalidOption {
            path: path.clone(),
            detail: format!("tile size {} / overlap {}", opts.tile_size, opts.overlap),
        }
    })?;
    let total = grid.len();
    let done = AtomicU64::new(0);
    let mut summary = TileSummary {
        frames: 1,
        tiles_total: total,
        ..TileSummary::default()
    };
    pool.install(|| -> TilerResult<()> {
        let mut bands = BandReader {
            cache: BandCache::new(after.source()),
            before: before
                .as_ref()
                .map(|(b, _, map)| (*b, map, BandCache::new(b.source()))),
            grid: &grid,
        };
        // Decoding row r + 1 overlaps encoding row r: both are parallel, and rayon's work stealing
        // keeps every thread busy instead of alternating a decode phase and an encode phase.
        let mut next = (grid.rows() > 0).then(|| bands.read(0)).transpose()?;
        for row in 0..grid.rows() {
            let Some((band, before_band)) = next.take() else {
                break;
            };
            let (results, upcoming) = rayon::join(
                || {
                    (0..grid.cols())
                        .into_par_iter()
                        .map(|col| {
                            let win = grid.window(col, row);
                            let out = cut_one(
                                after,
                                frame_id,
                                &win,
                                &band,
                                opts,
                                store,
                                before.as_ref().zip(before_band.as_ref()),
                            );
                            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                            out
                        })
                        .collect::<TilerResult<Vec<_>>>()
                },
                || {
                    (row + 1 < grid.rows())
                        .then(|| bands.read(row + 1))
                        .transpose()
                },
            );
            results?.into_iter().for_each(|r| summary.count(r));
            next = upcoming?;
        }
        Ok(())
    })?;
    let manifest = to_jsonl(&summary.records);
    store.put(
        &format!("tiles/{frame_id}/manifest.jsonl"),
        manifest.as_bytes(),
    )?;
    summary.bytes += manifest.len() as u64;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
