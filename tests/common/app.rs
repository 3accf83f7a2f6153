//! [`TestApp`]: one test's database, the exact application `tessera serve` runs on it, and a
//! request builder, so that a new API test is a few lines:
//!
//! ```ignore
//! use common::app::TestApp;
//!
//! let app = TestApp::new(backend).await;
//! let campaign = app.campaign("c", json!({}));
//! let ids = app.tasks(&campaign, 3, 3);
//! let volunteer = app.volunteer();
//! let res = app
//!     .post(&format!("/api/v1/tasks/{}/answers", ids[0]))
//!     .token(&volunteer)
//!     .json(json!({"idempotency_key": "k", "nothing_here": true}))
//!     .await;
//! assert_eq!(res.status(), StatusCode::CONFLICT, "{res}");
//! assert_eq!(error_code(res.json()), "no_lease");
//! ```
//!
//! A `TestApp` derefs to its [`TestContext`], so the storage helpers (`campaign`, `tasks`,
//! `account`, `db`, `state`) are at hand. Changed settings go in before the state is built:
//! `TestApp::with_config(backend, |c| c.frontend_dir = Some(dir)).await`.

use std::cell::Cell;
use std::fmt;
use std::future::IntoFuture;
use std::ops::Deref;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse, always_ready};
use actix_web::http::header::{HeaderMap, TryIntoHeaderPair};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde_json::Value;
use tessera_server::auth::Role;
use tessera_server::config::Config;
use tessera_server::db::Backend;

use super::{TestContext, bearer, next_id};

/// A test's application: see the module header.
pub struct TestApp {
    ctx: TestContext,
    service: AppService,
    /// Accounts made by [`TestApp::volunteer`] and [`TestApp::coordinator`], for unique handles.
    accounts: Cell<usize>,
}

impl TestApp {
    /// A fresh database on `backend` and the application on it, with the tests' configuration.
    pub async fn new(backend: Backend) -> Self {
        Self::with_config(backend, |_| {}).await
    }

    /// As [`TestApp::new`], with `edit` applied to the configuration first.
    pub async fn with_config(backend: Backend, edit: impl FnOnce(&mut Config)) -> Self {
        let ctx = TestContext::with_config(backend, edit);
        let service =
            AppService::new(test::init_service(tessera_server::api::app(ctx.data())).await);
        Self {
            ctx,
            service,
            accounts: Cell::new(0),
        }
    }

    /// A new volunteer account; returns its token.
    pub fn volunteer(&self) -> String {
        self.numbered_account("volunteer", Role::Volunteer)
    }

    /// A new coordinator account; returns its token.
    pub fn coordinator(&self) -> String {
        self.numbered_account("coordinator", Role::Coordinator)
    }

    fn numbered_account(&self, prefix: &str, role: Role) -> String {
        let n = self.accounts.get() + 1;
        self.accounts.set(n);
        self.account(&format!("{prefix}-{n}"), role)
    }

    pub fn get(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::PUT, path)
    }

    pub fn patch(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::PATCH, path)
    }

    /// A request with no token and no body yet; it is sent when awaited.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder<'_> {
        RequestBuilder {
            app: self,
            req: TestRequest::default().method(method).uri(path),
        }
    }

    /// Sends a prepared request.
    pub async fn send(&self, req: TestRequest) -> TestResponse {
        TestResponse::read(test::call_service(&self.service, req.to_request()).await).await
    }

    /// Leases the volunteer's next task in `campaign` and returns its id (`None`: no task).
    pub async fn next_id(&self, token: &str, campaign: &str) -> Option<i64> {
        next_id(&self.service, token, campaign).await
    }
}

impl Deref for TestApp {
    type Target = TestContext;

    fn deref(&self) -> &TestContext {
        &self.ctx
    }
}

/// A request being built; awaiting it sends it.
#[must_use = "a request is sent only when awaited"]
pub struct RequestBuilder<'a> {
    app: &'a TestApp,
    req: TestRequest,
}

impl RequestBuilder<'_> {
    /// Signs the request in with `token` (`Authorization: Bearer …`).
    pub fn token(mut self, token: &str) -> Self {
        self.req = self.req.insert_header(bearer(token));
        self
    }

    /// A JSON body. An `Option` helper's `Some(v)` sends `v`, as serde writes it.
    pub fn json(mut self, body: impl Serialize) -> Self {
        self.req = self.req.set_json(body);
        self
    }

    pub fn header(mut self, header: impl TryIntoHeaderPair) -> Self {
        self.req = self.req.insert_header(header);
        self
    }

    /// A raw body, for what `json` cannot send (malformed JSON, other content types).
    pub fn payload(mut self, payload: impl Into<Bytes>) -> Self {
        self.req = self.req.set_payload(payload);
        self
    }
}

impl<'a> IntoFuture for RequestBuilder<'a> {
    type Output = TestResponse;
    type IntoFuture = LocalBoxFuture<'a, TestResponse>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.app.send(self.req))
    }
}

/// A response read in full. It displays as its JSON body, for assertion messages.
#[derive(Debug)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    json: Value,
}

impl TestResponse {
    /// Reads a response; a body that is not JSON becomes a JSON string, an empty one `Null`.
    pub async fn read<B: MessageBody>(response: ServiceResponse<B>) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let body = test::read_body(response).await;
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into()))
        };
        Self {
            status,
            headers,
            body,
            json,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn json(&self) -> &Value {
        &self.json
    }

    pub fn into_json(self) -> Value {
        self.json
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as sent, for what is not JSON.
    pub fn body(&self) -> Bytes {
        self.body.clone()
    }
}

impl fmt::Display for TestResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.json.fmt(f)
    }
}

type Pending = LocalBoxFuture<'static, Result<ServiceResponse, actix_web::Error>>;

/// The application with its type erased, so that [`TestApp`] is a plain struct and helpers
/// take `&TestApp` without a `Service` bound.
struct AppService(Box<dyn Fn(Request) -> Pending>);

impl AppService {
    fn new<S, B>(service: S) -> Self
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
        B: MessageBody + 'static,
    {
        Self(Box::new(move |req| {
            let pending = service.call(req);
            Box::pin(async move { pending.await.map(ServiceResponse::map_into_boxed_body) })
        }))
    }
}

impl Service<Request> for AppService {
    type Response = ServiceResponse;
    type Error = actix_web::Error;
    type Future = Pending;

    always_ready!();

    fn call(&self, req: Request) -> Pending {
        (self.0)(req)
    }
}
