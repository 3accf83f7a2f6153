//! Taking in answers, on SQLite and PostgreSQL: idempotent retries, refused answers that store
//! nothing, and gold (practice) tasks with feedback.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::StatusCode;
use common::app::TestApp;
use common::{error_code, marks_at, nothing};
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
    let app = TestApp::new(backend).await;
    let campaign = app.campaign("c", json!({}));
    let ids = app.tasks(&campaign, 2, 3);
    let vol = app.account("vol", Role::Volunteer);
    app.next_id(&vol, "c").await.unwrap();
    app.next_id(&vol, "c").await.unwrap();
    let path = format!("/api/v1/tasks/{}/answers", ids[0]);
    let answer = || {
        app.post(&path)
            .token(&vol)
            .json(marks_at("same-key", &[(5.0, 5.0)]))
    };
    let (first, again) = (answer().await, answer().await);
    assert_eq!(
        (first.status(), again.status()),
        (StatusCode::CREATED, StatusCode::OK)
    );
    assert_eq!(first.json()["answer_id"], again.json()["answer_id"]);
    assert_eq!(again.json()["replayed"], true);
    let conn = &mut *app.db().conn().unwrap();
    let n: i64 = answers::table.count().get_result(conn).unwrap();
    let m: i64 = marks::table.count().get_result(conn).unwrap();
    assert_eq!((n, m), (1, 1));
    // a new key on the answered task is a second answer: refused
    let res = app.post(&path).token(&vol).json(nothing("other-key")).await;
    assert_eq!(
        (res.status(), error_code(res.json())),
        (StatusCode::CONFLICT, "already_answered")
    );
    // the same key on another task is a client bug: refused, nothing stored
    let other = format!("/api/v1/tasks/{}/answers", ids[1]);
    let res = app.post(&other).token(&vol).json(nothing("same-key")).await;
    assert_eq!(
        (res.status(), error_code(res.json())),
        (StatusCode::CONFLICT, "idempotency_key_reused")
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn answers_without_a_lease_or_with_bad_marks_are_refused(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let campaign = app.campaign("c", json!({}));
    let ids = app.tasks(&campaign, 2, 3);
    let vol = app.account("vol", Role::Volunteer);
    let leased = app.next_id(&vol, "c").await.unwrap();
    let not_leased = *ids.iter().find(|&&i| i != leased).unwrap();
    let res = app
        .post(&format!("/api/v1/tasks/{not_leased}/answers"))
        .token(&vol)
        .json(nothing("x"))
        .await;
    assert_eq!(
        (res.status(), error_code(res.json())),
        (StatusCode::CONFLICT, "no_lease")
    );
    let res = app
        .post("/api/v1/tasks/999999/answers")
        .token(&vol)
        .json(nothing("x"))
        .await;
    assert_eq!(
        (res.status(), error_code(res.json())),
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
        let resp = app.post(&path).token(&vol).json(&body).await;
        assert_eq!(
            resp.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {resp}"
        );
        error_code(resp.json());
    }
    let res = app
        .post(&path)
        .token(&vol)
        .header(("content-type", "application/json"))
        .payload("{\"idempotency_key\": \"a\", \"marks\": [")
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let n: i64 = answers::table
        .count()
        .get_result(&mut *app.db().conn().unwrap())
        .unwrap();
    assert_eq!(n, 0, "no refused answer was stored");
    // cant_tell with a reason is a valid answer
    let res = app
        .post(&path)
        .token(&vol)
        .json(json!({"idempotency_key": "ok", "cant_tell": true, "reason": "cloud"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn gold_tasks_come_first_for_newcomers_and_give_feedback(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let campaign = app.campaign(
        "c",
        json!({"gold_rate_new": 1.0, "gold_rate": 0.0, "new_volunteer_tasks": 1}),
    );
    let ids = app.tasks(&campaign, 3, 3);
    let coordinator = app.coordinator();
    let vol = app.volunteer();
    let gold = json!({"marks": [{"x": 50, "y": 50, "class": "destroyed"}, {"x": 200, "y": 200, "class": "crater"}]});
    let gold_path = |i: usize| format!("/api/v1/tasks/{}/gold", ids[i]);
    let res = app.put(&gold_path(2)).token(&vol).json(&gold).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "{res}");
    let res = app.put(&gold_path(2)).token(&coordinator).json(&gold).await;
    assert_eq!(res.status(), StatusCode::OK, "{res}");
    let res = app
        .put(&gold_path(1))
        .token(&coordinator)
        .json(json!({"nothing_here": true, "marks": [{"x": 1, "y": 1, "class": "crater"}]}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // a newcomer's first task is the practice tile; nothing in the response gives it away
    let body = app.post("/api/v1/campaigns/c/next").token(&vol).await;
    assert_eq!(body.json()["task"]["id"], ids[2]);
    assert!(!body.json().to_string().contains("gold"));
    let receipt = app
        .post(&format!("/api/v1/tasks/{}/answers", ids[2]))
        .token(&vol)
        .json(marks_at("g", &[(52.0, 47.0), (120.0, 10.0)]))
        .await;
    assert_eq!(receipt.status(), StatusCode::CREATED, "{receipt}");
    let feedback = &receipt.json()["feedback"];
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
    let next = app.next_id(&vol, "c").await.unwrap();
    assert_ne!(next, ids[2]);
    let stats = app.get("/api/v1/me/stats").token(&vol).await.into_json();
    assert_eq!(stats["gold_answered"], 1);
    assert_eq!(stats["gold_score"], 0.5);
}
