//! The accuracy goal on a smaller simulated campaign (fixed seed): precision and recall ≥ 0.95,
//! class accuracy ≥ 0.9, and a better F1 than the panoptes-compatible mode on the same data.
#![expect(clippy::cast_precision_loss, reason = "counts are small")]

use tessera_consensus::eval::{panoptes_sites, score, tessera_sites};
use tessera_consensus::sim::{SimParams, simulate};
use tessera_consensus::{ConsensusParams, PanoptesParams, panoptes, run};

#[test]
fn simulated_campaign_meets_accuracy_goal_and_beats_panoptes() {
    let sim = SimParams::with_tiles(12, 12);
    let (input, truth) = simulate(&sim, 11).unwrap();
    let params = ConsensusParams::default();
    let radius = params.eps_px * sim.gsd_m;
    let out = run(&input, &params).unwrap();
    let s = score(&tessera_sites(&out), &truth, radius);
    let p = score(
        &panoptes_sites(
            &panoptes::reduce(
                &input,
                &PanoptesParams {
                    eps: params.eps_px,
                    min_samples: 3,
                },
            )
            .unwrap(),
            &input,
        ),
        &truth,
        radius,
    );
    eprintln!("tessera {s:?}\npanoptes {p:?}");
    assert!(s.truth > 250, "a campaign big enough to measure: {s:?}");
    assert!(s.precision >= 0.95, "precision {s:?}");
    assert!(s.recall >= 0.95, "recall {s:?}");
    assert!(s.class_accuracy >= 0.9, "class accuracy {s:?}");
    assert!(s.f1 > p.f1, "tessera {s:?} vs panoptes {p:?}");
}

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
