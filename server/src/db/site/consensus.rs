//! What a consensus run writes: the sites near a cell as matching needs them, and the plan
//! of [`crate::sites::reconcile`] carried out (figures, provenance, the events a run records in
//! a site's history).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash as _, Hasher as _};

use diesel::prelude::*;

use super::rows::{
    IDS_PER_QUERY, ROWS_PER_INSERT, ReviewRow, SOURCE_CONSENSUS, Site, SiteRow, new_id,
};
use crate::db::DbConn;
use crate::db::ids::{CampaignId, RunId, SiteId, TaskId, UserId};
use crate::db::kinds::SiteStatus;
use crate::db::schema::{site_reviews, site_tasks, site_votes, sites, tasks};
use crate::sites::reconcile::{Existing, Step};
use crate::sites::review::Action;

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

impl Site {
    /// The campaign's sites inside `[west, south, east, north]`, as matching needs them, plus
    /// the sites the merged ones among them were merged into (wherever they are).
    pub fn existing_near(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        area: [f64; 4],
    ) -> QueryResult<Vec<Existing>> {
        let rows = Self::rows_near(conn, campaign_id, area)?;
        Self::as_existing(conn, &rows)
    }

    /// The rows of the sites [`Site::existing_near`] gives.
    pub fn rows_near(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        [west, south, east, north]: [f64; 4],
    ) -> QueryResult<Vec<SiteRow>> {
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
        Ok(rows)
    }

    /// The sites `ids` (those that still exist) as [`Site::existing_near`] gives them: what a
    /// write re-reads to check that a plan made outside the writer still holds.
    pub fn existing_by_ids(conn: &mut DbConn, ids: &[SiteId]) -> QueryResult<Vec<Existing>> {
        let mut rows: Vec<SiteRow> = Vec::new();
        for chunk in ids.chunks(IDS_PER_QUERY) {
            rows.extend(
                sites::table
                    .filter(sites::id.eq_any(chunk))
                    .select(SiteRow::as_select())
                    .load(conn)?,
            );
        }
        Self::as_existing(conn, &rows)
    }

    /// These sites as matching needs them (with whether each has a history).
    pub fn as_existing(conn: &mut DbConn, rows: &[SiteRow]) -> QueryResult<Vec<Existing>> {
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
            .iter()
            .map(|r| Existing {
                has_history: with_history.contains(&r.id),
                reviewed: r.reviewed_at.is_some(),
                id: r.id.clone(),
                lon: r.lon,
                lat: r.lat,
                status: r.status,
                merged_into: r.merged_into.clone(),
            })
            .collect())
    }

    /// The sites of `steps`' updates that already hold what the run found for them — the same
    /// figures, the same position and class where the update would move them, the same tasks
    /// and votes — and need no write. An incremental run recomputes whole cells around a few
    /// new answers, and most of a cell's sites come out as they were: writing only the others
    /// keeps its write transactions short. Such a site keeps the run that computed it last.
    /// `rows` are the sites the plan was made from ([`Site::rows_near`]).
    pub fn unchanged(
        conn: &mut DbConn,
        steps: &[Step],
        found: &[FoundSite],
        rows: &[SiteRow],
    ) -> QueryResult<HashSet<SiteId>> {
        let rows: HashMap<&SiteId, &SiteRow> = rows.iter().map(|r| (&r.id, r)).collect();
        let updates: Vec<(&SiteId, &FoundSite, bool)> = steps
            .iter()
            .filter_map(|step| match step {
                Step::Update {
                    id,
                    found: f,
                    moved,
                    restored: false,
                } => Some((id, &found[*f], *moved)),
                _ => None,
            })
            .collect();
        let mut same = HashSet::new();
        for chunk in updates.chunks(IDS_PER_QUERY) {
            let ids: Vec<&SiteId> = chunk.iter().map(|(id, _, _)| *id).collect();
            let mut tasks_of: HashMap<SiteId, Vec<TaskId>> = HashMap::new();
            for (site, task) in site_tasks::table
                .filter(site_tasks::site_id.eq_any(&ids))
                .select((site_tasks::site_id, site_tasks::task_id))
                .load::<(SiteId, TaskId)>(conn)?
            {
                tasks_of.entry(site).or_default().push(task);
            }
            let mut votes_of: HashMap<SiteId, Vec<(UserId, String)>> = HashMap::new();
            for (site, user, class) in site_votes::table
                .filter(site_votes::site_id.eq_any(&ids))
                .select((site_votes::site_id, site_votes::user_id, site_votes::class))
                .load::<(SiteId, UserId, String)>(conn)?
            {
                votes_of.entry(site).or_default().push((user, class));
            }
            for (id, site, moved) in chunk {
                let Some(row) = rows.get(id) else { continue };
                #[expect(
                    clippy::float_cmp,
                    reason = "a rerun on the same input gives the same bits"
                )]
                let figures = row.confidence == site.confidence
                    && row.support == site.support
                    && row.seen_by == site.seen_by
                    && row.uncertainty_m == site.uncertainty_m
                    && row.class_votes == site.class_votes()
                    && (!moved
                        || (row.lon == site.lon && row.lat == site.lat && row.class == site.class));
                if !figures {
                    continue;
                }
                let mut tasks = tasks_of.remove(*id).unwrap_or_default();
                let mut want_tasks = site.tasks.clone();
                tasks.sort_unstable();
                want_tasks.sort_unstable();
                let mut votes = votes_of.remove(*id).unwrap_or_default();
                let mut want_votes = site.votes.clone();
                votes.sort_unstable();
                want_votes.sort_unstable();
                if tasks == want_tasks && votes == want_votes {
                    same.insert((*id).clone());
                }
            }
        }
        Ok(same)
    }

    /// Carries out (part of) a run's plan for one cell, in the caller's write transaction.
    /// Returns how many sites it wrote (updated or inserted).
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
