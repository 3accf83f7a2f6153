//! Shared fixtures for the end-to-end tests: a fresh database per test on either backend, the
//! exact application `tessera serve` runs, and helpers to call it. API tests start from
//! [`app::TestApp`]; [`TestContext`] is the database and state below it.

#![allow(
    dead_code,
    unused_macros,
    clippy::unwrap_used,
    reason = "each test binary uses a subset of the helpers; tests fail loudly"
)]

/// The exact application `tessera serve` runs, in process, on this context's database.
macro_rules! init {
    ($ctx:expr) => {
        actix_web::test::init_service(tessera_server::api::app($ctx.data())).await
    };
}

pub mod app;
pub mod server;
pub mod sites;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::{test, web};
use serde_json::{Value, json};
use tessera_server::auth::{Role, hash_password};
use tessera_server::campaign_settings::CampaignSettings;
use tessera_server::config::Config;
use tessera_server::db::campaign::Campaign;
use tessera_server::db::kinds::{TaskKind, TaskStatus};
use tessera_server::db::task::{Task, TaskInsertForm};
use tessera_server::db::testdb::TestDatabase;
use tessera_server::db::user::User;
use tessera_server::db::{Backend, Db, DbError, now_ms};
use tessera_server::state::AppState;

use app::TestResponse;

pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";
pub const PASSWORD: &str = "correct horse battery";

/// A migrated database and the application state around it.
pub struct TestContext {
    pub database: TestDatabase,
    pub state: AppState,
    pub data_dir: tempfile::TempDir,
}

impl TestContext {
    pub fn new(backend: Backend) -> Self {
        Self::with_config(backend, |_| {})
    }

    /// As [`TestContext::new`], with `edit` applied to the configuration before the state is
    /// built from it.
    pub fn with_config(backend: Backend, edit: impl FnOnce(&mut Config)) -> Self {
        let database = TestDatabase::new(backend);
        let db = database.open();
        let data_dir = tempfile::tempdir().unwrap();
        let mut config = Config::with_data_dir(data_dir.path().to_owned());
        config.database_url = database.url.clone();
        config.sweep_interval_ms = 0;
        config.progress_ttl_ms = 0;
        config.session_check_ms = 0;
        config.token_ttl_secs = 3600;
        edit(&mut config);
        let state = AppState::new(db, SECRET, config);
        Self {
            database,
            state,
            data_dir,
        }
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    pub fn data(&self) -> web::Data<AppState> {
        web::Data::new(self.state.clone())
    }

    /// The account id inside a token.
    pub fn user_id(&self, token: &str) -> String {
        self.state.keys.verify(token).unwrap().sub
    }

    /// Creates an active campaign with `settings` (a JSON object) and returns its id.
    pub fn campaign(&self, slug: &str, settings: Value) -> String {
        let parsed: CampaignSettings = serde_json::from_value(settings).unwrap();
        parsed.validate().unwrap();
        Campaign::add_active(self.db(), slug, slug, "", &parsed)
            .unwrap()
            .id
            .0
    }

    /// Adds `n` 256×256 search tasks on a row of tiles near Raqqa, in tiling order; returns ids.
    pub fn tasks(&self, campaign_id: &str, n: usize, needed: i32) -> Vec<i64> {
        let forms: Vec<TaskInsertForm> =
            (0..n).map(|i| task_form(campaign_id, i, needed)).collect();
        self.db()
            .write(|conn| -> Result<usize, DbError> { Ok(Task::insert_batch(conn, &forms)?) })
            .unwrap();
        let conn = &mut *self.db().conn().unwrap();
        use diesel::prelude::*;
        use tessera_server::db::schema::tasks;
        tasks::table
            .filter(tasks::campaign_id.eq(campaign_id))
            .order(tasks::id)
            .select(tasks::id)
            .load(conn)
            .unwrap()
    }

    /// Creates an account directly in storage (as `tessera user add` does) and returns a token
    /// of a new session, as signing in would.
    pub fn account(&self, handle: &str, role: Role) -> String {
        let hash = hash_password(PASSWORD).unwrap();
        let user = User::add(self.db(), handle, role, &hash).unwrap();
        tessera_server::api::auth::issue_token(self.db(), &self.state.keys, &user)
            .unwrap()
            .0
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
        req = req.insert_header(bearer(token));
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
    let response = TestResponse::read(test::call_service(app, req.to_request()).await).await;
    (response.status(), response.into_json())
}

/// The header that signs a request in with `token`.
fn bearer(token: &str) -> (header::HeaderName, String) {
    (header::AUTHORIZATION, format!("Bearer {token}"))
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

/// A search task for tile `i` of a row: 256 px wide, 0.001° (~90 m) per tile.
pub fn task_form(campaign_id: &str, i: usize, needed: i32) -> TaskInsertForm {
    let west = 39.0 + 0.001 * i as f64;
    let (east, north, south) = (west + 0.001, 35.951, 35.950);
    TaskInsertForm {
        campaign_id: campaign_id.into(),
        kind: TaskKind::Search,
        frame_id: None,
        before_frame_id: None,
        tile_col: i32::try_from(i).unwrap(),
        tile_row: 0,
        px_x: 256 * i as i64,
        px_y: 0,
        px_w: 256,
        px_h: 256,
        footprint: serde_json::to_string(&[
            [west, north],
            [east, north],
            [east, south],
            [west, south],
        ])
        .unwrap(),
        min_lon: west,
        min_lat: south,
        max_lon: east,
        max_lat: north,
        tile_key: Some(format!("tiles/frame-a/{i}/0.jpg")),
        before_tile_key: Some(format!("tiles/frame-b/{i}/0.jpg")),
        status: TaskStatus::Open,
        needed,
        priority: 0.0,
        created_at: now_ms(),
    }
}

/// An answer saying "nothing here", with its idempotency key.
pub fn nothing(key: &str) -> Option<Value> {
    Some(json!({"idempotency_key": key, "duration_ms": 9000, "nothing_here": true}))
}

pub fn marks_at(key: &str, points: &[(f64, f64)]) -> Option<Value> {
    let marks: Vec<Value> = points
        .iter()
        .map(|&(x, y)| json!({"x": x, "y": y, "class": "destroyed"}))
        .collect();
    Some(json!({"idempotency_key": key, "duration_ms": 20000, "marks": marks}))
}

pub async fn next_id<S, B>(app: &S, token: &str, campaign: &str) -> Option<i64>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (status, body) = call(
        app,
        Method::POST,
        &format!("/api/v1/campaigns/{campaign}/next"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["task"]["id"].as_i64()
}
