//! Re-running consensus as answers arrive, only over the area they touched.
//!
//! Every `interval`, each instance looks for active campaigns with answers newer than the last
//! consensus run. It claims the campaign by inserting an unfinished `consensus_runs` row (inside
//! a write transaction that first checks no other unfinished run is younger than
//! [`CLAIM_TIMEOUT_MS`], so two instances never run the same campaign at once). Then, for each
//! ~5 km cell that the touched tasks overlap, one after the other, it loads the tasks around the
//! cell and their answers, runs [`tessera_consensus::run_region`], matches the sites it finds to
//! the campaign's durable sites (see [`crate::sites::reconcile`]) and records the volunteers' reliability as estimated there (a later cell's
//! estimate replaces an earlier one's). It finishes the run row with its counts: tasks and
//! answers near a cell's edge count once per cell that loaded them. Answer intake never waits
//! for it: the job reads committed answers and writes only sites, users' reliability and its run
//! row.

use std::time::Duration;

use tessera_consensus::{ConsensusParams, LonLatBox, SitePosition};

use crate::campaign_settings::CampaignSettings;
use crate::db::campaign::Campaign;
use crate::db::consensus_input;
use crate::db::consensus_run::ConsensusRun;
use crate::db::ids::{CampaignId, RunId, TaskId, UserId};
use crate::db::kinds::CampaignStatus;
use crate::db::site::{FoundSite, Site};
use crate::db::task::{LonLatBounds, Task};
use crate::db::user::{Reliability, User};
use crate::db::{Db, DbError, now_ms};
use crate::sites::reconcile;

/// An unfinished run older than this is presumed dead (its instance crashed) and ignored.
pub const CLAIM_TIMEOUT_MS: i64 = 10 * 60_000;

/// Side of the cells, in degrees (~5 km), that a run recomputes one at a time, so that what it
/// holds in memory is bounded by a cell's tasks and answers, not by the area touched since the
/// last run (under a campaign-wide load, most of the campaign).
const CELL_DEG: f64 = 0.05;

/// The cells (`[west, south, east, north]`) that the touched tasks' boxes overlap, west to east
/// within south to north.
fn cells(touched: &[LonLatBounds]) -> Vec<[f64; 4]> {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "cell indices of longitudes and latitudes are small"
    )]
    let index = |deg: f64| (deg / CELL_DEG).floor() as i64;
    let mut keys = std::collections::BTreeSet::new();
    for &[west, south, east, north] in touched {
        for row in index(south)..=index(north) {
            for col in index(west)..=index(east) {
                keys.insert((row, col));
            }
        }
    }
    #[expect(clippy::cast_precision_loss, reason = "cell indices are small")]
    keys.into_iter()
        .map(|(row, col)| {
            let (west, south) = (col as f64 * CELL_DEG, row as f64 * CELL_DEG);
            [west, south, west + CELL_DEG, south + CELL_DEG]
        })
        .collect()
}

/// Volunteers whose reliability one write transaction records.
const VOLUNTEERS_PER_WRITE: usize = 100;

/// Margin around the touched area, in degrees (~300 m), so clusters at its edge see all marks.
const MARGIN_DEG: f64 = 0.003;

/// What one run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunCounts {
    pub tasks: usize,
    pub answers: usize,
    pub sites: usize,
    pub region: [f64; 4],
}

/// Runs the job forever on this thread, once per `interval`.
pub fn run_forever(db: &Db, interval: Duration) {
    loop {
        std::thread::sleep(interval);
        if let Err(e) = run_once(db) {
            tracing::error!(error = %e, "consensus job failed");
        }
    }
}

/// One pass over every active campaign with new answers. A campaign whose settings cannot be
/// read is logged and recorded as a failed run (see [`ConsensusRun::record_failure`]), never
/// run on other settings, and so is a run that fails (an answer of a kind this version does
/// not know); the pass goes on with the other campaigns.
pub fn run_once(db: &Db) -> Result<Vec<RunCounts>, DbError> {
    let active = Campaign::list(&mut *db.conn()?, Some(&[CampaignStatus::Active]))?;
    let mut done = Vec::new();
    for campaign in active {
        let settings = match campaign.settings() {
            Ok(settings) => settings,
            Err(err) => {
                tracing::error!(campaign.id = %campaign.id, error = %err, "consensus cannot run this campaign");
                let message = err.to_string();
                db.write(|conn| -> Result<bool, DbError> {
                    Ok(ConsensusRun::record_failure(
                        conn,
                        &campaign.id,
                        &message,
                        now_ms(),
                    )?)
                })?;
                continue;
            }
        };
        match run_campaign(db, &campaign.id, &settings) {
            Ok(Some(counts)) => done.push(counts),
            // Nothing new; or a failed run, already logged and recorded: the others go on.
            Ok(None) | Err(RunError::Run(_)) => {}
            Err(RunError::Claim(e)) => return Err(e),
        }
    }
    Ok(done)
}

