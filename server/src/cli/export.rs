//! `tessera export`: a campaign's strike sites as a GIS file, from the command line.
//!
//! The same export as `GET /api/v1/campaigns/{id}/export.{format}` ([`crate::sites::export`]):
//! streamed a page at a time, with its provenance. A file is written under a temporary name
//! beside `--out` and renamed when complete, so a failed export never leaves a partial file
//! under the name a script waits for.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Args;
use tessera_export::Format;

use super::StorageArgs;
use crate::db::campaign::Campaign;
use crate::db::{Db, now_ms};
use crate::sites::export::{FilterArgs, export, provenance};

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    tessera export --campaign raqqa --format gpkg --status confirmed --out raqqa.gpkg\n  \
    tessera export --campaign raqqa --format geojson --min-confidence 0.8 > raqqa.geojson\n  \
    tessera export --campaign raqqa --format csv --class destroyed,severe --out -")]
pub struct ExportArgs {
    /// The campaign's slug (or id).
    #[arg(long)]
    pub campaign: String,
    /// geojson (RFC 7946), csv (latitude/longitude columns), kml (Google Earth) or gpkg
    /// (GeoPackage, QGIS's default).
    #[arg(long, value_parser = parse_format)]
    pub format: Format,
    /// File to write; `-` or nothing writes to standard output (a GeoPackage only when it is
    /// not a terminal).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only sites with these statuses, comma-separated: `candidate`, `confirmed`, `rejected`,
    /// `merged`, `consensus_lost`.
    #[arg(long)]
    pub status: Option<String>,
    /// Only sites at least this confident, 0 to 1.
    #[arg(long)]
    pub min_confidence: Option<f64>,
    /// Only sites of these classes, comma-separated.
    #[arg(long)]
    pub class: Option<String>,
    /// Only sites dated as damaged on or after this day (YYYY-MM-DD); undated sites are left
    /// out once a date bound is set.
    #[arg(long)]
    pub damaged_after: Option<String>,
    /// Only sites dated as damaged on or before this day (YYYY-MM-DD).
    #[arg(long)]
    pub damaged_before: Option<String>,
    /// Only sites inside west,south,east,north (degrees).
    #[arg(long, allow_hyphen_values = true)]
    pub bbox: Option<String>,
    #[command(flatten)]
    pub storage: StorageArgs,
}

fn parse_format(name: &str) -> Result<Format, String> {
    name.parse()
        .map_err(|e: tessera_export::UnknownFormat| e.to_string())
}

pub fn run(args: &ExportArgs) -> anyhow::Result<()> {
    let config = args.storage.config()?;
    let db = Db::open(&config.database_url, 2)?;
    let campaign = match Campaign::find_by_id_or_slug(&mut *db.conn()?, &args.campaign) {
        Err(diesel::result::Error::NotFound) => {
            anyhow::bail!(
                "no campaign {:?}; `GET /api/v1/campaigns` lists them",
                args.campaign
            )
        }
        other => other.with_context(|| format!("reading campaign {:?}", args.campaign))?,
    };
    let classes = campaign
        .settings()
        .with_context(|| format!("reading the settings of campaign {:?}", campaign.slug))?
        .damage_classes;
    let filters = FilterArgs {
        bbox: args.bbox.as_deref(),
        class: args.class.as_deref(),
        status: args.status.as_deref(),
        min_confidence: args.min_confidence,
        damaged_after: args.damaged_after.as_deref(),
        damaged_before: args.damaged_before.as_deref(),
    };
    let filter = filters
        .parse(&classes)
        .map_err(|e| anyhow::anyhow!("{}", e.0))?;
    let prov = provenance(
        &db,
        &campaign,
        &filter,
        filters.described(),
        classes,
        now_ms(),
    )?;
    let to_file = args.out.as_deref().filter(|p| *p != Path::new("-"));
    let show_progress = std::io::stderr().is_terminal();
    let mut progress = |n: u64| {
        if show_progress {
            eprint!("\r{n} sites…");
        }
    };
    let written = if let Some(path) = to_file {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".tessera-export-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        let n = export(
            &db,
            &campaign,
            &filter,
            &prov,
            args.format,
            tmp.as_file(),
            &mut progress,
        )
        .with_context(|| format!("exporting to {}", path.display()))?;
        tmp.persist(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        n
    } else {
        if args.format == Format::GeoPackage && std::io::stdout().is_terminal() {
            anyhow::bail!(
                "a GeoPackage is a binary file: give --out FILE.gpkg, or redirect standard output"
            );
        }
        let stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout());
        let n = export(
            &db,
            &campaign,
            &filter,
            &prov,
            args.format,
            stdout,
            &mut progress,
        )?;
        std::io::stdout().flush()?;
        n
    };
    if show_progress {
        eprint!("\r");
    }
    let target = to_file.map_or_else(|| "standard output".to_owned(), |p| p.display().to_string());
    eprintln!(
        "{written} sites of {} exported as {} to {target}",
        campaign.slug,
        args.format.name()
    );
    Ok(())
}
