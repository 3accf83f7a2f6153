//! The HTTP API in process, on SQLite and on PostgreSQL: every route of the foundation and
//! every error case a client can provoke.

#![allow(
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::unnecessary_wraps,
    clippy::type_complexity,
    reason = "tests fail loudly"
)]

#[macro_use]
mod common;

use actix_web::http::{Method, StatusCode};
use actix_web::test;
use common::{PASSWORD, TestContext, call, error_code, send};
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
    let ctx = TestContext::new(backend);
    let app = init!(ctx);
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/auth/register",
        None,
        creds("olive_owl", PASSWORD),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["handle"], "olive_owl");
    assert_eq!(body["user"]["role"], "volunteer");
    let token = body["token"].as_str().unwrap();
    assert_eq!(ctx.state.keys.verify(token).unwrap().role, Role::Volunteer);

    // Handles are case-insensitive for sign-in.
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        creds("Olive_Owl", PASSWORD),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap().to_owned();

    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/auth/refresh",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["expires_at"].as_i64().unwrap() > now_ms() / 1000);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn unknown_handle_and_wrong_password_look_the_same(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    ctx.account("known", Role::Volunteer);
    let app = init!(ctx);
    let (s1, wrong) = call(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        creds("known", "not the password"),
    )
    .await;
    let (s2, unknown) = call(
        &app,
        Method::POST,
        "/api/v1/auth/login",
        None,
        creds("nobody", PASSWORD),
    )
    .await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(error_code(&wrong), "invalid_credentials");
    assert_eq!(wrong, unknown);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn duplicate_handle_is_a_conflict_whatever_its_case(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let app = init!(ctx);
    let (status, _) = call(
        &app,
        Method::POST,
        "/api/v1/auth/register",
        None,
        creds("Kestrel", PASSWORD),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/auth/register",
        None,
        creds("kestrel", PASSWORD),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "handle_taken");
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
    let ctx = TestContext::new(Backend::Sqlite);
    let app = init!(ctx);
    let (got, body) = call(
        &app,
        Method::POST,
        "/api/v1/auth/register",
        None,
        Some(body),
    )
    .await;
    assert_eq!(got.as_u16(), status, "{body}");
    assert_eq!(error_code(&body), code);
}

