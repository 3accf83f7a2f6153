//! Storage on both backends: migrations, every table of the data model round-tripping through
//! the diesel schema, the constraints the scheduler relies on, and concurrent writers.

#![allow(
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::unnecessary_wraps,
    clippy::type_complexity,
    reason = "tests fail loudly"
)]

mod common;

use common::TestContext;
use diesel::prelude::*;
use rstest::rstest;
use tessera_server::auth::Role;
use tessera_server::db::campaign::{Campaign, CampaignInsertForm};
use tessera_server::db::ids::CampaignId;
use tessera_server::db::kinds::CampaignStatus;
use tessera_server::db::migrate;
use tessera_server::db::schema::*;
use tessera_server::db::user::User;
use tessera_server::db::{Backend, DbConn, DbError, now_ms};

fn campaign(conn: &mut DbConn, slug: &str) -> Campaign {
    described_campaign(conn, slug, "")
}

fn described_campaign(conn: &mut DbConn, slug: &str, description: &str) -> Campaign {
    let id = CampaignId::new_random();
    Campaign::create(
        conn,
        &CampaignInsertForm {
            id: &id,
            slug,
            name: slug,
            description,
            status: CampaignStatus::Active,
            settings: "{}",
            created_by: None,
            created_at: now_ms(),
            updated_at: now_ms(),
        },
    )
    .unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn migrations_are_applied_once(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let mut conn = ctx.db().conn().unwrap();
    let state = migrate::state(&mut conn).unwrap();
    assert_eq!(state.pending, 0);
    assert!(state.applied >= 1);
    assert_eq!(
        migrate::run_pending(&mut conn).unwrap(),
        0,
        "a second run must find nothing to do"
    );
    // Opening the same database again (a second instance) is harmless too.
    if let tessera_server::db::DatabaseUrl::Sqlite(path) = &ctx.database.url {
        // WAL mode is on (the -wal file exists once the database is open)
        let wal = format!("{}-wal", path.display());
        assert!(
            std::path::Path::new(&wal).exists(),
            "{wal} missing: not in WAL mode"
        );
    }
    let again = ctx.database.open();
    assert_eq!(
        migrate::state(&mut again.conn().unwrap()).unwrap().applied,
        state.applied
    );
}

/// Writes one row to every table and reads it back through the diesel schema, so a column
/// whose type or name differs between `schema.rs` and either backend's SQL fails here.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn every_table_round_trips(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let token = ctx.account("mapper", Role::Volunteer);
    let user_id = ctx.state.keys.verify(&token).unwrap().sub;
    let conn = &mut *ctx.db().conn().unwrap();
    let c = campaign(conn, "roundtrip");
    let now = now_ms();

    diesel::insert_into(frames::table)
        .values((
            frames::id.eq("f1"),
            frames::campaign_id.eq(&c.id),
            frames::source_path.eq("a.tif"),
            frames::sha256.eq("ab".repeat(32)),
            frames::file_size.eq(5_000_000_000_i64),
            frames::captured_at.eq(Some("2017-10-30")),
            frames::sensor.eq(Some("S2")),
            frames::width.eq(1225_i64),
            frames::height.eq(500_i64),
            frames::bands.eq(3),
            frames::crs.eq("EPSG:4326"),
            frames::geotransform.eq("[38.9,1e-4,0,35.9,0,-1e-4]"),
            frames::footprint.eq("[[38.9,35.9]]"),
            frames::min_lon.eq(38.93641),
            frames::min_lat.eq(35.92829),
            frames::max_lon.eq(39.05947),
            frames::max_lat.eq(35.9745),
            frames::created_at.eq(now),
            frames::overview_min_zoom.eq(Some(11)),
            frames::overview_max_zoom.eq(Some(14)),
        ))
        .execute(conn)
        .unwrap();
    let (size, west, zooms): (i64, f64, (Option<i32>, Option<i32>)) = frames::table
        .select((
            frames::file_size,
            frames::min_lon,
            (frames::overview_min_zoom, frames::overview_max_zoom),
        ))
        .first(conn)
        .unwrap();
    assert_eq!(
        (size, west, zooms),
        (5_000_000_000, 38.93641, (Some(11), Some(14)))
    );

    diesel::insert_into(sites::table)
        .values((
            sites::id.eq("s1"),
            sites::campaign_id.eq(&c.id),
            sites::lon.eq(39.01),
            sites::lat.eq(35.95),
            sites::class.eq("destroyed"),
            sites::confidence.eq(0.9),
            sites::support.eq(0.8),
            sites::seen_by.eq(5),
            sites::status.eq("candidate"),
            sites::created_at.eq(now),
            sites::updated_at.eq(now),
        ))
        .execute(conn)
        .unwrap();
    diesel::insert_into(site_reviews::table)
        .values((
            site_reviews::id.eq("r1"),
            site_reviews::site_id.eq("s1"),
            site_reviews::user_id.eq(&user_id),
            site_reviews::action.eq("confirm"),
            site_reviews::created_at.eq(now),
        ))
        .execute(conn)
        .unwrap();

    let task_id: i64 = diesel::insert_into(tasks::table)
        .values((
            tasks::campaign_id.eq(&c.id),
            tasks::kind.eq("search"),
            tasks::frame_id.eq(Some("f1")),
            tasks::footprint.eq("[]"),
            tasks::min_lon.eq(39.0),
            tasks::min_lat.eq(35.9),
            tasks::max_lon.eq(39.01),
            tasks::max_lat.eq(35.91),
            tasks::status.eq("open"),
            tasks::is_gold.eq(true),
            tasks::created_at.eq(now),
        ))
        .returning(tasks::id)
        .get_result(conn)
        .unwrap();
    let (gold, count, status): (bool, i32, String) = tasks::table
        .find(task_id)
        .select((tasks::is_gold, tasks::answer_count, tasks::status))
        .first(conn)
        .unwrap();
    assert_eq!((gold, count, status.as_str()), (true, 0, "open"));

    diesel::insert_into(leases::table)
        .values((
            leases::task_id.eq(task_id),
            leases::user_id.eq(&user_id),
            leases::issued_at.eq(now),
            leases::expires_at.eq(now + 600_000),
        ))
        .execute(conn)
        .unwrap();
    diesel::insert_into(answers::table)
        .values((
            answers::id.eq("a1"),
            answers::task_id.eq(task_id),
            answers::user_id.eq(&user_id),
            answers::campaign_id.eq(&c.id),
            answers::kind.eq("marks"),
            answers::duration_ms.eq(12_000_i64),
            answers::idempotency_key.eq("k1"),
            answers::submitted_at.eq(now),
        ))
        .execute(conn)
        .unwrap();
    diesel::insert_into(marks::table)
        .values((
            marks::answer_id.eq("a1"),
            marks::task_id.eq(task_id),
            marks::campaign_id.eq(&c.id),
            marks::x.eq(12.5),
            marks::y.eq(200.25),
            marks::class.eq("crater"),
            marks::lon.eq(Some(39.005)),
            marks::lat.eq(Some(35.905)),
        ))
        .execute(conn)
        .unwrap();
    let mark: (f64, f64, Option<f64>) = marks::table
        .select((marks::x, marks::y, marks::lon))
        .first(conn)
        .unwrap();
    assert_eq!(mark, (12.5, 200.25, Some(39.005)));
    diesel::insert_into(consensus_runs::table)
        .values((
            consensus_runs::id.eq("run1"),
            consensus_runs::campaign_id.eq(&c.id),
            consensus_runs::parameters.eq("{}"),
            consensus_runs::code_version.eq("0.1.0"),
            consensus_runs::started_at.eq(now),
            consensus_runs::finished_at.eq(Some(now + 5)),
        ))
        .execute(conn)
        .unwrap();
    let counts: String = consensus_runs::table
        .select(consensus_runs::counts)
        .first(conn)
        .unwrap();
    assert_eq!(counts, "{}");

    // The scheduler's promise 1 rests on these constraints.
    let second_answer = diesel::insert_into(answers::table)
        .values((
            answers::id.eq("a2"),
            answers::task_id.eq(task_id),
            answers::user_id.eq(&user_id),
            answers::campaign_id.eq(&c.id),
            answers::kind.eq("nothing_here"),
            answers::idempotency_key.eq("k2"),
            answers::submitted_at.eq(now),
        ))
        .execute(conn);
    assert!(matches!(
        second_answer,
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _
        ))
    ));
    let second_lease = diesel::insert_into(leases::table)
        .values((
            leases::task_id.eq(task_id),
            leases::user_id.eq(&user_id),
            leases::issued_at.eq(now),
            leases::expires_at.eq(now),
        ))
        .execute(conn);
    assert!(second_lease.is_err());
    // Foreign keys hold on SQLite too (enabled per connection).
    let orphan = diesel::insert_into(marks::table)
        .values((
            marks::answer_id.eq("nope"),
            marks::task_id.eq(task_id),
            marks::campaign_id.eq(&c.id),
            marks::x.eq(0.0),
            marks::y.eq(0.0),
            marks::class.eq("crater"),
        ))
        .execute(conn);
    assert!(orphan.is_err());
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn handles_are_unique_ignoring_case(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    ctx.account("Heron", Role::Volunteer);
    let conn = &mut *ctx.db().conn().unwrap();
    let found = User::find_by_handle(conn, "HERON").unwrap().unwrap();
    assert_eq!(found.handle, "Heron");
    assert_eq!(found.role(), Role::Volunteer);
    assert!(User::find_by_handle(conn, "egret").unwrap().is_none());
    let clash = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ctx.account("heron", Role::Admin)
    }));
    assert!(clash.is_err(), "a second 'heron' must be refused");
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn campaigns_list_by_status_newest_first(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let conn = &mut *ctx.db().conn().unwrap();
    let a = campaign(conn, "first");
    std::thread::sleep(std::time::Duration::from_millis(5));
    let b = campaign(conn, "second");
    let all = Campaign::list(conn, None).unwrap();
    assert_eq!(
        all.iter().map(|c| c.slug.as_str()).collect::<Vec<_>>(),
        ["second", "first"]
    );
    assert_eq!(
        Campaign::find_by_id_or_slug(conn, a.id.as_str())
            .unwrap()
            .slug,
        "first"
    );
    assert_eq!(
        Campaign::find_by_id_or_slug(conn, "second").unwrap().id,
        b.id
    );
    assert!(
        Campaign::list(conn, Some(&[CampaignStatus::Draft]))
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        Campaign::find_by_id_or_slug(conn, "third"),
        Err(diesel::result::Error::NotFound)
    ));
}

