//! Tiles one frame into a folder, for benchmarks until `tessera tile` exists.
//!
//! usage: `cargo run --release -p tessera-tiles --example tile -- FRAME OUT [tile-size overlap quality threads]`

use std::process::ExitCode;

use tessera_tiles::{Frame, LocalTileStore, OpenOptions, TileOptions, tile_frame};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [frame, out, rest @ ..] = args.as_slice() else {
        eprintln!("usage: tile FRAME OUT [tile-size overlap quality threads]");
        return ExitCode::from(2);
    };
    let num = |i: usize, default: u32| rest.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let opts = TileOptions {
        tile_size: num(0, 256),
        overlap: num(1, 32),
        quality: u8::try_from(num(2, 85)).unwrap_or(85),
        threads: rest.get(3).and_then(|s| s.parse().ok()),
        ..TileOptions::default()
    };
    let run = || -> tessera_tiles::TilerResult<tessera_tiles::TileSummary> {
        // `tessera tile` registers nothing, so it needs no sha256 (one more read of the file).
        let frame = Frame::open(
            frame,
            &OpenOptions {
                hash: false,
                ..OpenOptions::default()
            },
        )?;
        let id = std::path::Path::new(frame.info().path.as_os_str())
            .file_stem()
            .and_then(|s| s.to_str())
            .map_or_else(
                || "frame".into(),
                |s| s.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
            );
        tile_frame(
            &frame,
            None,
            &id,
            None,
            &opts,
            &LocalTileStore::new(out),
            &|_, _| {},
        )
    };
    match run() {
        Ok(s) => {
            eprintln!(
                "frames {} tiles {} skipped {} bytes {} seconds {:.3}",
                s.frames, s.tiles_written, s.tiles_skipped, s.bytes, s.seconds
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
