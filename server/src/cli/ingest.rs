//! `tessera ingest`: tile frames into a campaign and register them and their search tasks.
//!
//! All or nothing per frame: tiles are written first, then the frame's Web Mercator overview
//! pyramid (for the analysts' map), then the frame and every task are inserted in one
//! transaction; if anything fails the frame's tiles are removed again and no task exists. A
//! pyramid that cannot be built is only a warning: the frame is registered without one
//! (`frames.overview_*` NULL) and `tessera overview` can build it later. A frame already in the
//! campaign (same sha256) is refused.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use clap::Args;
use tessera_tiles::{LocalTileStore, TileOptions, TileRecord, TileSummary, tile_frame};

use super::StorageArgs;
use super::overview;
use super::tiling::{FrameFlags, Progress, check_paths, open, summary_line};
use crate::campaign_settings::CampaignSettings;
use crate::db::campaign::Campaign;
use crate::db::frame::Frame;
use crate::db::ids::{CampaignId, FrameId};
use crate::db::kinds::{TaskKind, TaskStatus};
use crate::db::task::{Task, TaskInsertForm};
use crate::db::{Db, DbError, now_ms};
use crate::imagery::overview_dir;

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The campaign's slug (or id).
    #[arg(long)]
    pub campaign: String,
    /// Frames to ingest.
    #[arg(required = true)]
    pub frames: Vec<PathBuf>,
    /// Acquisition date of the frames, YYYY-MM-DD. Frames with a date are paired with the latest
    /// earlier frame of the campaign that covers the same place (before/after tasks).
    #[arg(long)]
    pub captured_at: Option<String>,
    /// Sensor or provider name, kept as provenance.
    #[arg(long)]
    pub sensor: Option<String>,
    /// Register the frames as a reference date only: their tiles are cut as before-images of
    /// later frames, and they get no search tasks of their own.
    #[arg(long)]
    pub reference_only: bool,
    #[command(flatten)]
    pub frame: FrameFlags,
    #[command(flatten)]
    pub storage: StorageArgs,
}

fn check_date(date: &str) -> anyhow::Result<()> {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|_| ())
        .with_context(|| format!("--captured-at {date:?} is not a date like 2017-10-30"))
}

pub fn run(args: &IngestArgs) -> anyhow::Result<()> {
    check_paths(&args.frames)?;
    if let Some(date) = &args.captured_at {
        check_date(date)?;
    }
    let config = args.storage.config()?;
    let db = Db::open(&config.database_url, 2)?;
    let campaign = Campaign::find_by_id_or_slug(&mut *db.conn()?, &args.campaign)
        .optional_not_found()
        .with_context(|| format!("reading campaign {:?}", args.campaign))?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no campaign {:?}; create it first (POST /api/v1/campaigns)",
                args.campaign
            )
        })?;
    let settings: CampaignSettings = serde_json::from_str(&campaign.settings)?;
    let opts = TileOptions {
        tile_size: settings.tile_size,
        overlap: settings.overlap,
        quality: settings.jpeg_quality,
        nodata_threshold: settings.nodata_threshold,
        threads: args.frame.threads,
        ..TileOptions::default()
    };
    let store = LocalTileStore::new(&config.data_dir);
    let started = Instant::now();
    let mut total = TileSummary::default();
    let mut tasks = 0;
    for path in &args.frames {
        let (summary, n) = ingest_one(
            args,
            &db,
            &campaign,
            &settings,
            &opts,
            &store,
            &config.data_dir,
            path,
        )?;
        total.absorb(summary);
        tasks += n;
    }
    eprintln!(
        "{}; {tasks} tasks registered in campaign {}",
        summary_line(&total, started),
        campaign.slug
    );
    Ok(())
}

trait OptionalNotFound<T> {
    fn optional_not_found(self) -> diesel::QueryResult<Option<T>>;
}

