//! A full run: [`tessera_consensus::run`] over every georeferenced task of the campaign and
//! every answer to them (suspended volunteers' left out), which estimates each volunteer's
//! reliability and the campaign's priors from all their answers, gold tasks anchoring the EM.
//!
//! The run holds the whole campaign in memory once (the engine takes two million answers in one
//! process; [`consensus_input::load_campaign`] reads the rows a batch of tasks at a time, so only
//! one batch's rows sit beside the input). Its sites are then written cell by cell, each cell in
//! one short transaction, as an incremental run writes them; so are the estimates.

use std::collections::BTreeMap;

use tessera_consensus::{ConsensusParams, SitePosition};

use super::incremental::{CELL_DEG, cells, region_of};
use super::{RunCounts, cell_of, store};
use crate::db::consensus_input;
use crate::db::ids::{CampaignId, RunId};
use crate::db::kinds::RunKind;
use crate::db::{Db, DbError};

/// Runs consensus over the whole campaign under the claimed run `run_id`, writes every cell's
/// sites and every volunteer's estimate. Returns the counts and the priors it estimated.
pub fn run(
    db: &Db,
    campaign_id: &CampaignId,
    run_id: &RunId,
    params: &ConsensusParams,
) -> Result<(RunCounts, [f64; 2]), DbError> {
    let input = consensus_input::load_campaign(&mut *db.conn()?, campaign_id)?;
    let boxes: Vec<[f64; 4]> = input
        .tasks
        .iter()
        .filter_map(|t| t.footprint.map(|f| bounds(&f.corners())))
        .collect();
    let region = region_of(&boxes);
    let mut counts = RunCounts::new(RunKind::Full, region);
    counts.tasks = input.tasks.len();
    counts.answers = input.answers.len();
    let output = match tessera_consensus::run_owned(input, params) {
        Ok(output) => output,
        Err(err) => {
            // An input the engine refuses (no task at all, say) estimates nothing; the
            // estimates and sites already stored stay.
            tracing::warn!(error = %err, campaign.id = %campaign_id, "consensus skipped this campaign");
            return Ok((counts, [0.0, 0.0]));
        }
    };
    // Each site to the one cell it lies in (west and south edges inclusive, as matching reads
    // a cell); every cell the campaign's tasks reach is written, so a cell whose sites all
    // lost support is cleared too.
    let mut by_cell: BTreeMap<(i64, i64), Vec<&tessera_consensus::Site>> = BTreeMap::new();
    for site in &output.sites {
        if let SitePosition::Geo { lon, lat } = site.position {
            by_cell.entry(cell_of(lon, lat)).or_default().push(site);
        }
    }
    for cell in cells(&boxes) {
        let key = cell_of(cell[0] + CELL_DEG / 2.0, cell[1] + CELL_DEG / 2.0);
        let sites = by_cell.remove(&key).unwrap_or_default();
        counts.sites += store::cell_sites(
            db,
            campaign_id,
            run_id,
            cell,
            sites.into_iter(),
            output.summary.eps,
        )?;
    }
    counts.volunteers = output.volunteers.len();
    store::full_reliabilities(db, campaign_id, run_id, &output.volunteers)?;
    Ok((
        counts,
        [output.summary.prior_site, output.summary.prior_decoy],
    ))
}

/// `[west, south, east, north]` of a footprint's corners.
fn bounds(corners: &[[f64; 2]; 4]) -> [f64; 4] {
    region_of(&corners.map(|[lon, lat]| [lon, lat, lon, lat]))
}
