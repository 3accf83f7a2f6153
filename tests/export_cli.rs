//! `tessera export` as a script runs it, every format opened by GDAL (`osgeo.ogr`, from Debian's
//! `python3-gdal`): the same features in each, Point geometry in EPSG:4326, the fields and
//! their values, the provenance; and clear errors for a bad campaign or filter.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diesel::prelude::*;
use serde_json::{Value, json};
use tessera_server::campaign_settings::CampaignSettings;
use tessera_server::db::campaign::Campaign;
use tessera_server::db::schema::{consensus_runs, frames, site_tasks, sites, tasks, users};
use tessera_server::db::{DatabaseUrl, Db};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

fn gdal_read(path: &Path, options: &[&str]) -> Value {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../export/tests/export/gdal_read.py");
    let python = std::env::var("GDAL_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into());
    let out = Command::new(python)
        .arg(script)
        .arg(path)
        .args(options)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "GDAL could not read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn export(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("export")
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap()
}

/// A campaign `c` with three sites (one confirmed) resting on two frames, and a volunteer.
fn seed(dir: &Path) {
    let url =
        DatabaseUrl::parse(&format!("sqlite://{}", dir.join("tessera.db").display())).unwrap();
    let db = Db::open(&url, 2).unwrap();
    let campaign =
        Campaign::add_active(&db, "c", "Raqqa east", "", &CampaignSettings::default()).unwrap();
    let conn = &mut *db.conn().unwrap();
    let cid = campaign.id.0.as_str();
    diesel::insert_into(users::table)
        .values((
            users::id.eq("user-secret-id"),
            users::handle.eq("marie_curie"),
            users::handle_key.eq("marie_curie"),
            users::password_hash.eq("x"),
            users::role.eq("volunteer"),
            users::reliability.eq(0.7),
            users::created_at.eq(0_i64),
        ))
        .execute(conn)
        .unwrap();
    diesel::insert_into(consensus_runs::table)
        .values((
            consensus_runs::id.eq("run-1"),
            consensus_runs::campaign_id.eq(cid),
            consensus_runs::parameters.eq(r#"{"eps_m":5.0}"#),
            consensus_runs::code_version.eq("tessera test"),
            consensus_runs::started_at.eq(0_i64),
            consensus_runs::finished_at.eq(Some(1_i64)),
        ))
        .execute(conn)
        .unwrap();
    for (id, sha) in [("before", "aa".repeat(32)), ("after", "bb".repeat(32))] {
        diesel::insert_into(frames::table)
            .values((
                frames::id.eq(id),
                frames::campaign_id.eq(cid),
                frames::source_path.eq("/nowhere.tif"),
                frames::sha256.eq(sha),
                frames::file_size.eq(1_i64),
                frames::width.eq(1_i64),
                frames::height.eq(1_i64),
                frames::bands.eq(3),
                frames::crs.eq("EPSG:4326"),
                frames::geotransform.eq("[0,1,0,0,0,-1]"),
                frames::footprint.eq("[]"),
                frames::min_lon.eq(39.0),
                frames::min_lat.eq(35.9),
                frames::max_lon.eq(39.1),
                frames::max_lat.eq(36.0),
                frames::created_at.eq(0_i64),
            ))
            .execute(conn)
            .unwrap();
    }
    let task: i64 = diesel::insert_into(tasks::table)
        .values((
            tasks::campaign_id.eq(cid),
            tasks::kind.eq("search"),
            tasks::frame_id.eq(Some("after")),
            tasks::before_frame_id.eq(Some("before")),
            tasks::footprint.eq("[]"),
            tasks::min_lon.eq(39.0),
            tasks::min_lat.eq(35.9),
            tasks::max_lon.eq(39.1),
            tasks::max_lat.eq(36.0),
            tasks::status.eq("open"),
            tasks::created_at.eq(0_i64),
        ))
        .returning(tasks::id)
        .get_result(conn)
        .unwrap();
    for (i, (status, class, reviewed)) in [
        ("confirmed", "destroyed", Some(1_764_583_200_000_i64)),
        ("candidate", "crater", None),
        ("rejected", "severe", Some(1_764_583_300_000)),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("0190000{i}-0000-7000-8000-000000000000");
        diesel::insert_into(sites::table)
            .values((
                sites::id.eq(&id),
                sites::campaign_id.eq(cid),
                sites::lon.eq(39.012_345_678_9 + i as f64 * 0.001),
                sites::lat.eq(35.951_234_567_8),
                sites::class.eq(class),
                sites::confidence.eq(0.9 - i as f64 * 0.2),
                sites::support.eq(0.75),
                sites::seen_by.eq(6),
                sites::uncertainty_m.eq(2.5),
                sites::status.eq(status),
                sites::consensus_run_id.eq(Some("run-1")),
                sites::reviewed_at.eq(reviewed),
                sites::created_at.eq(0_i64),
                sites::updated_at.eq(0_i64),
            ))
            .execute(conn)
            .unwrap();
        diesel::insert_into(site_tasks::table)
            .values((site_tasks::site_id.eq(&id), site_tasks::task_id.eq(task)))
            .execute(conn)
            .unwrap();
    }
}

#[test]
fn every_format_opens_in_gdal_with_the_same_sites() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let mut counts = Vec::new();
    for format in ["geojson", "csv", "kml", "gpkg"] {
        let file = dir.path().join(format!("sites.{format}"));
        let out = export(
            dir.path(),
            &[
                "--campaign",
                "c",
                "--format",
                format,
                "--out",
                file.to_str().unwrap(),
            ],
        );
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("3 sites of c exported"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["marie_curie", "user-secret-id"] {
            assert!(!text.contains(secret), "{format} export contains {secret}");
        }
        let options: &[&str] = if format == "csv" {
            &[
                "X_POSSIBLE_NAMES=longitude",
                "Y_POSSIBLE_NAMES=latitude",
                "AUTODETECT_TYPE=YES",
            ]
        } else {
            &[]
        };
        let layer = gdal_read(&file, options);
        // KML layers declare no geometry type; their features are points all the same.
        let features = layer["features"].as_array().unwrap();
        assert!(
            features.iter().all(|f| f["geometry"] == "POINT"),
            "{format}: {layer}"
        );
        if format != "csv" {
            assert_eq!(layer["epsg"], "4326", "{format}");
        }
        counts.push(layer["count"].as_i64().unwrap());
        let first = features
            .iter()
            .find(|f| f["fields"]["id"] == "01900000-0000-7000-8000-000000000000")
            .unwrap_or_else(|| panic!("{format}: {layer}"));
        assert_eq!(first["geometry"], "POINT", "{format}");
        let [lon, lat] = [
            first["lon"].as_f64().unwrap(),
            first["lat"].as_f64().unwrap(),
        ];
        assert!(
            (lon - 39.012_345_7).abs() < 1e-7 && (lat - 35.951_234_6).abs() < 1e-7,
            "{format}: {first}"
        );
        let fields = &first["fields"];
        assert_eq!(fields["class"], "destroyed", "{format}");
        assert_eq!(fields["status"], "confirmed", "{format}");
        assert_eq!(fields["consensus_run"], "run-1", "{format}");
        assert!(
            fields["frames"].to_string().contains(&"aa".repeat(32)),
            "{format}: {fields}"
        );
        assert!(
            fields["frames"].to_string().contains(&"bb".repeat(32)),
            "{format}: {fields}"
        );
        assert_eq!(
            fields["reviewed_at"], "2025-12-01T10:00:00Z",
            "{format}: {fields}"
        );
        if format == "geojson" {
            let doc: Value = serde_json::from_slice(&bytes).unwrap();
            assert!(doc.get("crs").is_none());
            assert_eq!(
                doc["tessera"]["campaign"], "c",
                "provenance: {}",
                doc["tessera"]
            );
            assert_eq!(doc["tessera"]["consensus_runs"][0]["id"], "run-1");
            assert_eq!(
                doc["tessera"]["consensus_runs"][0]["parameters"],
                json!({"eps_m": 5.0})
            );
        }
    }
    assert_eq!(counts, vec![3, 3, 3, 3]);
}

#[test]
fn filters_standard_output_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    // No --out (and --out -): standard output.
    for extra in [&[][..], &["--out", "-"][..]] {
        let mut args = vec![
            "--campaign",
            "c",
            "--format",
            "geojson",
            "--status",
            "confirmed,candidate",
            "--min-confidence",
            "0.6",
        ];
        args.extend_from_slice(extra);
        let out = export(dir.path(), &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ids: Vec<&str> = doc["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            vec![
                "01900000-0000-7000-8000-000000000000",
                "01900001-0000-7000-8000-000000000000"
            ]
        );
        let filters = doc["tessera"]["filters"].to_string();
        assert!(
            filters.contains("confirmed,candidate") && filters.contains("0.6"),
            "{filters}"
        );
    }
    let out = export(
        dir.path(),
        &["--campaign", "c", "--format", "csv", "--class", "crater"],
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.lines().next().unwrap().contains("latitude") && csv.contains("crater"));
    for (args, says) in [
        (
            vec!["--campaign", "nope", "--format", "csv"],
            "no campaign \"nope\"",
        ),
        (
            vec!["--campaign", "c", "--format", "shp"],
            "unknown export format",
        ),
        (
            vec!["--campaign", "c", "--format", "csv", "--status", "maybe"],
            "status \"maybe\"",
        ),
        (
            vec!["--campaign", "c", "--format", "csv", "--class", "volcano"],
            "class \"volcano\"",
        ),
        (
            vec![
                "--campaign",
                "c",
                "--format",
                "csv",
                "--min-confidence",
                "7",
            ],
            "between 0 and 1",
        ),
    ] {
        let out = export(dir.path(), &args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    // A failed export leaves no file under the name asked for.
    let target = dir.path().join("never.csv");
    let out = export(
        dir.path(),
        &[
            "--campaign",
            "c",
            "--format",
            "csv",
            "--status",
            "maybe",
            "--out",
            target.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    assert!(!target.exists());
}