/// Re-runs consensus over the area touched since the last run; `None` when nothing is new or
/// another instance holds the campaign.
pub fn run_campaign(
    db: &Db,
    campaign_id: &CampaignId,
    settings: &CampaignSettings,
) -> Result<Option<RunCounts>, RunError> {
    let params = settings.consensus_params();
    let parameters = serde_json::to_string(&params).unwrap_or_default();
    let now = now_ms();
    let claimed = db
        .write(|conn| -> Result<_, DbError> {
            Ok(ConsensusRun::claim(
                conn,
                campaign_id,
                &parameters,
                now,
                CLAIM_TIMEOUT_MS,
            )?)
        })
        .map_err(RunError::Claim)?;
    let Some((run_id, since)) = claimed else {
        return Ok(None);
    };
    match run_claimed(db, campaign_id, &run_id, since, &params) {
        Ok(counts) => Ok(Some(counts)),
        Err(err) => {
            tracing::error!(campaign.id = %campaign_id, consensus.run = %run_id, error = %err, "consensus run failed");
            let message = with_causes(&err);
            // Best effort: a run left unfinished is ignored once its claim times out.
            let _ = db.write(|conn| -> Result<usize, DbError> {
                Ok(ConsensusRun::fail(conn, &run_id, &message, now_ms())?)
            });
            Err(RunError::Run(err))
        }
    }
}

/// An error with its chain of causes, `outer: inner: …`: diesel's deserialisation errors name
/// only the column, their cause says what was wrong with the value.
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}

/// Why [`run_campaign`] did not finish a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The campaign could not be claimed: nothing was recorded.
    #[error("claiming the campaign: {0}")]
    Claim(DbError),
    /// The claimed run failed; its row says why.
    #[error(transparent)]
    Run(DbError),
}

/// Recomputes the area touched since `since` under the claimed run `run_id`.
fn run_claimed(
    db: &Db,
    campaign_id: &CampaignId,
    run_id: &RunId,
    since: i64,
    params: &ConsensusParams,
) -> Result<RunCounts, DbError> {
    let touched = Task::answered_boxes_since(&mut *db.conn()?, campaign_id, since)?;
    let region = touched.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, t| {
            [
                b[0].min(t[0]),
                b[1].min(t[1]),
                b[2].max(t[2]),
                b[3].max(t[3]),
            ]
        },
    );
    let mut counts = RunCounts {
        tasks: 0,
        answers: 0,
        sites: 0,
        region,
    };
    // The widest task bounds how far west of a cell a task overlapping it can start (plus a
    // hair, for rounding: the bound must never exclude a task the box test keeps).
    let widest = if touched.is_empty() {
        0.0
    } else {
        Task::widest_lon_span(&mut *db.conn()?, campaign_id)? + 1e-9
    };
    for cell in cells(&touched) {
        let done = recompute(db, campaign_id, run_id, cell, widest, params)?;
        counts.tasks += done.tasks;
        counts.answers += done.answers;
        counts.sites += done.sites;
    }
    let summary = serde_json::to_string(&counts).unwrap_or_default();
    db.write(|conn| -> Result<usize, DbError> {
        Ok(ConsensusRun::finish(conn, run_id, &summary, now_ms())?)
    })?;
    tracing::info!(campaign.id = %campaign_id, consensus.sites = counts.sites, consensus.answers = counts.answers, "consensus run finished");
    Ok(counts)
}

fn recompute(
    db: &Db,
    campaign_id: &CampaignId,
    run_id: &RunId,
    region: [f64; 4],
    widest: f64,
    params: &ConsensusParams,
) -> Result<RunCounts, DbError> {
    let [west, south, east, north] = region;
    let conn = &mut *db.conn()?;
    let around = [
        west - MARGIN_DEG,
        south - MARGIN_DEG,
        east + MARGIN_DEG,
        north + MARGIN_DEG,
    ];
    let shapes = Task::shapes_in(conn, campaign_id, around, widest)?;
    let input = consensus_input::load(conn, &shapes)?;
    let area = LonLatBox {
        west,
        south,
        east,
        north,
    };
    let output = match tessera_consensus::run_region(&input, &area, params, None) {
        Ok(output) => output,
        Err(err) => {
            tracing::warn!(error = %err, campaign.id = %campaign_id, "consensus skipped this area");
            return Ok(RunCounts {
                tasks: input.tasks.len(),
                answers: input.answers.len(),
                sites: 0,
                region,
            });
        }
    };
    let written = store(db, campaign_id, run_id, region, &output)?;
    Ok(RunCounts {
        tasks: input.tasks.len(),
        answers: input.answers.len(),
        sites: written,
        region,
    })
}

