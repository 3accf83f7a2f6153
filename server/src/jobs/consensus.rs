//! Re-running consensus as answers arrive, only over the area they touched.
//!
//! Every `interval`, each instance looks for active campaigns with answers newer than the last
//! consensus run. It claims the campaign by inserting an unfinished `consensus_runs` row (inside
//! a write transaction that first checks no other unfinished run is younger than
//! [`CLAIM_TIMEOUT_MS`], so two instances never run the same campaign at once). Then, for each
//! ~5 km cell that the touched tasks overlap, one after the other, it loads the tasks around the
//! cell and their answers, runs [`tessera_consensus::run_region`], replaces the candidate sites
//! inside the cell and records the volunteers' reliability as estimated there (a later cell's
//! estimate replaces an earlier one's). It finishes the run row with its counts: tasks and
//! answers near a cell's edge count once per cell that loaded them. Answer intake never waits
//! for it: the job reads committed answers and writes only sites, users' reliability and its run
//! row.

use std::collections::HashMap;
use std::time::Duration;

use diesel::prelude::*;
use tessera_consensus::{
    Answer as CAnswer, ConsensusParams, DamageClass, Footprint, Input, LonLatBox, Mark as CMark,
    Response, SitePosition, Task as CTask,
};

use crate::campaign_settings::CampaignSettings;
use crate::db::schema::{answers, campaigns, consensus_runs, marks, sites, tasks, users};
use crate::db::{Db, DbConn, DbError, now_ms};

/// An unfinished run older than this is presumed dead (its instance crashed) and ignored.
pub const CLAIM_TIMEOUT_MS: i64 = 10 * 60_000;

/// Side of the cells, in degrees (~5 km), that a run recomputes one at a time, so that what it
/// holds in memory is bounded by a cell's tasks and answers, not by the area touched since the
/// last run (under a campaign-wide load, most of the campaign).
const CELL_DEG: f64 = 0.05;

/// The cells (`[west, south, east, north]`) that the touched tasks' boxes overlap, west to east
/// within south to north.
fn cells(touched: &[(f64, f64, f64, f64)]) -> Vec<[f64; 4]> {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "cell indices of longitudes and latitudes are small"
    )]
    let index = |deg: f64| (deg / CELL_DEG).floor() as i64;
    let mut keys = std::collections::BTreeSet::new();
    for &(west, south, east, north) in touched {
        for row in index(south)..=index(north) {
            for col in index(west)..=index(east) {
                keys.insert((row, col));
            }
        }
    }
    #[expect(clippy::cast_precision_loss, reason = "cell indices are small")]
    keys.into_iter()
        .map(|(row, col)| {
            let (west, south) = (col as f64 * CELL_DEG, row as f64 * CELL_DEG);
            [west, south, west + CELL_DEG, south + CELL_DEG]
        })
        .collect()
}

/// Sites inserted per statement when a run replaces its area's sites.
const SITES_PER_INSERT: usize = 200;

/// Volunteers whose reliability one write transaction records.
const VOLUNTEERS_PER_WRITE: usize = 100;

/// Margin around the touched area, in degrees (~300 m), so clusters at its edge see all marks.
const MARGIN_DEG: f64 = 0.003;

/// What one run did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunCounts {
    pub tasks: usize,
    pub answers: usize,
    pub sites: usize,
    pub region: [f64; 4],
}

/// Runs the job forever on this thread, once per `interval`.
pub fn run_forever(db: &Db, interval: Duration) {
    loop {
        std::thread::sleep(interval);
        if let Err(e) = run_once(db) {
            tracing::error!(error = %e, "consensus job failed");
        }
    }
}

/// One pass over every active campaign with new answers.
pub fn run_once(db: &Db) -> Result<Vec<RunCounts>, DbError> {
    let active: Vec<(String, String)> = campaigns::table
        .filter(campaigns::status.eq("active"))
        .select((campaigns::id, campaigns::settings))
        .load(&mut *db.conn()?)?;
    let mut done = Vec::new();
    for (campaign_id, settings) in active {
        let settings: CampaignSettings = serde_json::from_str(&settings).unwrap_or_default();
        if let Some(counts) = run_campaign(db, &campaign_id, &settings)? {
            done.push(counts);
        }
    }
    Ok(done)
}

