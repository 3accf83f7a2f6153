//! The consensus background job: answers in the database become strike sites, only over the
//! area new answers touched, with a run record, on SQLite and PostgreSQL.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::{Method, StatusCode};
use common::{TestContext, call};
use diesel::prelude::*;
use rstest::rstest;
use serde_json::json;
use tessera_consensus::pixel_to_lonlat;
use tessera_server::api::app;
use tessera_server::auth::Role;
use tessera_server::db::Backend;
use tessera_server::db::schema::{consensus_runs, sites, users};
use tessera_server::jobs::consensus::run_once;

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn agreeing_marks_become_a_site_and_reruns_replace_it(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign(
        "c",
        json!({"redundancy": {"min": 5, "max": 5}, "consensus": {"eps_m": 5.0}}),
    );
    let ids = ctx.tasks(&campaign, 2, 5);
    let vols: Vec<String> = (0..5)
        .map(|i| ctx.account(&format!("v{i}"), Role::Volunteer))
        .collect();
    let svc = actix_web::test::init_service(app(ctx.data())).await;
    // four of five volunteers mark the same building on tile 0; one sees nothing
    for (i, token) in vols.iter().enumerate() {
        let (_, next) = call(
            &svc,
            Method::POST,
            "/api/v1/campaigns/c/next",
            Some(token),
            None,
        )
        .await;
        let task = next["task"]["id"].as_i64().unwrap();
        assert_eq!(task, ids[0]);
        let body = if i < 4 {
            json!({"idempotency_key": "k", "marks": [{"x": 100.0 + i as f64, "y": 120.0 - i as f64, "class": "destroyed"}]})
        } else {
            json!({"idempotency_key": "k", "nothing_here": true})
        };
        let (status, receipt) = call(
            &svc,
            Method::POST,
            &format!("/api/v1/tasks/{task}/answers"),
            Some(token),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
    }
    // A run counts answers from its own start time inclusive, so that none arriving in the
    // same millisecond is missed; let that millisecond pass, or the next pass would rightly
    // run again.
    std::thread::sleep(std::time::Duration::from_millis(2));
    let runs = run_once(ctx.db()).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].answers, 5);
    let conn = &mut *ctx.db().conn().unwrap();
    let found: Vec<(f64, f64, String, f64, i32, Option<String>)> = sites::table
        .select((
            sites::lon,
            sites::lat,
            sites::class,
            sites::confidence,
            sites::seen_by,
            sites::consensus_run_id,
        ))
        .load(conn)
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let (lon, lat, class, confidence, seen_by, run) = &found[0];
    let corners = [
        [39.0, 35.951],
        [39.001, 35.951],
        [39.001, 35.950],
        [39.0, 35.950],
    ];
    let expected = pixel_to_lonlat(&corners, 256.0, 256.0, 101.5, 118.5);
    let metres = ((lon - expected[0]) * 90_000.0).hypot((lat - expected[1]) * 111_000.0);
    assert!(metres < 3.0, "site {metres:.1} m from the marks");
    assert_eq!(class, "destroyed");
    assert_eq!(*seen_by, 5);
    assert!(*confidence > 0.5 && *confidence <= 1.0);
    let (finished, counts): (Option<i64>, String) = consensus_runs::table
        .find(run.clone().unwrap())
        .select((consensus_runs::finished_at, consensus_runs::counts))
        .first(conn)
        .unwrap();
    assert!(finished.is_some());
    assert!(counts.contains("\"sites\":1"), "{counts}");
    let estimated: i64 = users::table
        .filter(users::sensitivity.is_not_null())
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(estimated, 5, "every volunteer's reliability is estimated");

    // nothing new: no run
    assert!(run_once(ctx.db()).unwrap().is_empty());
    // a new answer elsewhere re-runs, and the site is replaced, not duplicated
    let late = ctx.account("late", Role::Volunteer);
    let (_, next) = call(
        &svc,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&late),
        None,
    )
    .await;
    let task = next["task"]["id"].as_i64().unwrap();
    let (status, _) = call(
        &svc,
        Method::POST,
        &format!("/api/v1/tasks/{task}/answers"),
        Some(&late),
        Some(json!({"idempotency_key": "z", "nothing_here": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let runs = run_once(ctx.db()).unwrap();
    assert_eq!(runs.len(), 1);
    let n: i64 = sites::table.count().get_result(conn).unwrap();
    assert_eq!(n, 1);
    let n: i64 = consensus_runs::table.count().get_result(conn).unwrap();
    assert_eq!(n, 2);
}
