//! Leasing the next task to a volunteer.

use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::statements::{LeaseTaken, PgLeaseNext};
use crate::campaign_settings::CampaignSettings;
use crate::db::DbConn;
use crate::db::ids::{CampaignId, UserId};
use crate::db::kinds::TaskStatus;
use crate::db::lease::Lease;
use crate::db::schema::{answers, leases, tasks};
use crate::db::task::Task;

/// What `POST /campaigns/{id}/next` gets from the scheduler.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one short-lived value per request"
)]
pub enum LeaseOutcome {
    /// A task leased until `expires_at`; `resumed` when it is one the volunteer already held.
    Leased {
        task: Task,
        expires_at: i64,
        resumed: bool,
    },
    /// No task for this volunteer now.
    NoTask(NoTaskReason),
}

/// Why there is no task, in words a volunteer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoTaskReason {
    /// The volunteer has seen every open task of the campaign.
    SeenAll,
    /// Every task still open is being looked at by others right now.
    AllLeased,
    /// The campaign has no open task left.
    CampaignComplete,
    /// A practice task was asked for, and none is left that this volunteer has not done.
    NoPractice,
}

impl NoTaskReason {
    pub fn code(self) -> &'static str {
        match self {
            Self::SeenAll => "seen_all",
            Self::AllLeased => "all_leased",
            Self::CampaignComplete => "campaign_complete",
            Self::NoPractice => "no_practice",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::SeenAll => {
                "You have seen every open task in this campaign. Thank you! New tasks appear when \
                 imagery is added."
            }
            Self::AllLeased => {
                "Every remaining task is being looked at by other volunteers right now. Try again \
                 in a few minutes: tasks that are not finished come back."
            }
            Self::CampaignComplete => "This campaign has all the answers it needs. Thank you!",
            Self::NoPractice => {
                "There is no practice tile for you in this campaign; go on to the real tasks."
            }
        }
    }
}

/// Picks the best available task this volunteer has never been shown (`SQLite`, whose writes
/// are serialised, so the row cannot change before the lease is taken).
fn pick(
    conn: &mut DbConn,
    campaign_id: &CampaignId,
    user_id: &UserId,
    gold: bool,
) -> QueryResult<Option<Task>> {
    let seen = leases::table
        .filter(leases::task_id.eq(tasks::id))
        .filter(leases::user_id.eq(user_id.clone()));
    tasks::table
        .filter(tasks::campaign_id.eq(campaign_id.clone()))
        .filter(tasks::available.eq(true))
        .filter(tasks::is_gold.eq(gold))
        .filter(not(exists(seen)))
        .order((
            tasks::answer_count.desc(),
            tasks::priority.desc(),
            tasks::id,
        ))
        .select(Task::as_select())
        .first(conn)
        .optional()
}

/// Leases the best available task of this kind to `user_id`, counting it on the task; on
/// `PostgreSQL` only while they hold fewer than `max_held` live leases in the campaign.
fn take(
    conn: &mut DbConn,
    campaign_id: &CampaignId,
    user_id: &UserId,
    gold: bool,
    now: i64,
    expires_at: i64,
    max_held: i64,
) -> QueryResult<Option<Task>> {
    if let DbConn::Pg(pg) = conn {
        // One statement, which locks and re-checks the row it picks (see `PgLeaseNext`).
        return PgLeaseNext {
            campaign_id: campaign_id.0.clone(),
            user_id: user_id.0.clone(),
            gold,
            issued_at: now,
            expires_at,
            max_held,
            returning: Task::as_select(),
        }
        .get_result(pg)
        .optional();
    }
    let Some(task) = pick(conn, campaign_id, user_id, gold)? else {
        return Ok(None);
    };
    diesel::insert_into(leases::table)
        .values(&Lease {
            task_id: task.id,
            user_id: user_id.clone(),
            issued_at: now,
            expires_at,
            answered: false,
            expired: false,
        })
        .execute(conn)?;
    // One statement: the counter and the availability it implies.
    LeaseTaken { task_id: task.id.0 }.execute(conn)?;
    Ok(Some(task))
}

/// Share of gold tasks this volunteer should get now.
fn gold_rate(
    conn: &mut DbConn,
    settings: &CampaignSettings,
    campaign_id: &CampaignId,
    user_id: &UserId,
) -> QueryResult<f64> {
    if settings.gold_rate == 0.0 && settings.gold_rate_new == 0.0 {
        return Ok(0.0);
    }
    // Whether they have answered `new_volunteer_tasks` yet: one index probe at that offset,
    // not a count of everything a prolific volunteer ever answered.
    let offset = i64::from(settings.new_volunteer_tasks.max(1)) - 1;
    let reached: Option<String> = answers::table
        .filter(answers::user_id.eq(user_id))
        .filter(answers::campaign_id.eq(campaign_id))
        .select(answers::id)
        .offset(offset)
        .first(conn)
        .optional()?;
    Ok(if reached.is_none() && settings.new_volunteer_tasks > 0 {
        settings.gold_rate_new
    } else {
        settings.gold_rate
    })
}

