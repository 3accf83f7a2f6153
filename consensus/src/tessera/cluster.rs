//! DBSCAN over **distinct volunteers**, in metres, on a uniform grid of `eps`-wide cells.
//!
//! A mark is a *core* mark when the marks within `eps` of it (itself included) come from at
//! least `min_volunteers` distinct volunteers, so one volunteer clicking a building three times
//! is one vote, not three. Clusters grow from core marks through core marks (as in DBSCAN); a
//! border mark joins the cluster of its **nearest** core neighbour (scikit-learn gives it to
//! whichever cluster reaches it first, which depends on input order). Marks are visited in the
//! campaign's canonical order, so labels do not depend on the order of the input.

use super::point_grid::PointGrid;
use crate::geo::dist2;
use crate::par::map_blocks;

/// Grid cells per parallel block.
const CELLS_PER_BLOCK: usize = 4096;

/// Label of a mark in no cluster.
pub(crate) const NOISE: u32 = u32::MAX;

/// Whether the volunteers of `hood` include at least `min` distinct ones. `seen` is scratch.
fn distinct_at_least(volunteers: &[u32], hood: &[u32], min: usize, seen: &mut Vec<u32>) -> bool {
    seen.clear();
    for &j in hood {
        if seen.len() >= min {
            break;
        }
        let v = volunteers[j as usize];
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen.len() >= min
}

/// Clusters the points at `positions` marked by `volunteers` (one each, in the same order: two
/// slices rather than one of pairs, which would copy every position once more). Returns one
/// label per point: a cluster number
/// (dense, from 0, in order of the first core mark) or [`NOISE`].
///
/// Labels do not depend on the order in which neighbours are found: clusters are the connected
/// components of core marks, numbered by their smallest core index, and a border mark goes to
/// its nearest core (a tie to the smaller cluster number).
pub(crate) fn dbscan_distinct(
    positions: &[[f64; 2]],
    volunteers: &[u32],
    eps: f64,
    min_volunteers: usize,
) -> Vec<u32> {
    let n = positions.len();
    let grid = PointGrid::new(positions, eps);
    let eps2 = eps * eps;
    // Core marks keep their neighbourhood (`neighbours[hood_at[i]..hood_at[i] + hood_len[i]]`);
    // others only need to know they are not core.
    // Neighbourhoods of core marks, found in parallel over blocks of cells: each block lists
    // its core marks (mark, start of its neighbourhood in the block's list, length).
    let blocks = map_blocks(grid.cells(), CELLS_PER_BLOCK, |cells| {
        let mut cores: Vec<(u32, usize, usize)> = Vec::new();
        let mut neighbours: Vec<u32> = Vec::new();
        let mut seen: Vec<u32> = Vec::new();
        let mut hood: Vec<u32> = Vec::new();
        grid.for_each_cell(cells, |members, around| {
            for &i in members {
                let p = positions[i as usize];
                hood.clear();
                for block in around {
                    hood.extend(
                        block
                            .iter()
                            .copied()
                            .filter(|&j| dist2(p, positions[j as usize]) <= eps2),
                    );
                }
                if distinct_at_least(volunteers, &hood, min_volunteers, &mut seen) {
                    cores.push((i, neighbours.len(), hood.len()));
                    neighbours.extend_from_slice(&hood);
                }
            }
        });
        (cores, neighbours)
    });
    // Core marks keep their neighbourhood (`neighbours[hood[i].0..hood[i].1]`); others only
    // need to know they are not core.
    let mut hood = vec![(0usize, 0usize); n];
    let mut is_core = vec![false; n];
    let mut neighbours: Vec<u32> = Vec::with_capacity(blocks.iter().map(|b| b.1.len()).sum());
    for (cores, block) in blocks {
        let base = neighbours.len();
        for (i, start, len) in cores {
            is_core[i as usize] = true;
            hood[i as usize] = (base + start, base + start + len);
        }
        neighbours.extend(block);
    }
    let mut labels = vec![NOISE; n];
    let mut border_d2 = vec![f64::INFINITY; n];
    let mut next = 0u32;
    let mut stack = Vec::new();
    for seed in 0..n {
        if !is_core[seed] || labels[seed] != NOISE {
            continue;
        }
        labels[seed] = next;
        stack.push(seed);
        while let Some(i) = stack.pop() {
            for &j in &neighbours[hood[i].0..hood[i].1] {
                let j = j as usize;
                if is_core[j] {
                    if labels[j] == NOISE {
                        labels[j] = next;
                        stack.push(j);
                    }
                } else {
                    let d2 = dist2(positions[i], positions[j]);
                    // Nearest core wins; on a tie the earlier cluster keeps it.
                    if d2 < border_d2[j] {
                        border_d2[j] = d2;
                        labels[j] = next;
                    }
                }
            }
        }
        next += 1;
    }
    labels
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn dbscan(points: &[([f64; 2], u32)], eps: f64, min_volunteers: usize) -> Vec<u32> {
        let (positions, volunteers): (Vec<_>, Vec<_>) = points.iter().copied().unzip();
        dbscan_distinct(&positions, &volunteers, eps, min_volunteers)
    }

    fn p(x: f64, y: f64, v: u32) -> ([f64; 2], u32) {
        ([x, y], v)
    }

    fn clusters(labels: &[u32]) -> usize {
        labels
            .iter()
            .filter(|&&l| l != NOISE)
            .map(|&l| l + 1)
            .max()
            .unwrap_or(0) as usize
    }

    #[rstest]
    #[case::empty_input(vec![], 0)]
    #[case::one_point(vec![p(0.0, 0.0, 0)], 0)]
    #[case::all_noise(vec![p(0.0, 0.0, 0), p(50.0, 50.0, 1), p(100.0, 0.0, 2)], 0)]
    #[case::identical_points(vec![p(1.0, 1.0, 0), p(1.0, 1.0, 1), p(1.0, 1.0, 2)], 1)]
    #[case::two_clusters(vec![p(0.0, 0.0, 0), p(1.0, 0.0, 1), p(100.0, 0.0, 0), p(101.0, 0.0, 1)], 2)]
    fn cluster_count_matches(#[case] pts: Vec<([f64; 2], u32)>, #[case] expected: usize) {
        assert_eq!(clusters(&dbscan(&pts, 5.0, 2)), expected);
    }

    #[test]
    fn one_volunteer_clicking_three_times_is_not_a_cluster() {
        let pts = vec![p(0.0, 0.0, 7), p(0.5, 0.0, 7), p(0.0, 0.5, 7)];
        assert!(dbscan(&pts, 5.0, 2).iter().all(|&l| l == NOISE));
    }

    #[test]
    fn min_volunteers_too_large_leaves_everything_noise() {
        let pts = vec![p(0.0, 0.0, 0), p(1.0, 0.0, 1), p(0.0, 1.0, 2)];
        assert!(dbscan(&pts, 5.0, 4).iter().all(|&l| l == NOISE));
        assert_eq!(clusters(&dbscan(&pts, 5.0, 3)), 1);
    }

    #[test]
    fn border_point_joins_nearest_core_cluster_not_the_first() {
        // Right cluster first in order (label 0); the border mark is 3.9 from the left core
        // and 4.1 from the right core, and is itself not core (3 distinct volunteers < 4).
        let right = [p(8.0, 0.0, 2), p(11.0, 0.0, 3), p(10.0, 1.0, 7)];
        let left = [p(0.0, 0.0, 0), p(-3.0, 0.0, 1), p(-2.0, 1.0, 5)];
        let mut pts: Vec<_> = right.iter().chain(&left).copied().collect();
        pts.push(p(3.9, 0.0, 6));
        let labels = dbscan(&pts, 4.5, 4);
        assert_eq!(clusters(&labels), 2);
        assert_eq!(labels[6], labels[3], "joins the nearer, left cluster");
        assert_ne!(labels[6], labels[0]);
        pts[6] = p(4.1, 0.0, 6);
        let labels = dbscan(&pts, 4.5, 4);
        assert_eq!(labels[6], labels[0], "now the right core is nearer");
    }

    /// The same DBSCAN with brute-force neighbourhoods: the reference for the grid.
    fn brute_force(points: &[([f64; 2], u32)], eps: f64, min: usize) -> Vec<u32> {
        let n = points.len();
        let hood = |i: usize| -> Vec<usize> {
            (0..n)
                .filter(|&j| dist2(points[i].0, points[j].0) <= eps * eps)
                .collect()
        };
        let core: Vec<bool> = (0..n)
            .map(|i| {
                let mut v: Vec<u32> = hood(i).iter().map(|&j| points[j].1).collect();
                v.sort_unstable();
                v.dedup();
                v.len() >= min
            })
            .collect();
        let (mut labels, mut best) = (vec![NOISE; n], vec![f64::INFINITY; n]);
        let mut next = 0;
        for seed in 0..n {
            if !core[seed] || labels[seed] != NOISE {
                continue;
            }
            labels[seed] = next;
            let mut stack = vec![seed];
            while let Some(i) = stack.pop() {
                for j in hood(i) {
                    if core[j] {
                        if labels[j] == NOISE {
                            labels[j] = next;
                            stack.push(j);
                        }
                    } else if dist2(points[i].0, points[j].0) < best[j] {
                        best[j] = dist2(points[i].0, points[j].0);
                        labels[j] = next;
                    }
                }
            }
            next += 1;
        }
        labels
    }

    #[test]
    fn grid_gives_the_brute_force_labels() {
        let mut rnd = crate::test_rng::uniform(0x2545_f491_4f6c_dd1d);
        for (n, extent, eps) in [
            (300, 100.0, 5.0),
            (500, 40.0, 2.5),
            (200, 1e6, 3.0),
            (50, 10.0, 10.0),
        ] {
            // Clumps (several volunteers on one spot), points exactly eps apart, and noise.
            let mut pts: Vec<([f64; 2], u32)> = Vec::new();
            let mut v = 0;
            while pts.len() < n {
                let c = [rnd() * extent, rnd() * extent];
                let clicks = 1 + (0..5).filter(|_| rnd() < 0.5).count();
                for _ in 0..clicks {
                    v = (v + 1) % 7;
                    pts.push(([c[0] + rnd() * eps, c[1] + rnd() * eps], v));
                }
                pts.push(([c[0] + eps, c[1]], v));
            }
            for min in 1..4 {
                assert_eq!(dbscan(&pts, eps, min), brute_force(&pts, eps, min));
            }
        }
    }

    #[test]
    fn min_volunteers_of_one_makes_every_mark_a_cluster() {
        let pts = vec![p(0.0, 0.0, 0), p(50.0, 0.0, 0)];
        assert_eq!(clusters(&dbscan(&pts, 5.0, 1)), 2);
    }
}
