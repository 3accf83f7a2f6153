//! Sign-in tokens, on SQLite and PostgreSQL: forged, unsigned, expired and tampered tokens are
//! refused on every route, including those that need no sign-in.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::{Method, StatusCode};
use common::app::TestApp;
use common::{PASSWORD, SECRET, error_code};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rstest::rstest;
use serde_json::{Value, json};
use tessera_server::auth::Role;
use tessera_server::db::{Backend, now_ms};

fn creds(handle: &str, password: &str) -> Option<Value> {
    Some(json!({ "handle": handle, "password": password }))
}

fn forged(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn unsigned(claims: &Value) -> String {
    use base64_url as b64;
    let header = b64::encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64::encode(claims.to_string().as_bytes());
    format!("{header}.{payload}.")
}

/// Minimal unpadded base64url, so the test needs no extra dependency.
mod base64_url {
    pub fn encode(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b))
                << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn forged_unsigned_and_expired_tokens_are_refused_everywhere(#[case] backend: Backend) {
    let app = TestApp::new(backend).await;
    let coordinator = app.account("coord", Role::Coordinator);
    let sub = app.user_id(&coordinator);
    let now = now_ms() / 1000;
    let claims = json!({"sub": sub, "role": "admin", "iat": now, "exp": now + 3600});
    let expired = json!({"sub": sub, "role": "coordinator", "iat": now - 7200, "exp": now - 3600});
    assert_ne!(SECRET, b"another secret, 32 bytes or more!!");
    let tokens = [
        (
            "other secret",
            forged(&claims, b"another secret, 32 bytes or more!!"),
            "invalid_token",
        ),
        ("alg none", unsigned(&claims), "invalid_token"),
        ("expired", forged(&expired, SECRET), "token_expired"),
        ("garbage", "not.a.jwt".to_owned(), "invalid_token"),
        (
            "tampered role",
            {
                let mut parts: Vec<String> = coordinator.split('.').map(str::to_owned).collect();
                parts[1] = base64_url::encode(claims.to_string().as_bytes());
                parts.join(".")
            },
            "invalid_token",
        ),
    ];
    // A route that needs sign-in, and two that do not: all refuse a bad token.
    let routes = [
        (Method::GET, "/api/v1/campaigns", None),
        (Method::GET, "/api/v1/health", None),
        (Method::POST, "/api/v1/auth/login", creds("coord", PASSWORD)),
    ];
    for (what, token, code) in &tokens {
        for (method, path, body) in &routes {
            let mut req = app.request(method.clone(), path).token(token);
            if let Some(body) = body {
                req = req.json(body);
            }
            let res = req.await;
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED,
                "{what} on {path}: {res}"
            );
            assert_eq!(error_code(res.json()), *code, "{what} on {path}");
        }
    }
    // The genuine token still works, and a non-Bearer scheme is refused.
    let res = app.get("/api/v1/campaigns").token(&coordinator).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app
        .get("/api/v1/health")
        .header(("authorization", "Basic Zm9vOmJhcg=="))
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(res.json()), "invalid_token");
    let res = app.get("/api/v1/campaigns").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(res.json()), "unauthenticated");
}
