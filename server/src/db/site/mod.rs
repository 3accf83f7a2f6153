//! Strike sites: what consensus found, updated in place run after run (see
//! [`crate::sites::reconcile`]), with their provenance (`site_tasks`, `site_votes`) and their
//! review history (`site_reviews`, never edited or deleted).

mod consensus;
mod provenance;
mod rows;

use diesel::prelude::*;

pub use self::consensus::FoundSite;
pub use self::provenance::{HistoryEntry, RunRow, SiteFrame, SiteVote};
pub use self::rows::{ReviewRow, SOURCE_CONSENSUS, Site, SiteRow};
use super::DbConn;
use super::ids::{CampaignId, RunId, SiteId};
use super::kinds::SiteStatus;
use super::schema::{site_reviews, sites};

/// Which sites a listing or an export wants.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteFilter {
    /// `[west, south, east, north]`.
    pub bbox: Option<[f64; 4]>,
    pub classes: Vec<String>,
    pub statuses: Vec<SiteStatus>,
    pub min_confidence: Option<f64>,
    /// Damage dated in `[from, to]` (ISO dates, either end open): a site passes when its
    /// interval `[damaged_after, damaged_before]` overlaps it. Undated sites fail once either
    /// end is set.
    pub damaged_from: Option<String>,
    pub damaged_to: Option<String>,
}

/// The campaign's sites that pass `filter`, as a query to refine.
fn filtered<'a>(
    campaign_id: &'a CampaignId,
    filter: &'a SiteFilter,
) -> sites::BoxedQuery<'a, <DbConn as diesel::Connection>::Backend> {
    let mut query = sites::table
        .filter(sites::campaign_id.eq(campaign_id))
        .into_boxed();
    if let Some([west, south, east, north]) = filter.bbox {
        query = query
            .filter(sites::lon.between(west, east))
            .filter(sites::lat.between(south, north));
    }
    if !filter.classes.is_empty() {
        query = query.filter(sites::class.eq_any(&filter.classes));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(sites::status.eq_any(&filter.statuses));
    }
    if let Some(min) = filter.min_confidence {
        query = query.filter(sites::confidence.ge(min));
    }
    if filter.damaged_from.is_some() || filter.damaged_to.is_some() {
        query = query.filter(
            sites::damaged_after
                .is_not_null()
                .or(sites::damaged_before.is_not_null()),
        );
    }
    if let Some(from) = &filter.damaged_from {
        query = query.filter(
            sites::damaged_before
                .is_null()
                .or(sites::damaged_before.ge(from)),
        );
    }
    if let Some(to) = &filter.damaged_to {
        query = query.filter(
            sites::damaged_after
                .is_null()
                .or(sites::damaged_after.le(to)),
        );
    }
    query
}

impl Site {
    /// One site.
    pub fn find(conn: &mut DbConn, id: &SiteId) -> QueryResult<SiteRow> {
        sites::table
            .find(id)
            .select(SiteRow::as_select())
            .first(conn)
    }

    /// One site, locked against concurrent reviews until the transaction ends (`PostgreSQL`;
    /// `SQLite` serialises writers already).
    pub fn find_for_update(conn: &mut DbConn, id: &SiteId) -> QueryResult<SiteRow> {
        if let DbConn::Pg(pg) = conn {
            return sites::table
                .find(id)
                .select(SiteRow::as_select())
                .for_update()
                .first(pg);
        }
        Self::find(conn, id)
    }

    /// A page of a campaign's sites in id order, after `after` (a keyset cursor).
    pub fn page(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        filter: &SiteFilter,
        after: Option<&SiteId>,
        limit: i64,
    ) -> QueryResult<Vec<SiteRow>> {
        let mut query = filtered(campaign_id, filter)
            .select(SiteRow::as_select())
            .order(sites::id.asc())
            .limit(limit);
        if let Some(after) = after {
            query = query.filter(sites::id.gt(after));
        }
        query.load(conn)
    }

    /// The consensus runs that last touched the campaign's sites matching `filter`.
    pub fn run_ids(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        filter: &SiteFilter,
    ) -> QueryResult<Vec<RunId>> {
        filtered(campaign_id, filter)
            .filter(sites::consensus_run_id.is_not_null())
            .select(sites::consensus_run_id.assume_not_null())
            .distinct()
            .load(conn)
    }

    pub(super) fn record(conn: &mut DbConn, row: &ReviewRow) -> QueryResult<usize> {
        diesel::insert_into(site_reviews::table)
            .values(row)
            .execute(conn)
    }

    /// Records a review and writes the state it leads to. Run it in the write transaction that
    /// read the site with [`Site::find_for_update`].
    pub fn record_review(
        conn: &mut DbConn,
        before: &SiteRow,
        review: &ReviewRow,
        reviews: bool,
    ) -> QueryResult<()> {
        Self::record(conn, review)?;
        let status: SiteStatus = review.to_status.parse().unwrap_or(before.status);
        let target = sites::table.find(&before.id);
        if reviews {
            diesel::update(target)
                .set((
                    sites::status.eq(status),
                    sites::class.eq(&review.to_class),
                    sites::merged_into.eq(review.merged_into.as_ref()),
                    sites::reviewed_at.eq(Some(review.created_at)),
                    sites::updated_at.eq(review.created_at),
                ))
                .execute(conn)?;
        }
        Ok(())
    }
}
