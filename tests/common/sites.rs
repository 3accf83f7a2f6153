//! A campaign whose volunteers answer one tile through the real API and whose consensus job
//! runs after each round, for the tests of strike sites.

use actix_web::http::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_server::auth::Role;
use tessera_server::db::Backend;
use tessera_server::jobs::consensus::run_once;

use super::{TestContext, call};

/// Three buildings on tile 0, in task pixels: A, B 100 px east of it, C 30 px (~13 m) south of A.
pub const A: (f64, f64) = (100.0, 120.0);
pub const B: (f64, f64) = (200.0, 60.0);
pub const C: (f64, f64) = (100.0, 150.0);

/// Answers needed per task: high, so the tile stays open through every round below.
pub const NEEDED: i32 = 20;

pub struct Campaign {
    pub ctx: TestContext,
    pub task: i64,
    pub analyst: String,
    pub handles: Vec<String>,
}

pub fn campaign(backend: Backend) -> Campaign {
    let ctx = TestContext::new(backend);
    let id = ctx.campaign(
        "c",
        json!({"redundancy": {"min": NEEDED, "max": NEEDED}, "consensus": {"eps_m": 5.0}}),
    );
    let task = ctx.tasks(&id, 1, NEEDED)[0];
    let analyst = ctx.account("analyst-one", Role::Analyst);
    Campaign {
        ctx,
        task,
        analyst,
        handles: Vec::new(),
    }
}

impl Campaign {
    /// `n` new volunteers answer the task: each marks `points` (jittered by a pixel or two), or
    /// says "nothing here" when `points` is empty.
    pub async fn answers<S, B>(&mut self, svc: &S, n: usize, points: &[(f64, f64)])
    where
        S: actix_web::dev::Service<
                actix_http::Request,
                Response = actix_web::dev::ServiceResponse<B>,
                Error = actix_web::Error,
            >,
        B: actix_web::body::MessageBody,
    {
        for _ in 0..n {
            let handle = format!("volunteer-{}", self.handles.len());
            let token = self.ctx.account(&handle, Role::Volunteer);
            let j = self.handles.len() as f64 % 3.0 - 1.0;
            let body = if points.is_empty() {
                json!({"idempotency_key": "k", "nothing_here": true})
            } else {
                let marks: Vec<Value> = points
                    .iter()
                    .map(|&(x, y)| json!({"x": x + j, "y": y - j, "class": "destroyed"}))
                    .collect();
                json!({"idempotency_key": "k", "marks": marks})
            };
            let (_, next) = call(
                svc,
                Method::POST,
                "/api/v1/campaigns/c/next",
                Some(&token),
                None,
            )
            .await;
            assert_eq!(next["task"]["id"].as_i64(), Some(self.task), "{next}");
            let (status, receipt) = call(
                svc,
                Method::POST,
                &format!("/api/v1/tasks/{}/answers", self.task),
                Some(&token),
                Some(body),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{receipt}");
            self.handles.push(handle);
        }
        // A run counts answers from its start inclusive: let this millisecond pass.
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert_eq!(
            run_once(self.ctx.db()).unwrap().len(),
            1,
            "one consensus run"
        );
    }
}

pub async fn sites_of<S, B>(svc: &S, token: &str) -> Vec<Value>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (status, page) = call(
        svc,
        Method::GET,
        "/api/v1/campaigns/c/sites",
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page["next_cursor"].is_null());
    let mut sites = page["sites"].as_array().unwrap().clone();
    // west to east, then north to south: A, C, B
    sites.sort_by(|a, b| {
        let key = |s: &Value| (s["lon"].as_f64().unwrap() * 1e4).round() as i64;
        key(a).cmp(&key(b)).then(
            b["lat"]
                .as_f64()
                .unwrap()
                .total_cmp(&a["lat"].as_f64().unwrap()),
        )
    });
    sites
}

/// `GET /sites/{id}` as the analyst, asserting 200.
pub async fn site_detail<S, B>(svc: &S, token: &str, id: &str) -> Value
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let (status, site) = call(
        svc,
        Method::GET,
        &format!("/api/v1/sites/{id}"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{site}");
    site
}
