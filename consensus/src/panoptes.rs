//! Panoptes-compatible mode: Zooniverse `panoptes_aggregation`'s `point_reducer_dbscan`.
//!
//! Per task (panoptes "subject") and per damage class (one panoptes "tool" per class, tools
//! numbered by sorted class name), the marks of all answers, in input order, are clustered in
//! **pixels** by scikit-learn's DBSCAN: a point is core when at least `min_samples` **points**
//! (itself included, duplicates by one volunteer included) lie within `eps` (inclusive); clusters
//! are expanded depth-first from the lowest-index unlabelled core point, and a border point goes
//! to the first cluster that reaches it. As in panoptes, DBSCAN only runs when a tool has at
//! least `min_samples` points. Each cluster reports the mean `x`, `y`, the point count and the
//! sample covariance (`ddof = 1`; `None` for one point), exactly as panoptes 5.3.1 does.
//! Nothing is validated beyond finite coordinates: panoptes clusters whatever it is given.

use std::collections::HashMap;
use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::error::ConsensusResult;
use crate::id::TaskId;
use crate::params::PanoptesParams;
use crate::types::{DamageClass, Input, Response};

/// One panoptes cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanoptesCluster {
    /// The task (subject).
    pub task: TaskId,
    /// The class (tool).
    pub class: DamageClass,
    /// Mean x, px.
    pub x: f64,
    /// Mean y, px.
    pub y: f64,
    /// Points in the cluster.
    pub count: usize,
    /// Sample variance of x (`None` for a single point).
    pub var_x: Option<f64>,
    /// Sample variance of y.
    pub var_y: Option<f64>,
    /// Sample covariance of x and y.
    pub var_x_y: Option<f64>,
}

/// Clusters in panoptes' output order: tasks by first appearance among the answers, then
/// tools (sorted class names), then cluster label.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PanoptesOutput {
    /// All clusters.
    pub clusters: Vec<PanoptesCluster>,
    /// Answers reduced.
    pub answers: usize,
    /// Marks clustered.
    pub marks: usize,
}

/// scikit-learn DBSCAN labels (`-1` noise) for `points` in order.
#[must_use]
pub fn dbscan_labels(points: &[[f64; 2]], eps: f64, min_samples: usize) -> Vec<i64> {
    let n = points.len();
    let hoods: Vec<Vec<usize>> = points
        .iter()
        .map(|p| {
            (0..n)
                .filter(|&j| (p[0] - points[j][0]).hypot(p[1] - points[j][1]) <= eps)
                .collect()
        })
        .collect();
    let core: Vec<bool> = hoods.iter().map(|h| h.len() >= min_samples).collect();
    let mut labels = vec![-1i64; n];
    let mut label = 0i64;
    let mut stack = Vec::new();
    for seed in 0..n {
        if labels[seed] != -1 || !core[seed] {
            continue;
        }
        // The same depth-first loop as sklearn/cluster/_dbscan_inner.pyx.
        let mut i = seed;
        loop {
            if labels[i] == -1 {
                labels[i] = label;
                if core[i] {
                    stack.extend(hoods[i].iter().copied().filter(|&v| labels[v] == -1));
                }
            }
            match stack.pop() {
                Some(next) => i = next,
                None => break,
            }
        }
        label += 1;
    }
    labels
}

/// Reproduces `point_reducer_dbscan` over every task of `input`.
///
/// # Errors
/// [`crate::ConsensusError::InvalidParameter`] for `eps ≤ 0` or `min_samples = 0` (scikit-learn
/// refuses them too).
///
/// # Examples
/// ```
/// use tessera_consensus::{PanoptesParams, read_jsonl, panoptes};
/// let text = r#"{"type":"answer","task":1,"volunteer":"a","marks":[{"x":10,"y":10,"class":"crater"},{"x":11,"y":10,"class":"crater"}]}
/// {"type":"answer","task":1,"volunteer":"b","marks":[{"x":12,"y":10,"class":"crater"}]}"#;
/// let (input, _) = read_jsonl(text.as_bytes()).unwrap();
/// let out = panoptes::reduce(&input, &PanoptesParams::default()).unwrap();
/// assert_eq!(out.clusters.len(), 1); // three points: one volunteer's two count twice
/// assert_eq!((out.clusters[0].x, out.clusters[0].count), (11.0, 3));
/// assert!(panoptes::reduce(&input, &PanoptesParams { eps: 0.0, min_samples: 3 }).is_err());
/// ```
pub fn reduce(input: &Input, params: &PanoptesParams) -> ConsensusResult<PanoptesOutput> {
    params.validate()?;
    let mut classes: Vec<&DamageClass> = Vec::new();
    let mut order: Vec<&TaskId> = Vec::new();
    let mut by_task: HashMap<&TaskId, Vec<&Response>> = HashMap::new();
    for a in &input.answers {
        if let Response::Marks(ms) = &a.response {
            classes.extend(ms.iter().map(|m| &m.class));
        }
        by_task
            .entry(&a.task)
            .or_insert_with(|| {
                order.push(&a.task);
                Vec::new()
            })
            .push(&a.response);
    }
    classes.sort();
    classes.dedup();
    let mut out = PanoptesOutput {
        answers: input.answers.len(),
        ..PanoptesOutput::default()
    };
    let mut pts: Vec<[f64; 2]> = Vec::new();
    for task in order {
        for class in &classes {
            pts.clear();
            for r in &by_task[task] {
                if let Response::Marks(ms) = r {
                    pts.extend(ms.iter().filter(|m| &&m.class == class).map(|m| [m.x, m.y]));
                }
            }
            out.marks += pts.len();
            if pts.is_empty() || pts.len() < params.min_samples {
                continue;
            }
            let labels = dbscan_labels(&pts, params.eps, params.min_samples);
            let n_labels = labels.iter().max().map_or(0, |&m| m + 1);
            for k in 0..n_labels {
                let members: Vec<[f64; 2]> = pts
                    .iter()
                    .zip(&labels)
                    .filter(|(_, l)| **l == k)
                    .map(|(p, _)| *p)
                    .collect();
                out.clusters.push(summarise(task, class, &members));
            }
        }
    }
    Ok(out)
}