impl<T> OptionalNotFound<T> for diesel::QueryResult<T> {
    fn optional_not_found(self) -> diesel::QueryResult<Option<T>> {
        diesel::OptionalExtension::optional(self)
    }
}

#[expect(
    clippy::too_many_arguments,
    clippy::too_many_lines,
    reason = "one frame's context, passed once; the steps of one ingest, in order"
)]
fn ingest_one(
    args: &IngestArgs,
    db: &Db,
    campaign: &Campaign,
    settings: &CampaignSettings,
    opts: &TileOptions,
    store: &LocalTileStore,
    data_dir: &Path,
    path: &Path,
) -> anyhow::Result<(TileSummary, usize)> {
    let frame = open(path, &args.frame.open_options(true))?;
    let info = frame.info().clone();
    if let Some(existing) = Frame::find_by_sha(&mut *db.conn()?, &campaign.id, &info.sha256)? {
        anyhow::bail!(
            "{}: already ingested into campaign {} as frame {} (same sha256); nothing was changed",
            path.display(),
            campaign.slug,
            existing.id
        );
    }
    let footprint = info.footprint;
    let bbox = footprint.map(|f| {
        let lons = f.iter().map(|p| p[0]);
        let lats = f.iter().map(|p| p[1]);
        [
            lons.clone().fold(f64::INFINITY, f64::min),
            lats.clone().fold(f64::INFINITY, f64::min),
            lons.fold(f64::NEG_INFINITY, f64::max),
            lats.fold(f64::NEG_INFINITY, f64::max),
        ]
    });
    let frame_id = uuid::Uuid::new_v4().simple().to_string();
    let before = match (&args.captured_at, bbox) {
        (Some(date), Some(bbox)) => {
            Frame::earlier_overlapping(&mut *db.conn()?, &campaign.id, date, bbox)?
        }
        _ => None,
    };
    let before_frame = before
        .as_ref()
        .map(|b| {
            open(Path::new(&b.source_path), &args.frame.open_options(false)).with_context(|| {
                format!(
                    "reopening the earlier frame {} to cut before-tiles",
                    b.source_path
                )
            })
        })
        .transpose()?;
    let frame_row = Frame {
        id: FrameId(frame_id.clone()),
        campaign_id: campaign.id.clone(),
        source_path: std::fs::canonicalize(path)?.to_string_lossy().into_owned(),
        sha256: info.sha256.clone(),
        file_size: i64::try_from(info.file_size).unwrap_or(i64::MAX),
        captured_at: args.captured_at.clone(),
        sensor: args.sensor.clone(),
        width: i64::from(info.width),
        height: i64::from(info.height),
        bands: i32::from(info.bands),
        crs: info.crs.clone().unwrap_or_else(|| "pixel".to_owned()),
        geotransform: serde_json::to_string(&info.geotransform)?,
        footprint: serde_json::to_string(&footprint)?,
        min_lon: bbox.map_or(0.0, |b| b[0]),
        min_lat: bbox.map_or(0.0, |b| b[1]),
        max_lon: bbox.map_or(0.0, |b| b[2]),
        max_lat: bbox.map_or(0.0, |b| b[3]),
        created_at: now_ms(),
        overview_min_zoom: None,
        overview_max_zoom: None,
    };
    let label = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if args.reference_only {
        let frame_row = with_overview(frame_row, &frame, data_dir, args.frame.threads, &label);
        Frame::insert(&mut *db.conn()?, &frame_row)?;
        eprintln!(
            "{}: registered as a reference frame ({})",
            path.display(),
            frame_id
        );
        return Ok((TileSummary::default(), 0));
    }
    let progress = Progress::new(&label);
    let tiled = tile_frame(
        &frame,
        before_frame.as_ref(),
        &frame_id,
        before.as_ref().map(|b| b.id.as_str()),
        opts,
        store,
        &|done, all| progress.update(done, all),
    );
    progress.finish();
    let cleanup = || {
        let _ = std::fs::remove_dir_all(data_dir.join("tiles").join(&frame_id));
        let _ = std::fs::remove_dir_all(data_dir.join(overview_dir(&frame_id)));
    };
    let summary = match tiled {
        Ok(s) => s,
        Err(e) => {
            cleanup();
            anyhow::bail!("{e}");
        }
    };
    let frame_row = with_overview(frame_row, &frame, data_dir, args.frame.threads, &label);
    let forms: Vec<TaskInsertForm> = summary
        .records
        .iter()
        .map(|r| {
            task_form(
                &campaign.id,
                &frame_id,
                before.as_ref().map(|b| &b.id),
                r,
                settings,
            )
        })
        .collect::<anyhow::Result<_>>()?;
    let registered = db.write(|conn| -> Result<usize, DbError> {
        Frame::insert(conn, &frame_row)?;
        Ok(Task::insert_batch(conn, &forms)?)
    });
    match registered {
        Ok(n) => {
            let paired = before.map_or(String::new(), |b| {
                format!(
                    ", paired with the earlier frame of {}",
                    b.captured_at.unwrap_or_default()
                )
            });
            eprintln!("{}: frame {frame_id}, {n} tasks{paired}", path.display());
            Ok((summary, n))
        }
        Err(e) => {
            cleanup();
            Err(anyhow::anyhow!(
                "{}: registering tasks failed, nothing was registered: {e}",
                path.display()
            ))
        }
    }
}

