//! The `tessera` binary: parse the command line, set up logging, run.

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's malloc: glibc keeps an arena per thread and holds on to what the
/// blocking pool's password hashing (19 MiB each) once used, which doubled the server's memory
/// under load; mimalloc returns it, and allocates faster across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    init_tracing();
    let cli = tessera_server::cli::Cli::parse();
    match tessera_server::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Logs to stderr at INFO (override with `RUST_LOG`), as JSON when `RUST_LOG_FORMAT=json`.
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("RUST_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
