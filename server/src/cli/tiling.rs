//! What `tessera tile` and `tessera ingest` share: the tiling flags, opening frames with a
//! message that names the file, and progress on a terminal.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tessera_tiles::{Frame, OpenOptions, TileFormat, TileOptions, TileSummary};

/// How frames are read.
#[derive(Debug, Clone, Args)]
pub struct FrameFlags {
    /// Worker threads [default: one per core].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Bands to show as RGB, 1-based, e.g. `3,2,1` for a B-G-R multispectral frame.
    #[arg(long, value_delimiter = ',')]
    pub bands: Option<Vec<usize>>,
    /// CRS of frames that carry none (PNG/JPEG + world file), e.g. `EPSG:32637`.
    #[arg(long)]
    pub crs: Option<String>,
    /// Tile frames without any georeference in pixel space (tasks then have no map position).
    #[arg(long)]
    pub pixel_space: bool,
}

impl FrameFlags {
    pub fn open_options(&self, hash: bool) -> OpenOptions {
        OpenOptions {
            bands: self.bands.clone(),
            crs_override: self.crs.clone(),
            pixel_space: self.pixel_space,
            hash,
            ..OpenOptions::default()
        }
    }
}

/// The tile grid and encoding (`tessera ingest` takes these from the campaign's settings).
#[derive(Debug, Clone, Args)]
pub struct TileFlags {
    /// Tile edge in pixels.
    #[arg(long, default_value_t = 256)]
    pub tile_size: u32,
    /// Overlap between neighbouring tiles in pixels.
    #[arg(long, default_value_t = 32)]
    pub overlap: u32,
    /// Tile image format.
    #[arg(long, value_enum, default_value_t = Format::Jpeg)]
    pub format: Format,
    /// JPEG quality, 1-100.
    #[arg(long, default_value_t = 85, value_parser = clap::value_parser!(u8).range(1..=100))]
    pub quality: u8,
    /// Skip tiles with at least this share of no-data pixels.
    #[arg(long, default_value_t = 0.9)]
    pub nodata_threshold: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jpeg,
    Png,
}

impl TileFlags {
    pub fn tile_options(&self, threads: Option<usize>) -> TileOptions {
        TileOptions {
            tile_size: self.tile_size,
            overlap: self.overlap,
            format: match self.format {
                Format::Jpeg => TileFormat::Jpeg,
                Format::Png => TileFormat::Png,
            },
            quality: self.quality,
            nodata_threshold: self.nodata_threshold,
            threads,
            ..TileOptions::default()
        }
    }
}

/// Opens a frame; the tiler's errors already name the file.
pub fn open(path: &Path, opts: &OpenOptions) -> anyhow::Result<Frame> {
    Frame::open(path, opts).map_err(|e| anyhow::anyhow!("{e}"))
}

/// A frame id from a file name: its stem, reduced to `[A-Za-z0-9._-]`.
pub fn frame_id_from_path(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let id: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let id = id.trim_start_matches('.').to_owned();
    if id.is_empty() {
        "frame".to_owned()
    } else {
        id
    }
}

/// Progress for one frame: a bar with ETA on a terminal, a few plain lines otherwise.
pub struct Progress {
    bar: Option<ProgressBar>,
    label: String,
    last_decile: std::sync::atomic::AtomicU64,
}

impl Progress {
    pub fn new(label: &str) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg:30!} [{bar:30}] {pos}/{len} tiles  {per_sec}  ETA {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message(label.to_owned());
            bar
        });
        Self {
            bar,
            label: label.to_owned(),
            last_decile: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub fn update(&self, done: u64, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(done);
        } else if let Some(decile) = (done * 10).checked_div(total)
            && self
                .last_decile
                .fetch_max(decile, std::sync::atomic::Ordering::Relaxed)
                < decile
        {
            eprintln!("{}: {done}/{total} tiles", self.label);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// The closing summary line.
pub fn summary_line(summary: &TileSummary, started: Instant) -> String {
    #[expect(clippy::cast_precision_loss, reason = "byte counts for display")]
    let mb = summary.bytes as f64 / 1_000_000.0;
    format!(
        "{} frame(s): {} tiles written, {} skipped (mostly no-data), {mb:.1} MB, {:.1} s",
        summary.frames,
        summary.tiles_written,
        summary.tiles_skipped,
        started.elapsed().as_secs_f64()
    )
}

/// Frame paths as given, checked to exist so a typo is reported before any work.
pub fn check_paths(frames: &[PathBuf]) -> anyhow::Result<()> {
    anyhow::ensure!(!frames.is_empty(), "name at least one frame");
    for f in frames {
        anyhow::ensure!(f.is_file(), "{}: no such file", f.display());
    }
    Ok(())
}
