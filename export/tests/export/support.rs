//! Fixtures shared by the export tests: sites whose texts need escaping in every format, a full
//! provenance, and helpers that run a writer into memory or a file.

use std::path::{Path, PathBuf};

use tessera_export::{ExportResult, ExportSite, Format, Provenance, RunInfo, writer};

/// A provenance with every field set.
pub fn provenance() -> Provenance {
    Provenance {
        campaign: "raqqa-2017".into(),
        campaign_name: "Raqqa <2017> & \"after\"".into(),
        exported_at: "2024-05-01T12:00:00Z".into(),
        filters: vec![
            ("status".into(), "confirmed".into()),
            ("min_confidence".into(), "0.5".into()),
        ],
        consensus_runs: vec![RunInfo {
            id: "run-7".into(),
            parameters: serde_json::json!({"eps_m": 10.0, "min_samples": 3}),
            code_version: "tessera 0.1.0 (abc123)".into(),
        }],
        classes: vec!["crater".into(), "collapsed, \"roof\" & <walls>".into()],
    }
}

/// Three sites with every field set; ids and classes hold `<&"`, commas, quotes and line
/// breaks, which each format must escape.
pub fn sites() -> Vec<ExportSite> {
    let site = |n: u32, id: &str, class: &str, lon: f64, lat: f64| ExportSite {
        id: id.into(),
        lon,
        lat,
        class: class.into(),
        confidence: 0.5 + f64::from(n) / 10.0,
        support: 2.5 + f64::from(n),
        seen_by: 4 + n,
        uncertainty_m: 6.25 * f64::from(n),
        status: ["confirmed", "candidate", "consensus_lost"][n as usize % 3].into(),
        damaged_after: Some(format!("2017-05-0{n}")),
        damaged_before: Some(format!("2017-10-3{n}")),
        date_confidence: Some(0.125 * f64::from(n)),
        consensus_run: Some("run-7".into()),
        frames: vec![format!("{n:064x}"), format!("{:064x}", n + 100)],
        reviewed_at: Some(format!("2024-04-30T09:1{n}:00Z")),
    };
    vec![
        site(
            1,
            "site <1> & \"one\"",
            "crater",
            38.996_123_456_7,
            35.952_1,
        ),
        site(
            2,
            "site, two",
            "collapsed, \"roof\" & <walls>",
            -0.000_000_04,
            -89.5,
        ),
        site(
            3,
            "site \"three\"\nwith a line break",
            "crater",
            179.999_999_9,
            0.0,
        ),
    ]
}

/// Runs `format`'s writer over `sites` into memory.
pub fn try_export(format: Format, sites: &[ExportSite]) -> ExportResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut sink = writer(format, &mut out, &provenance())?;
    for site in sites {
        sink.write(site)?;
    }
    sink.finish()?;
    Ok(out)
}

/// [`try_export`], which must succeed.
pub fn export(format: Format, sites: &[ExportSite]) -> Vec<u8> {
    try_export(format, sites).unwrap_or_else(|e| panic!("{format} export failed: {e}"))
}

/// Writes `format`'s export of `sites` to `dir`/sites.{extension} and returns the path.
pub fn export_file(dir: &Path, format: Format, sites: &[ExportSite]) -> PathBuf {
    let path = dir.join(format!("sites.{}", format.extension()));
    std::fs::write(&path, export(format, sites)).expect("the export file writes");
    path
}

/// Opens a GeoPackage export with SQLite.
pub fn open_gpkg(dir: &Path, sites: &[ExportSite]) -> rusqlite::Connection {
    let path = export_file(dir, Format::GeoPackage, sites);
    rusqlite::Connection::open(path).expect("SQLite opens the GeoPackage")
}
