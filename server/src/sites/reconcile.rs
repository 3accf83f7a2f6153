//! How a consensus run's sites become durable ones: matching what a run found to the sites the
//! campaign already has, so that a site keeps its id, its reviews and its status across runs.
//!
//! The rule, for one recomputed cell:
//! 1. *Candidates for a match* are the campaign's sites within the clustering radius (`eps`) of
//!    the cell. A merged site stands for the site it was merged into (its root), so answers
//!    near a merged site strengthen the survivor instead of raising a new candidate.
//! 2. *Matching* pairs each found site with an existing one within `eps` (equirectangular
//!    distance in metres), nearest pairs first (direct ones before those through a merged
//!    site), each at most once on either side.
//! 3. A *matched* site is updated in place under its id: its figures (confidence, support,
//!    `seen_by`, uncertainty, votes, tasks, run) always; its position and class only while no
//!    analyst has reviewed it (`reviewed_at` unset). A reviewed site is never moved. A site
//!    flagged `consensus_lost` that consensus supports again gets its reviewed status back.
//! 4. A found site matching nothing is *inserted* as a new candidate — unless it lies within
//!    `eps` of a merged site whose root another found site took: those are the merged site's
//!    marks, absorbed by the site it was merged into.
//! 5. An existing site inside the cell that nothing matched lost its support: an unreviewed
//!    candidate with no history is *deleted*; a confirmed site, or a candidate with any history
//!    (a comment, a reclassification), is *flagged* `consensus_lost` for an analyst; rejected,
//!    merged and already-flagged sites stay as they are.
//!
//! This module is pure: [`plan`] decides, `db::site` carries the plan out. A cell holds
//! thousands of sites; candidates for a match are found through an R-tree, not by comparing
//! every found site with every existing one.

use std::collections::HashMap;

use rstar::RTree;
use rstar::primitives::GeomWithData;

use crate::db::ids::SiteId;
use crate::db::kinds::SiteStatus;

/// What matching needs to know of an existing site.
#[derive(Debug, Clone, PartialEq)]
pub struct Existing {
    pub id: SiteId,
    pub lon: f64,
    pub lat: f64,
    pub status: SiteStatus,
    /// An analyst confirmed, rejected, reclassified or merged it.
    pub reviewed: bool,
    /// It has any history at all (comments included), or a task refers to it: it can never be
    /// deleted.
    pub has_history: bool,
    /// The site it was merged into.
    pub merged_into: Option<SiteId>,
}

/// What to do with the sites of one cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Write found site `found` into existing site `id`; `moved` when its position and class
    /// follow consensus (unreviewed), `restored` when it was flagged `consensus_lost`.
    Update {
        id: SiteId,
        found: usize,
        moved: bool,
        restored: bool,
    },
    /// Insert found site `found` as a new candidate.
    Insert { found: usize },
    /// Delete an unreviewed candidate that consensus no longer supports.
    Delete { id: SiteId },
    /// Flag a reviewed or discussed site that consensus no longer supports.
    Lose { id: SiteId },
}

/// The mean Earth radius (IUGG), in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Metres between two WGS84 points (equirectangular: exact enough within a clustering radius).
pub fn distance_m([lon1, lat1]: [f64; 2], [lon2, lat2]: [f64; 2]) -> f64 {
    let mean_lat = f64::midpoint(lat1, lat2).to_radians();
    let dx = (lon2 - lon1).to_radians() * mean_lat.cos();
    let dy = (lat2 - lat1).to_radians();
    EARTH_RADIUS_M * dx.hypot(dy)
}

/// Whether `[lon, lat]` lies in `[west, south, east, north]` (west and south edges inclusive,
/// so that a point on a shared edge belongs to exactly one cell).
fn inside([lon, lat]: [f64; 2], [west, south, east, north]: [f64; 4]) -> bool {
    lon >= west && lon < east && lat >= south && lat < north
}

