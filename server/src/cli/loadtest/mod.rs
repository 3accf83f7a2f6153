//! `tessera loadtest`: the volunteer loop over real HTTP on loopback, measured.
//!
//! It seeds a campaign of synthetic tasks straight into the database, starts a `tessera serve`
//! child process on it, registers N volunteers through the API, measures the trivial ceiling
//! (a `GET /api/v1/health` flood), then runs every volunteer's loop — lease, think, answer with
//! realistic marks — for a bounded time, and prints answers/s, latency percentiles per endpoint,
//! errors and the server's peak RSS. With `--kill-after`, it kills the server with SIGKILL
//! mid-run, restarts it and checks that every acknowledged answer is stored.

mod client;
mod report;
mod seed;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use crate::db::DatabaseUrl;

#[derive(Debug, Args)]
pub struct LoadtestArgs {
    /// Simulated volunteers, each running the lease → think → answer loop.
    #[arg(long, default_value_t = 200)]
    pub volunteers: usize,
    /// Seconds of the measured run.
    #[arg(long, default_value_t = 20)]
    pub duration: u64,
    /// Milliseconds a volunteer "looks" at a tile before answering, on average (each look
    /// is drawn uniformly from half to one and a half times this). Each volunteer also starts
    /// at a random moment within the first think time, so they do not arrive at once.
    #[arg(long, default_value_t = 0)]
    pub think_ms: u64,
    /// Tasks seeded in the campaign.
    #[arg(long, default_value_t = 100_000)]
    pub tasks: usize,
    /// Seconds of the `GET /health` flood that measures the ceiling (0 to skip).
    #[arg(long, default_value_t = 5)]
    pub health_secs: u64,
    /// Server worker threads.
    #[arg(long)]
    pub workers: Option<usize>,
    /// Database to load (default: a fresh SQLite file in a temporary folder).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// SIGKILL the server this many seconds into the run, restart it, and check that no
    /// acknowledged answer was lost.
    #[arg(long)]
    pub kill_after: Option<u64>,
}

/// A `tessera serve` child process.
struct ServerProcess {
    child: Child,
    base: String,
}

impl ServerProcess {
    fn start(
        url: &str,
        data_dir: &std::path::Path,
        workers: Option<usize>,
        secret: &str,
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            url,
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .env("TESSERA_JWT_SECRET", secret)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        if let Some(w) = workers {
            cmd.args(["--workers", &w.to_string()]);
        }
        let child = cmd.spawn().context("starting tessera serve")?;
        Ok(Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        })
    }

    /// Peak resident set size in MB, from /proc.
    fn peak_rss_mb(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

#[expect(clippy::print_stdout, reason = "the report is the command's output")]
pub fn run(args: &LoadtestArgs) -> anyhow::Result<()> {
    let temp = tempfile::Builder::new().prefix("tessera-load-").tempdir()?;
    let data_dir: PathBuf = temp.path().to_owned();
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("tessera.db").display()));
    let parsed = DatabaseUrl::parse(&url)?;
    println!("seeding {} tasks into {:?} …", args.tasks, parsed);
    let seeded = seed::seed(&parsed, args.tasks)?;
    println!(
        "seeded in {:.1} s (campaign {})",
        seeded.seconds, seeded.slug
    );

    let secret = uuid::Uuid::new_v4().simple().to_string().repeat(2);
    let mut server = ServerProcess::start(&url, &data_dir, args.workers, &secret)?;
    let system = actix_web::rt::System::new();
    let result = system.block_on(client::drive(
        args,
        &mut server,
        &seeded.slug,
        &url,
        &data_dir,
        &secret,
    ));
    let outcome = result?;
    let peak = server.peak_rss_mb();
    server.kill();
    println!("{}", report::render(args, &outcome, peak, parsed.backend()));
    if let Some(check) = &outcome.durability {
        anyhow::ensure!(
            check.lost == 0,
            "{} acknowledged answers were lost",
            check.lost
        );
    }
    Ok(())
}

/// Waits until the server answers `/api/v1/health`.
async fn wait_ready(client: &awc::Client, base: &str) -> anyhow::Result<()> {
    for _ in 0..300 {
        if let Ok(resp) = client.get(format!("{base}/api/v1/health")).send().await
            && resp.status().is_success()
        {
            return Ok(());
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the server did not become ready")
}
