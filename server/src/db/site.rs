//! Strike sites: what consensus found (or an analyst imported), with the run that last wrote
//! them.

use diesel::prelude::*;

use super::DbConn;
use super::ids::{CampaignId, RunId, SiteId};
use super::kinds::SiteStatus;
use super::schema::sites;

/// Sites inserted per statement: a few statements of many rows, so the writer is held for
/// milliseconds rather than for a statement per site.
const SITES_PER_INSERT: usize = 200;

/// Where a site came from (`sites.source`).
pub const SOURCE_CONSENSUS: &str = "consensus";

/// A site as a consensus run writes it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sites)]
pub struct SiteInsertForm<'a> {
    pub id: SiteId,
    pub campaign_id: &'a CampaignId,
    pub lon: f64,
    pub lat: f64,
    pub class: &'a str,
    pub confidence: f64,
    pub support: f64,
    pub seen_by: i32,
    pub uncertainty_m: f64,
    pub status: SiteStatus,
    pub source: &'static str,
    pub consensus_run_id: Option<&'a RunId>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The strike sites of a campaign.
#[derive(Debug)]
pub struct Site;

impl Site {
    /// Replaces the unreviewed consensus sites of a campaign inside `[west, south, east,
    /// north]` with `rows`. Run it in one write transaction, so a map never shows the area half
    /// done. Returns how many sites it wrote.
    pub fn replace_candidates(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        [west, south, east, north]: [f64; 4],
        rows: &[SiteInsertForm<'_>],
    ) -> QueryResult<usize> {
        diesel::delete(
            sites::table
                .filter(sites::campaign_id.eq(campaign_id))
                .filter(sites::status.eq(SiteStatus::Candidate))
                .filter(sites::source.eq(SOURCE_CONSENSUS))
                .filter(sites::lon.between(west, east))
                .filter(sites::lat.between(south, north)),
        )
        .execute(conn)?;
        let mut written = 0;
        for chunk in rows.chunks(SITES_PER_INSERT) {
            // multi-row inserts need the concrete backend (SQLite has no DEFAULT keyword)
            written += match conn {
                DbConn::Sqlite(c) => diesel::insert_into(sites::table).values(chunk).execute(c)?,
                DbConn::Pg(c) => diesel::insert_into(sites::table).values(chunk).execute(c)?,
            };
        }
        Ok(written)
    }
}
