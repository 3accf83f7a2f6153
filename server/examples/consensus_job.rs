//! One pass of the consensus job over a database, timed, with a probe that measures how long
//! the job keeps answer intake waiting for the writer. `bench/consensus-job.sh` seeds a
//! Raqqa-sized campaign and runs it for a full run and for an incremental one.
//!
//! usage: `cargo run --release -p tessera-server --example consensus_job -- DATABASE_URL [--init]`
//!
//! `--init` only opens the database (running its migrations) and exits. Otherwise it runs
//! passes until nothing is new and prints, per run, its kind, counts and wall seconds, and the
//! probe's write waits during it: a one-row write transaction every 2 ms through the same writer
//! the answer intake uses, its longest and 99th-percentile wait.
#![expect(clippy::print_stdout, reason = "a bench reports on stdout")]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use diesel::connection::SimpleConnection as _;
use tessera_server::db::{DatabaseUrl, Db, DbConn, DbError};
use tessera_server::jobs::consensus::run_once;

fn probe_write(conn: &mut DbConn) -> Result<(), DbError> {
    // A write the database has to serialise like an answer's, touching no row.
    conn.batch_execute("UPDATE campaigns SET updated_at = updated_at WHERE id = ''")?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .context("usage: consensus_job DATABASE_URL [--init]")?;
    let init = args.next().as_deref() == Some("--init");
    let db = Arc::new(Db::open(&DatabaseUrl::parse(&url)?, 4)?);
    if init {
        return Ok(());
    }
    loop {
        let stop = Arc::new(AtomicBool::new(false));
        let probe = {
            let (db, stop) = (Arc::clone(&db), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut waits = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    db.write(probe_write).expect("probe write");
                    waits.push(t.elapsed());
                    std::thread::sleep(Duration::from_millis(2));
                }
                waits
            })
        };
        let t0 = Instant::now();
        let runs = run_once(&db)?;
        let secs = t0.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        let mut waits = probe.join().expect("probe thread");
        if runs.is_empty() {
            println!("nothing new ({secs:.3} s)");
            return Ok(());
        }
        waits.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p99 = waits
            .get((waits.len() * 99 / 100).min(waits.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default();
        let max = waits.last().copied().unwrap_or_default();
        for counts in &runs {
            println!(
                "run kind={:?} tasks={} answers={} sites={} volunteers={} wall_s={secs:.3} \
                 probe_writes={} writer_wait_max_ms={:.1} writer_wait_p99_ms={:.1}",
                counts.kind,
                counts.tasks,
                counts.answers,
                counts.sites,
                counts.volunteers,
                waits.len(),
                ms(max),
                ms(p99),
            );
        }
    }
}