fn params_for(settings: &CampaignSettings) -> ConsensusParams {
    ConsensusParams {
        eps_m: settings.consensus.eps_m,
        min_volunteers: settings.consensus.min_volunteers as usize,
        classes: settings.damage_classes.clone(),
        min_answers: settings.redundancy.min as usize,
        max_answers: settings.redundancy.max as usize,
        ..ConsensusParams::default()
    }
}

/// Claims the campaign and returns the new run's id and the time answers are counted from.
fn claim(
    db: &Db,
    campaign_id: &str,
    params: &ConsensusParams,
) -> Result<Option<(String, i64)>, DbError> {
    let now = now_ms();
    db.write(|conn| {
        // serialise claimers on PostgreSQL; SQLite writes are serialised already
        if let DbConn::Pg(pg) = conn {
            campaigns::table
                .find(campaign_id)
                .select(campaigns::id)
                .for_update()
                .first::<String>(pg)?;
        }
        let running: i64 = consensus_runs::table
            .filter(consensus_runs::campaign_id.eq(campaign_id))
            .filter(consensus_runs::finished_at.is_null())
            .filter(consensus_runs::started_at.gt(now - CLAIM_TIMEOUT_MS))
            .count()
            .get_result(conn)?;
        if running > 0 {
            return Ok(None);
        }
        let since: Option<i64> = consensus_runs::table
            .filter(consensus_runs::campaign_id.eq(campaign_id))
            .filter(consensus_runs::finished_at.is_not_null())
            .select(diesel::dsl::max(consensus_runs::started_at))
            .first(conn)?;
        let since = since.unwrap_or(i64::MIN);
        let fresh: i64 = answers::table
            .filter(answers::campaign_id.eq(campaign_id))
            .filter(answers::submitted_at.ge(since))
            .count()
            .get_result(conn)?;
        if fresh == 0 {
            return Ok(None);
        }
        let id = uuid::Uuid::now_v7().to_string();
        diesel::insert_into(consensus_runs::table)
            .values((
                consensus_runs::id.eq(&id),
                consensus_runs::campaign_id.eq(campaign_id),
                consensus_runs::parameters.eq(serde_json::to_string(params).unwrap_or_default()),
                consensus_runs::code_version.eq(concat!("tessera ", env!("CARGO_PKG_VERSION"))),
                consensus_runs::started_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Some((id, since)))
    })
}

/// Re-runs consensus over the area touched since the last run; `None` when nothing is new or
/// another instance holds the campaign.
pub fn run_campaign(
    db: &Db,
    campaign_id: &str,
    settings: &CampaignSettings,
) -> Result<Option<RunCounts>, DbError> {
    let params = params_for(settings);
    let Some((run_id, since)) = claim(db, campaign_id, &params)? else {
        return Ok(None);
    };
    let touched: Vec<(f64, f64, f64, f64)> = tasks::table
        .inner_join(answers::table)
        .filter(answers::campaign_id.eq(campaign_id))
        .filter(answers::submitted_at.ge(since))
        .filter(tasks::footprint.ne("null"))
        .select((
            tasks::min_lon,
            tasks::min_lat,
            tasks::max_lon,
            tasks::max_lat,
        ))
        .distinct()
        .load(&mut *db.conn()?)?;
    let region = touched.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, t| [b[0].min(t.0), b[1].min(t.1), b[2].max(t.2), b[3].max(t.3)],
    );
    let mut counts = RunCounts {
        tasks: 0,
        answers: 0,
        sites: 0,
        region,
    };
    // The widest task bounds how far west of a cell a task overlapping it can start, so each
    // cell reads one range of the (campaign, min_lon) index instead of everything west of it.
    // (Plus a hair, for rounding: the bound must never exclude a task the box test keeps.)
    let widest = if touched.is_empty() {
        0.0
    } else {
        let widest: Option<f64> = tasks::table
            .filter(tasks::campaign_id.eq(campaign_id))
            .filter(tasks::footprint.ne("null"))
            .select(diesel::dsl::max(tasks::max_lon - tasks::min_lon))
            .first(&mut *db.conn()?)?;
        widest.unwrap_or(0.0) + 1e-9
    };
    for cell in cells(&touched) {
        let done = recompute(db, campaign_id, &run_id, cell, widest, &params)?;
        counts.tasks += done.tasks;
        counts.answers += done.answers;
        counts.sites += done.sites;
    }
    db.write(|conn| -> Result<usize, DbError> {
        Ok(diesel::update(consensus_runs::table.find(&run_id))
            .set((
                consensus_runs::finished_at.eq(Some(now_ms())),
                consensus_runs::counts.eq(serde_json::to_string(&counts).unwrap_or_default()),
            ))
            .execute(conn)?)
    })?;
    tracing::info!(campaign.id = %campaign_id, consensus.sites = counts.sites, consensus.answers = counts.answers, "consensus run finished");
    Ok(Some(counts))
}

