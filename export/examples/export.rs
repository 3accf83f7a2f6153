//! Writes COUNT generated strike sites in FORMAT to OUT, for bench/export.sh (and for trying a
//! format in QGIS or Google Earth without a server).
//!
//! usage: `cargo run --release -p tessera-export --example export -- FORMAT COUNT OUT`
//!
//! The sites are deterministic (a fixed-seed generator) and realistic in size: ids, a few
//! classes, two frame hashes each, dates on most, a review on some.

use std::fs::File;
use std::process::ExitCode;
use std::time::Instant;

use tessera_export::{ExportResult, ExportSite, Format, Provenance, RunInfo, writer};

const CLASSES: [&str; 4] = ["crater", "collapsed building", "burnt area", "damaged road"];
const STATUSES: [&str; 5] = [
    "candidate",
    "confirmed",
    "rejected",
    "merged",
    "consensus_lost",
];

/// xorshift64*: enough for test data, and no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "53 random bits fit f64 exactly")]
        let bits = (self.next() >> 11) as f64;
        bits / 9_007_199_254_740_992.0 // 2^53
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn site(rng: &mut Rng, index: u64) -> ExportSite {
    let dated = rng.below(10) < 8;
    let day = 1 + rng.below(28);
    ExportSite {
        id: format!("0190f3a2-{index:012x}"),
        lon: 38.9 + 0.2 * rng.unit(),
        lat: 35.9 + 0.1 * rng.unit(),
        class: CLASSES[usize::try_from(rng.below(4)).unwrap_or(0)].to_owned(),
        confidence: rng.unit(),
        support: 1.0 + 9.0 * rng.unit(),
        seen_by: 3 + u32::try_from(rng.below(12)).unwrap_or(0),
        uncertainty_m: 2.0 + 20.0 * rng.unit(),
        status: STATUSES[usize::try_from(rng.below(5)).unwrap_or(0)].to_owned(),
        damaged_after: dated.then(|| format!("2017-05-{day:02}")),
        damaged_before: dated.then(|| format!("2017-10-{day:02}")),
        date_confidence: dated.then(|| rng.unit()),
        consensus_run: Some("0190f3a1-run-0001".to_owned()),
        frames: (0..2)
            .map(|_| {
                format!(
                    "{:016x}{:016x}{:016x}{:016x}",
                    rng.next(),
                    rng.next(),
                    rng.next(),
                    rng.next()
                )
            })
            .collect(),
        reviewed_at: (rng.below(4) == 0).then(|| format!("2024-04-{day:02}T09:30:00Z")),
    }
}

fn provenance() -> Provenance {
    Provenance {
        campaign: "bench".into(),
        campaign_name: "Benchmark campaign".into(),
        exported_at: "2024-05-01T12:00:00Z".into(),
        filters: Vec::new(),
        consensus_runs: vec![RunInfo {
            id: "0190f3a1-run-0001".into(),
            parameters: serde_json::json!({"eps_m": 10.0, "min_samples": 3}),
            code_version: env!("CARGO_PKG_VERSION").into(),
        }],
        classes: CLASSES.map(str::to_owned).to_vec(),
    }
}

fn export(format: Format, count: u64, out: File) -> ExportResult<()> {
    let mut sink = writer(format, out, &provenance())?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for index in 0..count {
        sink.write(&site(&mut rng, index))?;
    }
    sink.finish()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [format, count, out] = args.as_slice() else {
        eprintln!("usage: export FORMAT COUNT OUT   (FORMAT: geojson, csv, kml or gpkg)");
        return ExitCode::from(2);
    };
    let (Ok(format), Ok(count)) = (format.parse::<Format>(), count.parse::<u64>()) else {
        eprintln!("export: bad FORMAT or COUNT: {format} {count}");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let result = File::create(out)
        .map_err(|e| format!("cannot create {out}: {e}"))
        .and_then(|file| export(format, count, file).map_err(|e| e.to_string()));
    match result {
        Ok(()) => {
            let seconds = start.elapsed().as_secs_f64();
            eprintln!("export: {count} sites as {format} to {out} in {seconds:.2} s");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("export: {e}");
            ExitCode::FAILURE
        }
    }
}
