//! Real crowd-labelling data sets with ground truth, converted to Tessera campaigns, and the two
//! baselines the engine is measured against: majority vote and Dawid–Skene.
//!
//! The data sets stay where they are published (`../shared/data/crowd-labels`, or
//! `CROWD_LABELS_DIR`); each loader reads one folder in its authors' format. Conversion: an item is
//! one 256 × 256 px task in its own pixel space; a "yes" (or, for the 4-class set, any class) is
//! one mark at the tile centre, a "no" is "nothing here".
#![allow(
    dead_code,
    reason = "the test and the example use different parts of this module"
)]
#![expect(clippy::cast_precision_loss, reason = "counts are small")]
#![expect(
    clippy::float_cmp,
    reason = "ties are between equal vote counts or equal posteriors, exactly"
)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tessera_consensus::{
    Answer, ConsensusParams, DamageClass, Input, Mark, Output, Response, SitePosition, Task,
    TaskId, VolunteerId,
};

/// The task of item `i`.
fn item_id(i: usize) -> TaskId {
    TaskId::from(i64::try_from(i).expect("a small index"))
}

/// Side of a converted task, in pixels.
const SIDE: u32 = 256;

/// One data set: items with their true label, and workers' answers.
pub struct CrowdSet {
    /// Folder name.
    pub name: &'static str,
    /// Labels: 2 for a yes/no question (label 1 = yes), otherwise class indices.
    pub labels: usize,
    /// Class names when `labels > 2` (the marks' classes).
    pub class_names: Vec<String>,
    /// True label of each item.
    pub truth: Vec<usize>,
    /// `(item, worker, label)`.
    pub answers: Vec<(usize, usize, usize)>,
    /// Majority vote and Dawid–Skene accuracy as the folder's README publishes them.
    pub published: (f64, f64),
}

/// The folder of the data sets: `CROWD_LABELS_DIR`, else `../shared/data/crowd-labels` beside the
/// repository.
pub fn data_dir() -> PathBuf {
    std::env::var_os("CROWD_LABELS_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/crowd-labels"),
        PathBuf::from,
    )
}

fn read(dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); set CROWD_LABELS_DIR to the crowd-labels folder",
            path.display()
        )
    })
}

/// Interns names in first-seen order.
#[derive(Default)]
struct Names(HashMap<String, usize>);

impl Names {
    fn id(&mut self, name: &str) -> usize {
        let next = self.0.len();
        *self.0.entry(name.to_owned()).or_insert(next)
    }
}

/// `key: true|false` pairs of a flow-style YAML mapping.
fn bool_pairs(text: &str) -> Vec<(&str, bool)> {
    text.split([',', '{', '}', '\n'])
        .filter_map(|pair| {
            let (k, v) = pair.split_once(':')?;
            match v.trim() {
                "true" => Some((k.trim(), true)),
                "false" => Some((k.trim(), false)),
                _ => None,
            }
        })
        .collect()
}

/// `labels.yaml` (`worker: {image: bool, …}`) and `gt.yaml` (`{image: bool}`).
fn bluebirds(dir: &Path) -> CrowdSet {
    let mut items = Names::default();
    let truth_pairs = bool_pairs(&read(dir, "gt.yaml"))
        .into_iter()
        .map(|(k, v)| (items.id(k), usize::from(v)))
        .collect::<Vec<_>>();
    let mut truth = vec![0; truth_pairs.len()];
    for (i, t) in truth_pairs {
        truth[i] = t;
    }
    let mut workers = Names::default();
    let mut answers = Vec::new();
    // A worker's block starts at a line `worker: {…` and runs to its closing brace.
    for block in read(dir, "labels.yaml").split('}') {
        let Some((worker, body)) = block.split_once('{') else {
            continue;
        };
        let worker = workers.id(worker.trim().trim_end_matches(':').trim());
        for (item, yes) in bool_pairs(body) {
            answers.push((items.id(item), worker, usize::from(yes)));
        }
    }
    CrowdSet {
        name: "bluebirds",
        labels: 2,
        class_names: Vec::new(),
        truth,
        answers,
        published: (0.759, 0.898),
    }
}

