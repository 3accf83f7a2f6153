//! File in, file out: the library behind `tessera consensus`, for benchmarks and the
//! compatibility check (the server's CLI offers the same).
//!
//! ```text
//! cargo run --release -p tessera-consensus --example consensus -- --input answers.jsonl \
//!     [--mode tessera|panoptes-dbscan] [--eps PX] [--min-samples N] [--eps-m M] [--out sites.jsonl]
//! ```
//! Prints `answers=… reducer_s=… answers_per_s=…` on stderr, timing the consensus call without
//! reading the input (as `bench/panoptes_reduce.py` times only panoptes' reducer); in tessera
//! mode the sites are written as they are built, so the time includes writing the output.
#![expect(clippy::cast_precision_loss, reason = "counts are small")]
#![expect(clippy::print_stderr, reason = "an example reports on stderr")]

mod common;

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::time::Instant;

use common::Args;
use tessera_consensus::{ConsensusParams, PanoptesParams, panoptes, read_jsonl, run_to_jsonl};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::from_env();
    let input_path: String = args.get("--input", "answers.jsonl".to_owned());
    let out_path: String = args.get("--out", "sites.jsonl".to_owned());
    let mode: String = args.get("--mode", "tessera".to_owned());
    let (input, report) = read_jsonl(BufReader::new(File::open(&input_path)?))?;
    let writer = BufWriter::new(File::create(&out_path)?);
    let t0 = Instant::now();
    let (secs, n) = if mode == "panoptes-dbscan" {
        let p = PanoptesParams {
            eps: args.get("--eps", 5.0),
            min_samples: args.get("--min-samples", 3),
        };
        let out = panoptes::reduce(&input, &p)?;
        let secs = t0.elapsed().as_secs_f64();
        panoptes::write_jsonl(&out, writer)?;
        (secs, out.clusters.len())
    } else {
        let p = ConsensusParams {
            eps_m: args.opt("--eps-m").filter(|&m: &f64| m > 0.0),
            tolerance: args.get("--tolerance", ConsensusParams::default().tolerance),
            max_iterations: args.get(
                "--max-iterations",
                ConsensusParams::default().max_iterations,
            ),
            ..ConsensusParams::default()
        };
        // Sites are written as they are built: the time includes writing them.
        let summary = run_to_jsonl(input, &p, Some(report.clone()), writer)?;
        (t0.elapsed().as_secs_f64(), summary.sites)
    };
    eprintln!(
        "mode={mode} tasks={} answers={} skipped_lines={} sites={n} reducer_s={secs:.3} answers_per_s={:.1}",
        report.tasks,
        report.answers,
        report.skipped,
        report.answers as f64 / secs
    );
    Ok(())
}
