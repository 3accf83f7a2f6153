//! Builds the Web Mercator overview pyramid of one frame into a folder, for benchmarks.
//!
//! usage: `cargo run --release -p tessera-tiles --example overview -- FRAME OUT [threads]`

use std::process::ExitCode;

use tessera_tiles::{Frame, LocalTileStore, OpenOptions, OverviewOptions, overview_frame};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [frame, out, rest @ ..] = args.as_slice() else {
        eprintln!("usage: overview FRAME OUT [threads]");
        return ExitCode::from(2);
    };
    let opts = OverviewOptions {
        threads: rest.first().and_then(|s| s.parse().ok()),
        ..OverviewOptions::default()
    };
    let run = || -> tessera_tiles::TilerResult<tessera_tiles::OverviewSummary> {
        let frame = Frame::open(
            frame,
            &OpenOptions {
                hash: false,
                ..OpenOptions::default()
            },
        )?;
        overview_frame(
            &frame,
            "frame",
            &opts,
            &LocalTileStore::new(out),
            &|_, _| {},
        )
    };
    match run() {
        Ok(s) => {
            eprintln!(
                "zooms {}..={}: {} JPEG + {} PNG tiles, {} empty, {} bytes, band of {} rows, {:.2} s",
                s.min_zoom,
                s.max_zoom,
                s.jpeg_tiles,
                s.png_tiles,
                s.empty_tiles,
                s.bytes,
                s.largest_band_rows,
                s.seconds
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