/// `labels.txt` (`image worker label` after a count line) and `classes.yaml` (species; a duck is
/// a Mallard (0) or an American Black Duck (2)).
fn ducks(dir: &Path) -> CrowdSet {
    let classes = read(dir, "classes.yaml");
    let labels = classes
        .split("species")
        .next()
        .and_then(|s| s.split_once('{'))
        .map_or("", |(_, s)| s);
    let mut truth = Vec::new();
    for pair in labels.split([',', '}']) {
        if let Some((image, species)) = pair.split_once(':') {
            let image: usize = image.trim().parse().expect("an image index");
            let species: usize = species.trim().parse().expect("a species index");
            truth.resize(truth.len().max(image + 1), 0);
            truth[image] = usize::from(species == 0 || species == 2);
        }
    }
    let answers = read(dir, "labels.txt")
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<usize> = line
                .split_whitespace()
                .map(|x| x.parse().expect("an index"))
                .collect();
            (f.len() == 3).then(|| (f[0], f[1], f[2]))
        })
        .collect();
    CrowdSet {
        name: "ducks",
        labels: 2,
        class_names: Vec::new(),
        truth,
        answers,
        published: (0.688, 0.600),
    }
}

/// `question,worker,answer` rows after a header.
fn csv_rows(text: &str) -> impl Iterator<Item = [&str; 3]> {
    text.lines().skip(1).filter_map(|line| {
        let mut f = line.split(',');
        Some([f.next()?, f.next()?, f.next()?])
    })
}

/// `answer.csv` and `truth.csv`: neutral, happy, sad, angry.
fn face(dir: &Path) -> CrowdSet {
    let mut items = Names::default();
    let mut truth = Vec::new();
    for line in read(dir, "truth.csv").lines().skip(1) {
        let (q, t) = line.split_once(',').expect("question,truth");
        let i = items.id(q);
        truth.resize(i + 1, 0);
        truth[i] = t.trim().parse().expect("a class index");
    }
    let mut workers = Names::default();
    let answers = csv_rows(&read(dir, "answer.csv"))
        .map(|[q, w, a]| {
            (
                items.id(q),
                workers.id(w),
                a.trim().parse().expect("a class index"),
            )
        })
        .collect();
    CrowdSet {
        name: "face-sentiment",
        labels: 4,
        class_names: ["neutral", "happy", "sad", "angry"]
            .map(String::from)
            .to_vec(),
        truth,
        answers,
        published: (0.637, 0.640),
    }
}

/// `answer.csv`; the truth of a pair is the last `_` field of its id (used for the truth only).
fn product(dir: &Path) -> CrowdSet {
    let (mut items, mut workers) = (Names::default(), Names::default());
    let mut truth = Vec::new();
    let mut answers = Vec::new();
    for [q, w, a] in csv_rows(&read(dir, "answer.csv")) {
        let i = items.id(q);
        if i == truth.len() {
            truth.push(usize::from(q.ends_with("_1")));
        }
        answers.push((i, workers.id(w), a.trim().parse().expect("0 or 1")));
    }
    CrowdSet {
        name: "product",
        labels: 2,
        class_names: Vec::new(),
        truth,
        answers,
        published: (0.897, 0.940),
    }
}

/// The four data sets.
pub fn load_all(dir: &Path) -> Vec<CrowdSet> {
    vec![
        bluebirds(&dir.join("bluebirds")),
        ducks(&dir.join("ducks")),
        face(&dir.join("face-sentiment")),
        product(&dir.join("product")),
    ]
}

impl CrowdSet {
    /// Accuracy of a per-item label posterior (`labels` values per item): ties between the best
    /// labels count as a fair draw among them.
    fn accuracy(&self, posterior: &[f64]) -> f64 {
        let total: f64 = self
            .truth
            .iter()
            .zip(posterior.chunks(self.labels))
            .map(|(&t, p)| {
                let best = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let tied = p.iter().filter(|&&x| x == best).count();
                if p[t] == best { 1.0 / tied as f64 } else { 0.0 }
            })
            .sum();
        total / self.truth.len() as f64
    }

    fn votes(&self) -> Vec<f64> {
        let mut votes = vec![0.0; self.truth.len() * self.labels];
        for &(i, _, l) in &self.answers {
            votes[i * self.labels + l] += 1.0;
        }
        votes
    }

    /// Majority vote (ties drawn at random, counted as their expected accuracy).
    pub fn majority_vote(&self) -> f64 {
        self.accuracy(&self.votes())
    }

