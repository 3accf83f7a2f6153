//! From cluster labels to candidate sites: one vote per volunteer and a robust centre. Who saw
//! each candidate, and the gold anchors, are added next by `exposure`.

use super::cluster::{NOISE, dbscan_distinct};
use super::prepare::Campaign;
use crate::geo::geometric_median;
use crate::par::map_blocks;

/// Candidates per parallel block (large enough to amortise scheduling, small enough to balance).
pub(super) const BLOCK: usize = 2048;

/// One volunteer's vote on a candidate: the mean of their marks in it and their usual class.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Vote {
    pub volunteer: u32,
    pub p: [f64; 2],
    pub class: u8,
}

/// One volunteer who saw a candidate, and whether they marked it, in four bytes (the volunteer
/// shifted left by one, "marked" in the low bit): exposure lists are the largest structure of
/// a run. Ordered by volunteer, then unmarked before marked. Volunteer numbers are below 2³¹:
/// the ids of that many volunteers alone would take some 50 GB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Seen(u32);

impl Seen {
    pub(crate) fn new(volunteer: u32, marked: bool) -> Self {
        debug_assert!(volunteer < 1 << 31);
        Self(volunteer << 1 | u32::from(marked))
    }

    pub(crate) fn volunteer(self) -> u32 {
        self.0 >> 1
    }

    pub(crate) fn marked(self) -> bool {
        self.0 & 1 == 1
    }
}

/// Many short lists in one allocation: list `i` is `items[at[i]..at[i + 1]]`.
#[derive(Debug, Clone)]
pub(crate) struct Flat<T> {
    pub items: Vec<T>,
    at: Vec<usize>,
}

impl<T> Default for Flat<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            at: vec![0],
        }
    }
}

impl<T> Flat<T> {
    /// Ends the current list: the items pushed since the last `close` form list `len()`.
    pub(crate) fn close(&mut self) {
        self.at.push(self.items.len());
    }

    pub(crate) fn get(&self, i: usize) -> &[T] {
        &self.items[self.at[i]..self.at[i + 1]]
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &[T]> {
        self.at.windows(2).map(|w| &self.items[w[0]..w[1]])
    }

    /// Appends `other`'s lists after this one's.
    pub(crate) fn append(&mut self, other: Flat<T>) {
        let base = self.items.len();
        self.items.extend(other.items);
        self.at.extend(other.at[1..].iter().map(|a| a + base));
    }

    /// Concatenates blocks of lists, in order.
    pub(crate) fn concat(blocks: Vec<Flat<T>>) -> Self {
        let mut all = Self::default();
        all.items
            .reserve(blocks.iter().map(|b| b.items.len()).sum());
        all.at.reserve(blocks.iter().map(|b| b.at.len() - 1).sum());
        for b in blocks {
            all.append(b);
        }
        all
    }
}

/// Every candidate site, stored flat (one allocation per field, not per candidate).
#[derive(Debug, Default)]
pub(crate) struct Candidates {
    /// Sorted by volunteer, one per volunteer.
    pub votes: Flat<Vote>,
    /// Unweighted geometric median of the votes (gold position for an unmarked gold site).
    pub centre: Vec<[f64; 2]>,
    /// Volunteers who saw the centre, sorted, with whether they marked the candidate (filled
    /// by `exposure`, as are `tasks` and `fixed`).
    pub exposed: Flat<Seen>,
    /// Tasks whose footprint contains the centre, sorted.
    pub tasks: Flat<u32>,
    /// Known truth from gold tasks.
    pub fixed: Vec<Option<bool>>,
}

impl Candidates {
    pub(crate) fn len(&self) -> usize {
        self.centre.len()
    }

    pub(crate) fn votes(&self, i: usize) -> &[Vote] {
        self.votes.get(i)
    }

    pub(crate) fn exposed(&self, i: usize) -> &[Seen] {
        self.exposed.get(i)
    }