/// Writes a run's sites of `region` into the campaign's durable sites (matched, updated in
/// place, inserted, flagged or dropped by [`reconcile::plan`]), and records the volunteers'
/// estimated reliability. Returns how many sites it wrote.
fn store(
    db: &Db,
    campaign_id: &CampaignId,
    run_id: &RunId,
    region: [f64; 4],
    output: &tessera_consensus::Output,
) -> Result<usize, DbError> {
    let now = now_ms();
    let found: Vec<FoundSite> = output.sites.iter().filter_map(found_site).collect();
    let positions: Vec<[f64; 2]> = found.iter().map(|s| [s.lon, s.lat]).collect();
    let eps_m = output.summary.eps;
    let around = grown_by_m(region, eps_m);
    // Through the shared writer, like every request: on SQLite a second writer beside it would
    // make request transactions fail with SQLITE_BUSY. The cell is matched and written in one
    // transaction, so a map never shows it half done and a review between read and write
    // cannot be overwritten.
    let written = db.write(|conn| -> Result<usize, DbError> {
        let existing = Site::existing_near(conn, campaign_id, around)?;
        let steps = reconcile::plan(&positions, &existing, region, eps_m);
        Ok(Site::apply_plan(
            conn,
            campaign_id,
            run_id,
            now,
            &steps,
            &found,
        )?)
    })?;
    // Reliability estimates need no transaction together: short ones, between request batches.
    for chunk in output.volunteers.chunks(VOLUNTEERS_PER_WRITE) {
        db.write(|conn| -> Result<(), DbError> {
            for v in chunk {
                let estimate = Reliability {
                    weight: v.weight,
                    sensitivity: v.sensitivity,
                    false_rate: v.false_rate,
                };
                User::set_reliability(conn, &v.id.to_string().into(), estimate)?;
            }
            Ok(())
        })?;
    }
    Ok(written)
}

/// A run's site as storage takes it; `None` for a site in pixel space (a campaign without
/// georeference has no map to put it on).
fn found_site(site: &tessera_consensus::Site) -> Option<FoundSite> {
    let SitePosition::Geo { lon, lat } = site.position else {
        return None;
    };
    Some(FoundSite {
        lon,
        lat,
        class: site.class.0.clone(),
        confidence: site.confidence,
        support: site.support,
        seen_by: i32::try_from(site.seen_by).unwrap_or(i32::MAX),
        uncertainty_m: site.uncertainty,
        tasks: site
            .tasks
            .iter()
            .filter_map(|t| match &t.0 {
                tessera_consensus::Id::Int(id) => Some(TaskId(*id)),
                tessera_consensus::Id::Text(text) => text.parse().ok().map(TaskId),
            })
            .collect(),
        votes: site
            .votes
            .iter()
            .map(|v| (UserId(v.volunteer.to_string()), v.class.0.clone()))
            .collect(),
    })
}

/// `[west, south, east, north]` grown by `metres` on every side.
fn grown_by_m([west, south, east, north]: [f64; 4], metres: f64) -> [f64; 4] {
    const M_PER_DEG_LAT: f64 = 111_195.0;
    let dlat = metres / M_PER_DEG_LAT;
    let widest_lat = south.abs().max(north.abs()).min(89.0).to_radians();
    let dlon = dlat / widest_lat.cos();
    [west - dlon, south - dlat, east + dlon, north + dlat]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_tasks_are_recomputed_cell_by_cell() {
        // One task inside a cell, one across a cell's east edge, one in the western hemisphere.
        let touched = [
            [39.01, 35.91, 39.011, 35.911],
            [39.049, 35.91, 39.051, 35.911],
            [-0.01, 51.5, -0.009, 51.501],
        ];
        let cells = cells(&touched);
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let has = |west: f64, south: f64| {
            cells
                .iter()
                .any(|c| near(c[0], west) && near(c[1], south) && near(c[2] - c[0], CELL_DEG))
        };
        assert_eq!(cells.len(), 3, "{cells:?}");
        assert!(
            has(39.0, 35.9) && has(39.05, 35.9) && has(-0.05, 51.5),
            "{cells:?}"
        );
        assert!(super::cells(&[]).is_empty());
    }
}
