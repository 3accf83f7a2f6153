//! Seeding a load-test campaign with synthetic tasks, straight into the database.

use std::time::Instant;

use crate::campaign_settings::{CampaignSettings, Redundancy};
use crate::db::campaign::Campaign;
use crate::db::kinds::{TaskKind, TaskStatus};
use crate::db::task::{Task, TaskInsertForm};
use crate::db::{DatabaseUrl, Db, DbError, now_ms};

pub struct Seeded {
    pub slug: String,
    pub seconds: f64,
}

/// Creates an active campaign with `n` 256-px tasks on a grid around Raqqa.
pub fn seed(url: &DatabaseUrl, n: usize) -> anyhow::Result<Seeded> {
    let start = Instant::now();
    let db = Db::open(url, 2)?;
    let slug = format!("load-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let settings = CampaignSettings {
        redundancy: Redundancy { min: 3, max: 5 },
        gold_rate: 0.0,
        gold_rate_new: 0.0,
        ..CampaignSettings::default()
    };
    let id = Campaign::add_active(&db, &slug, "Load test", "synthetic tasks", &settings)?.id;
    let now = now_ms();
    let cols = 1000;
    for chunk_start in (0..n).step_by(20_000) {
        let forms: Vec<TaskInsertForm> = (chunk_start..n.min(chunk_start + 20_000))
            .map(|i| {
                let (col, row) = (i % cols, i / cols);
                #[expect(clippy::cast_precision_loss, reason = "grid positions are small")]
                let (west, north) = (38.9 + 0.0007 * col as f64, 36.0 - 0.0007 * row as f64);
                let (east, south) = (west + 0.0007, north - 0.0007);
                TaskInsertForm {
                    campaign_id: id.clone(),
                    kind: TaskKind::Search,
                    frame_id: None,
                    before_frame_id: None,
                    tile_col: i32::try_from(col).unwrap_or(i32::MAX),
                    tile_row: i32::try_from(row).unwrap_or(i32::MAX),
                    px_x: 0,
                    px_y: 0,
                    px_w: 256,
                    px_h: 256,
                    footprint: format!(
                        "[[{west},{north}],[{east},{north}],[{east},{south}],[{west},{south}]]"
                    ),
                    min_lon: west,
                    min_lat: south,
                    max_lon: east,
                    max_lat: north,
                    tile_key: Some(format!("tiles/load/{col}/{row}.jpg")),
                    before_tile_key: None,
                    status: TaskStatus::Open,
                    needed: 3,
                    priority: 0.0,
                    created_at: now,
                }
            })
            .collect();
        db.write(|conn| -> Result<usize, DbError> { Ok(Task::insert_batch(conn, &forms)?) })?;
    }
    // Statistics for the new rows now, as after any bulk load, rather than whenever autovacuum
    // gets to them during the measured run: its ANALYZE changed the plans mid-run, and
    // back-to-back runs differed by up to 1.7x. (`SQLite` plans from its indexes alone.)
    if let DatabaseUrl::Postgres(_) = url {
        diesel::connection::SimpleConnection::batch_execute(
            &mut *db.conn()?,
            "VACUUM (ANALYZE) tasks",
        )?;
    }
    Ok(Seeded {
        slug,
        seconds: start.elapsed().as_secs_f64(),
    })
}
