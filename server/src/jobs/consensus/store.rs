//! What a run writes: a cell's sites into the campaign's durable sites, and volunteers'
//! reliability rows. Every write is a short transaction through the shared writer (see the
//! note in [`cell_sites`]), so answer intake never waits long for the job.

use tessera_consensus::{SitePosition, VolunteerEstimate};

use crate::db::ids::{CampaignId, RunId, TaskId, UserId};
use crate::db::site::{FoundSite, Site};
use crate::db::user::{Reliability, User};
use crate::db::volunteer_reliability::VolunteerReliability;
use crate::db::{Db, DbError, now_ms};
use crate::sites::reconcile;

/// Volunteers whose reliability one write transaction records.
const VOLUNTEERS_PER_WRITE: usize = 100;

/// Writes a run's sites of `cell` (those it found inside it) into the campaign's durable sites
/// (matched, updated in place, inserted, flagged or dropped by [`reconcile::plan`]). Returns how
/// many sites it wrote.
pub fn cell_sites<'a>(
    db: &Db,
    campaign_id: &CampaignId,
    run_id: &RunId,
    cell: [f64; 4],
    sites: impl Iterator<Item = &'a tessera_consensus::Site>,
    eps_m: f64,
) -> Result<usize, DbError> {
    let now = now_ms();
    let found: Vec<FoundSite> = sites.filter_map(found_site).collect();
    let positions: Vec<[f64; 2]> = found.iter().map(|s| [s.lon, s.lat]).collect();
    let around = grown_by_m(cell, eps_m);
    // Through the shared writer, like every request: on SQLite a second writer beside it would
    // make request transactions fail with SQLITE_BUSY. The cell is matched and written in one
    // transaction, so a map never shows it half done and a review between read and write
    // cannot be overwritten.
    db.write(|conn| -> Result<usize, DbError> {
        let existing = Site::existing_near(conn, campaign_id, around)?;
        let steps = reconcile::plan(&positions, &existing, cell, eps_m);
        Ok(Site::apply_plan(
            conn,
            campaign_id,
            run_id,
            now,
            &steps,
            &found,
        )?)
    })
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
