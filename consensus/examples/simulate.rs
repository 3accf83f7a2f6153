//! Writes a simulated campaign (tasks + answers, JSON lines) and its ground truth.
//!
//! ```text
//! cargo run --release -p tessera-consensus --example simulate -- --tiles 100 --answers 5 --seed 1 \
//!     --out answers.jsonl [--truth truth.jsonl] [--spammers 0.05]
//! ```
#![expect(clippy::print_stderr, reason = "an example reports on stderr")]

mod common;

use std::fs::File;
use std::io::{BufWriter, Write};

use common::Args;
use tessera_consensus::sim::{SimParams, simulate};
use tessera_consensus::write_input_jsonl;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::from_env();
    let tiles: u32 = args.get("--tiles", 20);
    let p = SimParams {
        answers_per_tile: args.get("--answers", 5),
        spammer_share: args.get("--spammers", 0.05),
        ..SimParams::with_tiles(tiles, tiles)
    };
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
    eprintln!(
        "tasks={} answers={} truth_sites={} -> {out}",
        input.tasks.len(),
        input.answers.len(),
        truth.sites.len()
    );
    Ok(())
}
