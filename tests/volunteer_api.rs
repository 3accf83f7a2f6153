//! What the volunteer app needs beyond tasks and answers, on SQLite and PostgreSQL: practice
//! tasks for the tutorial, the tutorial's examples, campaign progress, a volunteer's own
//! answers, and the built web app served from the same origin.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::{StatusCode, header};
use common::app::TestApp;
use common::{error_code, marks_at, nothing};
use rstest::rstest;
use serde_json::json;
use tessera_server::auth::Role;
use tessera_server::db::Backend;

/// A campaign `c` with `n` tasks; the first one is made gold with a known destroyed site at
/// (100, 120).
async fn campaign_with_gold(app: &TestApp, n: usize) -> Vec<i64> {
    // No gold mixed into search tasks: here gold comes only when asked for as practice.
    let campaign = app.campaign("c", json!({"gold_rate": 0.0, "gold_rate_new": 0.0}));
    let ids = app.tasks(&campaign, n, 3);
    let coord = app.account("coord", Role::Coordinator);
    let res = app
        .put(&format!("/api/v1/tasks/{}/gold", ids[0]))
        .token(&coord)
        .json(json!({"marks": [{"x": 100.0, "y": 120.0, "class": "destroyed"}]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{res}");
    ids
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn practice_hands_out_gold_tasks_only(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let ids = campaign_with_gold(&app, 4).await;
    let vol = app.account("vol", Role::Volunteer);
    // Hold the maximum of search leases first: practice is not blocked by them.
    app.next_id(&vol, "c").await.unwrap();
    app.next_id(&vol, "c").await.unwrap();
    let practice = || {
        app.post("/api/v1/campaigns/c/next?practice=true")
            .token(&vol)
    };
    let res = practice().await;
    assert_eq!(res.status(), StatusCode::OK);
    let first = res.json();
    assert_eq!(first["task"]["id"], ids[0]);
    assert_eq!(first["resumed"], false);
    let again = practice().await.into_json();
    assert_eq!(
        again["task"]["id"], ids[0],
        "a reload gets the same practice tile"
    );
    assert_eq!(again["resumed"], true);
    let receipt = app
        .post(&format!("/api/v1/tasks/{}/answers", ids[0]))
        .token(&vol)
        .json(marks_at("practice-1", &[(101.0, 119.0)]))
        .await;
    assert_eq!(receipt.status(), StatusCode::CREATED);
    assert_eq!(receipt.json()["feedback"]["found"], 1);
    let none = practice().await.into_json();
    assert_eq!(none["task"], serde_json::Value::Null);
    assert_eq!(none["reason"], "no_practice");
    let res = app
        .post("/api/v1/campaigns/c/next?practice=maybe")
        .token(&vol)
        .await;
    assert_eq!(
        (res.status(), error_code(res.json())),
        (StatusCode::BAD_REQUEST, "invalid_query")
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn the_tutorial_shows_each_class_with_a_known_example(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    campaign_with_gold(&app, 2).await;
    let vol = app.account("vol", Role::Volunteer);
    let res = app.get("/api/v1/campaigns/c/tutorial").token(&vol).await;
    assert_eq!(res.status(), StatusCode::OK, "{res}");
    let body = res.json();
    assert_eq!(body["practice_tasks"], 1);
    let classes = body["classes"].as_array().unwrap();
    let names: Vec<&str> = classes
        .iter()
        .map(|c| c["class"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["destroyed", "severe", "moderate", "crater"]);
    let example = &classes[0]["example"];
    assert_eq!(
        (example["x"].as_f64(), example["y"].as_f64()),
        (Some(100.0), Some(120.0))
    );
    let url = example["tile_url"].as_str().unwrap();
    assert!(
        url.starts_with("/tiles/frame-a/0/0.jpg?exp=") && url.contains("&sig="),
        "{url}"
    );
    assert!(classes[1..].iter().all(|c| c["example"].is_null()));
    let res = app.get("/api/v1/campaigns/nope/tutorial").token(&vol).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app.get("/api/v1/campaigns/c/tutorial").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn progress_counts_search_tiles_done_and_answers(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let campaign = app.campaign("c", json!({"redundancy": {"min": 1, "max": 1}}));
    let ids = app.tasks(&campaign, 3, 1);
    let vol = app.volunteer();
    let progress = || app.get("/api/v1/campaigns/c/progress").token(&vol);
    let before = progress().await.into_json();
    assert_eq!(before, json!({"tasks": 3, "tasks_done": 0, "answers": 0}));
    let id = app.next_id(&vol, "c").await.unwrap();
    assert_eq!(id, ids[0]);
    let res = app
        .post(&format!("/api/v1/tasks/{id}/answers"))
        .token(&vol)
        .json(nothing("k1"))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let after = progress().await.into_json();
    assert_eq!(after, json!({"tasks": 3, "tasks_done": 1, "answers": 1}));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_volunteer_reads_back_their_own_answers_only(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let campaign = app.campaign("c", json!({}));
    app.tasks(&campaign, 3, 3);
    let one = app.account("one", Role::Volunteer);
    let two = app.account("two", Role::Volunteer);
    let a = app.next_id(&one, "c").await.unwrap();
    let b = app.next_id(&one, "c").await.unwrap();
    let c = app.next_id(&two, "c").await.unwrap();
    let answer = |token: &str, id: i64, body| {
        let request = app
            .post(&format!("/api/v1/tasks/{id}/answers"))
            .token(token)
            .json(body);
        async move { request.await.status() }
    };
    assert_eq!(
        answer(&one, a, marks_at("a", &[(10.0, 20.0), (30.0, 40.0)])).await,
        StatusCode::CREATED
    );
    assert_eq!(answer(&one, b, nothing("b")).await, StatusCode::CREATED);
    assert_eq!(answer(&two, c, nothing("c")).await, StatusCode::CREATED);
    let res = app.get("/api/v1/me/answers?campaign=c").token(&one).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.json();
    let list = body["answers"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{body}");
    let marked = list.iter().find(|x| x["task_id"] == a).unwrap();
    assert_eq!(marked["kind"], "marks");
    assert_eq!(marked["marks"][0]["x"], 10.0);
    assert_eq!(marked["marks"][1]["y"], 40.0);
    assert_eq!(marked["marks"][0]["class"], "destroyed");
    assert!(marked["marks"][0]["lon"].as_f64().unwrap() > 39.0);
    let empty = list.iter().find(|x| x["task_id"] == b).unwrap();
    assert_eq!(
        (
            empty["kind"].as_str(),
            empty["marks"].as_array().unwrap().len()
        ),
        (Some("nothing_here"), 0)
    );
    let limited = app.get("/api/v1/me/answers?limit=1").token(&one).await;
    assert_eq!(limited.json()["answers"].as_array().unwrap().len(), 1);
    for (query, code) in [
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("limit=9999", StatusCode::UNPROCESSABLE_ENTITY),
        ("campaign=nope", StatusCode::NOT_FOUND),
        ("who=all", StatusCode::BAD_REQUEST),
    ] {
        let res = app
            .get(&format!("/api/v1/me/answers?{query}"))
            .token(&one)
            .await;
        assert_eq!(res.status(), code, "{query}: {res}");
        assert!(res.json()["error"]["code"].is_string());
    }
}

#[actix_web::test]
async fn the_built_web_app_is_served_compressed_and_cached() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::create_dir(dist.path().join("assets")).unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .unwrap();
    std::fs::write(dist.path().join("assets/app-1a2b.js"), "console.log(1)").unwrap();
    std::fs::write(
        dist.path().join("assets/app-1a2b.js.gz"),
        b"\x1f\x8bgzipped",
    )
    .unwrap();
    std::fs::write(dist.path().join(".secret"), "no").unwrap();
    let app = TestApp::with_config(Backend::Sqlite, |config| {
        config.frontend_dir = Some(dist.path().to_owned());
    })
    .await;
    let get = |path: &str, gzip: bool| {
        let req = app.get(path);
        if gzip {
            req.header((header::ACCEPT_ENCODING, "br, gzip"))
        } else {
            req
        }
    };
    let res = get("/", false).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-cache"
    );
    assert_eq!(res.body(), "<!doctype html><title>app</title>");
    let res = get("/assets/app-1a2b.js", true).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers().get(header::CONTENT_ENCODING).unwrap(), "gzip");
    assert!(
        res.headers()
            .get(header::CACHE_CONTROL)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        res.headers()
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert_eq!(res.body(), &b"\x1f\x8bgzipped"[..]);
    let res = get("/assets/app-1a2b.js", false).await;
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(res.body(), "console.log(1)");
    for path in ["/assets/missing.js", "/.secret", "/assets/../.secret"] {
        let res = get(path, false).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Any page path gets the app, which routes by its hash.
    let res = get("/campaigns", false).await;
    assert_eq!(res.body(), "<!doctype html><title>app</title>");
    let res = get("/api/v1/nope", false).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
