//! The rows of strike sites and their history, and what the site modules share: the leaf the
//! others build on.

use diesel::prelude::*;

use crate::db::ids::{CampaignId, RunId, SiteId, UserId};
use crate::db::kinds::SiteStatus;
use crate::db::schema::{site_reviews, sites};
use crate::sites::review::Action;

/// Rows per multi-row insert: a few statements of many rows, so the writer is held for
/// milliseconds rather than for a statement per row.
pub(crate) const ROWS_PER_INSERT: usize = 200;

/// Ids per `IN (…)` list: well under SQLite's bound on variables.
pub(crate) const IDS_PER_QUERY: usize = 500;

/// Where a site came from (`sites.source`).
pub const SOURCE_CONSENSUS: &str = "consensus";

/// A site as stored.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = sites)]
pub struct SiteRow {
    pub id: SiteId,
    pub campaign_id: CampaignId,
    pub lon: f64,
    pub lat: f64,
    pub class: String,
    pub confidence: f64,
    pub support: f64,
    pub seen_by: i32,
    pub uncertainty_m: f64,
    pub damaged_after: Option<String>,
    pub damaged_before: Option<String>,
    pub date_confidence: Option<f64>,
    pub status: SiteStatus,
    pub source: String,
    pub consensus_run_id: Option<RunId>,
    pub merged_into: Option<SiteId>,
    pub created_at: i64,
    pub updated_at: i64,
    pub class_votes: String,
    pub reviewed_at: Option<i64>,
}

/// One entry of a site's history.
#[derive(Debug, Clone, PartialEq, Insertable, Queryable, Selectable)]
#[diesel(table_name = site_reviews)]
pub struct ReviewRow {
    pub id: String,
    pub site_id: SiteId,
    pub user_id: Option<UserId>,
    pub run_id: Option<RunId>,
    pub action: String,
    pub comment: String,
    pub from_status: String,
    pub to_status: String,
    pub from_class: String,
    pub to_class: String,
    pub merged_into: Option<SiteId>,
    pub created_at: i64,
}

impl ReviewRow {
    /// The action, or `None` for a value this version does not know.
    pub fn action(&self) -> Option<Action> {
        Action::parse(&self.action)
    }
}

/// The strike sites of campaigns.
#[derive(Debug)]
pub struct Site;

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
