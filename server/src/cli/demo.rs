//! `tessera demo`: a working platform in one command — a campaign of real Raqqa imagery as a
//! before/after pair, demo staff accounts, and the server.

use std::path::{Path, PathBuf};

use clap::Args;

use super::StorageArgs;
use super::ingest::{IngestArgs, run as ingest};
use super::overview::{OverviewArgs, run as overview};
use super::serve::{ServeArgs, run as serve};
use super::tiling::FrameFlags;
use crate::auth::{Role, hash_password};
use crate::campaign_settings::CampaignSettings;
use crate::db::Db;
use crate::db::campaign::Campaign;
use crate::db::user::User;

pub const SLUG: &str = "raqqa-2017-demo";

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Folder holding the demo frames.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo"))]
    pub frames_dir: PathBuf,
}

const BEFORE: &str = "raqqa_s2l2a_2017-05-08.tif";
const AFTER: &str = "raqqa_s2l2a_2017-10-30.tif";

/// Demo staff accounts and their passwords: for a local demonstration only.
const ACCOUNTS: [(&str, Role, &str); 2] = [
    (
        "demo-coordinator",
        Role::Coordinator,
        "demo-coordinator-password",
    ),
    ("demo-analyst", Role::Analyst, "demo-analyst-password"),
];

fn ensure_accounts(db: &Db) -> anyhow::Result<()> {
    for (handle, role, password) in ACCOUNTS {
        if User::find_by_handle(&mut *db.conn()?, handle)?.is_some() {
            continue;
        }
        let hash = hash_password(password).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
        User::add(db, handle, role, &hash)?;
    }
    Ok(())
}

/// Creates the demo campaign unless it exists; returns whether it was created.
fn ensure_campaign(db: &Db) -> anyhow::Result<bool> {
    if diesel::OptionalExtension::optional(Campaign::find_by_id_or_slug(&mut *db.conn()?, SLUG))?
        .is_some()
    {
        return Ok(false);
    }
    Campaign::add_active(
        db,
        SLUG,
        "Raqqa 2017 (demo)",
        "Compare May and October 2017 over Raqqa and mark what was destroyed.",
        &CampaignSettings::default(),
    )?;
    Ok(true)
}

fn ingest_frame(
    storage: &StorageArgs,
    path: &Path,
    date: &str,
    reference_only: bool,
) -> anyhow::Result<()> {
    ingest(&IngestArgs {
        campaign: SLUG.to_owned(),
        frames: vec![path.to_owned()],
        captured_at: Some(date.to_owned()),
        sensor: Some("Sentinel-2 L2A".to_owned()),
        reference_only,
        frame: FrameFlags {
            threads: None,
            bands: None,
            crs: None,
            pixel_space: false,
        },
        storage: storage.clone(),
    })
}

#[expect(
    clippy::print_stdout,
    reason = "what a person needs to start is the command's output"
)]
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let storage = &args.serve.storage;
    let config = storage.config()?;
    let db = Db::open(&config.database_url, 2)?;
    ensure_accounts(&db)?;
    if ensure_campaign(&db)? {
        for (file, date, reference) in [(BEFORE, "2017-05-08", true), (AFTER, "2017-10-30", false)]
        {
            let path = args.frames_dir.join(file);
            anyhow::ensure!(
                path.is_file(),
                "demo frame {} not found; pass --frames-dir",
                path.display()
            );
            ingest_frame(storage, &path, date, reference)?;
        }
    }
    drop(db);
    // A demo folder made before frames had map overviews gets them now (a no-op otherwise).
    overview(&OverviewArgs {
        campaign: SLUG.to_owned(),
        force: false,
        frame: FrameFlags {
            threads: None,
            bands: None,
            crs: None,
            pixel_space: false,
        },
        storage: storage.clone(),
    })?;
    println!();
    println!("  Tessera demo: campaign \"{SLUG}\" (Raqqa, May vs October 2017)");
    println!(
        "  Open http://{} and sign up with any pseudonym to tag tiles.",
        args.serve.bind
    );
    for (handle, role, password) in ACCOUNTS {
        println!("  {role:<12} account: {handle} / {password}");
    }
    println!("  API: http://{}/api/v1/docs/", args.serve.bind);
    println!();
    serve(&args.serve)
}
