//! `tessera tile`: the tiler alone, no database: frames in, tiles and a manifest out.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use tessera_tiles::{LocalTileStore, TileSummary, tile_frame};

use super::tiling::{
    FrameFlags, Progress, TileFlags, check_paths, frame_id_from_path, open, summary_line,
};

#[derive(Debug, Args)]
pub struct TileArgs {
    /// Frames to cut: GeoTIFF, or PNG/JPEG with a world file (.pgw/.jgw/.wld/.tfw).
    #[arg(required = true)]
    pub frames: Vec<PathBuf>,
    /// Output folder: tiles go to OUT/tiles/{frame}/{col}/{row}.jpg with a manifest.jsonl each.
    #[arg(long)]
    pub out: PathBuf,
    /// An earlier frame of the same place: every tile gets a before-tile of the same ground.
    #[arg(long)]
    pub before: Option<PathBuf>,
    #[command(flatten)]
    pub grid: TileFlags,
    #[command(flatten)]
    pub frame: FrameFlags,
}

pub fn run(args: &TileArgs) -> anyhow::Result<()> {
    check_paths(&args.frames)?;
    let started = Instant::now();
    let store = LocalTileStore::new(&args.out);
    let opts = args.grid.tile_options(args.frame.threads);
    // No registration, so no need to hash the frames.
    let open_opts = args.frame.open_options(false);
    let before = args
        .before
        .as_ref()
        .map(|p| open(p, &open_opts).map(|f| (frame_id_from_path(p), f)))
        .transpose()?;
    let mut total = TileSummary::default();
    for path in &args.frames {
        let frame = open(path, &open_opts)?;
        let id = frame_id_from_path(path);
        let progress = Progress::new(&id);
        let summary = tile_frame(
            &frame,
            before.as_ref().map(|(_, f)| f),
            &id,
            before.as_ref().map(|(id, _)| id.as_str()),
            &opts,
            &store,
            &|done, all| progress.update(done, all),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        progress.finish();
        total.absorb(summary);
    }
    eprintln!("{}", summary_line(&total, started));
    Ok(())
}
