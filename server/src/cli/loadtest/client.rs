//! The simulated volunteers: one async loop each, on one client thread.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use rand::RngExt as _;
use serde_json::{Value, json};

use super::{LoadtestArgs, ServerProcess, wait_ready};
use crate::db::{DatabaseUrl, Db};

/// What the run measured.
#[derive(Debug, Default)]
pub struct Outcome {
    pub register_secs: f64,
    pub health: Option<(u64, f64, Vec<u32>)>,
    pub next_us: Vec<u32>,
    pub answer_us: Vec<u32>,
    pub acked: u64,
    pub no_task: u64,
    pub errors: BTreeMap<String, u64>,
    pub secs: f64,
    pub durability: Option<Durability>,
    acked_ids: Vec<String>,
}

#[derive(Debug)]
pub struct Durability {
    pub acked: usize,
    pub stored: usize,
    pub lost: usize,
}

fn micros(since: Instant) -> u32 {
    u32::try_from(since.elapsed().as_micros()).unwrap_or(u32::MAX)
}

fn client(volunteers: usize) -> awc::Client {
    awc::Client::builder()
        .connector(awc::Connector::new().limit(volunteers + 64))
        .timeout(Duration::from_secs(30))
        .finish()
}

async fn register(client: &awc::Client, base: &str, handle: &str) -> anyhow::Result<String> {
    let mut resp = client
        .post(format!("{base}/api/v1/auth/register"))
        .send_json(&json!({"handle": handle, "password": "load-test-password"}))
        .await
        .map_err(|e| anyhow::anyhow!("register: {e}"))?;
    let body: Value = resp
        .json()
        .await
        .map_err(|e| anyhow::anyhow!("register: {e}"))?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("register: {body}"))
}

/// A realistic answer: mostly "nothing here", sometimes a few marks, rarely "can't tell".
fn answer_body(key: &str, classes: &[Value]) -> Value {
    let mut rng = rand::rng();
    let roll: u32 = rng.random_range(0..100);
    if roll < 60 {
        json!({"idempotency_key": key, "duration_ms": rng.random_range(3000..40000), "nothing_here": true})
    } else if roll < 95 {
        let n = rng.random_range(1..4);
        let marks: Vec<Value> = (0..n)
            .map(|_| {
                let class = &classes[rng.random_range(0..classes.len().max(1))];
                json!({"x": rng.random_range(0.0..256.0), "y": rng.random_range(0.0..256.0), "class": class})
            })
            .collect();
        json!({"idempotency_key": key, "duration_ms": rng.random_range(5000..60000), "marks": marks})
    } else {
        json!({"idempotency_key": key, "duration_ms": 4000, "cant_tell": true, "reason": "cloud"})
    }
}

async fn volunteer(
    client: awc::Client,
    base: Rc<RefCell<String>>,
    token: String,
    slug: String,
    deadline: Instant,
    think: Duration,
    out: Rc<RefCell<Outcome>>,
) {
    let auth = format!("Bearer {token}");
    let mut n = 0u64;
    if !think.is_zero() {
        // Staggered arrivals: all of them at the same instant would put the one burst of
        // thousands of first requests (and new connections) into every latency percentile,
        // when the run means to measure volunteers at work.
        actix_web::rt::time::sleep(think.mul_f64(rand::random::<f64>())).await;
    }
    while Instant::now() < deadline {
        let base_now = base.borrow().clone();
        let t0 = Instant::now();
        let resp = client
            .post(format!("{base_now}/api/v1/campaigns/{slug}/next"))
            .insert_header(("Authorization", auth.as_str()))
            .send()
            .await;
        let mut resp = match resp {
            Ok(r) => r,
            Err(e) => {
                *out.borrow_mut()
                    .errors
                    .entry(format!("next: {e}"))
                    .or_default() += 1;
                actix_web::rt::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let status = resp.status();
        let body: Value = resp.json().limit(1 << 20).await.unwrap_or(Value::Null);
        out.borrow_mut().next_us.push(micros(t0));
        if !status.is_success() {
            *out.borrow_mut()
                .errors
                .entry(format!("next: {status}"))
                .or_default() += 1;
            continue;
        }
        let Some(task_id) = body["task"]["id"].as_i64() else {
            out.borrow_mut().no_task += 1;
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        if !think.is_zero() {
            // Uniform in [½, 1½] of the think time: people do not act in lockstep, and
            // volunteers that did would measure their own synchronised waves, not the server.
            let factor = 0.5 + rand::random::<f64>();
            actix_web::rt::time::sleep(think.mul_f64(factor)).await;
        }
        n += 1;
        let key = format!("{}-{n}", &token[token.len() - 12..]);
        let classes = body["task"]["damage_classes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let t1 = Instant::now();
        let resp = client
            .post(format!("{base_now}/api/v1/tasks/{task_id}/answers"))
            .insert_header(("Authorization", auth.as_str()))
            .send_json(&answer_body(&key, &classes))
            .await;
        match resp {
            Ok(mut r) if r.status().is_success() => {
                let receipt: Value = r.json().await.unwrap_or(Value::Null);
                let mut o = out.borrow_mut();
                o.answer_us.push(micros(t1));
                o.acked += 1;
                if let Some(id) = receipt["answer_id"].as_str() {
                    o.acked_ids.push(id.to_owned());
                }
            }
            Ok(r) => {
                *out.borrow_mut()
                    .errors
                    .entry(format!("answer: {}", r.status()))
                    .or_default() += 1;
            }
            Err(e) => {
                *out.borrow_mut()
                    .errors
                    .entry(format!("answer: {e}"))
                    .or_default() += 1;
            }
        }
    }
}

async fn health_flood(
    client: &awc::Client,
    base: &str,
    secs: u64,
    concurrency: usize,
) -> (u64, f64, Vec<u32>) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let lat = Rc::new(RefCell::new(Vec::new()));
    let start = Instant::now();
    let loops: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, lat, url) = (client.clone(), lat.clone(), format!("{base}/api/v1/health"));
            actix_web::rt::spawn(async move {
                while Instant::now() < deadline {
                    let t = Instant::now();
                    if let Ok(mut r) = client.get(&url).send().await {
                        let _ = r.body().await;
                        lat.borrow_mut().push(micros(t));
                    }
                }
            })
        })
        .collect();
    for l in loops {
        let _ = l.await;
    }
    let lat = lat.take();
    (lat.len() as u64, start.elapsed().as_secs_f64(), lat)
}

