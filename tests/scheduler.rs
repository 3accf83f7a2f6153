//! The scheduler's promises (docs/ARCHITECTURE.md, "The scheduler") and the answer intake,
//! through the HTTP API, on SQLite and PostgreSQL.

#![allow(
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::too_many_lines,
    reason = "tests fail loudly"
)]

#[macro_use]
mod common;

use actix_web::http::{Method, StatusCode};
use actix_web::test;
use common::{TestContext, call, error_code, marks_at, next_id, nothing, send};
use diesel::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};
use tessera_server::auth::Role;
use tessera_server::db::Backend;
use tessera_server::db::schema::{leases, marks, tasks};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_volunteer_leases_and_answers_with_marks_stored_in_wgs84(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("raqqa", json!({}));
    let ids = ctx.tasks(&campaign, 3, 3);
    let vol = ctx.account("vol", Role::Volunteer);
    let app = init!(ctx);

    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/raqqa/next",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let task = &body["task"];
    assert_eq!(
        task["id"], ids[0],
        "tiling order among equally answered tasks"
    );
    assert_eq!(task["width"], 256);
    assert_eq!(
        task["damage_classes"],
        json!(["destroyed", "severe", "moderate", "crater"])
    );
    assert!(
        task["tile_url"]
            .as_str()
            .unwrap()
            .starts_with("/tiles/frame-a/0/0.jpg?exp=")
    );
    assert!(
        task["before_tile_url"]
            .as_str()
            .unwrap()
            .starts_with("/tiles/frame-b/0/0.jpg?exp=")
    );
    assert_eq!(task["footprint"][0], json!([39.0, 35.951]));
    assert!(task["lease_expires_at"].as_i64().unwrap() > tessera_server::db::now_ms() + 9 * 60_000);

    let path = format!("/api/v1/tasks/{}/answers", ids[0]);
    let (status, receipt) = call(
        &app,
        Method::POST,
        &path,
        Some(&vol),
        marks_at("k1", &[(128.0, 64.0), (0.0, 256.0)]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    assert_eq!(receipt["marks"], 2);
    assert_eq!(receipt["task_retired"], false);

    let conn = &mut *ctx.db().conn().unwrap();
    let stored: Vec<(f64, f64, Option<f64>, Option<f64>)> = marks::table
        .order(marks::id)
        .select((marks::x, marks::y, marks::lon, marks::lat))
        .load(conn)
        .unwrap();
    assert_eq!(stored.len(), 2);
    let (lon, lat) = (stored[0].2.unwrap(), stored[0].3.unwrap());
    assert!(
        (lon - 39.0005).abs() < 1e-9 && (lat - 35.95075).abs() < 1e-9,
        "{lon} {lat}"
    );
    let (lon, lat) = (stored[1].2.unwrap(), stored[1].3.unwrap());
    assert!(
        (lon - 39.0).abs() < 1e-9 && (lat - 35.950).abs() < 1e-9,
        "{lon} {lat}"
    );
    let (count, out): (i32, i32) = tasks::table
        .find(ids[0])
        .select((tasks::answer_count, tasks::leases_out))
        .first(conn)
        .unwrap();
    assert_eq!((count, out), (1, 0));

    let (status, stats) = call(&app, Method::GET, "/api/v1/me/stats", Some(&vol), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            stats["answers"].as_i64(),
            stats["marks"].as_i64(),
            stats["campaigns"].as_i64()
        ),
        (Some(1), Some(2), Some(1))
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn nobody_sees_a_task_twice_and_is_told_when_done(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", json!({"redundancy": {"min": 5, "max": 5}}));
    let ids = ctx.tasks(&campaign, 4, 5);
    let vol = ctx.account("vol", Role::Volunteer);
    let app = init!(ctx);
    let mut seen = Vec::new();
    while let Some(id) = next_id(&app, &vol, "c").await {
        assert!(!seen.contains(&id), "task {id} handed out twice");
        seen.push(id);
        let (status, _) = call(
            &app,
            Method::POST,
            &format!("/api/v1/tasks/{id}/answers"),
            Some(&vol),
            nothing(&format!("k{id}")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    seen.sort_unstable();
    assert_eq!(seen, ids);
    let (_, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(body["reason"], "seen_all");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("seen every open task")
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_volunteer_holds_at_most_max_leases(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", json!({"max_leases": 2}));
    ctx.tasks(&campaign, 5, 3);
    let vol = ctx.account("vol", Role::Volunteer);
    let app = init!(ctx);
    let first = next_id(&app, &vol, "c").await.unwrap();
    let second = next_id(&app, &vol, "c").await.unwrap();
    assert_ne!(first, second, "the second call prefetches another task");
    let (_, third) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(
        third["task"]["id"], first,
        "at the limit the oldest lease is handed back"
    );
    assert_eq!(third["resumed"], true);
    let held: i64 = leases::table
        .count()
        .get_result(&mut *ctx.db().conn().unwrap())
        .unwrap();
    assert_eq!(held, 2);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn redundancy_adapts_to_agreement(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign(
        "c",
        json!({"redundancy": {"min": 2, "max": 3}, "gold_rate": 0, "gold_rate_new": 0}),
    );
    let ids = ctx.tasks(&campaign, 2, 2);
    let vols: Vec<String> = (0..4)
        .map(|i| ctx.account(&format!("v{i}"), Role::Volunteer))
        .collect();
    let app = init!(ctx);
    let answer = |id: i64, v: usize, body: Option<Value>| {
        let (app, vols) = (&app, &vols);
        async move {
            let (status, receipt) = call(
                app,
                Method::POST,
                &format!("/api/v1/tasks/{id}/answers"),
                Some(&vols[v]),
                body,
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{receipt}");
            receipt
        }
    };
    // Task A: two agreeing "nothing here" retire it at min.
    assert_eq!(next_id(&app, &vols[0], "c").await, Some(ids[0]));
    answer(ids[0], 0, nothing("a0")).await;
    // nearly finished first: the second volunteer gets task A, not the untouched B
    assert_eq!(next_id(&app, &vols[1], "c").await, Some(ids[0]));
    let receipt = answer(ids[0], 1, nothing("a1")).await;
    assert_eq!(receipt["task_retired"], true);

    // Task B: a disagreement asks for a third answer, then it retires at max.
    assert_eq!(next_id(&app, &vols[0], "c").await, Some(ids[1]));
    assert_eq!(next_id(&app, &vols[1], "c").await, Some(ids[1]));
    // both slots are leased: a third volunteer must wait
    let (_, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&vols[2]),
        None,
    )
    .await;
    assert_eq!(body["reason"], "all_leased", "{body}");
    answer(ids[1], 0, nothing("b0")).await;
    let receipt = answer(ids[1], 1, marks_at("b1", &[(100.0, 100.0)])).await;
    assert_eq!(receipt["task_retired"], false);
    let conn = &mut *ctx.db().conn().unwrap();
    let needed: i32 = tasks::table
        .find(ids[1])
        .select(tasks::needed)
        .first(conn)
        .unwrap();
    assert_eq!(needed, 3);
    assert_eq!(next_id(&app, &vols[2], "c").await, Some(ids[1]));
    let receipt = answer(ids[1], 2, nothing("b2")).await;
    assert_eq!(receipt["task_retired"], true, "max answers reached");
    let (_, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&vols[3]),
        None,
    )
    .await;
    assert_eq!(body["reason"], "campaign_complete");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn abandoned_tasks_come_back_and_late_answers_are_kept(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", json!({"redundancy": {"min": 1, "max": 1}}));
    let ids = ctx.tasks(&campaign, 1, 1);
    let (a, b) = (
        ctx.account("a", Role::Volunteer),
        ctx.account("b", Role::Volunteer),
    );
    let app = init!(ctx);
    assert_eq!(next_id(&app, &a, "c").await, Some(ids[0]));
    let (_, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&b),
        None,
    )
    .await;
    assert_eq!(body["reason"], "all_leased");
    // a's lease runs out
    diesel::update(leases::table)
        .set(leases::expires_at.eq(tessera_server::db::now_ms() - 1))
        .execute(&mut *ctx.db().conn().unwrap())
        .unwrap();
    assert_eq!(
        next_id(&app, &b, "c").await,
        Some(ids[0]),
        "the expired task returns to the pool"
    );
    // a answers late: accepted, because a was given the task and had not answered it
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{}/answers", ids[0]),
        Some(&a),
        nothing("late"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{}/answers", ids[0]),
        Some(&b),
        nothing("b"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let conn = &mut *ctx.db().conn().unwrap();
    let (count, out): (i32, i32) = tasks::table
        .find(ids[0])
        .select((tasks::answer_count, tasks::leases_out))
        .first(conn)
        .unwrap();
    assert_eq!(
        (count, out),
        (2, 0),
        "counters stay exact through expiry and late answers"
    );
    // a never gets it again
    let (_, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&a),
        None,
    )
    .await;
    assert!(body["task"].is_null());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_paused_campaign_hands_out_nothing_but_takes_answers(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", json!({}));
    ctx.tasks(&campaign, 2, 3);
    let coordinator = ctx.account("coord", Role::Coordinator);
    let vol = ctx.account("vol", Role::Volunteer);
    let app = init!(ctx);
    let id = next_id(&app, &vol, "c").await.unwrap();
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/pause",
        Some(&coordinator),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "campaign_not_active")
    );
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{id}/answers"),
        Some(&vol),
        nothing("k"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/nope/next",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn tiles_are_served_only_through_signed_urls(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", json!({}));
    ctx.tasks(&campaign, 1, 3);
    let tile = ctx.data_dir.path().join("tiles/frame-a/0");
    std::fs::create_dir_all(&tile).unwrap();
    std::fs::write(tile.join("0.jpg"), b"\xff\xd8\xff jpeg bytes").unwrap();
    let vol = ctx.account("vol", Role::Volunteer);
    let other = ctx.account("other", Role::Volunteer);
    let app = init!(ctx);
    let (_, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&vol),
        None,
    )
    .await;
    let url = body["task"]["tile_url"].as_str().unwrap().to_owned();
    let response = test::call_service(&app, test::TestRequest::get().uri(&url).to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "image/jpeg"
    );
    assert_eq!(
        &test::read_body(response).await[..],
        b"\xff\xd8\xff jpeg bytes"
    );
    for bad in [
        url.replace("sig=", "sig=00"),
        url.split('?').next().unwrap().to_owned() + "?exp=1&sig=00",
        url.replace("frame-a/0/0.jpg", "frame-a/0/1.jpg"),
        "/tiles/frame-a/0/0.jpg".to_owned(),
        "/tiles/../jwt-secret?exp=99999999999&sig=00".to_owned(),
    ] {
        let (status, _) = send(&app, test::TestRequest::get().uri(&bad)).await;
        assert!(
            status == StatusCode::FORBIDDEN
                || status == StatusCode::BAD_REQUEST
                || status == StatusCode::NOT_FOUND,
            "{bad}: {status}"
        );
        assert_ne!(status, StatusCode::OK);
    }
    // GET /tasks/{id} works for the volunteer who was given it, not for another
    let id = body["task"]["id"].as_i64().unwrap();
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/api/v1/tasks/{id}"),
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &app,
        Method::GET,
        &format!("/api/v1/tasks/{id}"),
        Some(&other),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// PostgreSQL stores a plain answer in one statement, which stores nothing unless what it was
/// computed from (the lease as read, the task's answer count, a new key) still holds; the full
/// path then decides. SQLite always takes the full path.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn one_statement_answers_store_nothing_when_their_reads_went_stale(#[case] backend: Backend) {
    use tessera_server::campaign_settings::CampaignSettings;
    use tessera_server::db::lease::Lease;
    use tessera_server::db::schema::answers;
    use tessera_server::scheduler::{
        AnswerBody, SubmitAnswer, SubmittedMark, submit_answer_in_one_statement,
    };

    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("raqqa", json!({}));
    let ids = ctx.tasks(&campaign, 2, 3);
    let (a, b) = (
        ctx.account("a", Role::Volunteer),
        ctx.account("b", Role::Volunteer),
    );
    let (a_id, b_id) = (ctx.user_id(&a), ctx.user_id(&b));
    let app = init!(ctx);
    let task_id = next_id(&app, &a, "raqqa").await.unwrap();
    assert_eq!(task_id, ids[0]);
    let settings = CampaignSettings::default();
    let answer = |key: &str, xs: &[f64]| SubmitAnswer {
        idempotency_key: key.to_owned(),
        duration_ms: 5000,
        body: AnswerBody::Marks(
            xs.iter()
                .map(|&x| SubmittedMark {
                    x,
                    y: 10.0,
                    class: "destroyed".to_owned(),
                })
                .collect(),
        ),
    };
    let conn = &mut *ctx.db().conn().unwrap();
    let counters = |conn: &mut tessera_server::db::DbConn, id: i64| -> (i32, i32, i64) {
        let (count, out): (i32, i32) = tasks::table
            .find(id)
            .select((tasks::answer_count, tasks::leases_out))
            .first(conn)
            .unwrap();
        let stored: i64 = answers::table
            .filter(answers::task_id.eq(id))
            .count()
            .get_result(conn)
            .unwrap();
        (count, out, stored)
    };
    let (task, lease) = Lease::with_task(conn, task_id.into(), &a_id.clone().into()).unwrap();
    let lease = lease.unwrap();
    let submit = |conn: &mut _, lease: &Lease, key: &str, xs: &[f64]| {
        submit_answer_in_one_statement(
            conn,
            &task,
            Some(lease),
            &settings,
            &lease.user_id,
            &answer(key, xs),
            tessera_server::db::now_ms(),
        )
        .unwrap()
    };

    if backend == Backend::Sqlite {
        assert!(submit(conn, &lease, "k1", &[5.0]).is_none());
        assert_eq!(counters(conn, task_id), (0, 1, 0), "nothing stored");
        return;
    }

    // A lease read before the sweep expired it: its slot is no longer this answer's to free.
    let swept = Lease {
        expired: true,
        ..lease.clone()
    };
    assert!(submit(conn, &swept, "k1", &[5.0]).is_none());
    assert_eq!(counters(conn, task_id), (0, 1, 0), "nothing stored");

    // Another answer counted on the task since its answers were read.
    let bump = |conn: &mut _, by: i32| {
        diesel::update(tasks::table.find(task_id))
            .set(tasks::answer_count.eq(tasks::answer_count + by))
            .execute(conn)
            .unwrap();
    };
    bump(conn, 1);
    assert!(submit(conn, &lease, "k1", &[5.0]).is_none());
    bump(conn, -1);
    assert_eq!(counters(conn, task_id), (0, 1, 0), "nothing stored");

    // Nothing changed: stored, marks in the order given, lease answered, counters moved.
    let receipt = submit(conn, &lease, "k1", &[30.0, 20.0, 10.0]).expect("stored");
    assert_eq!((receipt.marks, receipt.task_retired), (3, false));
    assert_eq!(counters(conn, task_id), (1, 0, 1));
    let xs: Vec<f64> = marks::table
        .filter(marks::answer_id.eq(receipt.answer_id.as_str()))
        .order(marks::id)
        .select(marks::x)
        .load(conn)
        .unwrap();
    assert_eq!(xs, [30.0, 20.0, 10.0]);
    let answered: bool = leases::table
        .find((task_id, &a_id))
        .select(leases::answered)
        .first(conn)
        .unwrap();
    assert!(answered);

    // The same lease as read before that answer: already answered now.
    assert!(submit(conn, &lease, "k2", &[5.0]).is_none());
    assert_eq!(counters(conn, task_id), (1, 0, 1), "no second answer");

    // A key this volunteer already used on another task.
    assert_eq!(next_id(&app, &b, "raqqa").await, Some(task_id));
    let (_, b_lease) = Lease::with_task(conn, task_id.into(), &b_id.clone().into()).unwrap();
    let b_lease = b_lease.unwrap();
    let other = next_id(&app, &b, "raqqa").await.unwrap();
    assert_ne!(other, task_id);
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{other}/answers"),
        Some(&b),
        nothing("kb"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(submit(conn, &b_lease, "kb", &[5.0]).is_none());
    assert_eq!(counters(conn, task_id), (1, 1, 1), "nothing stored");
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{task_id}/answers"),
        Some(&b),
        marks_at("kb", &[(5.0, 5.0)]),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "idempotency_key_reused");
}
