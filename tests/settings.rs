//! Campaign settings reach what their documentation says they change: the consensus job's
//! clustering radius, distinct volunteers and support; the lease time; the tiler's grid and
//! quality. (Redundancy, gold rates, damage classes and `max_leases` are covered where the
//! scheduler and the API are tested.)

#![allow(clippy::pedantic, clippy::unwrap_used, reason = "tests fail loudly")]

mod common;

use actix_web::http::{Method, StatusCode};
use common::{TestContext, call};
use diesel::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};
use tessera_server::api::app;
use tessera_server::auth::Role;
use tessera_server::db::Backend;
use tessera_server::db::schema::{consensus_runs, sites, tasks};
use tessera_server::jobs::consensus::run_once;

/// A campaign `slug` with `settings` and one tile, answered by volunteers who mark it at these
/// pixel positions (`None`: "nothing here"). Returns the campaign id.
async fn answered(
    ctx: &TestContext,
    slug: &str,
    settings: Value,
    answers: &[Option<(f64, f64)>],
) -> String {
    let n = answers.len() as u32;
    let mut settings = settings;
    settings["redundancy"] = json!({"min": n, "max": n});
    let campaign = ctx.campaign(slug, settings);
    ctx.tasks(&campaign, 1, n as i32);
    let svc = actix_web::test::init_service(app(ctx.data())).await;
    for (i, answer) in answers.iter().enumerate() {
        let token = ctx.account(&format!("{slug}-v{i}"), Role::Volunteer);
        let (_, next) = call(
            &svc,
            Method::POST,
            &format!("/api/v1/campaigns/{slug}/next"),
            Some(&token),
            None,
        )
        .await;
        let task = next["task"]["id"].as_i64().unwrap();
        let body = match answer {
            Some((x, y)) => {
                json!({"idempotency_key": "k", "marks": [{"x": x, "y": y, "class": "destroyed"}]})
            }
            None => json!({"idempotency_key": "k", "nothing_here": true}),
        };
        let (status, receipt) = call(
            &svc,
            Method::POST,
            &format!("/api/v1/tasks/{task}/answers"),
            Some(&token),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
    }
    campaign
}

fn sites_of(ctx: &TestContext, campaign: &str) -> Vec<(f64, f64)> {
    sites::table
        .filter(sites::campaign_id.eq(campaign))
        .select((sites::support, sites::confidence))
        .load(&mut *ctx.db().conn().unwrap())
        .unwrap()
}

/// Three of four volunteers mark one building, one sees nothing: support about 0.75.
const THREE_OF_FOUR: [Option<(f64, f64)>; 4] = [
    Some((100.0, 120.0)),
    Some((101.0, 119.0)),
    Some((102.0, 121.0)),
    None,
];

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn min_volunteers_and_min_support_decide_what_is_reported(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let eps = json!({"eps_m": 5.0});
    let mut campaigns = Vec::new();
    for (slug, extra) in [
        ("reported", json!({})),
        ("too-few-volunteers", json!({"min_volunteers": 4})),
        ("too-little-support", json!({"min_support": 0.95})),
        ("enough-support", json!({"min_support": 0.7})),
    ] {
        let mut consensus = eps.clone();
        consensus
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let id = answered(&ctx, slug, json!({"consensus": consensus}), &THREE_OF_FOUR).await;
        campaigns.push((slug, id));
    }
    std::thread::sleep(std::time::Duration::from_millis(2));
    assert_eq!(run_once(ctx.db()).unwrap().len(), 4, "every campaign ran");
    let found = |slug: &str| {
        let id = &campaigns.iter().find(|(s, _)| *s == slug).unwrap().1;
        sites_of(&ctx, id)
    };
    let reported = found("reported");
    assert_eq!(reported.len(), 1, "{reported:?}");
    // Support weighs each volunteer by their estimated reliability: about 3 of 4.
    assert!(
        (0.7..0.9).contains(&reported[0].0),
        "support {}",
        reported[0].0
    );
    assert!(found("too-few-volunteers").is_empty(), "3 volunteers < 4");
    assert!(
        found("too-little-support").is_empty(),
        "support about 0.75 < 0.95"
    );
    assert_eq!(
        found("enough-support").len(),
        1,
        "support about 0.75 >= 0.7"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn eps_m_is_the_clustering_radius(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    // Two pairs of marks 40 px (about 14 m on these 0.35 m tiles) apart.
    let pairs = [
        Some((100.0, 120.0)),
        Some((101.0, 120.0)),
        Some((140.0, 120.0)),
        Some((141.0, 120.0)),
    ];
    let wide = answered(
        &ctx,
        "wide",
        json!({"consensus": {"eps_m": 25.0, "min_volunteers": 3}}),
        &pairs,
    )
    .await;
    let narrow = answered(
        &ctx,
        "narrow",
        json!({"consensus": {"eps_m": 3.0, "min_volunteers": 3}}),
        &pairs,
    )
    .await;
    std::thread::sleep(std::time::Duration::from_millis(2));
    run_once(ctx.db()).unwrap();
    assert_eq!(sites_of(&ctx, &wide).len(), 1, "one building of four marks");
    assert!(
        sites_of(&ctx, &narrow).is_empty(),
        "two clusters of two, each short of three volunteers"
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn lease_minutes_is_how_long_a_lease_lasts(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let campaign = ctx.campaign("short", json!({"lease_minutes": 2}));
    ctx.tasks(&campaign, 1, 3);
    let token = ctx.account("v", Role::Volunteer);
    let svc = actix_web::test::init_service(app(ctx.data())).await;
    let before = tessera_server::db::now_ms();
    let (status, next) = call(
        &svc,
        Method::POST,
        "/api/v1/campaigns/short/next",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{next}");
    let expires = next["task"]["lease_expires_at"].as_i64().unwrap();
    let after = tessera_server::db::now_ms();
    assert!(
        (before + 120_000..=after + 120_000).contains(&expires),
        "lease ends {} ms from now",
        expires - before
    );
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn a_campaign_whose_settings_cannot_be_read_is_reported_not_run_on_defaults(
    #[case] backend: Backend,
) {
    let ctx = TestContext::new(backend);
    let broken = answered(&ctx, "broken", json!({}), &THREE_OF_FOUR).await;
    let fine = answered(
        &ctx,
        "fine",
        json!({"consensus": {"eps_m": 5.0}}),
        &THREE_OF_FOUR,
    )
    .await;
    {
        use tessera_server::db::schema::campaigns;
        diesel::update(campaigns::table.find(&broken))
            .set(campaigns::settings.eq(r#"{"redundnacy": {"min": 2}}"#))
            .execute(&mut *ctx.db().conn().unwrap())
            .unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(2));
    let runs = run_once(ctx.db()).unwrap();
    assert_eq!(runs.len(), 1, "the other campaign still ran");
    assert_eq!(sites_of(&ctx, &fine).len(), 1);
    assert!(sites_of(&ctx, &broken).is_empty(), "never run on defaults");
    let errors = || -> Vec<Option<String>> {
        consensus_runs::table
            .filter(consensus_runs::campaign_id.eq(&broken))
            .select(consensus_runs::error)
            .load(&mut *ctx.db().conn().unwrap())
            .unwrap()
    };
    let recorded = errors();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    let error = recorded[0].as_deref().unwrap();
    assert!(
        error.contains("settings") && error.contains("redundnacy"),
        "{error}"
    );
    run_once(ctx.db()).unwrap();
    assert_eq!(errors().len(), 1, "one record while it stays broken");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[actix_web::test]
async fn an_answer_of_an_unknown_kind_fails_the_run_instead_of_counting_as_cant_tell(
    #[case] backend: Backend,
) {
    let ctx = TestContext::new(backend);
    let campaign = answered(
        &ctx,
        "c",
        json!({"consensus": {"eps_m": 5.0}}),
        &THREE_OF_FOUR,
    )
    .await;
    {
        // As a newer version would store a dating answer.
        use tessera_server::db::schema::answers;
        diesel::update(answers::table.filter(answers::campaign_id.eq(&campaign)))
            .filter(answers::kind.eq("nothing_here"))
            .set(answers::kind.eq("dating"))
            .execute(&mut *ctx.db().conn().unwrap())
            .unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(2));
    let runs = run_once(ctx.db()).unwrap();
    assert!(runs.is_empty(), "{runs:?}");
    assert!(sites_of(&ctx, &campaign).is_empty());
    let error: Option<String> = consensus_runs::table
        .filter(consensus_runs::campaign_id.eq(&campaign))
        .select(consensus_runs::error)
        .first(&mut *ctx.db().conn().unwrap())
        .unwrap();
    let error = error.expect("the run records why it failed");
    assert!(error.contains("unknown answer kind \"dating\""), "{error}");
}

/// The tiler's settings, through `tessera ingest`: the grid (`tile_size`, `overlap`) and the
/// JPEG quality of the tiles a campaign's tasks show.
#[test]
fn tile_settings_shape_the_tasks_ingest_registers() {
    let ctx = TestContext::new(Backend::Sqlite);
    let frame = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/raqqa-sentinel2/raqqa_s2l2a_2017-10-30.tif");
    let mut sizes = Vec::new();
    for (slug, settings) in [
        ("default", json!({})),
        (
            "small-fine",
            json!({"tile_size": 128, "overlap": 0, "jpeg_quality": 95}),
        ),
        (
            "small-coarse",
            json!({"tile_size": 128, "overlap": 0, "jpeg_quality": 20}),
        ),
    ] {
        let id = ctx.campaign(slug, settings);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(["ingest", "--campaign", slug, "--captured-at", "2017-10-30"])
            .arg("--data-dir")
            .arg(ctx.data_dir.path())
            .args(["--database-url", &ctx.database.url_string])
            .arg(&frame)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let rows: Vec<(i64, Option<String>)> = tasks::table
            .filter(tasks::campaign_id.eq(&id))
            .select((tasks::px_w, tasks::tile_key))
            .load(&mut *ctx.db().conn().unwrap())
            .unwrap();
        let bytes: u64 = rows
            .iter()
            .map(|(_, key)| {
                std::fs::metadata(ctx.data_dir.path().join(key.as_deref().unwrap()))
                    .unwrap()
                    .len()
            })
            .sum();
        sizes.push((rows.len(), rows[0].0, bytes));
    }
    let [default, fine, coarse] = sizes[..] else {
        unreachable!()
    };
    assert_eq!(default.1, 256);
    assert_eq!((fine.1, coarse.1), (128, 128), "tile_size");
    assert!(fine.0 > default.0, "a finer grid, more tasks: {sizes:?}");
    assert_eq!(fine.0, coarse.0, "the same grid");
    assert!(coarse.2 < fine.2, "jpeg_quality: {sizes:?}");
}
