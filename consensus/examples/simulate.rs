//! Writes a simulated campaign (tasks + answers, JSON lines) and its ground truth.
//!
//! ```text
//! cargo run --release -p tessera-consensus --example simulate -- --tiles 100 --answers 5 --seed 1 \
//!     --out answers.jsonl [--truth truth.jsonl] [--spammers 0.05]
//! ```
#![expect(clippy::print_stderr, reason = "an example reports on stderr")]

use std::fs::File;
use std::io::{BufWriter, Write};

use tessera_consensus::sim::{SimParams, simulate};
use tessera_consensus::write_input_jsonl;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let tiles: u32 = arg(&args, "--tiles", 20);
    let p = SimParams {
        tiles_x: tiles,
        tiles_y: tiles,
        answers_per_tile: arg(&args, "--answers", 5),
        spammer_share: arg(&args, "--spammers", 0.05),
        ..SimParams::default()
    };
    let (input, truth) = simulate(&p, arg(&args, "--seed", 1))?;
    let out: String = arg(&args, "--out", "answers.jsonl".to_owned());
    write_input_jsonl(&input, BufWriter::new(File::create(&out)?))?;
    let truth_path: String = arg(&args, "--truth", String::new());
    if !truth_path.is_empty() {
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
