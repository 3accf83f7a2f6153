//! Writes a simulated campaign (tasks + answers, JSON lines) and its ground truth.
//!
//! ```text
//! cargo run --release -p tessera-consensus --example simulate -- --tiles 100 --answers 5 --seed 1 \
//!     --out answers.jsonl [--truth truth.jsonl] [--truth-full truth.json] [--spammers 0.05] \
//!     [--silent-spammers 0] [--decoys 0] [--decoy-fooling 0.15] [--single-class 0] [--offsets 0] \
//!     [--offset-px 4] [--mixed-gsd 0] [--mixed-gsd-m 1,2] [--zipf 0] [--volunteers 0]
//! ```
//! `--truth` writes the true sites, one a line; `--truth-full` the whole ground truth (sites,
//! look-alikes, every volunteer's true behaviour) as one JSON document. The crowd flags are
//! [`SimParams`] fields (`--decoys` is `decoys_per_tile`, `--offsets` `offset_share`,
//! `--mixed-gsd` `mixed_gsd_share`, `--zipf` `activity_zipf`).
#![expect(clippy::print_stderr, reason = "an example reports on stderr")]

mod common;
#[path = "common/crowd.rs"]
mod crowd;

use std::fs::File;
use std::io::{BufWriter, Write};

use common::Args;
use tessera_consensus::sim::{SimParams, simulate};
use tessera_consensus::write_input_jsonl;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::from_env();
    let tiles: u32 = args.get("--tiles", 20);
    let p = crowd::crowd_params(
        &args,
        SimParams {
            answers_per_tile: args.get("--answers", 5),
            ..SimParams::with_tiles(tiles, tiles)
        },
    );
    let (input, truth) = simulate(&p, args.get("--seed", 1))?;
    let out: String = args.get("--out", "answers.jsonl".to_owned());
    write_input_jsonl(&input, BufWriter::new(File::create(&out)?))?;
    if let Some(truth_path) = args.opt::<String>("--truth") {
        let mut w = BufWriter::new(File::create(&truth_path)?);
        for s in &truth.sites {
            serde_json::to_writer(&mut w, s)?;
            w.write_all(b"\n")?;
        }
    }
    if let Some(path) = args.opt::<String>("--truth-full") {
        let mut w = BufWriter::new(File::create(&path)?);
        serde_json::to_writer(&mut w, &truth)?;
        w.write_all(b"\n")?;
    }
    eprintln!(
        "tasks={} answers={} truth_sites={} look_alikes={} volunteers={} -> {out}",
        input.tasks.len(),
        input.answers.len(),
        truth.sites.len(),
        truth.decoys.len(),
        truth.volunteers.len()
    );
    Ok(())
}