/// Leases the next task of `campaign_id` to `user_id`. On `SQLite` run it inside a write
/// transaction; on `PostgreSQL` it needs none (its one write is one statement).
///
/// `gold_draw` is a uniform random number in [0, 1): below the volunteer's gold rate, a gold
/// task they have not seen is preferred. `Pick::Practice` asks for a gold task only, as the
/// tutorial's last step.
pub fn lease_next(
    conn: &mut DbConn,
    campaign_id: &CampaignId,
    settings: &CampaignSettings,
    user_id: &UserId,
    now: i64,
    pick_kind: Pick,
) -> QueryResult<LeaseOutcome> {
    let expires_at = now + i64::from(settings.lease_minutes) * 60_000;
    let order: &[bool] = match pick_kind {
        Pick::Practice => &[true],
        Pick::Search { gold_draw } => {
            search_order(conn, settings, campaign_id, user_id, gold_draw)?
        }
    };
    // The first kind in `order` with a task for them, leased (past `max_held` live leases, none
    // on `PostgreSQL`).
    let take_first = |conn: &mut DbConn, max_held: i64| -> QueryResult<Option<LeaseOutcome>> {
        for &gold in order {
            if let Some(task) = take(conn, campaign_id, user_id, gold, now, expires_at, max_held)? {
                return Ok(Some(LeaseOutcome::Leased {
                    task,
                    expires_at,
                    resumed: false,
                }));
            }
        }
        Ok(None)
    };
    if let (DbConn::Pg(_), Pick::Search { .. }) = (&*conn, pick_kind) {
        // The common case in one round trip: `PgLeaseNext` checks the leases they hold itself.
        // When it leases nothing, the path below finds out why.
        if let Some(leased) = take_first(conn, i64::from(settings.max_leases))? {
            return Ok(leased);
        }
    }
    let held = Lease::live_for_user(conn, user_id, campaign_id, now)?;
    if pick_kind == Pick::Practice {
        // A practice task already held (a reload) comes back; held search tasks do not count
        // against practice, which is bounded by the campaign's gold tasks.
        for lease in &held {
            let task = Task::find(conn, lease.task_id)?;
            if task.is_gold {
                return Ok(LeaseOutcome::Leased {
                    task,
                    expires_at: lease.expires_at,
                    resumed: true,
                });
            }
        }
    } else if held.len() >= settings.max_leases as usize
        && let Some(oldest) = held.first()
    {
        return resume(conn, oldest);
    }
    if let Some(leased) = take_first(conn, i64::MAX)? {
        return Ok(leased);
    }
    if pick_kind == Pick::Practice {
        return Ok(LeaseOutcome::NoTask(NoTaskReason::NoPractice));
    }
    Ok(LeaseOutcome::NoTask(why_none(conn, campaign_id, user_id)?))
}

/// A reload or an over-eager prefetch: the oldest lease they hold comes back, rather than more.
fn resume(conn: &mut DbConn, oldest: &Lease) -> QueryResult<LeaseOutcome> {
    let task = Task::find(conn, oldest.task_id)?;
    Ok(LeaseOutcome::Leased {
        task,
        expires_at: oldest.expires_at,
        resumed: true,
    })
}

/// Whether a search pick tries a gold task first (`gold_draw` below the volunteer's gold rate).
fn search_order(
    conn: &mut DbConn,
    settings: &CampaignSettings,
    campaign_id: &CampaignId,
    user_id: &UserId,
    gold_draw: f64,
) -> QueryResult<&'static [bool]> {
    Ok(
        if gold_draw < gold_rate(conn, settings, campaign_id, user_id)? {
            &[true, false]
        } else {
            &[false]
        },
    )
}

/// Which kind of task `lease_next` hands out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pick {
    /// The next search task; `gold_draw` is uniform in [0, 1) and decides whether a gold task
    /// is mixed in.
    Search { gold_draw: f64 },
    /// A gold task the volunteer has not seen, for practice.
    Practice,
}

fn why_none(
    conn: &mut DbConn,
    campaign_id: &CampaignId,
    user_id: &UserId,
) -> QueryResult<NoTaskReason> {
    let open = tasks::table
        .filter(tasks::campaign_id.eq(campaign_id))
        .filter(tasks::status.eq(TaskStatus::Open))
        .filter(tasks::is_gold.eq(false));
    let any_open: bool = diesel::select(exists(open)).get_result(conn)?;
    if !any_open {
        return Ok(NoTaskReason::CampaignComplete);
    }
    let seen = leases::table
        .filter(leases::task_id.eq(tasks::id))
        .filter(leases::user_id.eq(user_id));
    let unseen: bool = diesel::select(exists(open.filter(not(exists(seen))))).get_result(conn)?;
    Ok(if unseen {
        NoTaskReason::AllLeased
    } else {
        NoTaskReason::SeenAll
    })
}