/// Builds the frame's overview pyramid and records its zoom range in the row; a frame in pixel
/// space has none, and a failure leaves the range empty with a warning.
fn with_overview(
    mut row: Frame,
    frame: &tessera_tiles::Frame,
    data_dir: &Path,
    threads: Option<usize>,
    label: &str,
) -> Frame {
    if frame.crs().is_none() {
        return row;
    }
    match overview::build(frame, &row.id.0, data_dir, threads, label) {
        Ok(summary) => {
            let (min, max) = overview::zooms(&summary);
            row.overview_min_zoom = Some(min);
            row.overview_max_zoom = Some(max);
            eprintln!("{label}: {}", overview::describe(&summary));
        }
        Err(e) => eprintln!(
            "{label}: warning: no map overview ({e:#}); `tessera overview` can build it later"
        ),
    }
    row
}

fn task_form(
    campaign_id: &CampaignId,
    frame_id: &str,
    before_id: Option<&FrameId>,
    r: &TileRecord,
    settings: &CampaignSettings,
) -> anyhow::Result<TaskInsertForm> {
    let corners = r.footprint.unwrap_or([[0.0; 2]; 4]);
    let lons = corners.iter().map(|p| p[0]);
    let lats = corners.iter().map(|p| p[1]);
    Ok(TaskInsertForm {
        campaign_id: campaign_id.clone(),
        kind: TaskKind::Search,
        frame_id: Some(FrameId(frame_id.to_owned())),
        before_frame_id: r.before_key.as_ref().and(before_id.cloned()),
        tile_col: i32::try_from(r.col)?,
        tile_row: i32::try_from(r.row)?,
        px_x: i64::from(r.window.x),
        px_y: i64::from(r.window.y),
        px_w: i64::from(r.size),
        px_h: i64::from(r.size),
        footprint: if r.footprint.is_some() {
            serde_json::to_string(&corners)?
        } else {
            "null".to_owned()
        },
        min_lon: lons.clone().fold(f64::INFINITY, f64::min),
        min_lat: lats.clone().fold(f64::INFINITY, f64::min),
        max_lon: lons.fold(f64::NEG_INFINITY, f64::max),
        max_lat: lats.fold(f64::NEG_INFINITY, f64::max),
        tile_key: Some(r.key.clone()),
        before_tile_key: r.before_key.clone(),
        status: TaskStatus::Open,
        needed: i32::try_from(settings.redundancy.min)?,
        // tiling order: the map fills in row by row
        priority: 0.0,
        created_at: now_ms(),
    })
}