pub(super) async fn drive(
    args: &LoadtestArgs,
    server: &mut ServerProcess,
    slug: &str,
    url: &str,
    data_dir: &std::path::Path,
    secret: &str,
) -> anyhow::Result<Outcome> {
    let client = client(args.volunteers);
    wait_ready(&client, &server.base).await?;
    let mut outcome = Outcome::default();

    let t = Instant::now();
    let run_id = &uuid::Uuid::new_v4().simple().to_string()[..6];
    let mut tokens = Vec::with_capacity(args.volunteers);
    for batch in (0..args.volunteers).collect::<Vec<_>>().chunks(32) {
        let futures = batch.iter().map(|i| {
            let (client, base) = (client.clone(), server.base.clone());
            let handle = format!("load-{run_id}-{i}");
            async move { register(&client, &base, &handle).await }
        });
        for token in futures_util::future::join_all(futures).await {
            tokens.push(token?);
        }
    }
    outcome.register_secs = t.elapsed().as_secs_f64();

    if args.health_secs > 0 {
        outcome.health = Some(health_flood(&client, &server.base, args.health_secs, 64).await);
    }

    let out = Rc::new(RefCell::new(outcome));
    let base = Rc::new(RefCell::new(server.base.clone()));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(args.duration);
    let handles: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            actix_web::rt::spawn(volunteer(
                client.clone(),
                base.clone(),
                token,
                slug.to_owned(),
                deadline,
                Duration::from_millis(args.think_ms),
                out.clone(),
            ))
        })
        .collect();
    if let Some(kill_after) = args.kill_after {
        actix_web::rt::time::sleep(Duration::from_secs(kill_after)).await;
        server.kill();
    }
    for h in handles {
        let _ = h.await;
    }
    let mut outcome = out.take();
    outcome.secs = start.elapsed().as_secs_f64();
    if args.kill_after.is_some() {
        // restart on the same database and look for every acknowledged answer
        *server = ServerProcess::start(url, data_dir, args.workers, secret)?;
        wait_ready(&client, &server.base).await?;
        let db = Db::open(&DatabaseUrl::parse(url)?, 1)?;
        let stored = count_stored(&db, &outcome.acked_ids)?;
        outcome.durability = Some(Durability {
            acked: outcome.acked_ids.len(),
            stored,
            lost: outcome.acked_ids.len() - stored,
        });
    }
    Ok(outcome)
}

fn count_stored(db: &Db, ids: &[String]) -> anyhow::Result<usize> {
    use diesel::prelude::*;

    use crate::db::schema::answers;
    let conn = &mut *db.conn()?;
    let mut stored = 0;
    for chunk in ids.chunks(500) {
        let n: i64 = answers::table
            .filter(answers::id.eq_any(chunk))
            .count()
            .get_result(conn)?;
        stored += usize::try_from(n).unwrap_or(0);
    }
    Ok(stored)
}
