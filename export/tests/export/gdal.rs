//! GDAL opens every format: `ogrinfo -al -so` sees 3 Point features in EPSG:4326, and Python's
//! `osgeo.ogr` (`gdal_read.py`) reads every field and point back as written. Needs Debian's
//! `gdal-bin` and `python3-gdal` (scripts/test.sh installs them); fails naming them if missing.

use std::path::Path;
use std::process::Command;

use rstest::rstest;
use serde_json::{Value, json};
use tessera_export::{ExportSite, Format, PROPERTIES};

use crate::support::{export_file, sites};

const INSTALL: &str = "the GDAL round-trip needs Debian's gdal-bin and python3-gdal: \
    `apt-get install -y gdal-bin python3-gdal` (scripts/test.sh installs them)";

/// Debian's Python, which python3-gdal installs into (a `python3` earlier on PATH, such as
/// pyenv's, has no `osgeo`); `GDAL_PYTHON` overrides it.
fn python() -> String {
    std::env::var("GDAL_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".to_owned())
}

/// GDAL's open options for `format`: the CSV driver must be told the position columns.
fn open_options(format: Format) -> &'static [&'static str] {
    match format {
        Format::Csv => &["X_POSSIBLE_NAMES=longitude", "Y_POSSIBLE_NAMES=latitude"],
        _ => &[],
    }
}

/// Runs a GDAL command, failing with the install hint if it is missing.
fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); {INSTALL}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {stderr}; {INSTALL}"
    );
    String::from_utf8(output.stdout).expect("GDAL prints UTF-8")
}

/// What GDAL should read for `name` of `site`: the written value, with `frames` as a list where
/// the format has lists (GeoJSON) and `;`-joined text elsewhere.
fn expected(site: &ExportSite, name: &str, format: Format) -> Value {
    match name {
        "id" => json!(site.id),
        "class" => json!(site.class),
        "confidence" => json!(site.confidence),
        "support" => json!(site.support),
        "seen_by" => json!(site.seen_by),
        "uncertainty_m" => json!(site.uncertainty_m),
        "status" => json!(site.status),
        "damaged_after" => json!(site.damaged_after),
        "damaged_before" => json!(site.damaged_before),
        "date_confidence" => json!(site.date_confidence),
        "consensus_run" => json!(site.consensus_run),
        "frames" if format == Format::GeoJson => json!(site.frames),
        "frames" => json!(site.frames.join(";")),
        "reviewed_at" => json!(site.reviewed_at),
        _ => panic!("{name} is not a documented property"),
    }
}

/// Equal as written: formats without types (CSV, KML) give numbers back as text.
fn same(actual: &Value, expected: &Value) -> bool {
    match (actual, expected.as_f64()) {
        (Value::String(text), Some(number)) => text.parse::<f64>().ok() == Some(number),
        (Value::Number(n), Some(number)) => n.as_f64() == Some(number),
        _ => actual == expected,
    }
}

#[rstest]
fn gdal_reads_every_format_back(
    #[values(Format::GeoJson, Format::Csv, Format::Kml, Format::GeoPackage)] format: Format,
) {
    let dir = tempfile::tempdir().unwrap();
    let written = sites();
    let path = export_file(dir.path(), format, &written);
    let path = path.to_str().unwrap();
    let options = open_options(format);

    let mut args = vec!["-al", "-so", "-ro"];
    args.extend(options.iter().flat_map(|o| ["-oo", o]));
    args.push(path);
    let summary = run("ogrinfo", &args);
    assert!(summary.contains("Feature Count: 3"), "{format}: {summary}");
    // A KML layer declares no geometry type (GDAL says "Unknown (any)"): list its features.
    if format == Format::Kml {
        args.retain(|a| *a != "-so");
        let listing = run("ogrinfo", &args);
        assert_eq!(listing.matches("\n  POINT (").count(), 3, "{listing}");
    } else {
        assert!(summary.contains("Geometry: Point"), "{format}: {summary}");
    }
    // A CSV has no CRS of its own: GDAL can only be told the columns, not the datum.
    if format != Format::Csv {
        assert!(summary.contains("ID[\"EPSG\",4326]"), "{format}: {summary}");
    }

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/export/gdal_read.py");
    let mut args = vec![script.to_str().unwrap(), path];
    args.extend(options);
    let layer: Value = serde_json::from_str(&run(&python(), &args)).unwrap();
    assert_eq!(layer["count"], 3, "{format}: {layer}");
    let epsg = if format == Format::Csv {
        json!(null)
    } else {
        json!("4326")
    };
    assert_eq!(layer["epsg"], epsg, "{format}: {layer}");
    let features = layer["features"].as_array().unwrap();
    assert_eq!(features.len(), written.len());
    for (feature, site) in features.iter().zip(&written) {
        assert_eq!(feature["geometry"], "POINT", "{format}: {feature}");
        let (lon, lat) = site.rounded_position();
        assert_eq!(feature["lon"].as_f64(), Some(lon), "{format}: {feature}");
        assert_eq!(feature["lat"].as_f64(), Some(lat), "{format}: {feature}");
        for name in PROPERTIES {
            let actual = &feature["fields"][name];
            let want = expected(site, name, format);
            assert!(
                same(actual, &want),
                "{format} {name}: read {actual}, wrote {want}"
            );
        }
    }
    if format == Format::GeoPackage {
        // Typed fields survive: REAL, INTEGER and TEXT as GDAL's Real, Integer64 and String.
        let types = &layer["fields"];
        assert_eq!(
            (&types["confidence"], &types["seen_by"], &types["id"]),
            (&json!("Real"), &json!("Integer64"), &json!("String"))
        );
    }
}

#[test]
fn gdal_validates_the_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    for (name, sites) in [("three", sites()), ("empty", Vec::new())] {
        let dir = dir.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        let path = export_file(&dir, Format::GeoPackage, &sites);
        // GDAL's GeoPackage validator (shipped with python3-gdal) checks the requirements of
        // the standard; it prints nothing and exits 0 for a valid file.
        let report = run(
            &python(),
            &[
                "-m",
                "osgeo_utils.samples.validate_gpkg",
                path.to_str().unwrap(),
            ],
        );
        assert!(report.trim().is_empty(), "{name}: {report}");
        // GDAL also warns on stderr when opening a file it finds odd.
        let output = Command::new("ogrinfo")
            .args(["-al", "-so", "-ro"])
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("cannot run ogrinfo ({e}); {INSTALL}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && stderr.trim().is_empty(),
            "{name}: {stderr}"
        );
    }
}
