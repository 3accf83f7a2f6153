//! The analysts' imagery routes on a really ingested frame, on SQLite and on PostgreSQL: the
//! frame list, the overview tiles `tessera ingest` builds, chips cut on demand and cached, who may
//! call them, and what a bad request gets.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use actix_web::http::StatusCode;
use actix_web::http::header;
use common::app::{TestApp, TestResponse};
use common::error_code;
use rstest::rstest;
use serde_json::json;
use tessera_server::auth::Role;
use tessera_server::db::frame::Frame;
use tessera_server::db::ids::FrameId;
use tessera_server::db::{Backend, DbError};

const BIN: &str = env!("CARGO_BIN_EXE_tessera");
const AFTER: &str = "raqqa-sentinel2/raqqa_s2l2a_2017-10-30.tif";

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(rel)
}

/// Runs `tessera` on the app's database and data folder.
fn tessera(app: &TestApp, args: &[&str]) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .args(["--data-dir", app.data_dir.path().to_str().unwrap()])
        .args(["--database-url", &app.database.url_string])
        .env_remove("DATABASE_URL")
        .env_remove("TESSERA_DATA_DIR")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A campaign with the October Raqqa frame ingested from a copy of the file (so a test may
/// remove it); returns the frame id, the copy and an analyst's token.
async fn ingested(backend: Backend) -> (TestApp, String, PathBuf, String) {
    let app = TestApp::new(backend).await;
    app.campaign("raqqa", json!({}));
    let source = app.data_dir.path().join("source-1030.tif");
    std::fs::copy(data(AFTER), &source).unwrap();
    let out = tessera(
        &app,
        &[
            "ingest",
            "--campaign",
            "raqqa",
            "--captured-at",
            "2017-10-30",
            source.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("map overview zooms 11-14"), "{stderr}");
    let frame = {
        use diesel::prelude::*;
        use tessera_server::db::schema::frames;
        let conn = &mut *app.db().conn().unwrap();
        frames::table
            .select(frames::id)
            .first::<String>(conn)
            .unwrap()
    };
    let analyst = app.account("analyst-1", Role::Analyst);
    (app, frame, source, analyst)
}

/// The XYZ tile and the pixel in it that hold (lon, lat) at zoom `z`.
fn tile_of(z: u32, lon: f64, lat: f64) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let lat = lat.to_radians();
    (
        ((lon + 180.0) / 360.0 * n) as u32,
        ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * n) as u32,
    )
}

/// Width and height from a JPEG's start-of-frame segment.
fn jpeg_size(bytes: &[u8]) -> (u16, u16) {
    assert_eq!(&bytes[..2], b"\xff\xd8", "not a JPEG");
    let mut i = 2;
    while i + 9 < bytes.len() {
        assert_eq!(bytes[i], 0xFF, "segment marker at {i}");
        let marker = bytes[i + 1];
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if matches!(marker, 0xC0..=0xC2) {
            let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]);
            let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]);
            return (w, h);
        }
        i += 2 + len;
    }
    panic!("no start of frame");
}