    /// Dawid–Skene: a full confusion matrix per worker and a prior per label, by EM from majority
    /// vote (ties split evenly), with 0.01 pseudo-counts so no probability is exactly 0.
    pub fn dawid_skene(&self) -> f64 {
        let (nl, ni) = (self.labels, self.truth.len());
        let workers = self.answers.iter().map(|a| a.1).max().map_or(0, |w| w + 1);
        let mut post = self.votes();
        for p in post.chunks_mut(nl) {
            let best = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let tied = p.iter().filter(|&&x| x == best).count() as f64;
            for x in p.iter_mut() {
                *x = if *x == best { 1.0 / tied } else { 0.0 };
            }
        }
        for _ in 0..100 {
            let mut conf = vec![0.01; workers * nl * nl];
            let mut prior = vec![0.01; nl];
            for p in post.chunks(nl) {
                for (t, x) in p.iter().enumerate() {
                    prior[t] += x;
                }
            }
            for &(i, w, l) in &self.answers {
                for t in 0..nl {
                    conf[(w * nl + t) * nl + l] += post[i * nl + t];
                }
            }
            for row in conf.chunks_mut(nl) {
                let n: f64 = row.iter().sum();
                for x in row.iter_mut() {
                    *x = (*x / n).ln();
                }
            }
            let n: f64 = prior.iter().sum();
            let mut log = vec![0.0; ni * nl];
            for p in log.chunks_mut(nl) {
                for (x, share) in p.iter_mut().zip(&prior) {
                    *x = (share / n).ln();
                }
            }
            for &(i, w, l) in &self.answers {
                for t in 0..nl {
                    log[i * nl + t] += conf[(w * nl + t) * nl + l];
                }
            }
            for (p, l) in post.chunks_mut(nl).zip(log.chunks(nl)) {
                let max = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let total: f64 = l.iter().map(|x| (x - max).exp()).sum();
                for (x, y) in p.iter_mut().zip(l) {
                    *x = (y - max).exp() / total;
                }
            }
        }
        self.accuracy(&post)
    }

    /// The set as a Tessera campaign, and the parameters that declare its classes.
    pub fn campaign(&self, params: &ConsensusParams) -> (Input, ConsensusParams) {
        let class = |l: usize| {
            DamageClass::from(if self.labels > 2 {
                self.class_names[l].as_str()
            } else {
                "damage"
            })
        };
        let tasks = (0..self.truth.len())
            .map(|i| Task {
                id: item_id(i),
                width: SIDE,
                height: SIDE,
                footprint: None,
                gold: None,
            })
            .collect();
        let answers = self
            .answers
            .iter()
            .map(|&(i, w, l)| Answer {
                task: item_id(i),
                volunteer: VolunteerId::from(i64::try_from(w).expect("a small index")),
                response: if self.labels > 2 || l == 1 {
                    Response::Marks(vec![Mark {
                        x: f64::from(SIDE) / 2.0,
                        y: f64::from(SIDE) / 2.0,
                        class: class(l),
                    }])
                } else {
                    Response::NothingHere
                },
            })
            .collect();
        let classes = if self.labels > 2 {
            self.class_names.clone()
        } else {
            vec!["damage".to_owned()]
        };
        (
            Input { tasks, answers },
            ConsensusParams {
                classes,
                ..params.clone()
            },
        )
    }

    /// Tessera's accuracy: `p_damage ≥ 0.5` for a yes/no set; for a class set, the class of the
    /// most confident site reported on the item's task (no site is a wrong answer).
    pub fn tessera(&self, params: &ConsensusParams) -> f64 {
        let (input, params) = self.campaign(params);
        let out = tessera_consensus::run(&input, &params).expect("valid parameters");
        self.score(&out)
    }

    fn score(&self, out: &Output) -> f64 {
        let index = |id: &TaskId| id.to_string().parse::<usize>().expect("an item index");
        let mut said = vec![usize::MAX; self.truth.len()];
        if self.labels > 2 {
            let mut best = vec![f64::NEG_INFINITY; self.truth.len()];
            for site in &out.sites {
                if let SitePosition::Pixel { task, .. } = &site.position {
                    let i = index(task);
                    if site.confidence > best[i] {
                        best[i] = site.confidence;
                        said[i] = self
                            .class_names
                            .iter()
                            .position(|c| c == site.class.as_str())
                            .expect("a declared class");
                    }
                }
            }
        } else {
            said.fill(0);
            for t in &out.tasks {
                said[index(&t.id)] = usize::from(t.p_damage >= 0.5);
            }
        }
        let right = said.iter().zip(&self.truth).filter(|(s, t)| s == t).count();
        right as f64 / self.truth.len() as f64
    }
}
