//! What the sites routes send and take.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::kinds::SiteStatus;
use crate::db::site::{HistoryEntry, RunRow, SiteFrame, SiteRow, SiteVote};
use crate::sites::export::{FilterArgs, rfc3339};
use crate::sites::review::Action;

/// Most sites a page may hold.
pub const MAX_PAGE_SIZE: u32 = 1_000;
/// Sites a page holds when `page_size` is not given.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// A strike site.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SiteSummary {
    /// Durable id: kept across consensus runs and reviews.
    pub id: String,
    pub campaign_id: String,
    /// WGS 84 longitude, degrees.
    pub lon: f64,
    /// WGS 84 latitude, degrees.
    pub lat: f64,
    /// Damage class.
    pub class: String,
    /// Probability that the site is real, `[0, 1]`.
    pub confidence: f64,
    /// Reliability-weighted share of the volunteers who saw the spot that marked it.
    pub support: f64,
    /// Volunteers whose answered tasks covered the spot.
    pub seen_by: i32,
    /// 1-σ uncertainty of the position, metres.
    pub uncertainty_m: f64,
    pub status: SiteStatus,
    /// The damage happened after this date, when dated.
    pub damaged_after: Option<String>,
    /// The damage happened before this date, when dated.
    pub damaged_before: Option<String>,
    /// Confidence of the date interval, when dated.
    pub date_confidence: Option<f64>,
    /// The site this one was merged into.
    pub merged_into: Option<String>,
    /// When an analyst last confirmed, rejected, reclassified or merged it (RFC 3339).
    pub reviewed_at: Option<String>,
    /// Last change by a consensus run or a review (RFC 3339).
    pub updated_at: String,
}

impl From<SiteRow> for SiteSummary {
    fn from(r: SiteRow) -> Self {
        Self {
            id: r.id.0,
            campaign_id: r.campaign_id.0,
            lon: r.lon,
            lat: r.lat,
            class: r.class,
            confidence: r.confidence,
            support: r.support,
            seen_by: r.seen_by,
            uncertainty_m: r.uncertainty_m,
            status: r.status,
            damaged_after: r.damaged_after,
            damaged_before: r.damaged_before,
            date_confidence: r.date_confidence,
            merged_into: r.merged_into.map(|m| m.0),
            reviewed_at: r.reviewed_at.map(rfc3339),
            updated_at: rfc3339(r.updated_at),
        }
    }
}

/// A page of sites.
#[derive(Debug, Serialize, ToSchema)]
pub struct SitePage {
    pub sites: Vec<SiteSummary>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// Which sites to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SiteQuery {
    /// `west,south,east,north` in degrees.
    pub bbox: Option<String>,
    /// Classes, comma-separated.
    pub class: Option<String>,
    /// Least confidence, `[0, 1]`.
    pub min_confidence: Option<f64>,
    /// Statuses, comma-separated (`candidate`, `confirmed`, `rejected`, `merged`, `consensus_lost`).
    pub status: Option<String>,
    /// Only sites dated as damaged on or after this day (`YYYY-MM-DD`): their interval
    /// overlaps the one asked for; undated sites are left out once either bound is set.
    pub damaged_after: Option<String>,
    /// Only sites dated as damaged on or before this day (`YYYY-MM-DD`).
    pub damaged_before: Option<String>,
    /// Sites a page, at most 1000 (default 500).
    pub page_size: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Which sites to export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Statuses, comma-separated.
    pub status: Option<String>,
    /// Least confidence, `[0, 1]`.
    pub min_confidence: Option<f64>,
    /// Classes, comma-separated.
    pub class: Option<String>,
    /// `west,south,east,north` in degrees.
    pub bbox: Option<String>,
    /// Only sites dated as damaged on or after this day (`YYYY-MM-DD`).
    pub damaged_after: Option<String>,
    /// Only sites dated as damaged on or before this day (`YYYY-MM-DD`).
    pub damaged_before: Option<String>,
}

impl SiteQuery {
    /// The filter part of the query.
    pub fn filters(&self) -> FilterArgs<'_> {
        FilterArgs {
            bbox: self.bbox.as_deref(),
            class: self.class.as_deref(),
            status: self.status.as_deref(),
            min_confidence: self.min_confidence,
            damaged_after: self.damaged_after.as_deref(),
            damaged_before: self.damaged_before.as_deref(),
        }
    }
}

