//! Shared fixtures for the end-to-end tests: a fresh database per test on either backend, the
//! exact application `tessera serve` runs, and helpers to call it.

#![allow(
    dead_code,
    clippy::unwrap_used,
    reason = "each test binary uses a subset of the helpers; tests fail loudly"
)]

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::{test, web};
use serde_json::Value;
use tessera_server::auth::{Role, TokenKeys, hash_password};
use tessera_server::config::Config;
use tessera_server::db::testdb::TestDatabase;
use tessera_server::db::user::{User, UserInsertForm, handle_key};
use tessera_server::db::{Backend, Db, DbError, now_ms};
use tessera_server::state::AppState;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
pub const PASSWORD: &str = "correct horse battery";

/// A migrated database and the application state around it.
pub struct TestContext {
    pub database: TestDatabase,
    pub state: AppState,
}

impl TestContext {
    pub fn new(backend: Backend) -> Self {
        let database = TestDatabase::new(backend);
        let db = database.open();
        let mut config = Config::with_data_dir(std::env::temp_dir());
        config.database_url = database.url.clone();
        let state = AppState {
            db,
            keys: TokenKeys::new(SECRET, 3600),
            config: std::sync::Arc::new(config),
        };
        Self { database, state }
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn data(&self) -> web::Data<AppState> {
        web::Data::new(self.state.clone())
    }

    /// Creates an account directly in storage (as `tessera user add` does) and returns a token.
    pub fn account(&self, handle: &str, role: Role) -> String {
        let hash = hash_password(PASSWORD).unwrap();
        let id = uuid::Uuid::new_v4().to_string();
        self.db()
            .write(|conn| -> Result<User, DbError> {
                Ok(User::create(
                    conn,
                    &UserInsertForm {
                        id: &id,
                        handle,
                        handle_key: &handle_key(handle),
                        password_hash: &hash,
                        role: role.as_str(),
                        created_at: now_ms(),
                    },
                )?)
            })
            .unwrap();
        self.state.keys.issue(&id, role, now_ms() / 1000).unwrap()
    }
}

/// Sends a request and returns the status and the JSON body (`Value::Null` when empty).
pub async fn call<S, B>(
    app: &S,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut req = test::TestRequest::default().method(method).uri(path);
    if let Some(token) = token {
        req = req.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
    }
    if let Some(body) = body {
        req = req.set_json(body);
    }
    send(app, req).await
}

/// Sends a prepared request; see [`call`].
pub async fn send<S, B>(app: &S, req: test::TestRequest) -> (StatusCode, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let response = test::call_service(app, req.to_request()).await;
    let status = response.status();
    let bytes = test::read_body(response).await;
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    (status, value)
}

/// Asserts the API's error shape and returns the code.
pub fn error_code(body: &Value) -> &str {
    let error = body
        .get("error")
        .unwrap_or_else(|| panic!("no error object in {body}"));
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "error without a message: {body}"
    );
    error["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code in {body}"))
}
