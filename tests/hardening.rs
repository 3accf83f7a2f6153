//! Hardening against hostile input, on SQLite and PostgreSQL where storage matters: look-alike
//! handles, bounded staff input, files served only from inside their folders, and the security
//! headers every response carries.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::StatusCode;
use common::app::TestApp;
use common::error_code;
use diesel::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};
use tessera_server::db::Backend;

#[actix_web::test]
async fn links_planted_in_served_folders_lead_nowhere() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("jwt-secret"), "the token secret").unwrap();
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>t</title>",
    )
    .unwrap();
    std::fs::create_dir(web.path().join("assets")).unwrap();
    std::fs::write(web.path().join("assets/app.js"), "console.log(1)").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("jwt-secret"),
        web.path().join("leak.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), web.path().join("assets/up")).unwrap();
    let dir = web.path().to_path_buf();
    let app = TestApp::with_config(Backend::Sqlite, move |c| c.frontend_dir = Some(dir)).await;
    let res = app.get("/assets/app.js").await;
    assert_eq!(res.status(), StatusCode::OK);
    for path in ["/leak.txt", "/assets/up/jwt-secret"] {
        let res = app.get(path).await;
        assert!(
            !String::from_utf8_lossy(&res.body()).contains("the token secret"),
            "{path} served what a link points to"
        );
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn look_alike_handles_cannot_impersonate_a_volunteer(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let register = |handle: &str| {
        app.post("/api/v1/auth/register")
            .json(json!({"handle": handle, "password": "a long enough password"}))
    };
    assert_eq!(register("marie_curie").await.status(), StatusCode::CREATED);
    // Cyrillic а, fullwidth ｍ, dotless ı, small capital ʀ, capitals, "rn" for "m"
    for lookalike in [
        "mаrie_curie",
        "ｍarie_curie",
        "marıe_curie",
        "maʀie_curie",
        "Marie_Curie",
        "rnarie_curie",
    ] {
        let res = register(lookalike).await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{lookalike}: {res}");
        assert_eq!(error_code(res.json()), "handle_taken");
    }
    assert_eq!(
        register("marie_curie_2").await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        register("مريم").await.status(),
        StatusCode::CREATED,
        "other scripts are welcome"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn accounts_made_before_skeletons_get_theirs_on_start(#[case] backend: Backend) {
    use tessera_server::db::Db;
    use tessera_server::db::schema::users;
    use tessera_server::db::testdb::TestDatabase;
    use tessera_server::db::user::handle_skeleton;
    let test_db = TestDatabase::new(backend);
    let db = Db::open(&test_db.url, 2).unwrap();
    {
        let conn = &mut *db.conn().unwrap();
        // as an older version wrote them: no skeleton; the second collides with the first
        for (id, handle) in [("u1", "heron"), ("u2", "hеron"), ("u3", "egret")] {
            diesel::insert_into(users::table)
                .values((
                    users::id.eq(id),
                    users::handle.eq(handle),
                    users::handle_key.eq(handle),
                    users::password_hash.eq("x"),
                    users::role.eq("volunteer"),
                    users::reliability.eq(0.5),
                    users::created_at.eq(0_i64),
                ))
                .execute(conn)
                .unwrap();
        }
    }
    drop(db);
    let db = Db::open(&test_db.url, 2).unwrap();
    let conn = &mut *db.conn().unwrap();
    let skeletons: Vec<(String, Option<String>)> = users::table
        .order(users::id)
        .select((users::id, users::handle_skeleton))
        .load(conn)
        .unwrap();
    assert_eq!(
        skeletons,
        vec![
            ("u1".to_owned(), Some(handle_skeleton("heron"))),
            ("u2".to_owned(), None),
            ("u3".to_owned(), Some(handle_skeleton("egret"))),
        ]
    );
}

#[actix_web::test]
async fn staff_input_is_bounded_like_volunteers() {
    let app = TestApp::new(Backend::Sqlite).await;
    let coordinator = app.coordinator();
    let create = |body: Value| app.post("/api/v1/campaigns").token(&coordinator).json(body);
    for (body, says) in [
        (json!({"slug": "a1", "name": "x".repeat(201)}), "1-200"),
        (
            json!({"slug": "a2", "name": "nul\u{0}byte"}),
            "control characters",
        ),
        (
            json!({"slug": "a3", "name": "ok", "description": "d".repeat(4001)}),
            "4000",
        ),
        (
            json!({"slug": "a4", "name": "ok", "description": "bell\u{7}"}),
            "control characters",
        ),
    ] {
        let res = create(body.clone()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            res.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(says),
            "{res}"
        );
    }
    let res =
        create(json!({"slug": "ok", "name": "Raqqa", "description": "line one\nline two\tend"}))
            .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{res}");
    let res = app
        .patch("/api/v1/campaigns/ok")
        .token(&coordinator)
        .json(json!({"description": "d".repeat(4001)}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Gold answers take no more marks than answers do (checked before the task is read).
    let marks: Vec<Value> = (0..501)
        .map(|_| json!({"x": 1.0, "y": 1.0, "class": "destroyed"}))
        .collect();
    let res = app
        .put("/api/v1/tasks/1/gold")
        .token(&coordinator)
        .json(json!({"marks": marks}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{res}");
    assert!(
        res.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("500")
    );
    // The limits are in the OpenAPI document.
    let doc = app.get("/api/v1/openapi.json").await.into_json();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["CreateCampaignRequest"]["properties"]["name"]["maxLength"],
        200
    );
    assert_eq!(
        schemas["CreateCampaignRequest"]["properties"]["description"]["maxLength"],
        4000
    );
    assert_eq!(
        schemas["GoldAnswer"]["properties"]["marks"]["maxItems"],
        500
    );
    assert_eq!(
        schemas["ReviewRequest"]["properties"]["comment"]["maxLength"],
        2000
    );
}

#[actix_web::test]
async fn responses_carry_their_security_headers() {
    let web = tempfile::tempdir().unwrap();
    let script = "\n  window.__boot = 1;\n";
    std::fs::write(
        web.path().join("index.html"),
        format!("<!doctype html><title>t</title><script>{script}</script><script type=\"module\" src=\"/assets/app.js\"></script>"),
    )
    .unwrap();
    let dir = web.path().to_path_buf();
    let app = TestApp::with_config(Backend::Sqlite, move |c| c.frontend_dir = Some(dir)).await;
    let header = |res: &common::app::TestResponse, name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    // JSON: no sniffing, never cached, never framed.
    let res = app.get("/api/v1/health").await;
    assert_eq!(
        header(&res, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(header(&res, "cache-control").as_deref(), Some("no-store"));
    assert!(
        header(&res, "content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    // A response carrying a token is never stored.
    let res = app
        .post("/api/v1/auth/register")
        .json(json!({"handle": "heron", "password": "a long enough password"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(header(&res, "cache-control").as_deref(), Some("no-store"));
    // The API docs cannot be framed.
    let res = app.get("/api/v1/docs/").await;
    assert!(
        header(&res, "content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'"),
        "{:?}",
        res.headers()
    );
    // A page: scripts from this origin and its own inline script by hash, nothing else.
    let res = app.get("/").await;
    let policy = header(&res, "content-security-policy").unwrap();
    use sha2::Digest as _;
    let hash = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        sha2::Sha256::digest(script.as_bytes()),
    );
    assert!(
        policy.contains(&format!("script-src 'self' 'sha256-{hash}';")),
        "{policy}"
    );
    for directive in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "connect-src 'self'",
    ] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(
        !policy.contains("unsafe-eval") && !policy.contains("script-src 'self' 'unsafe-inline'")
    );
    assert_eq!(
        header(&res, "cache-control").as_deref(),
        Some("no-cache"),
        "a page's own caching stands"
    );
}
