//! Consensus runs: one row per run of the consensus job over a campaign, naming its parameters
//! and code version so that every site it wrote can be re-derived. A run row with no
//! `finished_at` is a claim on the campaign; one with an `error` could not run. Its `kind` says
//! whether it covered the whole campaign (a full run, which also records the priors it
//! estimated) or only the cells new answers touched.

use diesel::prelude::*;

use super::DbConn;
use super::ids::{CampaignId, RunId};
use super::kinds::RunKind;
use super::schema::{answers, campaigns, consensus_runs};
use super::volunteer_reliability::VolunteerReliability;

/// The code that computes sites, as every run records it.
pub const CODE_VERSION: &str = concat!("tessera ", env!("CARGO_PKG_VERSION"));

/// The consensus runs of campaigns (`consensus_runs`).
#[derive(Debug)]
pub struct ConsensusRun;

/// The latest full run of a campaign that finished without error.
#[derive(Debug, Clone, PartialEq)]
pub struct LastFullRun {
    pub id: RunId,
    pub started_at: i64,
    /// The consensus parameters it ran with (JSON).
    pub parameters: String,
    /// Answers it read (from its counts; 0 when they do not say).
    pub answers: u64,
    pub prior_site: f64,
    pub prior_decoy: f64,
}

impl ConsensusRun {
    /// Claims `campaign_id` for a new run of `kind` started at `now`, when no other claim
    /// younger than `claim_timeout_ms` holds it and answers came in since the last run that
    /// finished without error (and since the last that failed), or a suspended volunteer's
    /// answers still count in the campaign (see
    /// [`VolunteerReliability::suspended_still_counted`]). Returns the run's id and the time its
    /// answers are counted from. Run it in a write transaction.
    pub fn claim(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        kind: RunKind,
        parameters: &str,
        now: i64,
        claim_timeout_ms: i64,
    ) -> QueryResult<Option<(RunId, i64)>> {
        // serialise claimers on PostgreSQL; SQLite writes are serialised already
        if let DbConn::Pg(pg) = conn {
            campaigns::table
                .find(campaign_id)
                .select(campaigns::id)
                .for_update()
                .first::<CampaignId>(pg)?;
        }
        let running: i64 = consensus_runs::table
            .filter(consensus_runs::campaign_id.eq(campaign_id))
            .filter(consensus_runs::finished_at.is_null())
            .filter(consensus_runs::started_at.gt(now - claim_timeout_ms))
            .count()
            .get_result(conn)?;
        if running > 0 {
            return Ok(None);
        }
        let since: Option<i64> = consensus_runs::table
            .filter(consensus_runs::campaign_id.eq(campaign_id))
            .filter(consensus_runs::finished_at.is_not_null())
            .filter(consensus_runs::error.is_null())
            .select(diesel::dsl::max(consensus_runs::started_at))
            .first(conn)?;
        let since = since.unwrap_or(i64::MIN);
        // A run that failed is tried again once answers come in after it, not on every pass.
        let failed: Option<i64> = consensus_runs::table
            .filter(consensus_runs::campaign_id.eq(campaign_id))
            .filter(consensus_runs::error.is_not_null())
            .select(diesel::dsl::max(consensus_runs::started_at))
            .first(conn)?;
        let fresh: bool = diesel::select(diesel::dsl::exists(
            answers::table
                .filter(answers::campaign_id.eq(campaign_id))
                .filter(answers::submitted_at.ge(since.max(failed.unwrap_or(i64::MIN)))),
        ))
        .get_result(conn)?;
        if !fresh && !VolunteerReliability::suspended_still_counted(conn, campaign_id)? {
            return Ok(None);
        }
        let id = RunId(uuid::Uuid::now_v7().to_string());
        diesel::insert_into(consensus_runs::table)
            .values((
                consensus_runs::id.eq(&id),
                consensus_runs::campaign_id.eq(campaign_id),
                consensus_runs::kind.eq(kind.as_str()),
                consensus_runs::parameters.eq(parameters),
                consensus_runs::code_version.eq(CODE_VERSION),
                consensus_runs::started_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Some((id, since)))
    }

    /// Marks a run finished with what it did (`counts`, JSON).
    pub fn finish(conn: &mut DbConn, id: &RunId, counts: &str, now: i64) -> QueryResult<usize> {
        diesel::update(consensus_runs::table.find(id))
            .set((
                consensus_runs::finished_at.eq(Some(now)),
                consensus_runs::counts.eq(counts),
            ))
            .execute(conn)
    }

    /// Marks a full run finished with what it did (`counts`, JSON) and the priors it estimated.
    pub fn finish_full(
        conn: &mut DbConn,
        id: &RunId,
        counts: &str,
        [prior_site, prior_decoy]: [f64; 2],
        now: i64,
    ) -> QueryResult<usize> {
        diesel::update(consensus_runs::table.find(id))
            .set((
                consensus_runs::finished_at.eq(Some(now)),
                consensus_runs::counts.eq(counts),
                consensus_runs::prior_site.eq(Some(prior_site)),
                consensus_runs::prior_decoy.eq(Some(prior_decoy)),
            ))
            .execute(conn)
    }

    /// The campaign's latest full run that finished without error, if any.
    pub fn last_full(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
    ) -> QueryResult<Option<LastFullRun>> {
        type Row = (RunId, i64, String, String, Option<f64>, Option<f64>);
        let row: Option<Row> = consensus_runs::table
            .filter(consensus_runs::campaign_id.eq(campaign_id))
            .filter(consensus_runs::kind.eq(RunKind::Full.as_str()))
            .filter(consensus_runs::finished_at.is_not_null())
            .filter(consensus_runs::error.is_null())
            .order(consensus_runs::started_at.desc())
            .select((
                consensus_runs::id,
                consensus_runs::started_at,
                consensus_runs::parameters,
                consensus_runs::counts,
                consensus_runs::prior_site,
                consensus_runs::prior_decoy,
            ))
            .first(conn)
            .optional()?;
        Ok(row.map(
            |(id, started_at, parameters, counts, prior_site, prior_decoy)| {
                let answers = serde_json::from_str::<serde_json::Value>(&counts)
                    .ok()
                    .and_then(|c| c.get("answers").and_then(serde_json::Value::as_u64))
                    .unwrap_or(0);
                LastFullRun {
                    id,
                    started_at,
                    parameters,
                    answers,
                    prior_site: prior_site.unwrap_or_default(),
                    prior_decoy: prior_decoy.unwrap_or_default(),
                }
            },
        ))
    }

    /// Answers to the campaign submitted at or after `since` (one range of the campaign's
    /// `(campaign_id, submitted_at)` index).
    pub fn answers_since(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        since: i64,
    ) -> QueryResult<u64> {
        let n: i64 = answers::table
            .filter(answers::campaign_id.eq(campaign_id))
            .filter(answers::submitted_at.ge(since))
            .count()
            .get_result(conn)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Marks a claimed run finished, with why it failed.
    pub fn fail(conn: &mut DbConn, id: &RunId, error: &str, now: i64) -> QueryResult<usize> {
        diesel::update(consensus_runs::table.find(id))
            .set((
                consensus_runs::finished_at.eq(Some(now)),
                consensus_runs::error.eq(Some(error)),
            ))
            .execute(conn)
    }

    /// Records that a campaign could not be run, and why, unless its latest run already says
    /// the same: a campaign that stays broken leaves one row, not one per pass.
    pub fn record_failure(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        error: &str,
        now: i64,
    ) -> QueryResult<bool> {
        let latest: Option<Option<String>> = consensus_runs::table
            .filter(consensus_runs::campaign_id.eq(campaign_id))
            .order(consensus_runs::started_at.desc())
            .select(consensus_runs::error)
            .first(conn)
            .optional()?;
        if latest.flatten().as_deref() == Some(error) {
            return Ok(false);
        }
        diesel::insert_into(consensus_runs::table)
            .values((
                consensus_runs::id.eq(uuid::Uuid::now_v7().to_string()),
                consensus_runs::campaign_id.eq(campaign_id),
                consensus_runs::parameters.eq("null"),
                consensus_runs::code_version.eq(CODE_VERSION),
                consensus_runs::started_at.eq(now),
                consensus_runs::finished_at.eq(Some(now)),
                consensus_runs::error.eq(Some(error)),
            ))
            .execute(conn)?;
        Ok(true)
    }
}
