//! The scheduler's promises under concurrency: many volunteers at once against one server on
//! SQLite and two server processes sharing one PostgreSQL database; then every promise is
//! checked in the database. And a server killed with SIGKILL mid-load loses no acknowledged
//! answer.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use std::collections::HashSet;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::server::Server;
use diesel::prelude::*;
use rand::RngExt as _;
use rstest::rstest;
use serde_json::json;
use tessera_server::db::Backend;
use tessera_server::db::schema::{answers, leases, tasks};
use tessera_server::db::testdb::TestDatabase;

const VOLUNTEERS: usize = 24;
const TASKS: usize = 40;

#[rstest]
#[case::sqlite_one_process(Backend::Sqlite, 1)]
#[case::postgres_two_processes(Backend::Postgres, 2)]
fn promises_hold_with_many_volunteers_at_once(#[case] backend: Backend, #[case] processes: usize) {
    let ctx = common::TestContext::new(backend);
    let (database, db) = (&ctx.database, ctx.db().clone());
    let dir = tempfile::tempdir().unwrap();
    let campaign = ctx.campaign("busy", json!({"redundancy": {"min": 2, "max": 4}, "max_leases": 2, "gold_rate": 0, "gold_rate_new": 0}));
    ctx.tasks(&campaign, TASKS, 2);

    let servers: Vec<Server> = (0..processes)
        .map(|_| Server::start(dir.path(), Some(&database.url_string)))
        .collect();
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let deadline = Instant::now() + Duration::from_secs(60);
    let threads: Vec<_> = (0..VOLUNTEERS)
        .map(|v| {
            let (bases, acked) = (bases.clone(), acked.clone());
            std::thread::spawn(move || {
                let mut rng = rand::rng();
                let (_, reg) = common::server::request(&bases[v % bases.len()], "POST", "/api/v1/auth/register", None, Some(json!({"handle": format!("vol{v}"), "password": "a long password"})));
                let token = reg["token"].as_str().unwrap().to_owned();
                let mut idle = 0;
                let mut n = 0;
                while Instant::now() < deadline && idle < 20 {
                    // alternate between the instances, as a load balancer would
                    let base = &bases[(v + n) % bases.len()];
                    n += 1;
                    let (status, next) = common::server::request(base, "POST", "/api/v1/campaigns/busy/next", Some(&token), None);
                    assert_eq!(status, 200, "{next}");
                    let Some(task) = next["task"]["id"].as_i64() else {
                        idle += 1;
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    };
                    idle = 0;
                    if rng.random_range(0..10) == 0 {
                        continue; // abandon: the lease stays out
                    }
                    let body = match rng.random_range(0..10) {
                        0..=5 => json!({"idempotency_key": format!("{v}-{task}"), "nothing_here": true}),
                        6..=8 => json!({"idempotency_key": format!("{v}-{task}"), "marks": [{"x": 100, "y": 100, "class": "destroyed"}]}),
                        _ => json!({"idempotency_key": format!("{v}-{task}"), "marks": [{"x": rng.random_range(0.0..256.0), "y": 10, "class": "crater"}]}),
                    };
                    let path = format!("/api/v1/tasks/{task}/answers");
                    let (status, receipt) = common::server::request(base, "POST", &path, Some(&token), Some(body.clone()));
                    assert_eq!(status, 201, "{receipt}");
                    if rng.random_range(0..5) == 0 {
                        // a retry through the other instance returns the same answer
                        let other = &bases[(v + n) % bases.len()];
                        let (status, again) = common::server::request(other, "POST", &path, Some(&token), Some(body));
                        assert_eq!(status, 200, "{again}");
                        assert_eq!(again["answer_id"], receipt["answer_id"]);
                    }
                    acked.lock().unwrap().push(receipt["answer_id"].as_str().unwrap().to_owned());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    drop(servers);

    let conn = &mut *db.conn().unwrap();
    let acked = acked.lock().unwrap().clone();
    let stored: HashSet<String> = answers::table
        .select(answers::id)
        .load(conn)
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        stored.len(),
        acked.len(),
        "one stored answer per acknowledged answer, retries included"
    );
    assert!(acked.iter().all(|id| stored.contains(id)));
    assert!(
        acked.len() >= TASKS * 2,
        "the volunteers did the work ({} answers)",
        acked.len()
    );

    let rows: Vec<(i64, String, i32, i32, i32, bool)> = tasks::table
        .select((
            tasks::id,
            tasks::status,
            tasks::answer_count,
            tasks::needed,
            tasks::leases_out,
            tasks::available,
        ))
        .load(conn)
        .unwrap();
    let pairs: Vec<(i64, String)> = answers::table
        .select((answers::task_id, answers::user_id))
        .load(conn)
        .unwrap();
    let unique: HashSet<&(i64, String)> = pairs.iter().collect();
    assert_eq!(
        unique.len(),
        pairs.len(),
        "promise 1: nobody answered a task twice"
    );
    for (id, status, count, needed, out, available) in rows {
        let answered: i64 = answers::table
            .filter(answers::task_id.eq(id))
            .count()
            .get_result(conn)
            .unwrap();
        let live: i64 = leases::table
            .filter(leases::task_id.eq(id))
            .filter(leases::answered.eq(false))
            .filter(leases::expired.eq(false))
            .count()
            .get_result(conn)
            .unwrap();
        let handed_out: i64 = leases::table
            .filter(leases::task_id.eq(id))
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(
            i64::from(count),
            answered,
            "task {id}: answer counter is exact"
        );
        assert_eq!(i64::from(out), live, "task {id}: lease counter is exact");
        assert!(
            handed_out <= i64::from(needed),
            "promise 2: task {id} handed out {handed_out} times for {needed} answers"
        );
        assert!(
            (2..=4).contains(&needed),
            "promise 3: task {id} needs {needed}, within [min, max]"
        );
        if status == "retired" {
            assert!(
                (2..=4).contains(&count),
                "task {id} retired with {count} answers"
            );
            assert!(!available);
        }
    }
}

/// `tessera loadtest --kill-after` kills the server with SIGKILL mid-run, restarts it on the same
/// database and fails unless every answer acknowledged with 2xx is stored.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn a_killed_server_loses_no_acknowledged_answer(#[case] backend: Backend) {
    let pg = (backend == Backend::Postgres).then(|| TestDatabase::new(Backend::Postgres));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args([
        "loadtest",
        "--volunteers",
        "16",
        "--duration",
        "4",
        "--tasks",
        "2000",
        "--kill-after",
        "2",
        "--health-secs",
        "0",
    ])
    .env_remove("DATABASE_URL");
    if let Some(db) = &pg {
        cmd.args(["--database-url", &db.url_string]);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("kill -9 check"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.ends_with(" 0 lost"), "{line}");
    let acked: usize = line
        .split_whitespace()
        .nth(3)
        .unwrap()
        .trim_end_matches(',')
        .parse()
        .unwrap();
    assert!(
        acked >= 10,
        "answers were acknowledged before the kill: {line}"
    );
}
