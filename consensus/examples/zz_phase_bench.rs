//! Temporary: repeated timing of `run` (to be deleted).
#![expect(clippy::print_stderr, reason = "temporary")]
use std::fs::File;
use std::io::BufReader;
use std::time::Instant;
use tessera_consensus::{ConsensusParams, read_jsonl, run};
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(7);
    let (input, _) = read_jsonl(BufReader::new(File::open(path).expect("open"))).expect("read");
    let p = ConsensusParams::default();
    let mut best = f64::INFINITY;
    for _ in 0..n {
        let t0 = Instant::now();
        let out = run(&input, &p).expect("run");
        let s = t0.elapsed().as_secs_f64();
        best = best.min(s);
        eprintln!("PHASE total {:.1}ms sites={}", s * 1e3, out.sites.len());
    }
    eprintln!("BEST {:.1}ms -> {:.0} answers/s", best * 1e3, input.answers.len() as f64 / best);
}
