//! Reliability on a simulated campaign: spammers lose their vote. (The accuracy goals, pooled
//! over several crowds because one crowd of 20 volunteers moves recall by ±0.03, are in
//! `decoys.rs`.)
#![expect(clippy::cast_precision_loss, reason = "counts are small")]

use tessera_consensus::sim::{SimParams, simulate};
use tessera_consensus::{ConsensusParams, run};

#[test]
fn spammers_lose_weight() {
    let sim = SimParams {
        spammer_share: 0.1,
        ..SimParams::with_tiles(12, 12)
    };
    let (input, truth) = simulate(&sim, 3).unwrap();
    let out = run(&input, &ConsensusParams::default()).unwrap();
    let weight = |spam: bool| {
        let w: Vec<f64> = truth
            .volunteers
            .iter()
            .filter(|t| t.spammer == spam)
            .filter_map(|t| out.volunteers.iter().find(|v| v.id.to_string() == t.id))
            .map(|v| v.weight)
            .collect();
        w.iter().sum::<f64>() / w.len() as f64
    };
    let (spam, honest) = (weight(true), weight(false));
    assert!(
        spam < 0.15 && honest > 0.5,
        "spammers {spam}, honest {honest}"
    );
}
