//! The consensus background job: answers in the database become strike sites, only over the
//! area new answers touched, with a run record, on SQLite and PostgreSQL.

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::{Method, StatusCode};
use common::{TestContext, call};
use diesel::prelude::*;
use rstest::rstest;
use serde_json::json;
use tessera_consensus::pixel_to_lonlat;
use tessera_server::api::app;
use tessera_server::auth::Role;
use tessera_server::campaign_settings::CampaignSettings;
use tessera_server::db::Backend;
use tessera_server::db::answer::{Answer, MarkInsertForm};
use tessera_server::db::consensus_input;
use tessera_server::db::gold::{GoldAnswer, GoldMark};
use tessera_server::db::ids::RunId;
use tessera_server::db::ids::{AnswerId, CampaignId, TaskId, UserId};
use tessera_server::db::kinds::{AnswerKind, RunKind};
use tessera_server::db::schema::tasks;
use tessera_server::db::schema::{consensus_runs, site_tasks, site_votes, sites, users};
use tessera_server::db::task::Task;
use tessera_server::db::user::User;
use tessera_server::db::volunteer_reliability::VolunteerReliability;
use tessera_server::db::{DbError, now_ms};
use tessera_server::jobs::consensus::RunCounts;
use tessera_server::jobs::consensus::run_once;
use tessera_server::jobs::consensus::{incremental, store};

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn agreeing_marks_become_a_site_and_reruns_replace_it(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign(
        "c",
        json!({"redundancy": {"min": 5, "max": 5}, "consensus": {"eps_m": 5.0}}),
    );
    let ids = ctx.tasks(&campaign, 2, 5);
    let vols: Vec<String> = (0..5)
        .map(|i| ctx.account(&format!("v{i}"), Role::Volunteer))
        .collect();
    let svc = actix_web::test::init_service(app(ctx.data())).await;
    // four of five volunteers mark the same building on tile 0; one sees nothing
    for (i, token) in vols.iter().enumerate() {
        let (_, next) = call(
            &svc,
            Method::POST,
            "/api/v1/campaigns/c/next",
            Some(token),
            None,
        )
        .await;
        let task = next["task"]["id"].as_i64().unwrap();
        assert_eq!(task, ids[0]);
        let body = if i < 4 {
            json!({"idempotency_key": "k", "marks": [{"x": 100.0 + i as f64, "y": 120.0 - i as f64, "class": "destroyed"}]})
        } else {
            json!({"idempotency_key": "k", "nothing_here": true})
        };
        let (status, receipt) = call(
            &svc,
            Method::POST,
            &format!("/api/v1/tasks/{task}/answers"),
            Some(token),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
    }
    // A run counts answers from its own start time inclusive, so that none arriving in the
    // same millisecond is missed; let that millisecond pass, or the next pass would rightly
    // run again.
    std::thread::sleep(std::time::Duration::from_millis(2));
    let runs = run_once(ctx.db()).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].answers, 5);
    let conn = &mut *ctx.db().conn().unwrap();
    let found: Vec<(f64, f64, String, f64, i32, Option<String>)> = sites::table
        .select((
            sites::lon,
            sites::lat,
            sites::class,
            sites::confidence,
            sites::seen_by,
            sites::consensus_run_id,
        ))
        .load(conn)
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    let (lon, lat, class, confidence, seen_by, run) = &found[0];
    let corners = [
        [39.0, 35.951],
        [39.001, 35.951],
        [39.001, 35.950],
        [39.0, 35.950],
    ];
    let expected = pixel_to_lonlat(&corners, 256.0, 256.0, 101.5, 118.5);
    let metres = ((lon - expected[0]) * 90_000.0).hypot((lat - expected[1]) * 111_000.0);
    assert!(metres < 3.0, "site {metres:.1} m from the marks");
    assert_eq!(class, "destroyed");
    assert_eq!(*seen_by, 5);
    assert!(*confidence > 0.5 && *confidence <= 1.0);
    let (finished, counts): (Option<i64>, String) = consensus_runs::table
        .find(run.clone().unwrap())
        .select((consensus_runs::finished_at, consensus_runs::counts))
        .first(conn)
        .unwrap();
    assert!(finished.is_some());
    assert!(counts.contains("\"sites\":1"), "{counts}");
    let estimated: i64 = users::table
        .filter(users::sensitivity.is_not_null())
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(estimated, 5, "every volunteer's reliability is estimated");

    // nothing new: no run
    assert!(run_once(ctx.db()).unwrap().is_empty());
    // a new answer elsewhere re-runs, and the site is replaced, not duplicated
    let late = ctx.account("late", Role::Volunteer);
    let (_, next) = call(
        &svc,
        Method::POST,
        "/api/v1/campaigns/c/next",
        Some(&late),
        None,
    )
    .await;
    let task = next["task"]["id"].as_i64().unwrap();
    let (status, _) = call(
        &svc,
        Method::POST,
        &format!("/api/v1/tasks/{task}/answers"),
        Some(&late),
        Some(json!({"idempotency_key": "z", "nothing_here": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let runs = run_once(ctx.db()).unwrap();
    assert_eq!(runs.len(), 1);
    let n: i64 = sites::table.count().get_result(conn).unwrap();
    assert_eq!(n, 1);
    let n: i64 = consensus_runs::table.count().get_result(conn).unwrap();
    assert_eq!(n, 2);
}

/// A 256×256 task whose west edge is at `west` (0.001° wide, on the row of [`common::task_form`]).
fn task_at(ctx: &TestContext, campaign: &str, i: usize, west: f64) -> i64 {
    let mut form = common::task_form(campaign, i, 5);
    let (east, north, south) = (west + 0.001, 35.951, 35.950);
    form.footprint =
        serde_json::to_string(&[[west, north], [east, north], [east, south], [west, south]])
            .unwrap();
    (form.min_lon, form.max_lon) = (west, east);
    ctx.db()
        .write(|conn| -> Result<usize, DbError> { Ok(Task::insert_batch(conn, &[form])?) })
        .unwrap();
    let conn = &mut *ctx.db().conn().unwrap();
    tasks::table
        .filter(tasks::campaign_id.eq(campaign))
        .select(diesel::dsl::max(tasks::id))
        .first::<Option<i64>>(conn)
        .unwrap()
        .unwrap()
}

/// Stores `user`'s answer to `task` directly: marks of class "destroyed" at `points` (tile
/// pixels), or "nothing here" for none.
fn answer(ctx: &TestContext, campaign: &str, task: i64, user: &str, points: &[(f64, f64)]) {
    let id = AnswerId(uuid::Uuid::now_v7().to_string());
    let row = Answer {
        id: id.clone(),
        task_id: TaskId(task),
        user_id: UserId(user.to_owned()),
        campaign_id: CampaignId(campaign.to_owned()),
        kind: if points.is_empty() {
            AnswerKind::NothingHere
        } else {
            AnswerKind::Marks
        },
        reason: None,
        payload: None,
        duration_ms: 9000,
        idempotency_key: id.0.clone(),
        submitted_at: now_ms(),
    };
    let marks: Vec<MarkInsertForm> = points
        .iter()
        .map(|&(x, y)| MarkInsertForm {
            answer_id: id.clone(),
            task_id: TaskId(task),
            campaign_id: CampaignId(campaign.to_owned()),
            x,
            y,
            class: "destroyed".into(),
            lon: None,
            lat: None,
        })
        .collect();
    ctx.db()
        .write(|conn| -> Result<(), DbError> { Ok(Answer::insert(conn, &row, &marks)?) })
        .unwrap();
}

/// Volunteer accounts `prefix0…`, by id.
fn volunteers(ctx: &TestContext, prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let token = ctx.account(&format!("{prefix}{i}"), Role::Volunteer);
            ctx.user_id(&token)
        })
        .collect()
}

/// The campaign's stored reliability of `user`.
fn reliability(ctx: &TestContext, campaign: &str, user: &str) -> Option<VolunteerReliability> {
    VolunteerReliability::of_campaign(&mut ctx.db().conn().unwrap(), &CampaignId(campaign.into()))
        .unwrap()
        .into_iter()
        .find(|r| r.user_id.0 == user)
}

/// Runs the job once, after the millisecond of the last answers has passed (a run counts
/// answers from its own start inclusive).
fn run(ctx: &TestContext) -> Vec<RunCounts> {
    std::thread::sleep(std::time::Duration::from_millis(2));
    run_once(ctx.db()).unwrap()
}

const SETTINGS: fn() -> serde_json::Value =
    || json!({"redundancy": {"min": 3, "max": 8}, "consensus": {"eps_m": 5.0}});

/// Two identical campaigns, except that in `gold` the first three tiles are practice tiles
/// with a known site at the tile's centre. Everyone answers "nothing here" on those tiles; on
/// the other three, four volunteers agree on a site.
fn twin_campaigns(ctx: &TestContext, vols: &[String]) -> [String; 2] {
    ["gold", "plain"].map(|slug| {
        let campaign = ctx.campaign(slug, SETTINGS());
        let ids = ctx.tasks(&campaign, 6, 5);
        if slug == "gold" {
            let known = GoldAnswer {
                nothing_here: false,
                marks: vec![GoldMark {
                    x: 128.0,
                    y: 128.0,
                    class: "destroyed".into(),
                }],
            };
            ctx.db()
                .write(|conn| -> Result<(), DbError> {
                    for &task in &ids[..3] {
                        Task::set_gold(conn, TaskId(task), &known)?;
                    }
                    Ok(())
                })
                .unwrap();
        }
        for (v, user) in vols.iter().enumerate() {
            for &task in &ids[..3] {
                answer(ctx, &campaign, task, user, &[]);
            }
            for &task in &ids[3..] {
                let offset = v as f64;
                answer(
                    ctx,
                    &campaign,
                    task,
                    user,
                    &[(60.0 + offset, 70.0 - offset)],
                );
            }
        }
        campaign
    })
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn missing_every_known_site_of_practice_tiles_costs_sensitivity(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let vols = volunteers(&ctx, "v", 4);
    let [gold, plain] = twin_campaigns(&ctx, &vols);
    let runs = run(&ctx);
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.kind == RunKind::Full), "{runs:?}");
    let sensitivity =
        |campaign: &str, user: &str| reliability(&ctx, campaign, user).unwrap().sensitivity;
    for user in &vols {
        let (with, without) = (sensitivity(&gold, user), sensitivity(&plain, user));
        assert!(
            with < without - 0.05,
            "a full run: with gold {with:.3}, without {without:.3}"
        );
    }

    // An incremental run passes gold too: a newcomer who misses the known sites is estimated
    // (provisionally) lower where the tiles are practice tiles.
    let newcomer = volunteers(&ctx, "new", 1).remove(0);
    for campaign in [&gold, &plain] {
        let ids: Vec<i64> = {
            let conn = &mut *ctx.db().conn().unwrap();
            tasks::table
                .filter(tasks::campaign_id.eq(campaign))
                .order(tasks::id)
                .select(tasks::id)
                .load(conn)
                .unwrap()
        };
        for &task in &ids[..3] {
            answer(&ctx, campaign, task, &newcomer, &[]);
        }
    }
    let runs = run(&ctx);
    assert_eq!(runs.len(), 2);
    assert!(
        runs.iter().all(|r| r.kind == RunKind::Incremental),
        "{runs:?}"
    );
    let with = reliability(&ctx, &gold, &newcomer).unwrap();
    let without = reliability(&ctx, &plain, &newcomer).unwrap();
    assert!(with.provisional && without.provisional);
    assert!(
        with.sensitivity < without.sensitivity - 0.05,
        "an incremental run: with gold {:.3}, without {:.3}",
        with.sensitivity,
        without.sensitivity
    );
}

