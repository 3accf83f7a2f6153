//! The HTTP API in process, on SQLite and on PostgreSQL: every route of the foundation and
//! every error case a client can provoke.

#![allow(
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::unnecessary_wraps,
    clippy::type_complexity,
    reason = "tests fail loudly"
)]

mod common;

use actix_web::http::{Method, StatusCode};
use common::app::TestApp;
use common::{PASSWORD, error_code};
use rstest::rstest;
use serde_json::{Value, json};
use tessera_server::auth::Role;
use tessera_server::db::{Backend, now_ms};

fn creds(handle: &str, password: &str) -> Option<Value> {
    Some(json!({ "handle": handle, "password": password }))
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn volunteer_registers_and_signs_in(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let res = app
        .post("/api/v1/auth/register")
        .json(creds("olive_owl", PASSWORD))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{res}");
    let body = res.json();
    assert_eq!(body["user"]["handle"], "olive_owl");
    assert_eq!(body["user"]["role"], "volunteer");
    let token = body["token"].as_str().unwrap();
    assert_eq!(app.state.keys.verify(token).unwrap().role, Role::Volunteer);

    // Handles are case-insensitive for sign-in.
    let res = app
        .post("/api/v1/auth/login")
        .json(creds("Olive_Owl", PASSWORD))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{res}");
    let token = res.json()["token"].as_str().unwrap();

    let res = app.post("/api/v1/auth/refresh").token(token).await;
    assert_eq!(res.status(), StatusCode::OK, "{res}");
    assert!(res.json()["expires_at"].as_i64().unwrap() > now_ms() / 1000);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn unknown_handle_and_wrong_password_look_the_same(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    app.account("known", Role::Volunteer);
    let login = |handle, password| app.post("/api/v1/auth/login").json(creds(handle, password));
    let wrong = login("known", "not the password").await;
    let unknown = login("nobody", PASSWORD).await;
    assert_eq!(
        (wrong.status(), unknown.status()),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(error_code(wrong.json()), "invalid_credentials");
    assert_eq!(wrong.json(), unknown.json());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn duplicate_handle_is_a_conflict_whatever_its_case(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let register = |handle| {
        app.post("/api/v1/auth/register")
            .json(creds(handle, PASSWORD))
    };
    assert_eq!(register("Kestrel").await.status(), StatusCode::CREATED);
    let res = register("kestrel").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(res.json()), "handle_taken");
}

#[rstest]
#[case::short_handle(json!({"handle": "ab", "password": PASSWORD}), 422, "validation_failed")]
#[case::email_as_handle(json!({"handle": "me@example.org", "password": PASSWORD}), 422, "validation_failed")]
#[case::short_password(json!({"handle": "abcd", "password": "short"}), 422, "validation_failed")]
#[case::missing_password(json!({"handle": "abcd"}), 422, "invalid_body")]
#[case::wrong_type(json!({"handle": 5, "password": PASSWORD}), 422, "invalid_body")]
#[case::unknown_field(json!({"handle": "abcd", "password": PASSWORD, "email": "x@y"}), 422, "invalid_body")]
#[case::not_an_object(json!([1, 2]), 422, "invalid_body")]
#[actix_web::test]
async fn bad_registrations_are_refused(
    #[case] body: Value,
    #[case] status: u16,
    #[case] code: &str,
) {
    let app = TestApp::new(Backend::Sqlite).await;
    let res = app.post("/api/v1/auth/register").json(body).await;
    assert_eq!(res.status().as_u16(), status, "{res}");
    assert_eq!(error_code(res.json()), code);
}

#[actix_web::test]
async fn malformed_bodies_get_4xx_with_a_json_error() {
    let app = TestApp::new(Backend::Sqlite).await;
    let cases: [(&str, Option<&str>, &[u8], u16, &str); 4] = [
        (
            "truncated JSON",
            Some("application/json"),
            b"{\"handle\": \"x",
            400,
            "malformed_json",
        ),
        (
            "not JSON",
            Some("application/json"),
            b"handle=x",
            400,
            "malformed_json",
        ),
        (
            "form content type",
            Some("application/x-www-form-urlencoded"),
            b"handle=x",
            415,
            "unsupported_media_type",
        ),
        (
            "empty body",
            Some("application/json"),
            b"",
            400,
            "malformed_json",
        ),
    ];
    for (what, content_type, payload, status, code) in cases {
        let mut req = app.post("/api/v1/auth/login").payload(payload.to_vec());
        if let Some(ct) = content_type {
            req = req.header(("content-type", ct));
        }
        let res = req.await;
        assert_eq!(res.status().as_u16(), status, "{what}: {res}");
        assert_eq!(error_code(res.json()), code, "{what}");
    }
    let huge = format!(
        "{{\"handle\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(2 << 20)
    );
    let res = app
        .post("/api/v1/auth/login")
        .header(("content-type", "application/json"))
        .payload(huge)
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(res.json()), "payload_too_large");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn coordinators_run_campaigns_and_volunteers_see_active_ones(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let coordinator = app.account("coord", Role::Coordinator);
    let volunteer = app.account("vol", Role::Volunteer);
    let analyst = app.account("ana", Role::Analyst);
    let new = json!({"slug": "raqqa-2017", "name": "Raqqa 2017"});
    let create = |token| app.post("/api/v1/campaigns").token(token).json(&new);
    let list = |token| {
        let request = app.get("/api/v1/campaigns").token(token);
        async move { request.await.into_json() }
    };

    for (who, token) in [("volunteer", &volunteer), ("analyst", &analyst)] {
        let res = create(token).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{who}");
        assert_eq!(error_code(res.json()), "forbidden");
    }

    let res = create(&coordinator).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{res}");
    let created = res.json();
    assert_eq!(created["status"], "draft");
    assert_eq!(
        created["settings"]["damage_classes"],
        json!(["destroyed", "severe", "moderate", "crater"])
    );
    assert_eq!(
        created["settings"]["redundancy"],
        json!({"min": 3, "max": 6})
    );
    assert_eq!(created["settings"]["tile_size"], 256);
    let id = created["id"].as_str().unwrap();

    let res = create(&coordinator).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(res.json()), "slug_taken");

    // A draft is invisible to volunteers, visible to staff.
    assert_eq!(list(&volunteer).await["campaigns"], json!([]));
    let res = app
        .get("/api/v1/campaigns/raqqa-2017")
        .token(&volunteer)
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Every route a volunteer can name a campaign in answers a draft exactly as a campaign
    // that does not exist: same status, same body.
    for (method, draft, unknown) in [
        (
            Method::GET,
            "/api/v1/campaigns/raqqa-2017",
            "/api/v1/campaigns/no-such-campaign",
        ),
        (
            Method::POST,
            "/api/v1/campaigns/raqqa-2017/next",
            "/api/v1/campaigns/no-such-campaign/next",
        ),
        (
            Method::GET,
            "/api/v1/me/answers?campaign=raqqa-2017",
            "/api/v1/me/answers?campaign=no-such-campaign",
        ),
        (
            Method::GET,
            &format!("/api/v1/campaigns/{id}/tutorial"),
            "/api/v1/campaigns/no-such-campaign/tutorial",
        ),
    ] {
        let a = app.request(method.clone(), draft).token(&volunteer).await;
        let b = app.request(method, unknown).token(&volunteer).await;
        assert_eq!((a.status(), a.body()), (b.status(), b.body()), "{draft}");
        assert_eq!(a.status(), StatusCode::NOT_FOUND, "{draft}");
    }
    let res = app
        .post("/api/v1/campaigns/raqqa-2017/next")
        .token(&coordinator)
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "staff are told it is a draft"
    );
    assert_eq!(
        list(&analyst).await["campaigns"].as_array().unwrap().len(),
        1
    );

    let res = app
        .post("/api/v1/campaigns/raqqa-2017/resume")
        .token(&coordinator)
        .await;
    assert_eq!(
        (res.status(), res.json()["status"].as_str()),
        (StatusCode::OK, Some("active"))
    );
    assert_eq!(list(&volunteer).await["campaigns"][0]["id"], id);
    let res = app
        .get(&format!("/api/v1/campaigns/{id}"))
        .token(&volunteer)
        .await;
    assert_eq!(
        (res.status(), res.json()["slug"].as_str()),
        (StatusCode::OK, Some("raqqa-2017"))
    );

    let path = format!("/api/v1/campaigns/{id}/pause");
    let res = app.post(&path).token(&volunteer).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "{res}");
    let res = app.post(&path).token(&coordinator).await;
    assert_eq!(
        (res.status(), res.json()["status"].as_str()),
        (StatusCode::OK, Some("paused"))
    );
    assert_eq!(list(&volunteer).await["campaigns"], json!([]));
    let paused = app
        .get("/api/v1/campaigns?status=paused")
        .token(&coordinator)
        .await;
    assert_eq!(paused.json()["campaigns"][0]["id"], id);

    let res = app
        .post(&format!("/api/v1/campaigns/{id}/close"))
        .token(&coordinator)
        .await;
    assert_eq!(
        (res.status(), res.json()["status"].as_str()),
        (StatusCode::OK, Some("closed"))
    );
    let res = app
        .post(&format!("/api/v1/campaigns/{id}/resume"))
        .token(&coordinator)
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(res.json()), "invalid_transition");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn campaign_settings_merge_and_are_validated(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let coordinator = app.account("coord", Role::Coordinator);
    let body = json!({"slug": "mosul", "name": "Mosul", "status": "active",
                      "settings": {"redundancy": {"min": 4, "max": 8}, "gold_rate": 0.1}});
    let res = app
        .post("/api/v1/campaigns")
        .token(&coordinator)
        .json(body)
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{res}");
    let created = res.json();
    assert_eq!(created["status"], "active");
    assert_eq!(
        created["settings"]["redundancy"],
        json!({"min": 4, "max": 8})
    );

    let patch = |body| {
        app.patch("/api/v1/campaigns/mosul")
            .token(&coordinator)
            .json(body)
    };
    let res = patch(json!({"name": "Mosul 2017", "settings": {"redundancy": {"max": 10}}})).await;
    assert_eq!(res.status(), StatusCode::OK, "{res}");
    let updated = res.json();
    assert_eq!(updated["name"], "Mosul 2017");
    assert_eq!(
        updated["settings"]["redundancy"],
        json!({"min": 4, "max": 10})
    );
    assert_eq!(updated["settings"]["gold_rate"], 0.1);

    let bad = [
        json!({"settings": {"redundancy": {"max": 2}}}),
        json!({"settings": {"tile_siez": 512}}),
        json!({"settings": {"damage_classes": []}}),
        json!({"settings": 5}),
        json!({"name": ""}),
    ];
    for body in bad {
        let res = patch(body.clone()).await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {res}"
        );
        error_code(res.json());
    }
    let unchanged = app.get("/api/v1/campaigns/mosul").token(&coordinator).await;
    assert_eq!(unchanged.json()["settings"], updated["settings"]);

    let bad_create = [
        json!({"slug": "Bad Slug", "name": "x"}),
        json!({"slug": "ok-slug"}),
        json!({"slug": "ok-slug", "name": "x", "status": "closed"}),
        json!({"slug": "ok-slug", "name": "x", "settings": {"overlap": 200}}),
        json!({"slug": "ok-slug", "name": "x", "settings": {"gold_rate": "high"}}),
    ];
    for body in bad_create {
        let resp = app
            .post("/api/v1/campaigns")
            .token(&coordinator)
            .json(&body)
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {resp}"
        );
    }
    let res = app
        .patch("/api/v1/campaigns/nowhere")
        .token(&coordinator)
        .json(json!({"name": "x"}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(res.json()), "not_found");
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "sqlite")]
#[case::postgres(Backend::Postgres, "postgres")]
#[actix_web::test]
async fn health_reports_backend_and_migrations(#[case] backend: Backend, #[case] name: &str) {
    let app = TestApp::new(backend).await;
    let res = app.get("/api/v1/health").await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.json();
    assert_eq!(body["database"]["backend"], name);
    assert_eq!(body["database"]["migrations"]["pending"], 0);
    assert!(body["database"]["migrations"]["applied"].as_u64().unwrap() >= 1);
}