type TaskRow = (i64, i64, i64, String, bool, Option<String>);

/// The consensus input of these tasks: their footprints, answers and marks.
fn load_input(conn: &mut DbConn, task_rows: &[TaskRow]) -> Result<Input, DbError> {
    let ids: Vec<i64> = task_rows.iter().map(|t| t.0).collect();
    let mut input = Input {
        tasks: Vec::new(),
        answers: Vec::new(),
    };
    for (id, w, h, footprint, _, _) in task_rows {
        let corners: Option<[[f64; 2]; 4]> = serde_json::from_str(footprint).ok();
        let (Some(corners), Ok(w), Ok(h)) = (corners, u32::try_from(*w), u32::try_from(*h)) else {
            continue;
        };
        let Ok(fp) = Footprint::new(corners) else {
            continue;
        };
        if let Ok(task) = CTask::new((*id).into(), w, h, Some(fp)) {
            input.tasks.push(task);
        }
    }
    let mut answer_rows: Vec<(String, i64, String, String)> = Vec::new();
    let mut mark_rows: Vec<(String, f64, f64, String)> = Vec::new();
    for chunk in ids.chunks(500) {
        answer_rows.extend(
            answers::table
                .filter(answers::task_id.eq_any(chunk))
                .select((
                    answers::id,
                    answers::task_id,
                    answers::user_id,
                    answers::kind,
                ))
                .load::<(String, i64, String, String)>(conn)?,
        );
        mark_rows.extend(
            marks::table
                .filter(marks::task_id.eq_any(chunk))
                .select((marks::answer_id, marks::x, marks::y, marks::class))
                .load::<(String, f64, f64, String)>(conn)?,
        );
    }
    let mut by_answer: HashMap<&str, Vec<CMark>> = HashMap::new();
    for (answer_id, x, y, class) in &mark_rows {
        if let Ok(mark) = CMark::new(*x, *y, DamageClass(class.clone())) {
            by_answer.entry(answer_id.as_str()).or_default().push(mark);
        }
    }
    for (answer_id, task_id, user_id, kind) in &answer_rows {
        let response = match kind.as_str() {
            "marks" => Response::Marks(by_answer.remove(answer_id.as_str()).unwrap_or_default()),
            "nothing_here" => Response::NothingHere,
            _ => Response::CantTell,
        };
        input.answers.push(CAnswer {
            task: (*task_id).into(),
            volunteer: user_id.as_str().into(),
            response,
        });
    }
    Ok(input)
}

