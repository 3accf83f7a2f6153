//! Incremental runs: the sites inside a box equal those of a full run with the same reliabilities.

use tessera_consensus::sim::{SimParams, simulate};
use tessera_consensus::{ConsensusParams, LonLatBox, SitePosition, run, run_region};

#[test]
fn region_run_reproduces_full_run_sites_inside_the_box() {
    let sim = SimParams::with_tiles(8, 8);
    let (input, _) = simulate(&sim, 4).unwrap();
    let params = ConsensusParams {
        eps_m: Some(5.0),
        ..ConsensusParams::default()
    };
    let full = run(&input, &params).unwrap();
    let (lon, lat) = (sim.centre[0], sim.centre[1]);
    let region = LonLatBox::new(lon - 0.002, lat - 0.0015, lon + 0.002, lat + 0.0015).unwrap();
    let part = run_region(&input, &region, &params, Some(&full.reliabilities())).unwrap();
    let inside: Vec<_> = full
        .sites
        .iter()
        .filter(
            |s| matches!(s.position, SitePosition::Geo { lon, lat } if region.contains(lon, lat)),
        )
        .collect();
    assert!(inside.len() >= 5, "the box holds sites: {}", inside.len());
    assert_eq!(part.sites.len(), inside.len());
    for (a, b) in part.sites.iter().zip(&inside) {
        let (SitePosition::Geo { lon: x1, lat: y1 }, SitePosition::Geo { lon: x2, lat: y2 }) =
            (&a.position, &b.position)
        else {
            panic!("geo sites expected");
        };
        assert!(
            (x1 - x2).abs() < 1e-7 && (y1 - y2).abs() < 1e-7,
            "{a:?} vs {b:?}"
        );
        assert_eq!(
            (&a.class, &a.volunteers, a.seen_by),
            (&b.class, &b.volunteers, b.seen_by)
        );
        assert!((a.confidence - b.confidence).abs() < 1e-3, "{a:?} vs {b:?}");
    }
    assert!(part.tasks.len() < full.tasks.len());
}

#[test]
fn region_run_holds_the_given_reliabilities_fixed() {
    let sim = SimParams::with_tiles(8, 8);
    let (input, _) = simulate(&sim, 4).unwrap();
    let params = ConsensusParams::default();
    let full = run(&input, &params).unwrap();
    let (lon, lat) = (sim.centre[0], sim.centre[1]);
    let region = LonLatBox::new(lon - 0.002, lat - 0.0015, lon + 0.002, lat + 0.0015).unwrap();
    let part = run_region(&input, &region, &params, Some(&full.reliabilities())).unwrap();
    assert!(!part.volunteers.is_empty());
    for v in &part.volunteers {
        let known = full
            .volunteers
            .iter()
            .find(|k| k.id == v.id)
            .expect("every volunteer of the box answered in the campaign");
        assert_eq!(
            (v.sensitivity.to_bits(), v.fooled.to_bits()),
            (known.sensitivity.to_bits(), known.fooled.to_bits()),
            "{v:?} vs {known:?}"
        );
        assert!(
            (v.false_rate - known.false_rate).abs() <= 1e-9 * known.false_rate.max(1e-12),
            "{v:?} vs {known:?}"
        );
    }
}
