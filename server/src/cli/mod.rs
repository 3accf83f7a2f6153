//! The `tessera` command line (README.md, "Running a campaign"). Each subcommand lives in its
//! own file.

mod consensus;
mod demo;
mod export;
mod ingest;
mod loadtest;
mod serve;
mod tile;
mod tiling;
mod user;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::db::DatabaseUrl;

/// Tessera: crowdsourced damage mapping from satellite imagery.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (API, volunteer app, tiles).
    Serve(serve::ServeArgs),
    /// Run the platform with a demo campaign of real Raqqa imagery and demo staff accounts.
    Demo(demo::DemoArgs),
    /// Cut frames into tiles and a manifest, without any database.
    Tile(tile::TileArgs),
    /// Tile frames into a campaign and register the frames and their search tasks.
    Ingest(ingest::IngestArgs),
    /// Aggregate answers into strike sites, file in, file out, no database.
    Consensus(consensus::ConsensusArgs),
    /// Export a campaign's strike sites as GeoJSON, CSV, KML or GeoPackage.
    Export(export::ExportArgs),
    /// Measure the volunteer loop under load: seeds tasks, starts a server, runs N volunteers.
    Loadtest(loadtest::LoadtestArgs),
    /// Manage accounts (staff accounts are created here, not over the web).
    #[command(subcommand)]
    User(user::UserCommand),
}

/// Where the data lives; accepted by every subcommand that touches the database.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Folder for the embedded database, the token secret and tiles.
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "tessera-data")]
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://USER@HOST/DB` [default: sqlite://<data-dir>/tessera.db]
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl StorageArgs {
    /// A configuration with these storage settings and every other default.
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut config = Config::with_data_dir(self.data_dir.clone());
        if let Some(url) = &self.database_url {
            config.database_url = DatabaseUrl::parse(url)?;
        }
        Ok(config)
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(&args),
        Command::User(cmd) => user::run(cmd),
        Command::Loadtest(args) => loadtest::run(&args),
        Command::Tile(args) => tile::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Ingest(args) => ingest::run(&args),
        Command::Consensus(args) => consensus::run(&args),
        Command::Export(args) => export::run(&args),
    }
}
