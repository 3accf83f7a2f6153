//! An incremental run: the ~5 km cells that answers since the last run touched, one after the
//! other, each with [`tessera_consensus::run_region`] and the volunteers' reliabilities of the
//! last full run held fixed.

use std::collections::{BTreeSet, HashMap};

use tessera_consensus::{ConsensusParams, LonLatBox, Reliabilities, VolunteerEstimate};

use super::{RunCounts, cell_of, store};
use crate::db::consensus_input;
use crate::db::consensus_run::LastFullRun;
use crate::db::ids::{CampaignId, RunId};
use crate::db::kinds::RunKind;
use crate::db::task::{LonLatBounds, Task};
use crate::db::volunteer_reliability::VolunteerReliability;
use crate::db::{Db, DbError, now_ms};

/// Side of the cells, in degrees (~5 km), that a run recomputes one at a time, so that what it
/// holds in memory is bounded by a cell's tasks and answers, not by the area touched since the
/// last run (under a campaign-wide load, most of the campaign).
pub const CELL_DEG: f64 = 0.05;

/// Margin around a cell, in degrees (~300 m), so clusters at its edge see all marks.
const MARGIN_DEG: f64 = 0.003;

/// The cells (`[west, south, east, north]`) that these boxes overlap, west to east within
/// south to north.
pub fn cells(boxes: &[LonLatBounds]) -> Vec<[f64; 4]> {
    let mut keys = BTreeSet::new();
    for &[west, south, east, north] in boxes {
        let (row0, col0) = cell_of(west, south);
        let (row1, col1) = cell_of(east, north);
        for row in row0..=row1 {
            for col in col0..=col1 {
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

/// The last full run's estimates, as `run_region` holds them fixed.
fn known(last: &LastFullRun, rows: &[VolunteerReliability]) -> Reliabilities {
    Reliabilities {
        prior_site: last.prior_site,
        prior_decoy: last.prior_decoy,
        volunteers: rows
            .iter()
            .map(|r| VolunteerEstimate {
                id: r.user_id.as_str().into(),
                sensitivity: r.sensitivity,
                false_rate: r.false_rate,
                fooled: r.fooled,
                class_accuracy: r.class_accuracy,
                weight: r.weight,
                answers: usize::try_from(r.answers).unwrap_or(0),
            })
            .collect(),
    }
}

/// Recomputes the cells touched since `since` under the claimed run `run_id`, with the
/// estimates of `last` held fixed. Counts each task and answer it read once, however many
/// cells read it.
pub fn run(
    db: &Db,
    campaign_id: &CampaignId,
    run_id: &RunId,
    since: i64,
    last: &LastFullRun,
    params: &ConsensusParams,
) -> Result<RunCounts, DbError> {
    let touched = Task::answered_boxes_since(&mut *db.conn()?, campaign_id, since)?;
    let rows = VolunteerReliability::estimated(&mut *db.conn()?, campaign_id)?;
    let known = known(last, &rows);
    drop(rows);
    let fixed: std::collections::HashSet<&tessera_consensus::VolunteerId> =
        known.volunteers.iter().map(|v| &v.id).collect();
    let mut counts = RunCounts::new(RunKind::Incremental, region_of(&touched));
    // The widest task bounds how far west of a cell a task overlapping it can start (plus a
    // hair, for rounding: the bound must never exclude a task the box test keeps).
    let widest = if touched.is_empty() {
        0.0
    } else {
        Task::widest_lon_span(&mut *db.conn()?, campaign_id)? + 1e-9
    };
    // Answers per task read, by task: a task near a cell's edge is read by each cell it
    // reaches, and counts once.
    let mut read: HashMap<tessera_consensus::TaskId, usize> = HashMap::new();
    // Volunteers no full run has estimated, with their estimate from the most answers.
    let mut provisional: HashMap<String, VolunteerEstimate> = HashMap::new();
    for cell in cells(&touched) {
        let [west, south, east, north] = cell;
        let shapes = Task::shapes_in(
            &mut *db.conn()?,
            campaign_id,
            [
                west - MARGIN_DEG,
                south - MARGIN_DEG,
                east + MARGIN_DEG,
                north + MARGIN_DEG,
            ],
            widest,
        )?;
        let input = consensus_input::load(&mut *db.conn()?, &shapes)?;
        drop(shapes);
        let mut per_task: HashMap<&tessera_consensus::TaskId, usize> =
            input.tasks.iter().map(|t| (&t.id, 0)).collect();
        for answer in &input.answers {
            if let Some(n) = per_task.get_mut(&answer.task) {
                *n += 1;
            }
        }
        read.extend(per_task.into_iter().map(|(t, n)| (t.clone(), n)));
        let area = LonLatBox {
            west,
            south,
            east,
            north,
        };
        let output = match tessera_consensus::run_region(&input, &area, params, Some(&known)) {
            Ok(output) => output,
            Err(err) => {
                tracing::warn!(error = %err, campaign.id = %campaign_id, "consensus skipped this area");
                continue;
            }
        };
        counts.sites += store::cell_sites(
            db,
            campaign_id,
            run_id,
            cell,
            output.sites.iter(),
            output.summary.eps,
        )?;
        for v in output.volunteers {
            if fixed.contains(&v.id) {
                continue;
            }
            let key = v.id.to_string();
            match provisional.get(&key) {
                Some(held) if held.answers >= v.answers => {}
                _ => {
                    provisional.insert(key, v);
                }
            }
        }
    }
    counts.tasks = read.len();
    counts.answers = read.values().sum();
    let now = now_ms();
    let rows: Vec<VolunteerReliability> = provisional
        .values()
        .map(|v| store::reliability_row(campaign_id, run_id, v, true, now))
        .collect();
    counts.volunteers = store::provisional_reliabilities(db, &rows)?;
    Ok(counts)
}

/// The box around these boxes (infinite, inverted, for none).
pub(super) fn region_of(boxes: &[LonLatBounds]) -> [f64; 4] {
    boxes.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, t| {
            [
                b[0].min(t[0]),
                b[1].min(t[1]),
                b[2].max(t[2]),
                b[3].max(t[3]),
            ]
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn touched_tasks_are_recomputed_cell_by_cell() {
        // One task inside a cell, one across a cell's east edge, one in the western hemisphere.
        let touched = [
            [39.01, 35.91, 39.011, 35.911],
            [39.049, 35.91, 39.051, 35.911],
            [-0.01, 51.5, -0.009, 51.501],
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
