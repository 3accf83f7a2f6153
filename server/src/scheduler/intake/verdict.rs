//! The pure rules an answer is judged by once it is valid: how many answers its task needs now
//! (adaptive redundancy), and the feedback a practice answer gets. No storage here.

use tessera_consensus::{Answer as CAnswer, Task as CTask};

use super::answer::IntakeError;
use crate::campaign_settings::CampaignSettings;
use crate::db::task::Task;
use crate::scheduler::gold::{GoldAnswer, GoldFeedback, feedback};

/// Radius used to compare marks when the campaign does not set one and the tile's ground
/// resolution is unknown.
pub const DEFAULT_RADIUS_PX: f64 = 16.0;

/// Metres per pixel along the tile's top edge, if its footprint is known.
fn metres_per_pixel(task: &Task) -> Option<f64> {
    let c = task.corners()?;
    #[expect(clippy::cast_precision_loss, reason = "tile sizes are small")]
    let width = task.px_w as f64;
    let (lat1, lat2) = (c[0][1].to_radians(), c[1][1].to_radians());
    let dlat = lat2 - lat1;
    let dlon = (c[1][0] - c[0][0]).to_radians();
    let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    let metres = 2.0 * 6_371_008.8 * a.sqrt().asin();
    (metres > 0.0 && width > 0.0).then(|| metres / width)
}

/// The radius, in this tile's pixels, within which two marks are the same place.
pub fn radius_px(task: &Task, settings: &CampaignSettings) -> f64 {
    match (settings.consensus.eps_m, metres_per_pixel(task)) {
        (Some(eps), Some(mpp)) => (eps / mpp).max(2.0),
        _ => DEFAULT_RADIUS_PX,
    }
}

/// The consensus engine's per-task verdict over `answers`, every answer so far: `(needed, retire)`.
///
/// This is the same retire rule a full consensus run reports (`tessera_consensus::task_agreement`),
/// with the campaign's parameters: a sequential test that retires a task at `redundancy.min`
/// answers when they agree and asks for one more, up to `redundancy.max`, while they do not.
pub fn adaptive_need(
    task: &Task,
    settings: &CampaignSettings,
    answers: &[CAnswer],
) -> Result<(i32, bool), IntakeError> {
    let (width, height) = (
        u32::try_from(task.px_w).unwrap_or(1),
        u32::try_from(task.px_h).unwrap_or(1),
    );
    let c_task = CTask::new(task.id.into(), width.max(1), height.max(1), None)
        .map_err(|e| IntakeError::Invalid(e.to_string()))?;
    let params = tessera_consensus::ConsensusParams {
        eps_px: radius_px(task, settings),
        ..settings.consensus_params()
    };
    let verdict = tessera_consensus::task_agreement(&c_task, answers, &params)
        .map_err(|e| IntakeError::Invalid(e.to_string()))?;
    let count = i32::try_from(answers.len()).unwrap_or(i32::MAX);
    let r = settings.redundancy;
    let (min, max) = (
        i32::try_from(r.min).unwrap_or(1),
        i32::try_from(r.max).unwrap_or(1),
    );
    Ok(if verdict.retire {
        (count, true)
    } else {
        ((count + 1).clamp(min, max), false)
    })
}

/// The verdict of [`adaptive_need`] when it cannot depend on what the answers say: with
/// `answers` (the new one included) below `redundancy.min` (which is at most `max`), a task
/// neither retires nor needs more than `min`. `None` when the answers must be read.
pub fn early_need(answers: i32, settings: &CampaignSettings) -> Option<(i32, bool)> {
    let min = i32::try_from(settings.redundancy.min).ok()?;
    (answers < min).then_some((min, false))
}

/// Feedback on a practice answer with marks at `points` (tile pixels); `None` when the task
/// has no readable known answer.
pub fn gold_feedback(
    task: &Task,
    settings: &CampaignSettings,
    points: &[[f64; 2]],
) -> Option<GoldFeedback> {
    let gold: GoldAnswer = serde_json::from_str(task.gold_answer.as_deref()?).ok()?;
    Some(feedback(
        &gold,
        points,
        radius_px(task, settings).max(DEFAULT_RADIUS_PX),
    ))
}

#[cfg(test)]
mod tests {
    use tessera_consensus::{DamageClass, Mark as CMark, Response};

    use super::*;
    use crate::campaign_settings::Redundancy;
    use crate::db::kinds::{TaskKind, TaskStatus};

    fn task() -> Task {
        Task {
            id: 1.into(),
            campaign_id: "c".into(),
            kind: TaskKind::Search,
            frame_id: None,
            before_frame_id: None,
            site_id: None,
            tile_col: 0,
            tile_row: 0,
            px_x: 0,
            px_y: 0,
            px_w: 256,
            px_h: 256,
            footprint: "null".into(),
            min_lon: 0.0,
            min_lat: 0.0,
            max_lon: 0.0,
            max_lat: 0.0,
            tile_key: None,
            before_tile_key: None,
            status: TaskStatus::Open,
            answer_count: 0,
            needed: 3,
            leases_out: 0,
            available: true,
            priority: 0.0,
            is_gold: false,
            gold_answer: None,
            created_at: 0,
        }
    }

    /// Every way a few volunteers can answer: agreeing marks, disagreeing marks, nothing here,
    /// can't tell.
    fn answer(volunteer: usize, which: usize) -> CAnswer {
        let mark = |x: f64| CMark::new(x, 100.0, DamageClass("destroyed".into())).unwrap();
        CAnswer {
            task: 1_i64.into(),
            volunteer: format!("v{volunteer}").as_str().into(),
            response: match which % 4 {
                0 => Response::Marks(vec![mark(100.0)]),
                1 => Response::Marks(vec![mark(200.0)]),
                2 => Response::NothingHere,
                _ => Response::CantTell,
            },
        }
    }

    #[test]
    fn early_need_is_the_verdict_whatever_the_answers_say() {
        for min in 1..=5 {
            for max in min..=6 {
                let settings = CampaignSettings {
                    redundancy: Redundancy { min, max },
                    damage_classes: vec!["destroyed".into()],
                    ..CampaignSettings::default()
                };
                for n in 1..=max as usize {
                    let early = early_need(i32::try_from(n).unwrap(), &settings);
                    assert_eq!(early.is_some(), n < min as usize, "min {min}, {n} answers");
                    let Some(early) = early else { continue };
                    // Every combination of answer kinds among n volunteers.
                    for combo in 0..4_usize.pow(u32::try_from(n).unwrap()) {
                        let answers: Vec<CAnswer> = (0..n)
                            .map(|v| answer(v, combo / 4_usize.pow(u32::try_from(v).unwrap())))
                            .collect();
                        assert_eq!(
                            adaptive_need(&task(), &settings, &answers).unwrap(),
                            early,
                            "min {min}, max {max}, answers {combo}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn redundancy_max_caps_what_a_disagreeing_task_asks_for() {
        let settings = CampaignSettings {
            redundancy: Redundancy { min: 2, max: 4 },
            damage_classes: vec!["destroyed".into()],
            ..CampaignSettings::default()
        };
        // Marks against "nothing here", again and again: never agreement.
        let split: Vec<CAnswer> = (0..4).map(|v| answer(v, v * 2)).collect();
        let (needed, retire) = adaptive_need(&task(), &settings, &split[..3]).unwrap();
        assert_eq!((needed, retire), (4, false), "one more, up to max");
        let (needed, retire) = adaptive_need(&task(), &settings, &split).unwrap();
        assert!(needed <= 4, "never beyond redundancy.max");
        assert!(retire, "at max a task retires whatever its answers say");
    }
}