impl ExportQuery {
    /// The filter the query asks for: the same as a listing's.
    pub fn filters(&self) -> FilterArgs<'_> {
        let Self {
            status,
            min_confidence,
            class,
            bbox,
            damaged_after,
            damaged_before,
        } = self;
        FilterArgs {
            bbox: bbox.as_deref(),
            class: class.as_deref(),
            status: status.as_deref(),
            min_confidence: *min_confidence,
            damaged_after: damaged_after.as_deref(),
            damaged_before: damaged_before.as_deref(),
        }
    }
}

/// The consensus run that last touched a site.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunView {
    pub id: String,
    /// The run's parameters, as the engine received them.
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    pub code_version: String,
    pub finished_at: Option<String>,
}

impl From<RunRow> for RunView {
    fn from(r: RunRow) -> Self {
        Self {
            id: r.id.0,
            parameters: serde_json::from_str(&r.parameters).unwrap_or(serde_json::Value::Null),
            code_version: r.code_version,
            finished_at: r.finished_at.map(rfc3339),
        }
    }
}

/// A frame a site rests on.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteFrameView {
    pub id: String,
    pub captured_at: Option<String>,
    pub sensor: Option<String>,
    pub sha256: String,
}

impl From<SiteFrame> for SiteFrameView {
    fn from(f: SiteFrame) -> Self {
        Self {
            id: f.id.0,
            captured_at: f.captured_at,
            sensor: f.sensor,
            sha256: f.sha256,
        }
    }
}

/// A volunteer's current reliability estimate.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReliabilityView {
    /// Probability of marking a real site they saw.
    pub sensitivity: f64,
    /// Expected false marks per task.
    pub false_rate: f64,
    /// Vote weight (sensitivity minus false-mark probability).
    pub weight: f64,
}

/// A vote behind a site: the volunteer is a number valid within this site only.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteView {
    /// 1, 2, …: numbers this site's voters; says nothing about who they are.
    pub voter: i32,
    pub class: String,
    pub reliability: Option<ReliabilityView>,
}

impl From<SiteVote> for VoteView {
    fn from(v: SiteVote) -> Self {
        Self {
            voter: v.voter,
            class: v.class,
            reliability: v
                .reliability
                .map(|(weight, sensitivity, false_rate)| ReliabilityView {
                    sensitivity,
                    false_rate,
                    weight,
                }),
        }
    }
}

/// A site's status and class at one point of its history.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteState {
    pub status: String,
    pub class: String,
}

/// One entry of a site's history: an audit record, never edited or deleted.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    pub id: String,
    /// What was done; `consensus_lost` and `consensus_restored` are recorded by consensus runs.
    pub action: String,
    /// The analyst's handle; `null` for what a consensus run recorded.
    pub reviewer: Option<String>,
    /// The consensus run, for what a run recorded.
    pub consensus_run: Option<String>,
    pub comment: String,
    pub created_at: String,
    pub from: SiteState,
    pub to: SiteState,
    /// For a merge: the site merged into.
    pub merged_into: Option<String>,
}

impl From<HistoryEntry> for HistoryView {
    fn from(h: HistoryEntry) -> Self {
        let r = h.review;
        Self {
            id: r.id,
            action: r.action,
            reviewer: h.reviewer,
            consensus_run: r.run_id.map(|id| id.0),
            comment: r.comment,
            created_at: rfc3339(r.created_at),
            from: SiteState {
                status: r.from_status,
                class: r.from_class,
            },
            to: SiteState {
                status: r.to_status,
                class: r.to_class,
            },
            merged_into: r.merged_into.map(|m| m.0),
        }
    }
}

/// One site with everything behind it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiteDetail {
    #[serde(flatten)]
    pub site: SiteSummary,
    pub consensus_run: Option<RunView>,
    /// The frames the site rests on, oldest capture first.
    pub frames: Vec<SiteFrameView>,
    /// The tasks whose answers formed it.
    pub tasks: Vec<i64>,
    /// Marks by class, as the last consensus run counted them.
    pub votes_by_class: BTreeMap<String, u32>,
    pub votes: Vec<VoteView>,
    /// Oldest first.
    pub history: Vec<HistoryView>,
    /// Sites merged into this one.
    pub merged_from: Vec<String>,
}

/// A review to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `confirm`, `reject`, `reclassify`, `merge` or `comment`.
    pub action: Action,
    /// Why (up to 2000 characters; required for `comment`).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub comment: String,
    /// `reclassify`: the new class.
    pub class: Option<String>,
    /// `merge`: the site (same campaign) this one is the same place as.
    pub into: Option<String>,
}
