//! The simulator's crowd behaviours, each checked on the answers it writes.

use std::collections::HashMap;

use super::*;
use crate::types::Response;

fn marks(r: &Response) -> &[Mark] {
    match r {
        Response::Marks(m) => m,
        Response::NothingHere | Response::CantTell => &[],
    }
}

/// Tile px of `[lon, lat]` in a north-up task (the simulator's footprints).
fn tile_px(task: &Task, s: &TruthSite) -> [f64; 2] {
    let c = task
        .footprint
        .expect("simulated tasks are georeferenced")
        .corners();
    [
        (s.lon - c[0][0]) / (c[1][0] - c[0][0]) * f64::from(task.width),
        (c[0][1] - s.lat) / (c[0][1] - c[3][1]) * f64::from(task.height),
    ]
}

fn inside(task: &Task, spot: &TruthSite) -> Option<[f64; 2]> {
    let [x, y] = tile_px(task, spot);
    let within = |v: f64, side: u32| (0.0..=f64::from(side)).contains(&v);
    (within(x, task.width) && within(y, task.height)).then_some([x, y])
}

fn by_id(truth: &GroundTruth) -> HashMap<&str, &TruthVolunteer> {
    truth
        .volunteers
        .iter()
        .map(|v| (v.id.as_str(), v))
        .collect()
}

#[test]
fn look_alikes_leave_the_sites_and_the_crowd_as_they_were() {
    let base = SimParams::with_tiles(6, 6);
    let (_, plain) = simulate(&base, 5).unwrap();
    let with = SimParams {
        decoys_per_tile: 1.0,
        ..base
    };
    let (_, fooled) = simulate(&with, 5).unwrap();
    assert_eq!(plain.sites, fooled.sites);
    let recalls = |t: &GroundTruth| t.volunteers.iter().map(|v| v.recall).collect::<Vec<_>>();
    assert_eq!(recalls(&plain), recalls(&fooled));
    assert!(plain.decoys.is_empty());
    assert!(fooled.volunteers.iter().any(|v| v.fooled_rate > 0.0));
}

#[test]
fn look_alikes_are_apart_from_sites_and_marked_at_the_volunteers_fooled_rates() {
    let p = SimParams {
        decoys_per_tile: 1.0,
        decoy_fooling: 0.3,
        cant_tell_rate: 0.0,
        // Enough volunteers for their mean fooled rate to be near the campaign's.
        volunteers: 300,
        ..SimParams::with_tiles(12, 12)
    };
    let (input, truth) = simulate(&p, 9).unwrap();
    // A Poisson count of mean 144 × (frame / tile area): well within 5 σ.
    let mean = 144.0 * (12.0 * 224.0 + 32.0_f64).powi(2) / (12.0 * 224.0_f64).powi(2);
    let count = truth.decoys.len() as f64;
    assert!(
        (count - mean).abs() < 5.0 * mean.sqrt(),
        "{count} look-alikes, mean {mean}"
    );
    let proj = LocalProjection::new(p.centre[0], p.centre[1]);
    let at = |s: &TruthSite| proj.forward([s.lon, s.lat]);
    for d in &truth.decoys {
        let nearest = truth
            .sites
            .iter()
            .map(|s| crate::geo::dist2(at(s), at(d)).sqrt())
            .fold(f64::INFINITY, f64::min);
        assert!(
            nearest >= p.min_separation_m,
            "look-alike {nearest} m from a site"
        );
    }
    let volunteers = by_id(&truth);
    let tasks: HashMap<_, _> = input.tasks.iter().map(|t| (&t.id, t)).collect();
    let (mut expected, mut marked, mut seen) = (0.0, 0usize, 0usize);
    for a in &input.answers {
        let v = volunteers[a.volunteer.to_string().as_str()];
        if v.spammer {
            continue;
        }
        for d in &truth.decoys {
            let Some([x, y]) = inside(tasks[&a.task], d) else {
                continue;
            };
            seen += 1;
            expected += v.fooled_rate;
            if marks(&a.response)
                .iter()
                .any(|m| (m.x - x).hypot(m.y - y) < 12.0)
            {
                marked += 1;
            }
        }
    }
    let observed = marked as f64 / seen as f64;
    let expected = expected / seen as f64;
    // Marks within 12 px also catch a few false marks (≈ 0.3 × π 12² / 256² ≈ 0.2 %).
    assert!(seen > 500, "{seen} exposures");
    assert!(
        (observed - expected).abs() < 0.03,
        "marked {observed:.3}, fooled rates say {expected:.3}"
    );
    assert!(
        (expected - p.decoy_fooling).abs() < 0.05,
        "mean fooled rate {expected}"
    );
}

#[test]
fn silent_spammers_never_mark_and_the_others_mark_at_random() {
    let p = SimParams {
        spammer_share: 0.3,
        silent_spammer_share: 0.5,
        ..SimParams::with_tiles(6, 6)
    };
    let (input, truth) = simulate(&p, 2).unwrap();
    let volunteers = by_id(&truth);
    let (mut silent_answers, mut loud_marks) = (0usize, 0usize);
    for a in &input.answers {
        let v = volunteers[a.volunteer.to_string().as_str()];
        if v.spammer && v.false_rate == 0.0 {
            assert!(marks(&a.response).is_empty(), "a silent spammer marked");
            silent_answers += 1;
        } else if v.spammer {
            loud_marks += marks(&a.response).len();
        }
    }
    assert!(
        silent_answers > 0 && loud_marks > 0,
        "{silent_answers} {loud_marks}"
    );
}

