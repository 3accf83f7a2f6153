//! `tessera consensus`: answers in, strike sites out — file to file, no database.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write as _};
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use tessera_consensus::PanoptesParams;

use crate::campaign_settings::CampaignSettings;

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
    /// Tessera mode: distinct volunteers needed behind a site [default: 2].
    #[arg(long, value_name = "N")]
    pub min_volunteers: Option<usize>,
    /// Tessera mode: least share, in [0, 1], of the volunteers who saw a spot that must have
    /// marked it [default: 0.5, as a new campaign's `consensus.min_support`].
    #[arg(long, value_name = "SHARE", value_parser = parse_share)]
    pub min_support: Option<f64>,
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

/// Parses `--min-support`, a share in [0, 1]. The flag once took a number of volunteers, so a
/// whole number above 1 is taken for one and pointed to `--min-volunteers`, rather than refused
/// with a bare range error.
fn parse_share(text: &str) -> Result<f64, String> {
    let share: f64 = text
        .parse()
        .map_err(|e| format!("{text:?} is not a number: {e}"))?;
    if (0.0..=1.0).contains(&share) {
        Ok(share)
    } else if share > 1.0 && share.fract() == 0.0 {
        Err(format!(
            "{text} is not a share in [0, 1]; for {text} distinct volunteers behind a site, \
             use --min-volunteers {text}"
        ))
    } else {
        Err(format!("{text} is not a share in [0, 1]"))
    }
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
            // A file gets the parameters a new campaign gets, so the two agree.
            let mut params = CampaignSettings::default().consensus_params();
            if let Some(eps) = args.eps_m {
                params.eps_m = Some(eps);
            }
            if let Some(n) = args.min_volunteers {
                params.min_volunteers = n;
            }
            if let Some(share) = args.min_support {
                params.min_support = share;
            }
            if let Some(c) = args.min_confidence {
                params.min_confidence = c;
            }
            if let Some(classes) = &args.classes {
                params.classes.clone_from(classes);
            }
            // Sites are written as they are built, never all held at once.
            let summary =
                tessera_consensus::run_to_jsonl(input, &params, Some(report.clone()), &mut out)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!(
                "{} tasks, {} answers ({} lines skipped): {} sites in {:.2} s",
                report.tasks,
                report.answers,
                report.skipped,
                summary.sites,
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

#[cfg(test)]
mod tests {
    use clap::Parser;
    use rstest::rstest;

    use super::ConsensusArgs;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: ConsensusArgs,
    }

    fn parse(flags: &[&str]) -> Result<ConsensusArgs, String> {
        Cli::try_parse_from(["consensus", "--input", "a.jsonl"].iter().chain(flags))
            .map(|c| c.args)
            .map_err(|e| e.to_string())
    }

    #[rstest]
    #[case::share(&["--min-support", "0.6"], Some(0.6), None)]
    #[case::whole_share(&["--min-support", "1"], Some(1.0), None)]
    #[case::count(&["--min-volunteers", "3"], None, Some(3))]
    #[case::both(&["--min-support", "0", "--min-volunteers", "1"], Some(0.0), Some(1))]
    fn min_support_is_a_share_and_min_volunteers_a_count(
        #[case] flags: &[&str],
        #[case] share: Option<f64>,
        #[case] count: Option<usize>,
    ) {
        let args = parse(flags).unwrap();
        assert_eq!((args.min_support, args.min_volunteers), (share, count));
    }

    #[test]
    fn a_volunteer_count_given_as_min_support_points_to_min_volunteers() {
        let err = parse(&["--min-support", "3"]).unwrap_err();
        assert!(err.contains("--min-volunteers 3"), "{err}");
    }

    #[rstest]
    #[case::above_one("1.5")]
    #[case::negative("-0.1")]
    #[case::not_a_number("half")]
    fn a_min_support_outside_zero_to_one_is_refused(#[case] value: &str) {
        let err = parse(&[&format!("--min-support={value}")]).unwrap_err();
        assert!(err.contains(value), "{err}");
    }
}
