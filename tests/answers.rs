//! Taking in answers, on SQLite and PostgreSQL: idempotent retries, refused answers that store
//! nothing, and gold (practice) tasks with feedback.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

#[macro_use]
mod common;

use actix_web::http::{Method, StatusCode};
use actix_web::test;
use common::{TestContext, call, error_code, marks_at, next_id, nothing, send};
use diesel::prelude::*;
use rstest::rstest;
use serde_json::json;
use tessera_server::auth::Role;
use tessera_server::db::Backend;
use tessera_server::db::schema::{answers, marks};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_retried_submit_never_stores_a_second_answer(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", json!({}));
    let ids = ctx.tasks(&campaign, 2, 3);
    let vol = ctx.account("vol", Role::Volunteer);
    let app = init!(ctx);
    next_id(&app, &vol, "c").await.unwrap();
    next_id(&app, &vol, "c").await.unwrap();
    let path = format!("/api/v1/tasks/{}/answers", ids[0]);
    let (s1, first) = call(
        &app,
        Method::POST,
        &path,
        Some(&vol),
        marks_at("same-key", &[(5.0, 5.0)]),
    )
    .await;
    let (s2, again) = call(
        &app,
        Method::POST,
        &path,
        Some(&vol),
        marks_at("same-key", &[(5.0, 5.0)]),
    )
    .await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(first["answer_id"], again["answer_id"]);
    assert_eq!(again["replayed"], true);
    let conn = &mut *ctx.db().conn().unwrap();
    let n: i64 = answers::table.count().get_result(conn).unwrap();
    let m: i64 = marks::table.count().get_result(conn).unwrap();
    assert_eq!((n, m), (1, 1));
    // a new key on the answered task is a second answer: refused
    let (status, body) = call(&app, Method::POST, &path, Some(&vol), nothing("other-key")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "already_answered")
    );
    // the same key on another task is a client bug: refused, nothing stored
    let other = format!("/api/v1/tasks/{}/answers", ids[1]);
    let (status, body) = call(&app, Method::POST, &other, Some(&vol), nothing("same-key")).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "idempotency_key_reused")
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn answers_without_a_lease_or_with_bad_marks_are_refused(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", json!({}));
    let ids = ctx.tasks(&campaign, 2, 3);
    let vol = ctx.account("vol", Role::Volunteer);
    let app = init!(ctx);
    let leased = next_id(&app, &vol, "c").await.unwrap();
    let not_leased = *ids.iter().find(|&&i| i != leased).unwrap();
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{not_leased}/answers"),
        Some(&vol),
        nothing("x"),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "no_lease")
    );
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/tasks/999999/answers",
        Some(&vol),
        nothing("x"),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let path = format!("/api/v1/tasks/{leased}/answers");
    let bad = [
        json!({"idempotency_key": "a", "marks": [{"x": 300, "y": 5, "class": "destroyed"}]}),
        json!({"idempotency_key": "a", "marks": [{"x": -1, "y": 5, "class": "destroyed"}]}),
        json!({"idempotency_key": "a", "marks": [{"x": 3, "y": 5, "class": "flooded"}]}),
        json!({"idempotency_key": "a", "marks": [{"x": 3, "y": 5, "class": "destroyed"}], "nothing_here": true}),
        json!({"idempotency_key": "a"}),
        json!({"idempotency_key": "", "nothing_here": true}),
        json!({"idempotency_key": "a", "nothing_here": true, "reason": "why"}),
        json!({"idempotency_key": "a", "nothing_here": true, "duration_ms": -5}),
        json!({"idempotency_key": "a", "marks": [{"x": "3", "y": 5, "class": "destroyed"}]}),
    ];
    for body in bad {
        let (status, resp) = call(&app, Method::POST, &path, Some(&vol), Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {resp}");
        error_code(&resp);
    }
    let req = test::TestRequest::post()
        .uri(&path)
        .insert_header(("authorization", format!("Bearer {vol}")))
        .insert_header(("content-type", "application/json"))
        .set_payload("{\"idempotency_key\": \"a\", \"marks\": [");
    let (status, _) = send(&app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let n: i64 = answers::table
        .count()
        .get_result(&mut *ctx.db().conn().unwrap())
        .unwrap();
    assert_eq!(n, 0, "no refused answer was stored");
    // cant_tell with a reason is a valid answer
    let (status, _) = call(
        &app,
        Method::POST,
        &path,
        Some(&vol),
        Some(json!({"idempotency_key": "ok", "cant_tell": true, "reason": "cloud"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn gold_tasks_come_first_for_newcomers_and_give_feedback(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign(
        "c",
        json!({"gold_rate_new": 1.0, "gold_rate": 0.0, "new_volunteer_tasks": 1}),
    );
    let ids = ctx.tasks(&campaign, 3, 3);
    let coordinator = ctx.account("coord", Role::Coordinator);
    let vol = ctx.account("vol", Role::Volunteer);
    let app = init!(ctx);
    let gold = json!({"marks": [{"x": 50, "y": 50, "class": "destroyed"}, {"x": 200, "y": 200, "class": "crater"}]});
    let (status, body) = call(
        &app,
        Method::PUT,
        &format!("/api/v1/tasks/{}/gold", ids[2]),
        Some(&vol),
        Some(gold.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = call(
        &app,
        Method::PUT,
        &format!("/api/v1/tasks/{}/gold", ids[2]),
        Some(&coordinator),
        Some(gold),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = call(
        &app,
        Method::PUT,
        &format!("/api/v1/tasks/{}/gold", ids[1]),
        Some(&coordinator),
        Some(json!({"nothing_here": true, "marks": [{"x": 1, "y": 1, "class": "crater"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // a newcomer's first task is the practice tile; nothing in the response gives it away
    let (_, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(body["task"]["id"], ids[2]);
    assert!(!body.to_string().contains("gold"));
    let (status, receipt) = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{}/answers", ids[2]),
        Some(&vol),
        marks_at("g", &[(52.0, 47.0), (120.0, 10.0)]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let feedback = &receipt["feedback"];
    assert_eq!(
        (
            feedback["found"].as_u64(),
            feedback["known"].as_u64(),
            feedback["extra"].as_u64()
        ),
        (Some(1), Some(2), Some(1))
    );
    assert!(
        feedback["message"]
            .as_str()
            .unwrap()
            .starts_with("You marked 1 of the 2 known damage sites")
    );
    // no longer new: regular tasks now
    let next = next_id(&app, &vol, "c").await.unwrap();
    assert_ne!(next, ids[2]);
    let (_, stats) = call(&app, Method::GET, "/api/v1/me/stats", Some(&vol), None).await;
    assert_eq!(stats["gold_answered"], 1);
    assert_eq!(stats["gold_score"], 0.5);
}