/// The kind, priors and counts recorded on a run's row.
fn run_row(ctx: &TestContext, campaign: &str) -> Vec<(String, Option<f64>, String)> {
    let conn = &mut *ctx.db().conn().unwrap();
    consensus_runs::table
        .filter(consensus_runs::campaign_id.eq(campaign))
        .order(consensus_runs::started_at.asc())
        .select((
            consensus_runs::kind,
            consensus_runs::prior_site,
            consensus_runs::counts,
        ))
        .load(conn)
        .unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_full_run_estimates_each_volunteer_once_and_incremental_runs_hold_it(
    #[case] backend: Backend,
) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", SETTINGS());
    // Two tiles ~9 km apart: two cells of an incremental run.
    let west = task_at(&ctx, &campaign, 0, 39.01);
    let east = task_at(&ctx, &campaign, 1, 39.11);
    let vols = volunteers(&ctx, "v", 5);
    for (v, user) in vols.iter().enumerate() {
        let offset = v as f64;
        answer(&ctx, &campaign, west, user, &[(100.0 + offset, 100.0)]);
        // on the eastern tile, the first volunteer alone marks something
        let marks: &[(f64, f64)] = if v == 0 { &[(30.0, 40.0)] } else { &[] };
        answer(&ctx, &campaign, east, user, marks);
    }
    let runs = run(&ctx);
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].kind, runs[0].tasks, runs[0].answers),
        (RunKind::Full, 2, 10)
    );
    let rows = VolunteerReliability::of_campaign(
        &mut ctx.db().conn().unwrap(),
        &CampaignId(campaign.clone()),
    )
    .unwrap();
    assert_eq!(rows.len(), 5, "one row per volunteer: {rows:?}");
    assert!(rows.iter().all(|r| !r.provisional && r.answers == 2));
    let full_run = rows[0].run_id.clone();
    assert!(rows.iter().all(|r| r.run_id == full_run));
    let recorded = run_row(&ctx, &campaign);
    assert_eq!(recorded[0].0, "full");
    assert!(
        recorded[0].1.is_some_and(|p| p > 0.0 && p < 1.0),
        "{recorded:?}"
    );

    // One more answer in each cell: an incremental run, which holds the estimates fixed.
    let lates = volunteers(&ctx, "late", 2);
    let late = lates[1].clone();
    answer(&ctx, &campaign, west, &lates[0], &[]);
    answer(&ctx, &campaign, east, &late, &[]);
    let runs = run(&ctx);
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].kind, RunKind::Incremental);
    let after = VolunteerReliability::of_campaign(
        &mut ctx.db().conn().unwrap(),
        &CampaignId(campaign.clone()),
    )
    .unwrap();
    for row in &rows {
        assert!(
            after.contains(row),
            "a full run's estimate was replaced: {after:?}"
        );
    }
    let newcomer = after.iter().find(|r| r.user_id.0 == late).unwrap();
    assert!(newcomer.provisional && newcomer.run_id != full_run);
    assert_eq!(run_row(&ctx, &campaign)[1].0, "incremental");

    // Answers beyond a fifth of those the full run read: a full run again, and the newcomer's
    // estimate is a full run's now.
    for user in &volunteers(&ctx, "more", 3) {
        answer(&ctx, &campaign, east, user, &[(200.0, 10.0)]);
    }
    let runs = run(&ctx);
    assert_eq!(runs[0].kind, RunKind::Full);
    assert_eq!((runs[0].tasks, runs[0].answers), (2, 15));
    let newcomer = reliability(&ctx, &campaign, &late).unwrap();
    assert!(!newcomer.provisional && newcomer.run_id != full_run);
    let kinds: Vec<String> = run_row(&ctx, &campaign).into_iter().map(|r| r.0).collect();
    assert_eq!(kinds, ["full", "incremental", "full"]);
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_run_counts_each_task_and_answer_once_across_cells(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", SETTINGS());
    // One tile across the edge between two cells (39.05°), one inside the western cell.
    let across = task_at(&ctx, &campaign, 0, 39.0495);
    let inside = task_at(&ctx, &campaign, 1, 39.03);
    let vols = volunteers(&ctx, "v", 10);
    for user in &vols {
        answer(&ctx, &campaign, across, user, &[]);
        answer(&ctx, &campaign, inside, user, &[]);
    }
    let runs = run(&ctx);
    assert_eq!(
        (runs[0].kind, runs[0].tasks, runs[0].answers),
        (RunKind::Full, 2, 20)
    );
    // two new answers: an incremental run over both cells, each of which reads both tiles
    let lates = volunteers(&ctx, "late", 2);
    answer(&ctx, &campaign, across, &lates[0], &[(10.0, 10.0)]);
    answer(&ctx, &campaign, inside, &lates[1], &[(10.0, 10.0)]);
    let runs = run(&ctx);
    assert_eq!(runs[0].kind, RunKind::Incremental);
    assert_eq!((runs[0].tasks, runs[0].answers), (2, 22), "{runs:?}");
    let counts: serde_json::Value = serde_json::from_str(&run_row(&ctx, &campaign)[1].2).unwrap();
    assert_eq!(
        (counts["tasks"].as_u64(), counts["answers"].as_u64()),
        (Some(2), Some(22))
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_suspended_volunteers_answers_leave_the_next_run(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", SETTINGS());
    let ids = ctx.tasks(&campaign, 3, 5);
    let vols = volunteers(&ctx, "v", 4);
    for (v, user) in vols.iter().enumerate() {
        let offset = v as f64;
        answer(&ctx, &campaign, ids[0], user, &[(100.0 + offset, 100.0)]);
        answer(&ctx, &campaign, ids[1], user, &[]);
    }
    let runs = run(&ctx);
    assert_eq!((runs[0].kind, runs[0].answers), (RunKind::Full, 8));
    let voters = |ctx: &TestContext| -> Vec<String> {
        let conn = &mut *ctx.db().conn().unwrap();
        let mut users: Vec<String> = site_votes::table
            .select(site_votes::user_id)
            .load(conn)
            .unwrap();
        users.sort();
        users
    };
    let mut everyone = vols.clone();
    everyone.sort();
    assert_eq!(voters(&ctx), everyone);

    let suspended = vols[3].clone();
    ctx.db()
        .write(|conn| -> Result<usize, DbError> {
            Ok(User::set_suspended(conn, &UserId(suspended.clone()), true)?)
        })
        .unwrap();
    // No new answer, yet the suspended volunteer's answers still count: the next pass runs.
    let runs = run(&ctx);
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].kind, runs[0].answers), (RunKind::Full, 6));
    assert!(!voters(&ctx).contains(&suspended));
    assert_eq!(voters(&ctx).len(), 3);
    assert!(reliability(&ctx, &campaign, &suspended).is_none());
    assert!(run(&ctx).is_empty(), "nothing new: no run");

    // A later answer of theirs is left out of an incremental run too: it reads the other
    // volunteers' six.
    answer(&ctx, &campaign, ids[2], &suspended, &[(5.0, 5.0)]);
    let runs = run(&ctx);
    assert_eq!(runs[0].kind, RunKind::Incremental);
    assert_eq!(runs[0].answers, 6);
    assert!(reliability(&ctx, &campaign, &suspended).is_none());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn an_incremental_run_rewrites_only_the_sites_that_changed(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", SETTINGS());
    // Two tiles ~900 m apart, in one cell: an incremental run recomputes both.
    let quiet = task_at(&ctx, &campaign, 0, 39.01);
    let busy = task_at(&ctx, &campaign, 1, 39.02);
    let vols = volunteers(&ctx, "v", 5);
    for (v, user) in vols.iter().enumerate() {
        let offset = v as f64;
        answer(&ctx, &campaign, quiet, user, &[(100.0 + offset, 100.0)]);
        answer(&ctx, &campaign, busy, user, &[(50.0, 60.0 + offset)]);
    }
    assert_eq!(run(&ctx)[0].kind, RunKind::Full);
    let stored = |task: i64| -> (String, i32, Option<String>, i64) {
        let conn = &mut *ctx.db().conn().unwrap();
        sites::table
            .inner_join(site_tasks::table)
            .filter(site_tasks::task_id.eq(task))
            .select((
                sites::id,
                sites::seen_by,
                sites::consensus_run_id,
                sites::updated_at,
            ))
            .first(conn)
            .unwrap()
    };
    let (quiet_before, busy_before) = (stored(quiet), stored(busy));
    assert_eq!((quiet_before.1, busy_before.1), (5, 5));

    // One more answer on the busy tile: the quiet tile's site comes out as it was.
    let late = volunteers(&ctx, "late", 1);
    answer(&ctx, &campaign, busy, &late[0], &[]);
    let runs = run(&ctx);
    assert_eq!(runs[0].kind, RunKind::Incremental);
    assert_eq!(runs[0].sites, 2, "both sites are the run's: {runs:?}");
    let (quiet_after, busy_after) = (stored(quiet), stored(busy));
    assert_eq!(
        quiet_after, quiet_before,
        "an unchanged site is not rewritten"
    );
    assert_eq!(
        busy_after.0, busy_before.0,
        "the changed site keeps its identity"
    );
    assert_eq!(busy_after.1, 6, "and now counts the late volunteer");
    assert_ne!(
        busy_after.2, busy_before.2,
        "and names the run that changed it"
    );
    let n: i64 = site_votes::table
        .inner_join(site_tasks::table.on(site_tasks::site_id.eq(site_votes::site_id)))
        .filter(site_tasks::task_id.eq(quiet))
        .count()
        .get_result(&mut *ctx.db().conn().unwrap())
        .unwrap();
    assert_eq!(n, 5, "the unchanged site's provenance is whole");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_review_landing_while_a_run_writes_its_cell_is_kept(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("c", SETTINGS());
    let tile = task_at(&ctx, &campaign, 0, 39.01);
    for (v, user) in volunteers(&ctx, "v", 5).iter().enumerate() {
        answer(&ctx, &campaign, tile, user, &[(100.0 + v as f64, 100.0)]);
    }
    assert_eq!(run(&ctx)[0].kind, RunKind::Full);
    let (site_id, run_id, lon, lat): (String, Option<String>, f64, f64) = sites::table
        .select((sites::id, sites::consensus_run_id, sites::lon, sites::lat))
        .first(&mut *ctx.db().conn().unwrap())
        .unwrap();
    // A sixth volunteer marks the building a little off: the next run moves the site.
    let late = volunteers(&ctx, "late", 1);
    answer(&ctx, &campaign, tile, &late[0], &[(112.0, 104.0)]);
    let campaign_id = CampaignId(campaign.clone());
    let input =
        consensus_input::load_campaign(&mut ctx.db().conn().unwrap(), &campaign_id).unwrap();
    let settings: CampaignSettings = serde_json::from_value(SETTINGS()).unwrap();
    let output = tessera_consensus::run(&input, &settings.consensus_params()).unwrap();
    assert_eq!(output.sites.len(), 1);
    let cell = incremental::cells(&[[lon, lat, lon, lat]])[0];
    // An analyst confirms and reclassifies it after the run has planned the cell, before it
    // writes: the plan is stale, and the review must win.
    let reviewed = std::cell::Cell::new(false);
    let review = || {
        if !reviewed.replace(true) {
            let now = now_ms();
            diesel::update(sites::table.find(&site_id))
                .set((
                    sites::class.eq("crater"),
                    sites::status.eq("confirmed"),
                    sites::reviewed_at.eq(Some(now)),
                    sites::updated_at.eq(now),
                ))
                .execute(&mut *ctx.db().conn().unwrap())
                .unwrap();
        }
    };
    store::cell_sites_between(
        ctx.db(),
        &campaign_id,
        &RunId(run_id.unwrap()),
        cell,
        output.sites.iter(),
        output.summary.eps,
        &review,
    )
    .unwrap();
    assert!(reviewed.get());
    let after: (String, String, f64, f64, i32) = sites::table
        .find(&site_id)
        .select((
            sites::class,
            sites::status,
            sites::lon,
            sites::lat,
            sites::seen_by,
        ))
        .first(&mut *ctx.db().conn().unwrap())
        .unwrap();
    assert_eq!(
        after,
        ("crater".into(), "confirmed".into(), lon, lat, 6),
        "the reviewed site keeps its class and position and takes the new figures"
    );
}
