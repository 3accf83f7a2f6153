//! `tessera consensus`: answers in, strike sites out — file to file, no database.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write as _};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use tessera_consensus::{ConsensusParams, PanoptesParams};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Clustering in metres across tiles, volunteers weighted by estimated reliability.
    Tessera,
    /// Zooniverse `panoptes_aggregation`'s `point_reducer_dbscan`, for one-to-one comparison.
    PanoptesDbscan,
}

#[derive(Debug, Args)]
pub struct ConsensusArgs {
    /// Answers and tasks in JSON lines (format in README.md, "Consensus files").
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write sites, task verdicts and volunteer estimates [default: standard output].
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Mode::Tessera)]
    pub mode: Mode,
    /// Tessera mode: clustering radius in metres [default: derived from ground resolution].
    #[arg(long)]
    pub eps_m: Option<f64>,
    /// Tessera mode: distinct volunteers needed behind a site.
    #[arg(long)]
    pub min_support: Option<usize>,
    /// Tessera mode: least confidence of a reported site.
    #[arg(long)]
    pub min_confidence: Option<f64>,
    /// Tessera mode: damage classes, comma-separated [default: destroyed,severe,moderate,crater].
    #[arg(long, value_delimiter = ',')]
    pub classes: Option<Vec<String>>,
    /// Panoptes mode: DBSCAN radius in pixels.
    #[arg(long, default_value_t = 5.0)]
    pub eps: f64,
    /// Panoptes mode: DBSCAN `min_samples` (points, not volunteers).
    #[arg(long, default_value_t = 3)]
    pub min_samples: usize,
}

#[expect(clippy::print_stderr, reason = "the summary of a command-line run")]
pub fn run(args: &ConsensusArgs) -> anyhow::Result<()> {
    let file =
        File::open(&args.input).with_context(|| format!("opening {}", args.input.display()))?;
    let (input, report) = tessera_consensus::read_jsonl(BufReader::new(file))
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.input.display()))?;
    for error in report.errors.iter().take(10) {
        eprintln!("{}: skipped: {error}", args.input.display());
    }
    let mut out: Box<dyn std::io::Write> = match &args.out {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let started = std::time::Instant::now();
    match args.mode {
        Mode::Tessera => {
            let mut params = ConsensusParams::default();
            if let Some(eps) = args.eps_m {
                params.eps_m = Some(eps);
            }
            if let Some(n) = args.min_support {
                params.min_volunteers = n;
            }
            if let Some(c) = args.min_confidence {
                params.min_confidence = c;
            }
            if let Some(classes) = &args.classes {
                params.classes.clone_from(classes);
            }
            let output =
                tessera_consensus::run(&input, &params).map_err(|e| anyhow::anyhow!("{e}"))?;
            tessera_consensus::write_jsonl(&output, &mut out)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!(
                "{} tasks, {} answers ({} lines skipped): {} sites in {:.2} s",
                report.tasks,
                report.answers,
                report.skipped,
                output.sites.len(),
                started.elapsed().as_secs_f64()
            );
        }
        Mode::PanoptesDbscan => {
            let params = PanoptesParams {
                eps: args.eps,
                min_samples: args.min_samples,
            };
            let output = tessera_consensus::panoptes::reduce(&input, &params)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            tessera_consensus::panoptes::write_jsonl(&output, &mut out)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!(
                "{} tasks, {} answers: panoptes-compatible clusters in {:.2} s",
                report.tasks,
                report.answers,
                started.elapsed().as_secs_f64()
            );
        }
    }
    out.flush()?;
    Ok(())
}
