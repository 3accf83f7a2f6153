//! What a site rests on, for the site panel and exports: its frames, tasks, votes (with the
//! volunteers' reliability, never who they are), history and consensus runs.

use std::collections::HashMap;

use diesel::prelude::*;

use super::rows::{IDS_PER_QUERY, ReviewRow, Site};
use crate::db::DbConn;
use crate::db::ids::{FrameId, RunId, SiteId, TaskId};
use crate::db::schema::{
    consensus_runs, frames, site_reviews, site_tasks, site_votes, sites, tasks, users,
    volunteer_reliability,
};

/// A frame a site rests on.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct SiteFrame {
    pub id: FrameId,
    pub captured_at: Option<String>,
    pub sensor: Option<String>,
    pub sha256: String,
}

/// A vote behind a site, with its volunteer's current reliability estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteVote {
    pub voter: i32,
    pub class: String,
    /// `(weight, sensitivity, false_rate)` once consensus has estimated them.
    pub reliability: Option<(f64, f64, f64)>,
}

/// A history entry with the reviewer's handle (staff only; `None` for consensus).
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub review: ReviewRow,
    pub reviewer: Option<String>,
}

/// The consensus run that last touched a site.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct RunRow {
    pub id: RunId,
    pub parameters: String,
    pub code_version: String,
    pub finished_at: Option<i64>,
}

impl Site {
    /// The frames each of `ids` rests on (through the tasks that formed it), sha256 sorted.
    pub fn frame_hashes(
        conn: &mut DbConn,
        ids: &[SiteId],
    ) -> QueryResult<HashMap<SiteId, Vec<String>>> {
        let mut out: HashMap<SiteId, Vec<String>> = HashMap::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let rows: Vec<(SiteId, String)> = site_tasks::table
                .inner_join(tasks::table)
                .inner_join(frames::table.on(frame_of_task()))
                .filter(site_tasks::site_id.eq_any(chunk))
                .select((site_tasks::site_id, frames::sha256))
                .distinct()
                .load(conn)?;
            for (site, sha) in rows {
                out.entry(site).or_default().push(sha);
            }
        }
        for hashes in out.values_mut() {
            hashes.sort();
            hashes.dedup();
        }
        Ok(out)
    }

    /// The frames a site rests on, oldest capture first.
    pub fn frames_of(conn: &mut DbConn, id: &SiteId) -> QueryResult<Vec<SiteFrame>> {
        let mut out: Vec<SiteFrame> = site_tasks::table
            .inner_join(tasks::table)
            .inner_join(frames::table.on(frame_of_task()))
            .filter(site_tasks::site_id.eq(id))
            .select((
                frames::id,
                frames::captured_at,
                frames::sensor,
                frames::sha256,
            ))
            .distinct()
            .load::<SiteFrame>(conn)?;
        out.sort_by(|a, b| a.captured_at.cmp(&b.captured_at).then(a.id.cmp(&b.id)));
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }

    /// The tasks that formed a site.
    pub fn tasks_of(conn: &mut DbConn, id: &SiteId) -> QueryResult<Vec<TaskId>> {
        site_tasks::table
            .filter(site_tasks::site_id.eq(id))
            .select(site_tasks::task_id)
            .order(site_tasks::task_id.asc())
            .load(conn)
    }

    /// The votes behind a site, by voter number, each with its volunteer's current reliability
    /// in the site's campaign (none before a consensus run has estimated them there).
    pub fn votes_of(conn: &mut DbConn, id: &SiteId) -> QueryResult<Vec<SiteVote>> {
        type VoteRow = (i32, String, Option<f64>, Option<f64>, Option<f64>);
        let rows: Vec<VoteRow> = site_votes::table
            .inner_join(sites::table.on(sites::id.eq(site_votes::site_id)))
            .left_join(
                volunteer_reliability::table.on(volunteer_reliability::user_id
                    .eq(site_votes::user_id)
                    .and(volunteer_reliability::campaign_id.eq(sites::campaign_id))),
            )
            .filter(site_votes::site_id.eq(id))
            .select((
                site_votes::voter,
                site_votes::class,
                volunteer_reliability::weight.nullable(),
                volunteer_reliability::sensitivity.nullable(),
                volunteer_reliability::false_rate.nullable(),
            ))
            .order(site_votes::voter.asc())
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(voter, class, weight, sensitivity, false_rate)| SiteVote {
                voter,
                class,
                reliability: match (weight, sensitivity, false_rate) {
                    (Some(w), Some(s), Some(f)) => Some((w, s, f)),
                    _ => None,
                },
            })
            .collect())
    }

    /// A site's history, oldest first.
    pub fn history_of(conn: &mut DbConn, id: &SiteId) -> QueryResult<Vec<HistoryEntry>> {
        let rows: Vec<(ReviewRow, Option<String>)> = site_reviews::table
            .left_join(users::table.on(users::id.nullable().eq(site_reviews::user_id)))
            .filter(site_reviews::site_id.eq(id))
            .order((site_reviews::created_at.asc(), site_reviews::id.asc()))
            .select((ReviewRow::as_select(), users::handle.nullable()))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(review, reviewer)| HistoryEntry { review, reviewer })
            .collect())
    }

    /// The sites merged into `id`.
    pub fn merged_into(conn: &mut DbConn, id: &SiteId) -> QueryResult<Vec<SiteId>> {
        sites::table
            .filter(sites::merged_into.eq(id))
            .select(sites::id)
            .order(sites::id.asc())
            .load(conn)
    }

    /// The consensus runs of `ids`.
    pub fn runs(conn: &mut DbConn, ids: &[RunId]) -> QueryResult<Vec<RunRow>> {
        consensus_runs::table
            .filter(consensus_runs::id.eq_any(ids))
            .select((
                consensus_runs::id,
                consensus_runs::parameters,
                consensus_runs::code_version,
                consensus_runs::finished_at,
            ))
            .load(conn)
    }
}

/// A task's frame or its before frame: the imagery a site's volunteers looked at.
#[diesel::dsl::auto_type]
fn frame_of_task() -> _ {
    frames::id
        .nullable()
        .eq(tasks::frame_id)
        .or(frames::id.nullable().eq(tasks::before_frame_id))
}