#[test]
fn one_class_volunteers_give_every_mark_their_class() {
    let p = SimParams {
        single_class_share: 0.5,
        ..SimParams::with_tiles(6, 6)
    };
    let (input, truth) = simulate(&p, 4).unwrap();
    let volunteers = by_id(&truth);
    let mut checked = 0;
    for a in &input.answers {
        if let Some(only) = &volunteers[a.volunteer.to_string().as_str()].only_class {
            for m in marks(&a.response) {
                assert_eq!(m.class.as_str(), only);
                checked += 1;
            }
        }
    }
    assert!(checked > 50, "{checked} marks checked");
}

#[test]
fn offset_volunteers_click_beside_the_sites() {
    let p = SimParams {
        offset_share: 1.0,
        offset_px: 4.0,
        spammer_share: 0.0,
        false_marks_per_tile: 0.0,
        ..SimParams::with_tiles(6, 6)
    };
    let (input, truth) = simulate(&p, 6).unwrap();
    let volunteers = by_id(&truth);
    let tasks: HashMap<_, _> = input.tasks.iter().map(|t| (&t.id, t)).collect();
    let mut residual = Vec::new();
    for a in &input.answers {
        let v = volunteers[a.volunteer.to_string().as_str()];
        assert!((v.offset_px[0].hypot(v.offset_px[1]) - 4.0).abs() < 1e-9);
        for s in &truth.sites {
            let Some([x, y]) = inside(tasks[&a.task], s) else {
                continue;
            };
            for m in marks(&a.response) {
                let (dx, dy) = (m.x - x, m.y - y);
                if dx.hypot(dy) < 15.0 && (1.0..255.0).contains(&x) && (1.0..255.0).contains(&y) {
                    residual.push([dx - v.offset_px[0], dy - v.offset_px[1], dx, dy]);
                }
            }
        }
    }
    let n = residual.len() as f64;
    let mean = |k: usize| residual.iter().map(|r| r[k]).sum::<f64>() / n;
    let shift = |k: usize| residual.iter().map(|r| r[k].abs()).sum::<f64>() / n;
    assert!(n > 150.0, "{n} marks near sites");
    // Net of each volunteer's offset the clicks are centred; the raw clicks are not.
    assert!(
        mean(0).abs() < 0.3 && mean(1).abs() < 0.3,
        "{} {}",
        mean(0),
        mean(1)
    );
    assert!(shift(2) + shift(3) > shift(0) + shift(1) + 1.0);
}

#[test]
fn mixed_resolution_tiles_cover_more_ground_and_place_sites_through_their_footprint() {
    let p = SimParams {
        mixed_gsd_share: 0.5,
        mixed_gsd_m: vec![1.0],
        gold_share: 1.0,
        ..SimParams::with_tiles(8, 8)
    };
    let (input, truth) = simulate(&p, 8).unwrap();
    let proj = LocalProjection::new(p.centre[0], p.centre[1]);
    let mut widths: Vec<f64> = Vec::new();
    for t in &input.tasks {
        let c = t.footprint.unwrap().corners();
        let w = proj.forward(c[1])[0] - proj.forward(c[0])[0];
        widths.push(w);
        assert!(
            (w - 128.0).abs() < 1e-6 || (w - 256.0).abs() < 1e-6,
            "a 256 px tile at 0.5 m or 1 m is 128 m or 256 m wide, not {w}"
        );
        // Gold marks are the sites, in this tile's own pixels.
        let gold: Vec<&Mark> = t.gold.as_ref().map(|g| marks(g).iter().collect()).unwrap();
        let want = truth
            .sites
            .iter()
            .filter(|s| inside(t, s).is_some())
            .count();
        assert_eq!(gold.len(), want);
        for m in gold {
            let at = proj.forward(t.footprint.unwrap().pixel_to_lonlat(m.x, m.y, 256, 256));
            let near = truth
                .sites
                .iter()
                .any(|s| crate::geo::dist2(proj.forward([s.lon, s.lat]), at) < 1e-6);
            assert!(near, "a gold mark off every site");
        }
    }
    let coarse = widths.iter().filter(|w| **w > 200.0).count();
    assert!((16..=48).contains(&coarse), "{coarse} of 64 tiles at 1 m");
}

#[test]
fn zipf_activity_gives_a_core_and_a_long_tail() {
    let p = SimParams {
        activity_zipf: 1.0,
        ..SimParams::with_tiles(12, 12)
    };
    let (input, truth) = simulate(&p, 3).unwrap();
    let mut answers: HashMap<String, usize> = HashMap::new();
    for a in &input.answers {
        *answers.entry(a.volunteer.to_string()).or_default() += 1;
    }
    let few = answers.values().filter(|&&n| n <= 5).count();
    let most = answers.values().copied().max().unwrap_or(0);
    assert_eq!(truth.volunteers.len(), 180, "one volunteer per 4 answers");
    assert!(
        few * 2 > answers.len(),
        "{few} of {} with 1–5 answers",
        answers.len()
    );
    assert!(most >= 80, "the most active answered {most} of 144 tasks");
    // Uniform picks spread the same answers evenly.
    let (uniform, _) = simulate(&SimParams::with_tiles(12, 12), 3).unwrap();
    let mut even: HashMap<String, usize> = HashMap::new();
    for a in &uniform.answers {
        *even.entry(a.volunteer.to_string()).or_default() += 1;
    }
    assert!(even.values().all(|&n| n > 5));
}