fn recompute(
    db: &Db,
    campaign_id: &str,
    run_id: &str,
    region: [f64; 4],
    widest: f64,
    params: &ConsensusParams,
) -> Result<RunCounts, DbError> {
    let [west, south, east, north] = region;
    let conn = &mut *db.conn()?;
    let task_rows: Vec<TaskRow> = tasks::table
        .filter(tasks::campaign_id.eq(campaign_id))
        .filter(tasks::footprint.ne("null"))
        .filter(tasks::min_lon.ge(west - MARGIN_DEG - widest))
        .filter(tasks::min_lon.le(east + MARGIN_DEG))
        .filter(tasks::max_lon.ge(west - MARGIN_DEG))
        .filter(tasks::max_lat.ge(south - MARGIN_DEG))
        .filter(tasks::min_lat.le(north + MARGIN_DEG))
        .select((
            tasks::id,
            tasks::px_w,
            tasks::px_h,
            tasks::footprint,
            tasks::is_gold,
            tasks::gold_answer,
        ))
        .load(conn)?;
    let input = load_input(conn, &task_rows)?;
    let area = LonLatBox {
        west,
        south,
        east,
        north,
    };
    let output = match tessera_consensus::run_region(&input, &area, params, None) {
        Ok(output) => output,
        Err(err) => {
            tracing::warn!(error = %err, campaign.id = %campaign_id, "consensus skipped this area");
            return Ok(RunCounts {
                tasks: input.tasks.len(),
                answers: input.answers.len(),
                sites: 0,
                region,
            });
        }
    };
    let written = store(db, campaign_id, run_id, region, &output)?;
    Ok(RunCounts {
        tasks: input.tasks.len(),
        answers: input.answers.len(),
        sites: written,
        region,
    })
}

/// Replaces the candidate sites inside `region` with a run's, and records the volunteers'
/// estimated reliability. Returns how many sites it wrote.
fn store(
    db: &Db,
    campaign_id: &str,
    run_id: &str,
    region: [f64; 4],
    output: &tessera_consensus::Output,
) -> Result<usize, DbError> {
    let [west, south, east, north] = region;
    let now = now_ms();
    let rows: Vec<_> = output
        .sites
        .iter()
        .filter_map(|site| {
            let SitePosition::Geo { lon, lat } = site.position else {
                return None;
            };
            Some((
                sites::id.eq(uuid::Uuid::now_v7().to_string()),
                sites::campaign_id.eq(campaign_id),
                sites::lon.eq(lon),
                sites::lat.eq(lat),
                sites::class.eq(&site.class.0),
                sites::confidence.eq(site.confidence),
                sites::support.eq(site.support),
                sites::seen_by.eq(i32::try_from(site.seen_by).unwrap_or(i32::MAX)),
                sites::uncertainty_m.eq(site.uncertainty),
                sites::status.eq("candidate"),
                sites::source.eq("consensus"),
                sites::consensus_run_id.eq(Some(run_id)),
                sites::created_at.eq(now),
                sites::updated_at.eq(now),
            ))
        })
        .collect();
    // Through the shared writer, like every request: on SQLite a second writer beside it would
    // make request transactions fail with SQLITE_BUSY. The area's sites are replaced in one
    // transaction, so a map never shows it half done; the rows go in a few statements of many
    // rows each, so the writer is held for milliseconds, not for a statement per site.
    let written = db.write(|conn| -> Result<usize, DbError> {
        diesel::delete(
            sites::table
                .filter(sites::campaign_id.eq(campaign_id))
                .filter(sites::status.eq("candidate"))
                .filter(sites::source.eq("consensus"))
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
    })?;
    // Reliability estimates need no transaction together: short ones, between request batches.
    for chunk in output.volunteers.chunks(VOLUNTEERS_PER_WRITE) {
        db.write(|conn| -> Result<(), DbError> {
            for v in chunk {
                diesel::update(users::table.find(v.id.to_string()))
                    .set((
                        users::reliability.eq(v.weight),
                        users::sensitivity.eq(Some(v.sensitivity)),
                        users::false_rate.eq(Some(v.false_rate)),
                    ))
                    .execute(conn)?;
            }
            Ok(())
        })?;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_tasks_are_recomputed_cell_by_cell() {
        // One task inside a cell, one across a cell's east edge, one in the western hemisphere.
        let touched = [
            (39.01, 35.91, 39.011, 35.911),
            (39.049, 35.91, 39.051, 35.911),
            (-0.01, 51.5, -0.009, 51.501),
        ];
        let cells = cells(&touched);
        let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
        let has = |west: f64, south: f64| {
            cells
                .iter()
                .any(|c| near(c[0], west) && near(c[1], south) && near(c[2] - c[0], CELL_DEG))
        };
        assert_eq!(cells.len(), 3, "{cells:?}");
        assert!(
            has(39.0, 35.9) && has(39.05, 35.9) && has(-0.05, 51.5),
            "{cells:?}"
        );
        assert!(super::cells(&[]).is_empty());
    }
}
