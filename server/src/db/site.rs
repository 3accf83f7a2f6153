//! Strike sites: what consensus found, updated in place run after run (see
//! [`crate::sites::reconcile`]), with their provenance (`site_tasks`, `site_votes`) and their
//! review history (`site_reviews`, never edited or deleted).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash as _, Hasher as _};

use diesel::prelude::*;

use super::DbConn;
use super::ids::{CampaignId, FrameId, RunId, SiteId, TaskId, UserId};
use super::kinds::SiteStatus;
use super::schema::{
    consensus_runs, frames, site_reviews, site_tasks, site_votes, sites, tasks, users,
};
use crate::sites::reconcile::{Existing, Step};
use crate::sites::review::Action;

/// Rows per multi-row insert: a few statements of many rows, so the writer is held for
/// milliseconds rather than for a statement per row.
const ROWS_PER_INSERT: usize = 200;

/// Ids per `IN (…)` list: well under SQLite's bound on variables.
const IDS_PER_QUERY: usize = 500;

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

/// A site as a consensus run found it, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundSite {
    pub lon: f64,
    pub lat: f64,
    pub class: String,
    pub confidence: f64,
    pub support: f64,
    pub seen_by: i32,
    pub uncertainty_m: f64,
    /// The tasks whose answers formed it.
    pub tasks: Vec<TaskId>,
    /// Each marking volunteer with the class they gave.
    pub votes: Vec<(UserId, String)>,
}

impl FoundSite {
    /// Marks by class, as a JSON object (`{"destroyed": 3, "damaged": 1}`).
    fn class_votes(&self) -> String {
        let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
        for (_, class) in &self.votes {
            *counts.entry(class).or_default() += 1;
        }
        serde_json::to_string(&counts).unwrap_or_else(|_| "{}".into())
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sites)]
struct SiteInsert<'a> {
    id: SiteId,
    campaign_id: &'a CampaignId,
    lon: f64,
    lat: f64,
    class: &'a str,
    confidence: f64,
    support: f64,
    seen_by: i32,
    uncertainty_m: f64,
    status: SiteStatus,
    source: &'static str,
    consensus_run_id: Option<&'a RunId>,
    class_votes: String,
    created_at: i64,
    updated_at: i64,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = site_tasks)]
struct SiteTaskRow<'a> {
    site_id: &'a SiteId,
    task_id: TaskId,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = site_votes)]
struct SiteVoteRow<'a> {
    site_id: &'a SiteId,
    voter: i32,
    user_id: &'a UserId,
    class: &'a str,
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

/// The strike sites of campaigns.
#[derive(Debug)]
pub struct Site;