/// Plans one cell: `found` are the run's sites (positions) reported inside `cell`, `existing`
/// the campaign's sites within `eps_m` of it.
pub fn plan(found: &[[f64; 2]], existing: &[Existing], cell: [f64; 4], eps_m: f64) -> Vec<Step> {
    let by_id: HashMap<&SiteId, &Existing> = existing.iter().map(|e| (&e.id, e)).collect();
    let index_of: HashMap<&SiteId, usize> = existing
        .iter()
        .enumerate()
        .map(|(i, e)| (&e.id, i))
        .collect();
    // A merged site stands for its root, when the root was loaded (merges chain at most a
    // few times; the bound guards against a cycle in bad data).
    let root = |e: &'_ Existing| -> Option<usize> {
        let mut at = e;
        for _ in 0..16 {
            match &at.merged_into {
                None => return index_of.get(&at.id).copied(),
                Some(next) => at = by_id.get(next)?,
            }
        }
        None
    };
    // Existing sites in metres on a plane through the cell's middle latitude: within the few
    // kilometres of a cell its scale is that of `distance_m` to a part in a thousand, so a
    // search 1 % wider than `eps` finds every site `distance_m` puts within it.
    let scale = f64::midpoint(cell[1], cell[3]).to_radians().cos();
    let plane = |[lon, lat]: [f64; 2]| {
        [
            lon.to_radians() * scale * EARTH_RADIUS_M,
            lat.to_radians() * EARTH_RADIUS_M,
        ]
    };
    let tree = RTree::bulk_load(
        existing
            .iter()
            .enumerate()
            .map(|(i, e)| GeomWithData::new(plane([e.lon, e.lat]), i))
            .collect(),
    );
    let reach = eps_m * 1.01 + 1e-6;
    // (through a merged site, distance, found, root): direct matches before matches through a
    // merged site, nearest first.
    let mut pairs: Vec<(bool, f64, usize, usize)> = Vec::new();
    // Found sites within eps of a merged site: if their root is taken by a nearer match, they
    // are the merged site's marks, absorbed by the root rather than raised again.
    let mut near_merged = vec![false; found.len()];
    for (f, &p) in found.iter().enumerate() {
        for near in tree.locate_within_distance(plane(p), reach * reach) {
            let e = &existing[near.data];
            let d = distance_m(p, [e.lon, e.lat]);
            if d <= eps_m
                && let Some(r) = root(e)
            {
                pairs.push((e.merged_into.is_some(), d, f, r));
                near_merged[f] |= e.merged_into.is_some();
            }
        }
    }
    pairs.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    let mut found_match: Vec<Option<usize>> = vec![None; found.len()];
    let mut taken = vec![false; existing.len()];
    for (_, _, f, r) in pairs {
        if found_match[f].is_none() && !taken[r] {
            found_match[f] = Some(r);
            taken[r] = true;
        }
    }
    let mut steps = Vec::new();
    for (f, m) in found_match.iter().enumerate() {
        steps.push(match *m {
            Some(r) => {
                let e = &existing[r];
                Step::Update {
                    id: e.id.clone(),
                    found: f,
                    moved: !e.reviewed,
                    restored: e.status == SiteStatus::ConsensusLost,
                }
            }
            None if near_merged[f] => continue,
            None => Step::Insert { found: f },
        });
    }
    for (e, _) in existing.iter().zip(&taken).filter(|(_, t)| !**t) {
        if !inside([e.lon, e.lat], cell) || e.merged_into.is_some() {
            continue;
        }
        match e.status {
            SiteStatus::Candidate if !e.has_history && !e.reviewed => {
                steps.push(Step::Delete { id: e.id.clone() });
            }
            SiteStatus::Candidate | SiteStatus::Confirmed => {
                steps.push(Step::Lose { id: e.id.clone() });
            }
            SiteStatus::Rejected | SiteStatus::Merged | SiteStatus::ConsensusLost => {}
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    const CELL: [f64; 4] = [39.0, 35.9, 39.05, 35.95];
    /// About 1 m of latitude, in degrees.
    const M: f64 = 1.0 / 111_195.0;

    fn site(id: &str, lat_m: f64, status: SiteStatus) -> Existing {
        Existing {
            id: SiteId(id.into()),
            lon: 39.01,
            lat: 35.92 + lat_m * M,
            status,
            reviewed: status != SiteStatus::Candidate,
            has_history: status != SiteStatus::Candidate,
            merged_into: None,
        }
    }

    fn at(lat_m: f64) -> [f64; 2] {
        [39.01, 35.92 + lat_m * M]
    }

    #[test]
    fn thousands_of_sites_each_find_their_own_match() {
        // A 50 × 50 grid of sites 20 m apart, found again 3 m off (eps 10 m): each matches its
        // own, none is inserted or dropped, whatever order the index returns them in.
        let existing: Vec<Existing> = (0..2500)
            .map(|i| Existing {
                id: SiteId(format!("s{i}")),
                lon: 39.01 + f64::from(i % 50) * 20.0 * M / 0.81,
                lat: 35.91 + f64::from(i / 50) * 20.0 * M,
                status: SiteStatus::Candidate,
                reviewed: false,
                has_history: false,
                merged_into: None,
            })
            .collect();
        let found: Vec<[f64; 2]> = existing.iter().map(|e| [e.lon, e.lat + 3.0 * M]).collect();
        let steps = plan(&found, &existing, CELL, 10.0);
        assert_eq!(steps.len(), 2500);
        for (f, step) in steps.iter().enumerate() {
            assert!(
                matches!(step, Step::Update { id, found, .. } if *found == f && id.0 == format!("s{f}")),
                "{step:?}"
            );
        }
    }

    #[test]
    fn distance_is_metres() {
        let d = distance_m(at(0.0), at(100.0));
        assert!((d - 100.0).abs() < 0.1, "{d}");
    }

    #[test]
    fn a_site_found_again_keeps_its_id_and_moves_only_if_unreviewed() {
        let existing = [
            site("cand", 0.0, SiteStatus::Candidate),
            site("conf", 500.0, SiteStatus::Confirmed),
        ];
        let steps = plan(&[at(3.0), at(504.0)], &existing, CELL, 10.0);
        assert_eq!(
            steps,
            vec![
                Step::Update {
                    id: SiteId("cand".into()),
                    found: 0,
                    moved: true,
                    restored: false
                },
                Step::Update {
                    id: SiteId("conf".into()),
                    found: 1,
                    moved: false,
                    restored: false
                },
            ]
        );
    }

    #[test]
    fn nearest_pairs_match_first_and_each_site_once() {
        // Two found sites both within eps of one existing site: the nearer one takes it.
        let existing = [site("a", 0.0, SiteStatus::Candidate)];
        let steps = plan(&[at(8.0), at(2.0)], &existing, CELL, 10.0);
        assert!(steps.contains(&Step::Insert { found: 0 }), "{steps:?}");
        assert!(
            steps
                .iter()
                .any(|s| matches!(s, Step::Update { found: 1, .. })),
            "{steps:?}"
        );
    }

    #[test]
    fn beyond_eps_is_a_new_site() {
        let existing = [site("a", 0.0, SiteStatus::Candidate)];
        let steps = plan(&[at(11.0)], &existing, CELL, 10.0);
        assert_eq!(
            steps,
            vec![
                Step::Insert { found: 0 },
                Step::Delete {
                    id: SiteId("a".into())
                }
            ]
        );
    }

    #[test]
    fn lost_support_deletes_only_unreviewed_candidates_without_history() {
        let mut discussed = site("discussed", 100.0, SiteStatus::Candidate);
        discussed.has_history = true;
        let existing = [
            site("plain", 0.0, SiteStatus::Candidate),
            discussed,
            site("confirmed", 200.0, SiteStatus::Confirmed),
            site("rejected", 300.0, SiteStatus::Rejected),
            site("lost", 400.0, SiteStatus::ConsensusLost),
        ];
        let steps = plan(&[], &existing, CELL, 10.0);
        assert_eq!(
            steps,
            vec![
                Step::Delete {
                    id: SiteId("plain".into())
                },
                Step::Lose {
                    id: SiteId("discussed".into())
                },
                Step::Lose {
                    id: SiteId("confirmed".into())
                },
            ]
        );
    }

    #[test]
    fn sites_outside_the_cell_are_matched_but_never_dropped() {
        let mut outside = site("outside", 0.0, SiteStatus::Candidate);
        outside.lat = CELL[3] + 2.0 * M;
        assert!(plan(&[], std::slice::from_ref(&outside), CELL, 10.0).is_empty());
        let steps = plan(&[[39.01, CELL[3] - 2.0 * M]], &[outside], CELL, 10.0);
        assert!(
            matches!(&steps[..], [Step::Update { moved: true, .. }]),
            "{steps:?}"
        );
    }

    #[test]
    fn a_flagged_site_found_again_is_restored() {
        let existing = [site("lost", 0.0, SiteStatus::ConsensusLost)];
        let steps = plan(&[at(1.0)], &existing, CELL, 10.0);
        assert_eq!(
            steps,
            vec![Step::Update {
                id: SiteId("lost".into()),
                found: 0,
                moved: false,
                restored: true
            }]
        );
    }

    #[test]
    fn a_merged_site_stands_for_the_site_it_was_merged_into() {
        let mut merged = site("merged", 0.0, SiteStatus::Merged);
        merged.merged_into = Some(SiteId("root".into()));
        let root = site("root", 30.0, SiteStatus::Confirmed);
        let steps = plan(&[at(1.0)], &[merged, root], CELL, 10.0);
        assert_eq!(
            steps,
            vec![Step::Update {
                id: SiteId("root".into()),
                found: 0,
                moved: false,
                restored: false
            }]
        );
        // The merged site's own marks, found beside the root's: absorbed, not raised again.
        let root = site("root", 30.0, SiteStatus::Confirmed);
        let mut merged = site("merged", 0.0, SiteStatus::Merged);
        merged.merged_into = Some(SiteId("root".into()));
        let steps = plan(&[at(1.0), at(29.0)], &[merged, root], CELL, 10.0);
        assert_eq!(
            steps,
            vec![Step::Update {
                id: SiteId("root".into()),
                found: 1,
                moved: false,
                restored: false
            }]
        );
        // Merged without its root loaded: no match, and nothing dropped.
        let mut orphan = site("orphan", 0.0, SiteStatus::Merged);
        orphan.merged_into = Some(SiteId("elsewhere".into()));
        assert_eq!(
            plan(&[at(1.0)], &[orphan], CELL, 10.0),
            vec![Step::Insert { found: 0 }]
        );
    }
}
