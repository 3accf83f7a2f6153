//! `min_support` reaches the report rule: a site is reported only when the share of those who
//! saw the spot that marked it (the site's `support`) is at least `min_support`, and a spot below
//! it is no evidence of damage in its task's `p_damage`.

use rstest::rstest;
use tessera_consensus::{ConsensusParams, Input, Output, Site, read_jsonl, run};

/// One tile seen by six volunteers: four mark the same building, two say nothing is there.
fn campaign() -> Input {
    let mut lines = vec![r#"{"type":"task","id":1,"width":100,"height":100}"#.to_owned()];
    for v in 0..4 {
        lines.push(format!(
            r#"{{"type":"answer","task":1,"volunteer":"v{v}","marks":[{{"x":{},"y":50,"class":"destroyed"}}]}}"#,
            50 + v
        ));
    }
    for v in 4..6 {
        lines.push(format!(
            r#"{{"type":"answer","task":1,"volunteer":"v{v}","nothing_here":true}}"#
        ));
    }
    read_jsonl(lines.join("\n").as_bytes())
        .expect("the campaign reads")
        .0
}

fn output(min_support: f64) -> Output {
    let params = ConsensusParams {
        min_support,
        ..ConsensusParams::default()
    };
    run(&campaign(), &params).expect("valid parameters")
}

fn sites(min_support: f64) -> Vec<Site> {
    output(min_support).sites
}

/// The one task's probability of damage.
fn p_damage(min_support: f64) -> f64 {
    let out = output(min_support);
    assert_eq!(out.tasks.len(), 1, "{out:?}");
    out.tasks[0].p_damage
}

/// The site's support when nothing filters on it.
fn support() -> f64 {
    let all = sites(0.0);
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].support > 0.0 && all[0].support < 1.0, "{all:?}");
    all[0].support
}

#[rstest]
#[case::support_just_above_the_threshold_is_kept(f64::next_down, 1)]
#[case::support_at_the_threshold_is_kept(|s| s, 1)]
#[case::support_just_below_the_threshold_is_dropped(f64::next_up, 0)]
fn min_support_drops_sites_below_it(#[case] threshold: fn(f64) -> f64, #[case] kept: usize) {
    let out = sites(threshold(support()));
    assert_eq!(out.len(), kept, "{out:?}");
    if kept == 1 {
        assert_eq!(out, sites(0.0), "the kept site is the same site");
    }
}

#[test]
fn default_min_support_keeps_every_site_the_other_rules_accept() {
    assert_eq!(
        ConsensusParams::default().min_support.to_bits(),
        0f64.to_bits()
    );
    assert_eq!(sites(ConsensusParams::default().min_support), sites(0.0));
}

#[test]
fn a_spot_below_min_support_is_no_evidence_of_damage() {
    let s = support();
    assert!(p_damage(0.0) > 0.5, "four of six marked: {}", p_damage(0.0));
    assert_eq!(
        p_damage(s).to_bits(),
        p_damage(0.0).to_bits(),
        "a spot at the threshold still counts"
    );
    assert!(
        p_damage(s.next_up()) < 1e-9,
        "the only spot is below the threshold: {}",
        p_damage(s.next_up())
    );
}