/// Numbers a site's voters in an order keyed by the site, so a voter's number says nothing about
/// who they are and does not link them across sites.
fn number_voters<'a>(
    site: &SiteId,
    votes: &'a [(UserId, String)],
) -> Vec<(i32, &'a UserId, &'a str)> {
    let mut keyed: Vec<(u64, &UserId, &str)> = votes
        .iter()
        .map(|(user, class)| {
            let mut h = std::hash::DefaultHasher::new();
            site.0.hash(&mut h);
            user.0.hash(&mut h);
            (h.finish(), user, class.as_str())
        })
        .collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    keyed
        .into_iter()
        .zip(1..)
        .map(|((_, user, class), n)| (n, user, class))
        .collect()
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl Site {
    /// The campaign's sites inside `[west, south, east, north]`, as matching needs them, plus
    /// the sites the merged ones among them were merged into (wherever they are).
    pub fn existing_near(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        [west, south, east, north]: [f64; 4],
    ) -> QueryResult<Vec<Existing>> {
        let mut rows: Vec<SiteRow> = sites::table
            .filter(sites::campaign_id.eq(campaign_id))
            .filter(sites::lon.between(west, east))
            .filter(sites::lat.between(south, north))
            .select(SiteRow::as_select())
            .load(conn)?;
        // Follow merges (a few hops at most) to sites outside the box.
        for _ in 0..4 {
            let have: HashSet<&SiteId> = rows.iter().map(|r| &r.id).collect();
            let missing: Vec<SiteId> = rows
                .iter()
                .filter_map(|r| r.merged_into.clone())
                .filter(|id| !have.contains(id))
                .collect();
            if missing.is_empty() {
                break;
            }
            let more: Vec<SiteRow> = sites::table
                .filter(sites::id.eq_any(&missing))
                .select(SiteRow::as_select())
                .load(conn)?;
            if more.is_empty() {
                break;
            }
            rows.extend(more);
        }
        let ids: Vec<&SiteId> = rows.iter().map(|r| &r.id).collect();
        let mut with_history: HashSet<SiteId> = HashSet::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            with_history.extend(
                site_reviews::table
                    .filter(site_reviews::site_id.eq_any(chunk))
                    .select(site_reviews::site_id)
                    .distinct()
                    .load::<SiteId>(conn)?,
            );
            // A site a task asks about (a dating task) is part of the record as well.
            with_history.extend(
                tasks::table
                    .filter(tasks::site_id.eq_any(chunk))
                    .select(tasks::site_id.assume_not_null())
                    .distinct()
                    .load::<SiteId>(conn)?,
            );
        }
        Ok(rows
            .into_iter()
            .map(|r| Existing {
                has_history: with_history.contains(&r.id),
                reviewed: r.reviewed_at.is_some(),
                id: r.id,
                lon: r.lon,
                lat: r.lat,
                status: r.status,
                merged_into: r.merged_into,
            })
            .collect())
    }

    /// Carries out a run's plan for one cell. Run it in one write transaction, so a map never
    /// shows the cell half done. Returns how many sites the run wrote (updated or inserted).
    pub fn apply_plan(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        run_id: &RunId,
        now: i64,
        steps: &[Step],
        found: &[FoundSite],
    ) -> QueryResult<usize> {
        let mut inserts: Vec<(SiteId, &FoundSite)> = Vec::new();
        let mut written = 0;
        for step in steps {
            match step {
                Step::Update {
                    id,
                    found: f,
                    moved,
                    restored,
                } => {
                    let site = &found[*f];
                    Self::update_figures(conn, id, run_id, now, site, *moved)?;
                    if *restored {
                        Self::restore(conn, id, run_id, now)?;
                    }
                    Self::replace_provenance(conn, id, site)?;
                    written += 1;
                }
                Step::Insert { found: f } => inserts.push((SiteId(new_id()), &found[*f])),
                Step::Delete { id } => {
                    diesel::delete(site_tasks::table.filter(site_tasks::site_id.eq(id)))
                        .execute(conn)?;
                    diesel::delete(site_votes::table.filter(site_votes::site_id.eq(id)))
                        .execute(conn)?;
                    diesel::delete(sites::table.find(id)).execute(conn)?;
                }
                Step::Lose { id } => Self::lose(conn, id, run_id, now)?,
            }
        }
        let rows: Vec<SiteInsert<'_>> = inserts
            .iter()
            .map(|(id, s)| SiteInsert {
                id: id.clone(),
                campaign_id,
                lon: s.lon,
                lat: s.lat,
                class: &s.class,
                confidence: s.confidence,
                support: s.support,
                seen_by: s.seen_by,
                uncertainty_m: s.uncertainty_m,
                status: SiteStatus::Candidate,
                source: SOURCE_CONSENSUS,
                consensus_run_id: Some(run_id),
                class_votes: s.class_votes(),
                created_at: now,
                updated_at: now,
            })
            .collect();
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            written += insert_sites(conn, chunk)?;
        }
        let mut task_rows = Vec::new();
        let mut vote_rows = Vec::new();
        for (id, s) in &inserts {
            task_rows.extend(s.tasks.iter().map(|t| SiteTaskRow {
                site_id: id,
                task_id: *t,
            }));
            vote_rows.extend(number_voters(id, &s.votes).into_iter().map(
                |(voter, user_id, class)| SiteVoteRow {
                    site_id: id,
                    voter,
                    user_id,
                    class,
                },
            ));
        }
        insert_provenance(conn, &task_rows, &vote_rows)?;
        Ok(written)
    }

    fn update_figures(
        conn: &mut DbConn,
        id: &SiteId,
        run_id: &RunId,
        now: i64,
        site: &FoundSite,
        moved: bool,
    ) -> QueryResult<usize> {
        let target = sites::table.find(id);
        let figures = (
            sites::confidence.eq(site.confidence),
            sites::support.eq(site.support),
            sites::seen_by.eq(site.seen_by),
            sites::uncertainty_m.eq(site.uncertainty_m),
            sites::class_votes.eq(site.class_votes()),
            sites::consensus_run_id.eq(Some(run_id)),
            sites::updated_at.eq(now),
        );
        if moved {
            diesel::update(target)
                .set((
                    figures,
                    sites::lon.eq(site.lon),
                    sites::lat.eq(site.lat),
                    sites::class.eq(&site.class),
                ))
                .execute(conn)
        } else {
            diesel::update(target).set(figures).execute(conn)
        }
    }

    fn replace_provenance(conn: &mut DbConn, id: &SiteId, site: &FoundSite) -> QueryResult<()> {
        diesel::delete(site_tasks::table.filter(site_tasks::site_id.eq(id))).execute(conn)?;
        diesel::delete(site_votes::table.filter(site_votes::site_id.eq(id))).execute(conn)?;
        let task_rows: Vec<SiteTaskRow<'_>> = site
            .tasks
            .iter()
            .map(|t| SiteTaskRow {
                site_id: id,
                task_id: *t,
            })
            .collect();
        let vote_rows: Vec<SiteVoteRow<'_>> = number_voters(id, &site.votes)
            .into_iter()
            .map(|(voter, user_id, class)| SiteVoteRow {
                site_id: id,
                voter,
                user_id,
                class,
            })
            .collect();
        insert_provenance(conn, &task_rows, &vote_rows)
    }

    fn record(conn: &mut DbConn, row: &ReviewRow) -> QueryResult<usize> {
        diesel::insert_into(site_reviews::table)
            .values(row)
            .execute(conn)
    }

    /// Records what a consensus run did to a site's status (`ConsensusLost` or
    /// `ConsensusRestored`) in its history, and sets the status.
    fn record_consensus_event(
        conn: &mut DbConn,
        id: &SiteId,
        run_id: &RunId,
        now: i64,
        action: Action,
        to: SiteStatus,
    ) -> QueryResult<()> {
        let row = Self::find(conn, id)?;
        Self::record(
            conn,
            &ReviewRow {
                id: new_id(),
                site_id: id.clone(),
                user_id: None,
                run_id: Some(run_id.clone()),
                action: action.as_str().into(),
                comment: String::new(),
                from_status: row.status.as_str().into(),
                to_status: to.as_str().into(),
                from_class: row.class.clone(),
                to_class: row.class,
                merged_into: None,
                created_at: now,
            },
        )?;
        diesel::update(sites::table.find(id))
            .set((
                sites::status.eq(to),
                sites::consensus_run_id.eq(Some(run_id)),
                sites::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Flags a site consensus no longer supports.
    fn lose(conn: &mut DbConn, id: &SiteId, run_id: &RunId, now: i64) -> QueryResult<()> {
        let to = SiteStatus::ConsensusLost;
        Self::record_consensus_event(conn, id, run_id, now, Action::ConsensusLost, to)
    }

    /// Gives a flagged site that consensus supports again the status it was flagged from.
    fn restore(conn: &mut DbConn, id: &SiteId, run_id: &RunId, now: i64) -> QueryResult<()> {
        let flagged_from: Option<String> = site_reviews::table
            .filter(site_reviews::site_id.eq(id))
            .filter(site_reviews::action.eq(Action::ConsensusLost.as_str()))
            .order((site_reviews::created_at.desc(), site_reviews::id.desc()))
            .select(site_reviews::from_status)
            .first(conn)
            .optional()?;
        let back = flagged_from
            .and_then(|s| s.parse::<SiteStatus>().ok())
            .filter(|s| *s != SiteStatus::ConsensusLost)
            .unwrap_or(SiteStatus::Candidate);
        Self::record_consensus_event(conn, id, run_id, now, Action::ConsensusRestored, back)
    }

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

    /// The votes behind a site, by voter number, each with its volunteer's current reliability.
    pub fn votes_of(conn: &mut DbConn, id: &SiteId) -> QueryResult<Vec<SiteVote>> {
        type VoteRow = (i32, String, Option<f64>, Option<f64>, Option<f64>);
        let rows: Vec<VoteRow> = site_votes::table
            .left_join(users::table.on(users::id.eq(site_votes::user_id)))
            .filter(site_votes::site_id.eq(id))
            .select((
                site_votes::voter,
                site_votes::class,
                users::reliability.nullable(),
                users::sensitivity.nullable(),
                users::false_rate.nullable(),
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

/// A task's frame or its before frame: the imagery a site's volunteers looked at.
#[diesel::dsl::auto_type]
fn frame_of_task() -> _ {
    frames::id
        .nullable()
        .eq(tasks::frame_id)
        .or(frames::id.nullable().eq(tasks::before_frame_id))
}

fn insert_sites(conn: &mut DbConn, chunk: &[SiteInsert<'_>]) -> QueryResult<usize> {
    // multi-row inserts need the concrete backend (SQLite has no DEFAULT keyword)
    match conn {
        DbConn::Sqlite(c) => diesel::insert_into(sites::table).values(chunk).execute(c),
        DbConn::Pg(c) => diesel::insert_into(sites::table).values(chunk).execute(c),
    }
}

fn insert_provenance(
    conn: &mut DbConn,
    task_rows: &[SiteTaskRow<'_>],
    vote_rows: &[SiteVoteRow<'_>],
) -> QueryResult<()> {
    for chunk in task_rows.chunks(ROWS_PER_INSERT) {
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(site_tasks::table)
                .values(chunk)
                .execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(site_tasks::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    for chunk in vote_rows.chunks(ROWS_PER_INSERT) {
        match conn {
            DbConn::Sqlite(c) => diesel::insert_into(site_votes::table)
                .values(chunk)
                .execute(c)?,
            DbConn::Pg(c) => diesel::insert_into(site_votes::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voter_numbers_are_per_site_and_cover_one_to_n() {
        let votes: Vec<(UserId, String)> = (0..20)
            .map(|i| (UserId(format!("user-{i}")), "destroyed".into()))
            .collect();
        let a = number_voters(&SiteId("site-a".into()), &votes);
        let b = number_voters(&SiteId("site-b".into()), &votes);
        let numbers: HashSet<i32> = a.iter().map(|v| v.0).collect();
        assert_eq!(numbers, (1..=20).collect());
        let order = |v: &[(i32, &UserId, &str)]| v.iter().map(|x| x.1.clone()).collect::<Vec<_>>();
        assert_ne!(order(&a), order(&b), "voter order must not link sites");
        assert_eq!(a, number_voters(&SiteId("site-a".into()), &votes));
    }
}
