//! `tessera overview`: build the Web Mercator overview pyramids of a campaign's frames that have
//! none yet (frames ingested before pyramids existed, or whose pyramid failed), and the one
//! step `tessera ingest` runs for each new frame.

use std::path::Path;

use anyhow::Context as _;
use clap::Args;
use tessera_tiles::{Frame, LocalTileStore, OverviewOptions, OverviewSummary, overview_frame};

use super::StorageArgs;
use super::tiling::{FrameFlags, Progress};
use crate::db::campaign::Campaign;
use crate::db::frame::Frame as FrameRow;
use crate::db::{Db, DbError};
use crate::imagery::{PIXEL_SPACE, is_plain_id, open_registered, overview_dir};

#[derive(Debug, Args)]
pub struct OverviewArgs {
    /// The campaign's slug (or id).
    #[arg(long)]
    pub campaign: String,
    /// Rebuild pyramids that already exist.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub frame: FrameFlags,
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// Builds one frame's pyramid under `<data_dir>/overview/{frame_id}` (cleared first), with a
/// progress line like the tiler's; returns its zoom range.
pub fn build(
    frame: &Frame,
    frame_id: &str,
    data_dir: &Path,
    threads: Option<usize>,
    label: &str,
) -> anyhow::Result<OverviewSummary> {
    anyhow::ensure!(is_plain_id(frame_id), "frame id {frame_id:?} is not plain");
    let dir = data_dir.join(overview_dir(frame_id));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("clearing the old pyramid in {}", dir.display()))?;
    }
    let opts = OverviewOptions {
        threads,
        ..OverviewOptions::default()
    };
    let progress = Progress::new(&format!("{label} (map overview)"));
    let built = overview_frame(
        frame,
        frame_id,
        &opts,
        &LocalTileStore::new(data_dir),
        &|done, all| progress.update(done, all),
    );
    progress.finish();
    built.map_err(|e| anyhow::anyhow!("{e}"))
}

/// The zoom range as stored.
pub fn zooms(summary: &OverviewSummary) -> (i32, i32) {
    (i32::from(summary.min_zoom), i32::from(summary.max_zoom))
}

/// One line saying what a pyramid is.
pub fn describe(summary: &OverviewSummary) -> String {
    format!(
        "map overview zooms {}-{} ({} tiles, {:.1} s)",
        summary.min_zoom,
        summary.max_zoom,
        summary.jpeg_tiles + summary.png_tiles,
        summary.seconds
    )
}

pub fn run(args: &OverviewArgs) -> anyhow::Result<()> {
    let config = args.storage.config()?;
    let db = Db::open(&config.database_url, 2)?;
    let campaign = diesel::OptionalExtension::optional(Campaign::find_by_id_or_slug(
        &mut *db.conn()?,
        &args.campaign,
    ))
    .with_context(|| format!("reading campaign {:?}", args.campaign))?
    .ok_or_else(|| anyhow::anyhow!("no campaign {:?}", args.campaign))?;
    let frames = FrameRow::for_campaign(&mut *db.conn()?, &campaign.id)?;
    let (mut built, mut present, mut failed) = (0, 0, 0);
    for row in &frames {
        if row.overview_max_zoom.is_some() && !args.force {
            present += 1;
            continue;
        }
        if row.crs == PIXEL_SPACE {
            eprintln!(
                "frame {}: in pixel space, it has no place on the map",
                row.id
            );
            continue;
        }
        match build_registered(&db, row, args, &config.data_dir) {
            Ok(summary) => {
                eprintln!("frame {}: {}", row.id, describe(&summary));
                built += 1;
            }
            Err(e) => {
                eprintln!("frame {}: no map overview: {e:#}", row.id);
                failed += 1;
            }
        }
    }
    eprintln!(
        "campaign {}: {built} pyramid(s) built, {present} already there, {failed} failed",
        campaign.slug
    );
    anyhow::ensure!(failed == 0, "{failed} frame(s) have no map overview");
    Ok(())
}

fn build_registered(
    db: &Db,
    row: &FrameRow,
    args: &OverviewArgs,
    data_dir: &Path,
) -> anyhow::Result<OverviewSummary> {
    let frame =
        open_registered(row, args.frame.bands.clone()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let label = Path::new(&row.source_path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let summary = build(&frame, &row.id.0, data_dir, args.frame.threads, &label)?;
    db.write(|conn| -> Result<usize, DbError> {
        Ok(FrameRow::set_overview(
            conn,
            &row.id,
            Some(zooms(&summary)),
        )?)
    })?;
    Ok(summary)
}
