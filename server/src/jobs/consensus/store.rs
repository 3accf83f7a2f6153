//! What a run writes: a cell's sites into the campaign's durable sites, and volunteers'
//! reliability rows. Every write is a short transaction through the shared writer (see the
//! note in [`cell_sites`]), so answer intake never waits long for the job.

use std::collections::HashMap;

use tessera_consensus::{SitePosition, VolunteerEstimate};

use crate::db::ids::{CampaignId, RunId, SiteId, TaskId, UserId};
use crate::db::site::{FoundSite, Site};
use crate::db::user::{Reliability, User};
use crate::db::volunteer_reliability::VolunteerReliability;
use crate::db::{Db, DbError, now_ms};
use crate::sites::reconcile::{self, Existing, Step};

/// Volunteers whose reliability one write transaction records.
const VOLUNTEERS_PER_WRITE: usize = 100;

/// Steps of a cell's plan one write transaction carries out: a few milliseconds of the writer,
/// so answer intake, which shares it, never waits long for the job.
const STEPS_PER_WRITE: usize = 20;

/// Times a cell is re-read and re-planned when a review or comment lands while it is written,
/// before it is written in one transaction instead.
const PLAN_ATTEMPTS: usize = 3;

/// Writes a run's sites of `cell` (those it found inside it) into the campaign's durable sites
/// (matched, updated in place, inserted, flagged or dropped by [`reconcile::plan`]). Returns how
/// many sites the run has there.
///
/// The cell is read and planned outside the writer, sites that come out as they were are left
/// alone ([`Site::unchanged`]), and the rest is written [`STEPS_PER_WRITE`] steps per
/// transaction through the shared writer (on `SQLite` a second writer beside it would make
/// request transactions fail with `SQLITE_BUSY`). Each transaction first re-reads the sites its
/// steps touch: if a review or a comment changed one since the plan was made, the cell is read
/// and planned again, so a review is never overwritten and a discussed site never deleted.
/// A map may show a cell part written for the moment it takes.
pub fn cell_sites<'a>(
    db: &Db,
    campaign_id: &CampaignId,
    run_id: &RunId,
    cell: [f64; 4],
    sites: impl Iterator<Item = &'a tessera_consensus::Site>,
    eps_m: f64,
) -> Result<usize, DbError> {
    cell_sites_between(db, campaign_id, run_id, cell, sites, eps_m, &|| {})
}

/// [`cell_sites`], calling `between` after each plan is made and before it is written: what a
/// test needs to land a review in that moment.
#[doc(hidden)]
pub fn cell_sites_between<'a>(
    db: &Db,
    campaign_id: &CampaignId,
    run_id: &RunId,
    cell: [f64; 4],
    sites: impl Iterator<Item = &'a tessera_consensus::Site>,
    eps_m: f64,
    between: &dyn Fn(),
) -> Result<usize, DbError> {
    let now = now_ms();
    let found: Vec<FoundSite> = sites.filter_map(found_site).collect();
    let positions: Vec<[f64; 2]> = found.iter().map(|s| [s.lon, s.lat]).collect();
    let around = grown_by_m(cell, eps_m);
    for _ in 0..PLAN_ATTEMPTS {
        let (existing, steps) = {
            let conn = &mut *db.conn()?;
            let rows = Site::rows_near(conn, campaign_id, around)?;
            let existing = Site::as_existing(conn, &rows)?;
            let steps = reconcile::plan(&positions, &existing, cell, eps_m);
            let same = Site::unchanged(conn, &steps, &found, &rows)?;
            let steps: Vec<Step> = steps
                .into_iter()
                .filter(|step| !matches!(step, Step::Update { id, .. } if same.contains(id)))
                .collect();
            (existing, steps)
        };
        between();
        let read: HashMap<&SiteId, &Existing> = existing.iter().map(|e| (&e.id, e)).collect();
        let mut stale = false;
        for chunk in steps.chunks(STEPS_PER_WRITE) {
            let touched: Vec<SiteId> = chunk.iter().filter_map(step_site).cloned().collect();
            let applied = db.write(|conn| -> Result<bool, DbError> {
                let now_there = Site::existing_by_ids(conn, &touched)?;
                let holds = now_there.len() == touched.len()
                    && now_there.iter().all(|e| read.get(&e.id) == Some(&e));
                if holds {
                    Site::apply_plan(conn, campaign_id, run_id, now, chunk, &found)?;
                }
                Ok(holds)
            })?;
            if !applied {
                stale = true;
                break;
            }
        }
        if !stale {
            return Ok(found.len());
        }
    }
    // Reviews keep landing in this cell: match and write it in one transaction.
    db.write(|conn| -> Result<usize, DbError> {
        let existing = Site::existing_near(conn, campaign_id, around)?;
        let steps = reconcile::plan(&positions, &existing, cell, eps_m);
        Site::apply_plan(conn, campaign_id, run_id, now, &steps, &found)?;
        Ok(found.len())
    })
}

