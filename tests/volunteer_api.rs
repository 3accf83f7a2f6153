//! What the volunteer app needs beyond tasks and answers, on SQLite and PostgreSQL: practice
//! tasks for the tutorial, the tutorial's examples, campaign progress, a volunteer's own
//! answers, and the built web app served from the same origin.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

#[macro_use]
mod common;

use std::sync::Arc;

use actix_web::http::{Method, StatusCode, header};
use actix_web::test;
use common::{TestContext, call, error_code, marks_at, next_id, nothing};
use rstest::rstest;
use serde_json::json;
use tessera_server::auth::Role;
use tessera_server::db::Backend;

/// A campaign `c` with `n` tasks; the first one is made gold with a known destroyed site at
/// (100, 120).
async fn campaign_with_gold<S, B>(ctx: &TestContext, app: &S, n: usize) -> Vec<i64>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    // No gold mixed into search tasks: here gold comes only when asked for as practice.
    let campaign = ctx.campaign("c", json!({"gold_rate": 0.0, "gold_rate_new": 0.0}));
    let ids = ctx.tasks(&campaign, n, 3);
    let coord = ctx.account("coord", Role::Coordinator);
    let (status, body) = call(
        app,
        Method::PUT,
        &format!("/api/v1/tasks/{}/gold", ids[0]),
        Some(&coord),
        Some(json!({"marks": [{"x": 100.0, "y": 120.0, "class": "destroyed"}]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    ids
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn practice_hands_out_gold_tasks_only(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let app = init!(ctx);
    let ids = campaign_with_gold(&ctx, &app, 4).await;
    let vol = ctx.account("vol", Role::Volunteer);
    // Hold the maximum of search leases first: practice is not blocked by them.
    next_id(&app, &vol, "c").await.unwrap();
    next_id(&app, &vol, "c").await.unwrap();
    let practice = "/api/v1/campaigns/c/next?practice=true";
    let (status, first) = call(&app, Method::POST, practice, Some(&vol), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["task"]["id"], ids[0]);
    assert_eq!(first["resumed"], false);
    let (_, again) = call(&app, Method::POST, practice, Some(&vol), None).await;
    assert_eq!(
        again["task"]["id"], ids[0],
        "a reload gets the same practice tile"
    );
    assert_eq!(again["resumed"], true);
    let (status, receipt) = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{}/answers", ids[0]),
        Some(&vol),
        marks_at("practice-1", &[(101.0, 119.0)]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(receipt["feedback"]["found"], 1);
    let (_, none) = call(&app, Method::POST, practice, Some(&vol), None).await;
    assert_eq!(none["task"], serde_json::Value::Null);
    assert_eq!(none["reason"], "no_practice");
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/c/next?practice=maybe",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_query")
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn the_tutorial_shows_each_class_with_a_known_example(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let app = init!(ctx);
    campaign_with_gold(&ctx, &app, 2).await;
    let vol = ctx.account("vol", Role::Volunteer);
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns/c/tutorial",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
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
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns/nope/tutorial",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns/c/tutorial",
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn progress_counts_search_tiles_done_and_answers(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let app = init!(ctx);
    let campaign = ctx.campaign("c", json!({"redundancy": {"min": 1, "max": 1}}));
    let ids = ctx.tasks(&campaign, 3, 1);
    let vol = ctx.account("vol", Role::Volunteer);
    let (_, before) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns/c/progress",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(before, json!({"tasks": 3, "tasks_done": 0, "answers": 0}));
    let id = next_id(&app, &vol, "c").await.unwrap();
    assert_eq!(id, ids[0]);
    let (status, _) = call(
        &app,
        Method::POST,
        &format!("/api/v1/tasks/{id}/answers"),
        Some(&vol),
        nothing("k1"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, after) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns/c/progress",
        Some(&vol),
        None,
    )
    .await;
    assert_eq!(after, json!({"tasks": 3, "tasks_done": 1, "answers": 1}));
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_volunteer_reads_back_their_own_answers_only(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let app = init!(ctx);
    let campaign = ctx.campaign("c", json!({}));
    ctx.tasks(&campaign, 3, 3);
    let one = ctx.account("one", Role::Volunteer);
    let two = ctx.account("two", Role::Volunteer);
    let a = next_id(&app, &one, "c").await.unwrap();
    let b = next_id(&app, &one, "c").await.unwrap();
    let c = next_id(&app, &two, "c").await.unwrap();
    let answer = |token: &str, id: i64, body| {
        let path = format!("/api/v1/tasks/{id}/answers");
        let token = token.to_owned();
        let app = &app;
        async move { call(app, Method::POST, &path, Some(&token), body).await.0 }
    };
    assert_eq!(
        answer(&one, a, marks_at("a", &[(10.0, 20.0), (30.0, 40.0)])).await,
        StatusCode::CREATED
    );
    assert_eq!(answer(&one, b, nothing("b")).await, StatusCode::CREATED);
    assert_eq!(answer(&two, c, nothing("c")).await, StatusCode::CREATED);
    let (status, body) = call(
        &app,
        Method::GET,
        "/api/v1/me/answers?campaign=c",
        Some(&one),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
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
    let (_, limited) = call(
        &app,
        Method::GET,
        "/api/v1/me/answers?limit=1",
        Some(&one),
        None,
    )
    .await;
    assert_eq!(limited["answers"].as_array().unwrap().len(), 1);
    for (query, code) in [
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("limit=9999", StatusCode::UNPROCESSABLE_ENTITY),
        ("campaign=nope", StatusCode::NOT_FOUND),
        ("who=all", StatusCode::BAD_REQUEST),
    ] {
        let (status, body) = call(
            &app,
            Method::GET,
            &format!("/api/v1/me/answers?{query}"),
            Some(&one),
            None,
        )
        .await;
        assert_eq!(status, code, "{query}: {body}");
        assert!(body["error"]["code"].is_string());
    }
}

#[actix_web::test]
async fn the_built_web_app_is_served_compressed_and_cached() {
    let mut ctx = TestContext::new(Backend::Sqlite);
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
    let mut config = (*ctx.state.config).clone();
    config.frontend_dir = Some(dist.path().to_owned());
    ctx.state.config = Arc::new(config);
    let app = init!(ctx);
    let get = |path: &str, gzip: bool| {
        let mut req = test::TestRequest::get().uri(path);
        if gzip {
            req = req.insert_header((header::ACCEPT_ENCODING, "br, gzip"));
        }
        req.to_request()
    };
    let res = test::call_service(&app, get("/", false)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers().get(header::CACHE_CONTROL).unwrap(),
        "no-cache"
    );
    assert_eq!(
        test::read_body(res).await,
        "<!doctype html><title>app</title>"
    );
    let res = test::call_service(&app, get("/assets/app-1a2b.js", true)).await;
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
    assert_eq!(test::read_body(res).await, &b"\x1f\x8bgzipped"[..]);
    let res = test::call_service(&app, get("/assets/app-1a2b.js", false)).await;
    assert!(res.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(test::read_body(res).await, "console.log(1)");
    for path in ["/assets/missing.js", "/.secret", "/assets/../.secret"] {
        let res = test::call_service(&app, get(path, false)).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Any page path gets the app, which routes by its hash.
    let res = test::call_service(&app, get("/campaigns", false)).await;
    assert_eq!(
        test::read_body(res).await,
        "<!doctype html><title>app</title>"
    );
    let res = test::call_service(&app, get("/api/v1/nope", false)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
