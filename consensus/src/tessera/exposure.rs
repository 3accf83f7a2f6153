//! Who saw a candidate (exposure), and gold anchors: what clustering alone cannot know.

use super::answers::Kind;
use super::candidates::{BLOCK, Candidates, Flat, Seen};
use super::index::FootprintIndex;
use super::prepare::Campaign;
use crate::geo::dist2;
use crate::par::map_blocks;

/// Completes the candidates clustering built: the tasks covering each one, gold anchors (fixing
/// candidates inside gold tasks, adding gold sites nobody marked), and who saw each one.
pub(super) fn expose(c: &Campaign, index: &FootprintIndex, cands: &mut Candidates) {
    cands.fixed = vec![None; cands.len()];
    cands.tasks = tasks_of(c, index, &cands.centre);
    add_gold(c, index, cands);
    cands.exposed = who_saw(c, cands);
}

/// The tasks whose footprint contains each point, sorted.
fn tasks_of(c: &Campaign, index: &FootprintIndex, points: &[[f64; 2]]) -> Flat<u32> {
    Flat::concat(map_blocks(points.len(), BLOCK, |range| {
        let mut tasks = Flat::default();
        for &p in &points[range] {
            index.tasks_at(c, p, &mut tasks.items);
            tasks.close();
        }
        tasks
    }))
}

/// Who saw each candidate: its markers, and everyone who answered a task containing its centre
/// (not can't-tell); sorted by volunteer, with whether they marked it.
fn who_saw(c: &Campaign, cands: &Candidates) -> Flat<Seen> {
    Flat::concat(map_blocks(cands.len(), BLOCK, |range| {
        let mut exposed = Flat::default();
        // About one task's answerers per candidate.
        exposed.items.reserve(8 * range.len());
        let mut seen: Vec<Seen> = Vec::new();
        for i in range {
            seen.clear();
            seen.extend(cands.votes(i).iter().map(|v| Seen::new(v.volunteer, true)));
            for &t in cands.tasks(i) {
                seen.extend(
                    c.answers[c.tasks[t as usize].answers.clone()]
                        .iter()
                        .filter(|a| a.kind != Kind::CantTell)
                        .map(|a| Seen::new(a.volunteer, false)),
                );
            }
            // Marked entries sort after unmarked ones of the same volunteer; keep the last.
            seen.sort_unstable();
            seen.dedup_by(|later, earlier| {
                if later.volunteer() == earlier.volunteer() {
                    *earlier = (*earlier).max(*later);
                    true
                } else {
                    false
                }
            });
            exposed.items.extend_from_slice(&seen);
            exposed.close();
        }
        exposed
    }))
}

/// Fixes candidates inside gold tasks to the known truth and adds gold sites nobody marked,
/// so those who missed them are counted as misses.
fn add_gold(c: &Campaign, index: &FootprintIndex, out: &mut Candidates) {
    let eps2 = c.eps * c.eps;
    // `matched[gold_at[t] + k]`: gold site k of task t is within eps of a candidate.
    let mut gold_at = Vec::with_capacity(c.tasks.len() + 1);
    gold_at.push(0);
    for t in &c.tasks {
        gold_at.push(gold_at[gold_at.len() - 1] + t.gold.as_ref().map_or(0, Vec::len));
    }
    let mut matched = vec![false; gold_at[c.tasks.len()]];
    for (i, tasks) in out.tasks.iter().enumerate() {
        let centre = out.centre[i];
        for &t in tasks {
            let Some(gold) = &c.tasks[t as usize].gold else {
                continue;
            };
            let mut hit = false;
            for (k, (g, _)) in gold.iter().enumerate() {
                if dist2(*g, centre) <= eps2 {
                    matched[gold_at[t as usize] + k] = true;
                    hit = true;
                }
            }
            out.fixed[i] = Some(out.fixed[i].unwrap_or(false) | hit);
        }
    }
    for (t, task) in c.tasks.iter().enumerate() {
        let flags = &matched[gold_at[t]..gold_at[t + 1]];
        for ((g, _), _) in task.gold.iter().flatten().zip(flags).filter(|(_, m)| !**m) {
            out.votes.close();
            out.centre.push(*g);
            out.fixed.push(Some(true));
            index.tasks_at(c, *g, &mut out.tasks.items);
            out.tasks.close();
        }
    }
}
