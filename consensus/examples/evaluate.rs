//! Accuracy and speed of tessera mode against the panoptes-compatible mode on simulated campaigns.
//!
//! ```text
//! cargo run --release -p tessera-consensus --example evaluate -- [--tiles 20] [--answers 3,5,8] [--seeds 1,2,3]
//!     [--panoptes-eps 10] [--panoptes-min-samples 3] [crowd flags, as for the simulate example:
//!     --spammers --silent-spammers --decoys --decoy-fooling --single-class --offsets --offset-px
//!     --mixed-gsd --mixed-gsd-m --zipf --volunteers]
//! cargo run --release -p tessera-consensus --example evaluate -- --speed --tiles 633 --answers 5
//! ```
//! The match radius is the clustering radius (eps = 10 px × 0.5 m = 5 m). Beside each mode's
//! scores it prints the oracle's F1 (every volunteer's true behaviour known: the ceiling of what
//! the marks allow) and, per answers-per-tile, tessera's reliability diagram over all seeds.
#![expect(clippy::cast_precision_loss, reason = "counts are small")]
#![expect(clippy::print_stdout, reason = "an example reports on stdout")]

mod common;
#[path = "common/crowd.rs"]
mod crowd;

use std::time::Instant;

use common::Args;
use tessera_consensus::eval::{
    Calibration, Scores, calibration, oracle, panoptes_sites, reliability_diagram, score,
    tessera_confidences, tessera_sites,
};
use tessera_consensus::sim::{SimParams, simulate};
use tessera_consensus::{ConsensusParams, PanoptesParams, panoptes, run};

fn list(args: &Args, name: &str, default: &str) -> Vec<u64> {
    let raw: String = args.get(name, default.to_owned());
    raw.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn mean(xs: &[Scores], f: impl Fn(&Scores) -> f64) -> f64 {
    xs.iter().map(f).sum::<f64>() / xs.len().max(1) as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::from_env();
    let tiles: u32 = args.get("--tiles", 20);
    let answers = list(&args, "--answers", "3,5,8");
    let seeds = list(&args, "--seeds", "1,2,3");
    let defaults = ConsensusParams::default();
    let params = ConsensusParams {
        tolerance: args.get("--tolerance", defaults.tolerance),
        max_iterations: args.get("--max-iterations", defaults.max_iterations),
        ..defaults
    };
    let pp = PanoptesParams {
        eps: args.get("--panoptes-eps", 10.0),
        min_samples: args.get("--panoptes-min-samples", 3),
    };
    let radius = 10.0 * 0.5;
    if std::env::args().any(|a| a == "--speed") {
        for &k in &answers {
            let sp = crowd::crowd_params(
                &args,
                SimParams {
                    answers_per_tile: usize::try_from(k)?,
                    ..SimParams::with_tiles(tiles, tiles)
                },
            );
            let t0 = Instant::now();
            let (input, truth) = simulate(&sp, seeds[0])?;
            let sim_s = t0.elapsed().as_secs_f64();
            let t1 = Instant::now();
            let out = run(&input, &params)?;
            let secs = t1.elapsed().as_secs_f64();
            let s = score(&tessera_sites(&out), &truth, radius);
            println!(
                "tasks={} answers={} marks={} sites={} simulate_s={sim_s:.2} consensus_s={secs:.3} answers_per_s={:.0} em_iterations={} precision={:.4} recall={:.4}",
                input.tasks.len(),
                input.answers.len(),
                out.summary.marks,
                out.sites.len(),
                input.answers.len() as f64 / secs,
                out.summary.em_iterations,
                s.precision,
                s.recall
            );
        }
        return Ok(());
    }
    println!(
        "{}×{} tiles of 256 px (overlap 32), seeds {seeds:?}; panoptes eps={} min_samples={}",
        tiles, tiles, pp.eps, pp.min_samples
    );
    println!(
        "| answers/tile | tessera P | tessera R | tessera F1 | tessera class acc | panoptes P | panoptes R | panoptes F1 | panoptes class acc | oracle F1 | tessera ECE |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut diagrams = Vec::new();
    for &k in &answers {
        let (mut ts, mut ps, mut os, mut cs) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for &seed in &seeds {
            let sp = crowd::crowd_params(
                &args,
                SimParams {
                    answers_per_tile: usize::try_from(k)?,
                    ..SimParams::with_tiles(tiles, tiles)
                },
            );
            let (input, truth) = simulate(&sp, seed)?;
            let out = run(&input, &params)?;
            ts.push(score(&tessera_sites(&out), &truth, radius));
            cs.push(calibration(&tessera_confidences(&out), &truth, radius));
            os.push(oracle(&input, &truth, radius).scores);
            ps.push(score(
                &panoptes_sites(&panoptes::reduce(&input, &pp)?, &input),
                &truth,
                radius,
            ));
        }
        let pooled = Calibration::pooled(&cs);
        println!(
            "| {k} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            mean(&ts, |s| s.precision),
            mean(&ts, |s| s.recall),
            mean(&ts, |s| s.f1),
            mean(&ts, |s| s.class_accuracy),
            mean(&ps, |s| s.precision),
            mean(&ps, |s| s.recall),
            mean(&ps, |s| s.f1),
            mean(&ps, |s| s.class_accuracy),
            mean(&os, |s| s.f1),
            pooled.ece,
        );
        diagrams.push((k, pooled));
    }
    for (k, c) in diagrams {
        println!("\ntessera reliability, {k} answers/tile, seeds {seeds:?}:");
        print!("{}", reliability_diagram(&c));
    }
    Ok(())
}