#[actix_web::test]
async fn openapi_document_describes_every_route() {
    let app = TestApp::new(Backend::Sqlite).await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc = res.json();
    let expected = [
        ("get", "/api/v1/health"),
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
        ("post", "/api/v1/auth/logout-all"),
        ("get", "/api/v1/campaigns"),
        ("post", "/api/v1/campaigns"),
        ("get", "/api/v1/campaigns/{id}"),
        ("patch", "/api/v1/campaigns/{id}"),
        ("post", "/api/v1/campaigns/{id}/pause"),
        ("post", "/api/v1/campaigns/{id}/resume"),
        ("post", "/api/v1/campaigns/{id}/close"),
        ("post", "/api/v1/campaigns/{id}/next"),
        ("get", "/api/v1/tasks/{id}"),
        ("post", "/api/v1/tasks/{id}/answers"),
        ("put", "/api/v1/tasks/{id}/gold"),
        ("get", "/api/v1/me/stats"),
        ("get", "/api/v1/me/answers"),
        ("get", "/api/v1/campaigns/{id}/tutorial"),
        ("get", "/api/v1/campaigns/{id}/progress"),
        ("get", "/api/v1/campaigns/{id}/sites"),
        ("get", "/api/v1/sites/{id}"),
        ("post", "/api/v1/sites/{id}/reviews"),
        ("get", "/api/v1/campaigns/{id}/export.{format}"),
        ("get", "/api/v1/campaigns/{id}/frames"),
        ("get", "/api/v1/frames/{frame}/chip"),
        ("get", "/api/v1/frames/{frame}/overview/{z}/{x}/{y}"),
        ("get", "/tiles/{key}"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    let operations: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        operations,
        expected.len(),
        "undocumented or unexpected operations: {paths:?}"
    );
    for (method, path) in expected {
        let op = &doc["paths"][path][method];
        assert!(
            op.is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path} has no responses"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(app.get("/api/v1/docs/").await.status(), StatusCode::OK);
}

/// Throws malformed input at every documented operation: nothing may answer 5xx.
#[actix_web::test]
async fn no_input_makes_the_server_fail() {
    let app = TestApp::new(Backend::Sqlite).await;
    let coordinator = app.account("coord", Role::Coordinator);
    let doc = app.get("/api/v1/openapi.json").await.into_json();
    let weird_ids = [
        "x",
        "%00",
        "..%2F..%2Fetc",
        &"9".repeat(300),
        "%F0%9F%92%A3",
        "%27%3B%20DROP%20TABLE%20users%3B--",
    ];
    let bodies: [&[u8]; 6] = [b"", b"null", b"{}", b"[]", b"{\"a\":", b"\xff\xfe"];
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for id in weird_ids {
                let uri = path.replace("{id}", id).replace("{key}", id);
                for token in [None, Some(coordinator.as_str())] {
                    for body in bodies {
                        let mut req = app
                            .request(method.clone(), &uri)
                            .header(("content-type", "application/json"))
                            .payload(body.to_vec());
                        if let Some(t) = token {
                            req = req.token(t);
                        }
                        let resp = req.await;
                        let status = resp.status();
                        assert!(
                            status.as_u16() < 500,
                            "{method} {uri} {body:?} -> {status} {resp}"
                        );
                        if status.is_client_error() {
                            error_code(resp.json());
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 500);
    let res = app.get("/api/v1/no/such/route").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(res.json()), "not_found");
}
