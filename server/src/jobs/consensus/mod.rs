//! Re-running consensus as answers arrive: the model `tessera_consensus` documents, with
//! reliabilities estimated over the whole campaign and held fixed in between.
//!
//! Every `interval`, each instance looks for active campaigns with answers newer than the last
//! consensus run. It decides the run's kind ([`policy::FullRunPolicy`]), then claims the
//! campaign by inserting an unfinished `consensus_runs` row of that kind (inside a write
//! transaction that first checks no other unfinished run is younger than [`CLAIM_TIMEOUT_MS`],
//! so two instances never run the same campaign at once).
//!
//! - A **full** run ([`full`]) runs [`tessera_consensus::run`] over the whole campaign: every
//!   georeferenced task, gold tasks with their known answers (which anchor the EM: a volunteer
//!   who misses the known sites of practice tiles loses sensitivity), and every answer. It
//!   writes the sites cell by cell, one volunteer reliability per volunteer per campaign
//!   (`volunteer_reliability`, with its run id) and the campaign's priors on its run row. It is
//!   the campaign's first run, and runs again when the answers since the last one exceed a
//!   share of those it read, when it is a day old, when the parameters changed, or when a
//!   suspended volunteer still counts.
//! - An **incremental** run ([`incremental`]) recomputes, one ~5 km cell at a time, the cells
//!   the tasks answered since the last run overlap, with [`tessera_consensus::run_region`] and
//!   the last full run's reliabilities and priors held fixed. A volunteer no full run has
//!   estimated yet is estimated from the cell's answers; that estimate is written as
//!   provisional, never over a full run's, and is not held fixed later.
//!
//! Either way the sites are matched to the campaign's durable sites (see
//! [`crate::sites::reconcile`]) and the run row is finished with its counts: the distinct tasks
//! and answers it read (a task near a cell's edge, read by two cells, counts once), the sites it
//! wrote and the volunteers it estimated. Suspended volunteers' answers are never read.
//!
//! Answer intake never waits for the job: the job reads committed answers and writes only
//! sites, reliabilities and its run row, each in a short transaction through the shared writer.

pub mod full;
pub mod incremental;
pub mod policy;
pub mod store;

use std::time::Duration;

use crate::campaign_settings::CampaignSettings;
use crate::db::campaign::Campaign;
use crate::db::consensus_run::ConsensusRun;
use crate::db::ids::{CampaignId, RunId};
use crate::db::kinds::{CampaignStatus, RunKind};
use crate::db::volunteer_reliability::VolunteerReliability;
use crate::db::{Db, DbError, now_ms};
use policy::FullRunPolicy;

/// An unfinished run older than this is presumed dead (its instance crashed) and ignored.
pub const CLAIM_TIMEOUT_MS: i64 = 10 * 60_000;

/// The cell `(row, col)` of `(lon, lat)` in the grid of [`incremental::CELL_DEG`].
fn cell_of(lon: f64, lat: f64) -> (i64, i64) {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "cell indices of longitudes and latitudes are small"
    )]
    let index = |deg: f64| (deg / incremental::CELL_DEG).floor() as i64;
    (index(lat), index(lon))
}

/// What one run did, as its row's `counts` records it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunCounts {
    /// Full or incremental.
    pub kind: RunKind,
    /// Distinct tasks read.
    pub tasks: usize,
    /// Distinct answers read (suspended volunteers' left out).
    pub answers: usize,
    /// Sites written.
    pub sites: usize,
    /// Volunteers whose reliability it wrote (provisional ones, in an incremental run).
    pub volunteers: usize,
    /// The box around the tasks it recomputed.
    pub region: [f64; 4],
}

impl RunCounts {
    fn new(kind: RunKind, region: [f64; 4]) -> Self {
        Self {
            kind,
            tasks: 0,
            answers: 0,
            sites: 0,
            volunteers: 0,
            region,
        }
    }
}

/// Runs the job forever on this thread, once per `interval`.
pub fn run_forever(db: &Db, interval: Duration, policy: &FullRunPolicy) {
    loop {
        std::thread::sleep(interval);
        if let Err(e) = run_once_with(db, policy) {
            tracing::error!(error = %e, "consensus job failed");
        }
    }
}

/// [`run_once_with`] the default [`FullRunPolicy`].
pub fn run_once(db: &Db) -> Result<Vec<RunCounts>, DbError> {
    run_once_with(db, &FullRunPolicy::default())
}