/// The existing site a step writes, if any.
fn step_site(step: &Step) -> Option<&SiteId> {
    match step {
        Step::Update { id, .. } | Step::Delete { id } | Step::Lose { id } => Some(id),
        Step::Insert { .. } => None,
    }
}

/// A run's estimate of a volunteer as a row of `campaign_id`.
pub fn reliability_row(
    campaign_id: &CampaignId,
    run_id: &RunId,
    v: &VolunteerEstimate,
    provisional: bool,
    now: i64,
) -> VolunteerReliability {
    VolunteerReliability {
        campaign_id: campaign_id.clone(),
        user_id: UserId(v.id.to_string()),
        sensitivity: v.sensitivity,
        false_rate: v.false_rate,
        fooled: v.fooled,
        class_accuracy: v.class_accuracy,
        weight: v.weight,
        answers: i64::try_from(v.answers).unwrap_or(i64::MAX),
        provisional,
        run_id: run_id.clone(),
        updated_at: now,
    }
}

/// Records a full run's estimates, a hundred volunteers per short transaction (between request
/// batches), then drops the campaign's rows it did not write. Each volunteer's account also
/// shows the estimate (`users.reliability`, as site provenance reads it): the estimate of the
/// campaign whose full run came last.
pub fn full_reliabilities(
    db: &Db,
    campaign_id: &CampaignId,
    run_id: &RunId,
    volunteers: &[VolunteerEstimate],
) -> Result<usize, DbError> {
    let now = now_ms();
    for chunk in volunteers.chunks(VOLUNTEERS_PER_WRITE) {
        let rows: Vec<VolunteerReliability> = chunk
            .iter()
            .map(|v| reliability_row(campaign_id, run_id, v, false, now))
            .collect();
        db.write(|conn| -> Result<(), DbError> {
            VolunteerReliability::record_full(conn, &rows)?;
            for row in &rows {
                let estimate = Reliability {
                    weight: row.weight,
                    sensitivity: row.sensitivity,
                    false_rate: row.false_rate,
                };
                User::set_reliability(conn, &row.user_id, estimate)?;
            }
            Ok(())
        })?;
    }
    db.write(|conn| -> Result<usize, DbError> {
        Ok(VolunteerReliability::drop_not_estimated_by(
            conn,
            campaign_id,
            run_id,
        )?)
    })
}

/// Records provisional estimates (volunteers no full run has estimated yet), a hundred per
/// short transaction, never over a full run's. Returns how many it wrote.
pub fn provisional_reliabilities(db: &Db, rows: &[VolunteerReliability]) -> Result<usize, DbError> {
    let mut written = 0;
    for chunk in rows.chunks(VOLUNTEERS_PER_WRITE) {
        written += db.write(|conn| -> Result<usize, DbError> {
            Ok(VolunteerReliability::record_provisional(conn, chunk)?)
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
        class: site.class.to_string(),
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
            .map(|v| (UserId(v.volunteer.to_string()), v.class.to_string()))
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
