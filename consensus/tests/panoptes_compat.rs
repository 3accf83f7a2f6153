//! Panoptes mode reproduces the real `panoptes_aggregation` output recorded in `fixtures/`.

use std::collections::BTreeMap;

use rstest::rstest;
use tessera_consensus::{PanoptesParams, panoptes, read_jsonl};

type Groups = BTreeMap<(String, String), Vec<(f64, f64, usize)>>;

fn group(rows: impl Iterator<Item = (String, String, f64, f64, usize)>) -> Groups {
    let mut g = Groups::new();
    for (task, class, x, y, n) in rows {
        g.entry((task, class)).or_default().push((x, y, n));
    }
    g
}

#[rstest]
#[case::eps5_min4("panoptes_expected_eps5_min4.jsonl", 5.0, 4)]
#[case::eps10_min2("panoptes_expected_eps10_min2.jsonl", 10.0, 2)]
fn clusters_equal_recorded_panoptes_output(
    #[case] expected: &str,
    #[case] eps: f64,
    #[case] min_samples: usize,
) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let input = std::fs::read(format!("{dir}panoptes_input.jsonl")).unwrap();
    let (input, report) = read_jsonl(input.as_slice()).unwrap();
    assert_eq!(report.skipped, 0);
    let out = panoptes::reduce(&input, &PanoptesParams { eps, min_samples }).unwrap();
    let want = std::fs::read_to_string(format!("{dir}{expected}")).unwrap();
    let want: Vec<serde_json::Value> = want
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!want.is_empty());
    // Same clusters in the same order (tasks by first appearance, tools, labels) …
    assert_eq!(out.clusters.len(), want.len());
    for (got, w) in out.clusters.iter().zip(&want) {
        assert_eq!(serde_json::to_value(&got.task).unwrap(), w["task"]);
        assert_eq!(got.class.as_str(), w["class"].as_str().unwrap());
        assert_eq!(got.count as u64, w["count"].as_u64().unwrap());
        assert!(
            (got.x - w["x"].as_f64().unwrap()).abs() < 0.01,
            "{got:?} vs {w}"
        );
        assert!(
            (got.y - w["y"].as_f64().unwrap()).abs() < 0.01,
            "{got:?} vs {w}"
        );
    }
    // … hence the same count per subject and tool.
    let g = group(
        out.clusters
            .iter()
            .map(|c| (c.task.to_string(), c.class.to_string(), c.x, c.y, c.count)),
    );
    let w = group(want.iter().map(|w| {
        let task = w["task"]
            .as_str()
            .map_or_else(|| w["task"].to_string(), str::to_owned);
        (task, w["class"].as_str().unwrap().to_owned(), 0.0, 0.0, 0)
    }));
    assert_eq!(
        g.iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect::<Vec<_>>(),
        w.iter()
            .map(|(k, v)| (k.clone(), v.len()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn border_point_follows_scikit_learn_order() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let (input, _) = read_jsonl(
        std::fs::read(format!("{dir}panoptes_input.jsonl"))
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    let out = panoptes::reduce(
        &input,
        &PanoptesParams {
            eps: 5.0,
            min_samples: 4,
        },
    )
    .unwrap();
    let border: Vec<_> = out
        .clusters
        .iter()
        .filter(|c| c.task.to_string() == "border")
        .map(|c| c.count)
        .collect();
    assert_eq!(
        border,
        vec![4, 3],
        "the shared border point goes to the first cluster"
    );
}