#[actix_web::test]
async fn malformed_bodies_get_4xx_with_a_json_error() {
    let ctx = TestContext::new(Backend::Sqlite);
    let app = init!(ctx);
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
        let mut req = test::TestRequest::post()
            .uri("/api/v1/auth/login")
            .set_payload(payload.to_vec());
        if let Some(ct) = content_type {
            req = req.insert_header(("content-type", ct));
        }
        let (got, body) = send(&app, req).await;
        assert_eq!(got.as_u16(), status, "{what}: {body}");
        assert_eq!(error_code(&body), code, "{what}");
    }
    let huge = format!(
        "{{\"handle\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(2 << 20)
    );
    let req = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header(("content-type", "application/json"))
        .set_payload(huge);
    let (got, body) = send(&app, req).await;
    assert_eq!(got, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(&body), "payload_too_large");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn coordinators_run_campaigns_and_volunteers_see_active_ones(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let coordinator = ctx.account("coord", Role::Coordinator);
    let volunteer = ctx.account("vol", Role::Volunteer);
    let analyst = ctx.account("ana", Role::Analyst);
    let app = init!(ctx);
    let new = Some(json!({"slug": "raqqa-2017", "name": "Raqqa 2017"}));

    for (who, token) in [("volunteer", &volunteer), ("analyst", &analyst)] {
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/campaigns",
            Some(token),
            new.clone(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        assert_eq!(error_code(&body), "forbidden");
    }

    let (status, created) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        Some(&coordinator),
        new.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
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

    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        Some(&coordinator),
        new,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "slug_taken");

    // A draft is invisible to volunteers, visible to staff.
    let (_, list) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns",
        Some(&volunteer),
        None,
    )
    .await;
    assert_eq!(list["campaigns"], json!([]));
    let (status, _) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns/raqqa-2017",
        Some(&volunteer),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = call(&app, Method::GET, "/api/v1/campaigns", Some(&analyst), None).await;
    assert_eq!(list["campaigns"].as_array().unwrap().len(), 1);

    let (status, body) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns/raqqa-2017/resume",
        Some(&coordinator),
        None,
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("active"))
    );
    let (_, list) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns",
        Some(&volunteer),
        None,
    )
    .await;
    assert_eq!(list["campaigns"][0]["id"], id);
    let (status, body) = call(
        &app,
        Method::GET,
        &format!("/api/v1/campaigns/{id}"),
        Some(&volunteer),
        None,
    )
    .await;
    assert_eq!(
        (status, body["slug"].as_str()),
        (StatusCode::OK, Some("raqqa-2017"))
    );

    let path = format!("/api/v1/campaigns/{id}/pause");
    let (status, body) = call(&app, Method::POST, &path, Some(&volunteer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = call(&app, Method::POST, &path, Some(&coordinator), None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("paused"))
    );
    let (_, list) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns",
        Some(&volunteer),
        None,
    )
    .await;
    assert_eq!(list["campaigns"], json!([]));
    let (_, list) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns?status=paused",
        Some(&coordinator),
        None,
    )
    .await;
    assert_eq!(list["campaigns"][0]["id"], id);

    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/v1/campaigns/{id}/close"),
        Some(&coordinator),
        None,
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("closed"))
    );
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/api/v1/campaigns/{id}/resume"),
        Some(&coordinator),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error_code(&body), "invalid_transition");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn campaign_settings_merge_and_are_validated(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let coordinator = ctx.account("coord", Role::Coordinator);
    let app = init!(ctx);
    let body = json!({"slug": "mosul", "name": "Mosul", "status": "active",
                      "settings": {"redundancy": {"min": 4, "max": 8}, "gold_rate": 0.1}});
    let (status, created) = call(
        &app,
        Method::POST,
        "/api/v1/campaigns",
        Some(&coordinator),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "active");
    assert_eq!(
        created["settings"]["redundancy"],
        json!({"min": 4, "max": 8})
    );

    let patch = json!({"name": "Mosul 2017", "settings": {"redundancy": {"max": 10}}});
    let (status, updated) = call(
        &app,
        Method::PATCH,
        "/api/v1/campaigns/mosul",
        Some(&coordinator),
        Some(patch),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
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
    for patch in bad {
        let (status, body) = call(
            &app,
            Method::PATCH,
            "/api/v1/campaigns/mosul",
            Some(&coordinator),
            Some(patch.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{patch}: {body}");
        error_code(&body);
    }
    let (_, unchanged) = call(
        &app,
        Method::GET,
        "/api/v1/campaigns/mosul",
        Some(&coordinator),
        None,
    )
    .await;
    assert_eq!(unchanged["settings"], updated["settings"]);

    let bad_create = [
        json!({"slug": "Bad Slug", "name": "x"}),
        json!({"slug": "ok-slug"}),
        json!({"slug": "ok-slug", "name": "x", "status": "closed"}),
        json!({"slug": "ok-slug", "name": "x", "settings": {"overlap": 200}}),
        json!({"slug": "ok-slug", "name": "x", "settings": {"gold_rate": "high"}}),
    ];
    for body in bad_create {
        let (status, resp) = call(
            &app,
            Method::POST,
            "/api/v1/campaigns",
            Some(&coordinator),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {resp}");
    }
    let (status, body) = call(
        &app,
        Method::PATCH,
        "/api/v1/campaigns/nowhere",
        Some(&coordinator),
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
}

#[rstest]
#[case::sqlite(Backend::Sqlite, "sqlite")]
#[case::postgres(Backend::Postgres, "postgres")]
#[actix_web::test]
async fn health_reports_backend_and_migrations(#[case] backend: Backend, #[case] name: &str) {
    let ctx = TestContext::new(backend);
    let app = init!(ctx);
    let (status, body) = call(&app, Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["database"]["backend"], name);
    assert_eq!(body["database"]["migrations"]["pending"], 0);
    assert!(body["database"]["migrations"]["applied"].as_u64().unwrap() >= 1);
}

#[actix_web::test]
async fn openapi_document_describes_every_route() {
    let ctx = TestContext::new(Backend::Sqlite);
    let app = init!(ctx);
    let (status, doc) = call(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let expected = [
        ("get", "/api/v1/health"),
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/refresh"),
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
    let (status, _) = call(&app, Method::GET, "/api/v1/docs/", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

/// Throws malformed input at every documented operation: nothing may answer 5xx.
#[actix_web::test]
async fn no_input_makes_the_server_fail() {
    let ctx = TestContext::new(Backend::Sqlite);
    let coordinator = ctx.account("coord", Role::Coordinator);
    let app = init!(ctx);
    let (_, doc) = call(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
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
                        let mut req = test::TestRequest::default()
                            .method(method.clone())
                            .uri(&uri)
                            .insert_header(("content-type", "application/json"))
                            .set_payload(body.to_vec());
                        if let Some(t) = token {
                            req = req.insert_header(("authorization", format!("Bearer {t}")));
                        }
                        let (status, resp) = send(&app, req).await;
                        assert!(
                            status.as_u16() < 500,
                            "{method} {uri} {body:?} -> {status} {resp}"
                        );
                        if status.is_client_error() {
                            error_code(&resp);
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 500);
    let (status, body) = call(&app, Method::GET, "/api/v1/no/such/route", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "not_found");
}