fn content_type(res: &TestResponse) -> &str {
    res.headers()
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn analysts_see_frames_tiles_and_chips_and_volunteers_do_not(#[case] backend: Backend) {
    let (app, frame, _source, analyst) = ingested(backend).await;
    let volunteer = app.volunteer();
    let coordinator = app.coordinator();
    let (x, y) = tile_of(14, 39.01, 35.95);
    let routes = [
        "/api/v1/campaigns/raqqa/frames".to_owned(),
        format!("/api/v1/frames/{frame}/overview/14/{x}/{y}"),
        format!("/api/v1/frames/{frame}/chip?lon=39.01&lat=35.95"),
    ];
    for path in &routes {
        let res = app.get(path).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}: {res}");
        assert_eq!(error_code(res.json()), "unauthenticated");
        let res = app.get(path).token(&volunteer).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}: {res}");
        assert_eq!(error_code(res.json()), "forbidden");
        for staff in [&analyst, &coordinator] {
            let res = app.get(path).token(staff).await;
            assert_eq!(res.status(), StatusCode::OK, "{path}: {res}");
        }
    }

    let res = app.get(&routes[0]).token(&analyst).await;
    let frames = res.json()["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 1, "{res}");
    let f = &frames[0];
    assert_eq!(f["id"], frame.as_str());
    assert_eq!(f["captured_at"], "2017-10-30");
    assert_eq!(
        (f["width"].as_i64(), f["height"].as_i64()),
        (Some(1225), Some(500))
    );
    assert_eq!(f["crs"], "EPSG:4326");
    assert_eq!(f["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(f["tasks"], 18);
    assert_eq!(f["overview"], json!({"min_zoom": 11, "max_zoom": 14}));
    // gdalinfo's corners of this file.
    let bbox: Vec<f64> = serde_json::from_value(f["bbox"].clone()).unwrap();
    for (got, want) in bbox.iter().zip([38.93641, 35.92829, 39.05947, 35.9745]) {
        assert!((got - want).abs() < 1e-7, "{bbox:?}");
    }
    let corner: [f64; 2] = serde_json::from_value(f["footprint"][0].clone()).unwrap();
    assert!((corner[0] - 38.93641).abs() < 1e-7 && (corner[1] - 35.9745).abs() < 1e-7);

    let res = app.get(&routes[1]).token(&analyst).await;
    assert_eq!(content_type(&res), "image/jpeg", "inside the frame");
    assert_eq!(
        res.headers().get(header::CACHE_CONTROL).unwrap(),
        "private, max-age=3600"
    );
    assert_eq!(jpeg_size(&res.body()), (256, 256));
    // The north-west corner's tile is an edge tile: PNG with transparency.
    let (x, y) = tile_of(14, 38.9365, 35.9744);
    let res = app
        .get(&format!("/api/v1/frames/{frame}/overview/14/{x}/{y}"))
        .token(&analyst)
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{res}");
    assert_eq!(content_type(&res), "image/png");
    assert_eq!(&res.body()[..8], b"\x89PNG\r\n\x1a\n");

    let res = app.get(&routes[2]).token(&analyst).await;
    assert_eq!(content_type(&res), "image/jpeg");
    assert_eq!(jpeg_size(&res.body()), (256, 256));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn bad_requests_get_json_errors(#[case] backend: Backend) {
    let (app, frame, _source, analyst) = ingested(backend).await;
    let get = |path: String| {
        let token = analyst.clone();
        let app = &app;
        async move { app.get(&path).token(&token).await }
    };
    let (x, y) = tile_of(14, 39.01, 35.95);
    for (path, status, code) in [
        ("/api/v1/campaigns/nope/frames".to_owned(), 404, "not_found"),
        (
            format!("/api/v1/frames/nope/overview/14/{x}/{y}"),
            404,
            "not_found",
        ),
        (
            format!("/api/v1/frames/{frame}/overview/15/{x}/{y}"),
            404,
            "not_found",
        ),
        (
            format!("/api/v1/frames/{frame}/overview/10/0/0"),
            404,
            "not_found",
        ),
        (
            format!("/api/v1/frames/{frame}/overview/14/{x}/99999"),
            404,
            "not_found",
        ),
        (
            format!("/api/v1/frames/{frame}/overview/14/0/0"),
            404,
            "not_found",
        ),
        (
            format!("/api/v1/frames/{frame}/overview/14/{x}/{y}.png"),
            400,
            "invalid_path",
        ),
        (
            format!("/api/v1/frames/{frame}/overview/14/-1/{y}"),
            400,
            "invalid_path",
        ),
        (
            format!("/api/v1/frames/..%2F..%2Fjwt-secret/overview/14/{x}/{y}"),
            404,
            "not_found",
        ),
        (
            format!("/api/v1/frames/{frame}/chip?lon=39.01"),
            422,
            "validation_failed",
        ),
        (
            format!("/api/v1/frames/{frame}/chip?lon=east&lat=35.95"),
            422,
            "validation_failed",
        ),
        (
            format!("/api/v1/frames/{frame}/chip?lon=39.01&lat=95"),
            422,
            "validation_failed",
        ),
        (
            format!("/api/v1/frames/{frame}/chip?lon=39.01&lat=35.95&size_m=19"),
            422,
            "validation_failed",
        ),
        (
            format!("/api/v1/frames/{frame}/chip?lon=39.01&lat=35.95&size_m=1001"),
            422,
            "validation_failed",
        ),
        (
            format!("/api/v1/frames/{frame}/chip?lon=2.35&lat=48.85"),
            422,
            "validation_failed",
        ),
        (
            "/api/v1/frames/nope/chip?lon=39.01&lat=35.95".to_owned(),
            404,
            "not_found",
        ),
    ] {
        let res = get(path.clone()).await;
        assert_eq!(res.status().as_u16(), status, "{path}: {res}");
        assert_eq!(error_code(res.json()), code, "{path}");
    }
    // At the bounds of size_m.
    for size in [20, 1000] {
        let res = get(format!(
            "/api/v1/frames/{frame}/chip?lon=39.01&lat=35.95&size_m={size}"
        ))
        .await;
        assert_eq!(res.status(), StatusCode::OK, "{size}: {res}");
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn chips_are_cached_and_a_missing_source_is_a_conflict(#[case] backend: Backend) {
    let (app, frame, source, analyst) = ingested(backend).await;
    let path = format!("/api/v1/frames/{frame}/chip?lon=39.0123&lat=35.9512&size_m=200");
    let first = app.get(&path).token(&analyst).await;
    assert_eq!(first.status(), StatusCode::OK, "{first}");
    let cached = app
        .data_dir
        .path()
        .join(format!("chips/{frame}/200m-256px/3901230_3595120.jpg"));
    assert_eq!(std::fs::read(&cached).unwrap(), first.body());

    // With the source gone, the cached chip is still served, from the cache alone.
    std::fs::remove_file(&source).unwrap();
    let again = app
        .get(&format!(
            "/api/v1/frames/{frame}/chip?lon=39.012304&lat=35.951196&size_m=200"
        ))
        .token(&analyst)
        .await;
    assert_eq!(again.status(), StatusCode::OK, "{again}");
    assert_eq!(
        again.body(),
        first.body(),
        "rounded to the same cached chip"
    );

    let res = app
        .get(&format!("/api/v1/frames/{frame}/chip?lon=39.02&lat=35.95"))
        .token(&analyst)
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "{res}");
    assert_eq!(error_code(res.json()), "frame_source_missing");
    let message = res.json()["error"]["message"].as_str().unwrap();
    assert!(message.contains(&frame), "{message}");
    assert!(!message.contains("source-1030.tif"), "no path: {message}");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn tessera_overview_builds_missing_pyramids_only(#[case] backend: Backend) {
    let (app, frame, _source, _analyst) = ingested(backend).await;
    let out = tessera(&app, &["overview", "--campaign", "raqqa"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("0 pyramid(s) built, 1 already there"),
        "{stderr}"
    );

    // A frame ingested before pyramids existed.
    let id = FrameId(frame.clone());
    app.db()
        .write(|conn| -> Result<usize, DbError> { Ok(Frame::set_overview(conn, &id, None)?) })
        .unwrap();
    std::fs::remove_dir_all(app.data_dir.path().join("overview").join(&frame)).unwrap();
    let out = tessera(&app, &["overview", "--campaign", "raqqa"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 pyramid(s) built"), "{stderr}");
    let row = Frame::find(&mut app.db().conn().unwrap(), &id).unwrap();
    assert_eq!(
        (row.overview_min_zoom, row.overview_max_zoom),
        (Some(11), Some(14))
    );
    let (x, y) = tile_of(14, 39.01, 35.95);
    assert!(
        app.data_dir
            .path()
            .join(format!("overview/{frame}/14/{x}/{y}.jpg"))
            .is_file()
    );
}