    pub(crate) fn tasks(&self, i: usize) -> &[u32] {
        self.tasks.get(i)
    }
}

/// Appends one volunteer's vote per volunteer among `marks` (sorted here) to `votes`.
fn votes_of(c: &Campaign, marks: &mut [u32], counts: &mut Vec<usize>, votes: &mut Vec<Vote>) {
    marks.sort_unstable_by_key(|&i| (c.marks[i as usize].volunteer, i));
    for group in
        marks.chunk_by(|&a, &b| c.marks[a as usize].volunteer == c.marks[b as usize].volunteer)
    {
        let n = group.len() as f64;
        let mut p = [0.0; 2];
        counts.clear();
        counts.resize(c.classes.len(), 0);
        for &i in group {
            let m = &c.marks[i as usize];
            p[0] += m.p[0] / n;
            p[1] += m.p[1] / n;
            counts[m.class as usize] += 1;
        }
        let best = counts.iter().max().copied().unwrap_or(0);
        let class = counts.iter().position(|&k| k == best).unwrap_or(0);
        let class = u8::try_from(class).unwrap_or(0);
        votes.push(Vote {
            volunteer: c.marks[group[0] as usize].volunteer,
            p,
            class,
        });
    }
}

/// Mark indices grouped by label: each cluster's marks (ascending), clusters in label order,
/// then every noise mark on its own. A counting sort, linear in the number of marks.
fn groups(labels: &[u32]) -> (Vec<u32>, Vec<usize>) {
    let clusters = labels
        .iter()
        .filter(|&&l| l != NOISE)
        .map(|&l| l as usize + 1)
        .max()
        .unwrap_or(0);
    let mut at = vec![0usize; clusters + 1];
    for &l in labels.iter().filter(|&&l| l != NOISE) {
        at[l as usize + 1] += 1;
    }
    for k in 1..at.len() {
        at[k] += at[k - 1];
    }
    let clustered = at[clusters];
    let mut order = vec![0u32; labels.len()];
    let mut fill = at.clone();
    let mut noise = clustered;
    for (i, &l) in (0u32..).zip(labels) {
        if l == NOISE {
            order[noise] = i;
            noise += 1;
        } else {
            order[fill[l as usize]] = i;
            fill[l as usize] += 1;
        }
    }
    at.extend(clustered + 1..=labels.len());
    (order, at)
}

/// Clusters the campaign's marks and builds a candidate for each multi-volunteer cluster and
/// each single mark; `exposure::expose` then adds gold sites nobody marked and who saw each one.
pub(crate) fn candidates(c: &Campaign, min_volunteers: usize) -> Candidates {
    let positions: Vec<[f64; 2]> = c.marks.iter().map(|m| m.p).collect();
    let volunteers: Vec<u32> = c.marks.iter().map(|m| m.volunteer).collect();
    let labels = dbscan_distinct(&positions, &volunteers, c.eps, min_volunteers);
    drop((positions, volunteers));
    let (order, at) = groups(&labels);
    let blocks = map_blocks(at.len() - 1, BLOCK, |range| {
        let mut votes = Flat::default();
        votes.items.reserve(at[range.end] - at[range.start]);
        let mut centre = Vec::with_capacity(range.len());
        let (mut counts, mut pts, mut marks) = (Vec::new(), Vec::new(), Vec::new());
        for g in range {
            marks.clear();
            marks.extend_from_slice(&order[at[g]..at[g + 1]]);
            let first = votes.items.len();
            votes_of(c, &mut marks, &mut counts, &mut votes.items);
            votes.close();
            pts.clear();
            pts.extend(votes.items[first..].iter().map(|v| (v.p, 1.0)));
            centre.push(geometric_median(&pts));
        }
        (votes, centre)
    });
    // Concatenated into allocations of the final size (grown by appending, the two largest
    // lists of a run would hold up to twice their size).
    let (votes, centres): (Vec<_>, Vec<_>) = blocks.into_iter().unzip();
    Candidates {
        votes: Flat::concat(votes),
        centre: centres.concat(),
        ..Candidates::default()
    }
}