fn summarise(task: &TaskId, class: &DamageClass, m: &[[f64; 2]]) -> PanoptesCluster {
    let n = m.len() as f64;
    let (mx, my) = (
        m.iter().map(|p| p[0]).sum::<f64>() / n,
        m.iter().map(|p| p[1]).sum::<f64>() / n,
    );
    let cov = |f: &dyn Fn(&[f64; 2]) -> f64| {
        (m.len() > 1).then(|| m.iter().map(f).sum::<f64>() / (n - 1.0))
    };
    PanoptesCluster {
        task: task.clone(),
        class: class.clone(),
        x: mx,
        y: my,
        count: m.len(),
        var_x: cov(&|p| (p[0] - mx) * (p[0] - mx)),
        var_y: cov(&|p| (p[1] - my) * (p[1] - my)),
        var_x_y: cov(&|p| (p[0] - mx) * (p[1] - my)),
    }
}

#[derive(Serialize)]
struct Line<'a> {
    r#type: &'static str,
    task: &'a TaskId,
    class: &'a DamageClass,
    x: f64,
    y: f64,
    count: usize,
}

/// Writes clusters as `bench/panoptes_reduce.py` does: `{"type":"site","task","class","x","y","count"}`.
///
/// # Errors
/// [`crate::ConsensusError::Write`] when the writer fails.
pub fn write_jsonl(out: &PanoptesOutput, mut writer: impl Write) -> ConsensusResult<()> {
    for c in &out.clusters {
        let line = Line {
            r#type: "site",
            task: &c.task,
            class: &c.class,
            x: c.x,
            y: c.y,
            count: c.count,
        };
        crate::jsonl::write_line(&mut writer, &line)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::dbscan_labels;

    #[rstest]
    #[case::empty_input(vec![], 3, vec![])]
    #[case::one_point(vec![[0.0, 0.0]], 1, vec![0])]
    #[case::all_noise(vec![[0.0, 0.0], [20.0, 0.0], [40.0, 0.0]], 2, vec![-1, -1, -1])]
    #[case::identical_points(vec![[1.0, 1.0]; 3], 3, vec![0, 0, 0])]
    #[case::min_samples_too_large(vec![[1.0, 1.0]; 3], 4, vec![-1, -1, -1])]
    #[case::two_clusters(vec![[0.0, 0.0], [50.0, 0.0], [1.0, 0.0], [51.0, 0.0]], 2, vec![0, 1, 0, 1])]
    #[case::distance_equal_to_eps_is_a_neighbour(vec![[0.0, 0.0], [5.0, 0.0]], 2, vec![0, 0])]
    fn labels_match_scikit_learn(
        #[case] pts: Vec<[f64; 2]>,
        #[case] min_samples: usize,
        #[case] expected: Vec<i64>,
    ) {
        assert_eq!(dbscan_labels(&pts, 5.0, min_samples), expected);
    }

    #[test]
    fn border_point_goes_to_the_first_cluster_that_reaches_it() {
        // Point 3 (not core: 3 points within eps) is 4.7 from the left core and 4.3 from the
        // right one; the cluster seeded first takes it, although the right core is nearer.
        let pts = [
            [0.0, 0.0],
            [-3.0, 0.0],
            [-2.0, 2.0],
            [4.7, 0.0],
            [9.0, 0.0],
            [12.0, 0.0],
            [11.0, 2.0],
        ];
        assert_eq!(dbscan_labels(&pts, 5.0, 4), vec![0, 0, 0, 0, 1, 1, 1]);
    }
}