/// One pass over every active campaign with new answers. A campaign whose settings cannot be
/// read is logged and recorded as a failed run (see [`ConsensusRun::record_failure`]), never
/// run on other settings, and so is a run that fails (an answer of a kind this version does
/// not know); the pass goes on with the other campaigns.
pub fn run_once_with(db: &Db, policy: &FullRunPolicy) -> Result<Vec<RunCounts>, DbError> {
    let active = Campaign::list(&mut *db.conn()?, Some(&[CampaignStatus::Active]))?;
    let mut done = Vec::new();
    for campaign in active {
        let settings = match campaign.settings() {
            Ok(settings) => settings,
            Err(err) => {
                tracing::error!(campaign.id = %campaign.id, error = %err, "consensus cannot run this campaign");
                let message = err.to_string();
                db.write(|conn| -> Result<bool, DbError> {
                    Ok(ConsensusRun::record_failure(
                        conn,
                        &campaign.id,
                        &message,
                        now_ms(),
                    )?)
                })?;
                continue;
            }
        };
        match run_campaign(db, &campaign.id, &settings, policy) {
            Ok(Some(counts)) => done.push(counts),
            // Nothing new; or a failed run, already logged and recorded: the others go on.
            Ok(None) | Err(RunError::Run(_)) => {}
            Err(RunError::Claim(e)) => return Err(e),
        }
    }
    Ok(done)
}

/// Re-runs consensus over the campaign (a full run) or the area touched since the last run
/// (an incremental one), as `policy` decides; `None` when nothing is new or another instance
/// holds the campaign.
pub fn run_campaign(
    db: &Db,
    campaign_id: &CampaignId,
    settings: &CampaignSettings,
    policy: &FullRunPolicy,
) -> Result<Option<RunCounts>, RunError> {
    let params = settings.consensus_params();
    let parameters = serde_json::to_string(&params).unwrap_or_default();
    let now = now_ms();
    // Read outside the claim's transaction: a claim that loses the race runs nothing.
    let (last_full, kind) = (|| -> Result<_, DbError> {
        let conn = &mut *db.conn()?;
        let last_full = ConsensusRun::last_full(conn, campaign_id)?;
        let answers_since = match &last_full {
            Some(last) => ConsensusRun::answers_since(conn, campaign_id, last.started_at)?,
            None => 0,
        };
        let suspended_counted = VolunteerReliability::suspended_still_counted(conn, campaign_id)?;
        let kind = policy.kind(
            &policy::Campaign {
                last_full: last_full.as_ref(),
                parameters: &parameters,
                answers_since,
                suspended_counted,
            },
            now,
        );
        Ok((last_full, kind))
    })()
    .map_err(RunError::Claim)?;
    let claimed = db
        .write(|conn| -> Result<_, DbError> {
            Ok(ConsensusRun::claim(
                conn,
                campaign_id,
                kind,
                &parameters,
                now,
                CLAIM_TIMEOUT_MS,
            )?)
        })
        .map_err(RunError::Claim)?;
    let Some((run_id, since)) = claimed else {
        return Ok(None);
    };
    let done = match (kind, &last_full) {
        (RunKind::Incremental, Some(last)) => {
            incremental::run(db, campaign_id, &run_id, since, last, &params).and_then(|counts| {
                finish(db, &run_id, &counts, None)?;
                Ok(counts)
            })
        }
        _ => full::run(db, campaign_id, &run_id, &params).and_then(|(counts, priors)| {
            finish(db, &run_id, &counts, Some(priors))?;
            Ok(counts)
        }),
    };
    match done {
        Ok(counts) => Ok(Some(counts)),
        Err(err) => {
            tracing::error!(campaign.id = %campaign_id, consensus.run = %run_id, error = %err, "consensus run failed");
            let message = with_causes(&err);
            // Best effort: a run left unfinished is ignored once its claim times out.
            let _ = db.write(|conn| -> Result<usize, DbError> {
                Ok(ConsensusRun::fail(conn, &run_id, &message, now_ms())?)
            });
            Err(RunError::Run(err))
        }
    }
}

/// An error with its chain of causes, `outer: inner: …`: diesel's deserialisation errors name
/// only the column, their cause says what was wrong with the value.
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut cause = err.source();
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}

/// Why [`run_campaign`] did not finish a run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The campaign could not be claimed: nothing was recorded.
    #[error("claiming the campaign: {0}")]
    Claim(DbError),
    /// The claimed run failed; its row says why.
    #[error(transparent)]
    Run(DbError),
}

/// Closes a run's row with its counts (and a full run's priors).
fn finish(
    db: &Db,
    run_id: &RunId,
    counts: &RunCounts,
    priors: Option<[f64; 2]>,
) -> Result<(), DbError> {
    let summary = serde_json::to_string(counts).unwrap_or_default();
    db.write(|conn| -> Result<usize, DbError> {
        Ok(match priors {
            Some(priors) => ConsensusRun::finish_full(conn, run_id, &summary, priors, now_ms())?,
            None => ConsensusRun::finish(conn, run_id, &summary, now_ms())?,
        })
    })?;
    tracing::info!(
        consensus.run = %run_id,
        consensus.kind = %counts.kind,
        consensus.tasks = counts.tasks,
        consensus.answers = counts.answers,
        consensus.sites = counts.sites,
        "consensus run finished"
    );
    Ok(())
}