/// Many threads writing at once: SQLite's single writer must queue them, not fail them.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn concurrent_writers_all_succeed(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let c = campaign(&mut ctx.db().conn().unwrap(), "busy");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let db = ctx.db().clone();
            let campaign_id = c.id.clone();
            std::thread::spawn(move || {
                for i in 0..40 {
                    db.write(|conn| -> Result<(), DbError> {
                        // read-then-write inside one transaction, the scheduler's pattern
                        let n: i64 = tasks::table.count().get_result(conn)?;
                        diesel::insert_into(tasks::table)
                            .values((
                                tasks::campaign_id.eq(&campaign_id),
                                tasks::kind.eq("search"),
                                tasks::footprint.eq(format!("{t}-{i}-{n}")),
                                tasks::min_lon.eq(0.0),
                                tasks::min_lat.eq(0.0),
                                tasks::max_lon.eq(0.0),
                                tasks::max_lat.eq(0.0),
                                tasks::status.eq("open"),
                                tasks::created_at.eq(now_ms()),
                            ))
                            .execute(conn)?;
                        Ok(())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let n: i64 = tasks::table
        .count()
        .get_result(&mut *ctx.db().conn().unwrap())
        .unwrap();
    assert_eq!(n, 8 * 40);
}

/// Batched writes (group commit on SQLite): many at once, each all-or-nothing on its own. A
/// failing job undoes only its own writes, sees those of the jobs before it, and reports its
/// own error; every caller hears back only once the data is stored.
#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn batched_writes_are_each_all_or_nothing(#[case] backend: Backend) {
    let ctx = TestContext::new(backend);
    let results: Vec<Result<String, DbError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..48)
            .map(|i| {
                let db = ctx.db().clone();
                s.spawn(move || {
                    db.write_batched(move |conn| -> Result<String, DbError> {
                        let slug = format!("batch-{i}");
                        campaign(conn, &slug);
                        if i % 4 == 0 {
                            // written, then undone: the job fails after its insert
                            return Err(DbError::Query(diesel::result::Error::RollbackTransaction));
                        }
                        Ok(slug)
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let conn = &mut *ctx.db().conn().unwrap();
    let stored: Vec<String> = campaigns::table
        .select(campaigns::slug)
        .order(campaigns::slug)
        .load(conn)
        .unwrap();
    let mut expected: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().ok().cloned())
        .collect();
    expected.sort();
    assert_eq!(results.iter().filter(|r| r.is_err()).count(), 12);
    assert_eq!(
        stored, expected,
        "exactly the jobs that succeeded are stored"
    );
    // Constraints hold across batches: a later job cannot store a slug an earlier one did.
    let db = ctx.db().clone();
    let dup = db.write_batched(|conn| -> Result<(), DbError> {
        Campaign::create(
            conn,
            &CampaignInsertForm {
                id: &"dup".into(),
                slug: "batch-1",
                name: "",
                description: "",
                status: CampaignStatus::Active,
                settings: "{}",
                created_by: None,
                created_at: now_ms(),
                updated_at: now_ms(),
            },
        )?;
        Ok(())
    });
    assert!(dup.is_err(), "the unique slug holds across batched jobs");
}

/// A job that panics takes down neither the server's writer nor later writes: its batch is
/// rolled back, its caller gets an error, and the next write goes through.
#[test]
fn a_panicking_batched_write_fails_alone_and_the_writer_goes_on() {
    let ctx = TestContext::new(Backend::Sqlite);
    let db = ctx.db().clone();
    let failed = db.write_batched(|conn| -> Result<(), DbError> {
        campaign(conn, "never-stored");
        panic!("a bug in a write job");
    });
    assert!(failed.is_err());
    let after =
        db.write_batched(|conn| -> Result<String, DbError> { Ok(campaign(conn, "after").slug) });
    assert_eq!(after.unwrap(), "after");
    let conn = &mut *ctx.db().conn().unwrap();
    let slugs: Vec<String> = campaigns::table.select(campaigns::slug).load(conn).unwrap();
    assert_eq!(slugs, ["after"]);
}

/// Under a steady stream of batched writes the WAL starts over instead of growing: a passive
/// checkpoint beside a busy writer never copies all of it, and only a fully copied WAL is
/// rewound. Without that, the file grew by gigabytes within a minute of load.
#[test]
fn the_wal_starts_over_under_a_steady_stream_of_writes() {
    let ctx = TestContext::new(Backend::Sqlite);
    let tessera_server::db::DatabaseUrl::Sqlite(path) = &ctx.database.url else {
        unreachable!("a SQLite test database");
    };
    let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
    let before = checkpoint_sequence(&wal);
    let restarted = || checkpoint_sequence(&wal) - before;
    // 16 writers keep the writer thread busy until the WAL has started over twice (the writer
    // lets it once a second), or for ten seconds.
    let description = "x".repeat(2_000);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let stored_jobs: usize = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|t| {
                let db = ctx.db().clone();
                let description = description.clone();
                let restarted = &restarted;
                s.spawn(move || {
                    let mut done = 0;
                    while std::time::Instant::now() < until && restarted() < 2 {
                        let description = description.clone();
                        db.write_batched(move |conn| -> Result<(), DbError> {
                            described_campaign(conn, &format!("wal-{t}-{done}"), &description);
                            Ok(())
                        })
                        .unwrap();
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    // Each time the WAL starts over, its header's checkpoint sequence number goes up by one.
    let restarts = restarted();
    assert!(
        restarts >= 2,
        "the WAL started over {restarts} times in 10 s of writes, once a second expected"
    );
    let conn = &mut *ctx.db().conn().unwrap();
    let stored: i64 = campaigns::table.count().get_result(conn).unwrap();
    assert_eq!(stored, i64::try_from(stored_jobs).unwrap());
}

/// The checkpoint sequence number in a WAL file's header (big-endian, at byte 12).
fn checkpoint_sequence(wal: &std::path::Path) -> u32 {
    use std::io::Read as _;
    let mut header = [0u8; 16];
    std::fs::File::open(wal)
        .unwrap()
        .read_exact(&mut header)
        .unwrap();
    u32::from_be_bytes([header[12], header[13], header[14], header[15]])
}
