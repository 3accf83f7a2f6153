//! Invariants of tessera mode on random small campaigns.

use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use tessera_consensus::sim::{SimParams, simulate};
use tessera_consensus::{Answer, ConsensusParams, Input, Mark, Output, Response, VolunteerId, run};

fn campaign(seed: u64) -> Input {
    let p = SimParams {
        tiles_x: 6,
        tiles_y: 6,
        volunteers: 15,
        gold_share: 0.0,
        ..SimParams::default()
    };
    simulate(&p, seed).expect("valid simulation parameters").0
}

fn same(a: &Output, b: &Output) {
    assert_eq!(a.sites, b.sites);
    assert_eq!(a.tasks, b.tasks);
    assert_eq!(a.volunteers, b.volunteers);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn result_does_not_depend_on_answer_order(seed in 0u64..1000, shuffle in any::<u64>()) {
        let input = campaign(seed);
        let mut shuffled = input.clone();
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(shuffle);
        for i in (1..shuffled.answers.len()).rev() {
            shuffled.answers.swap(i, rng.random_range(0..=i));
        }
        shuffled.tasks.reverse();
        let params = ConsensusParams::default();
        same(&run(&input, &params).unwrap(), &run(&shuffled, &params).unwrap());
    }

    #[test]
    fn result_does_not_depend_on_thread_count(seed in 0u64..1000) {
        // Gold tasks on, so every stage (gold anchors included) runs.
        let p = SimParams { tiles_x: 8, tiles_y: 8, volunteers: 20, ..SimParams::default() };
        let input = simulate(&p, seed).expect("valid simulation parameters").0;
        let params = ConsensusParams::default();
        let on = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a thread pool")
                .install(|| run(&input, &params).unwrap())
        };
        let one = on(1);
        same(&one, &on(3));
        same(&one, &run(&input, &params).unwrap());
    }

    #[test]
    fn duplicating_an_answer_changes_nothing(seed in 0u64..1000, pick in any::<prop::sample::Index>()) {
        let input = campaign(seed);
        let mut dup = input.clone();
        let a = pick.get(&input.answers).clone();
        dup.answers.push(a);
        let params = ConsensusParams::default();
        let (x, y) = (run(&input, &params).unwrap(), run(&dup, &params).unwrap());
        same(&x, &y);
        prop_assert_eq!(y.summary.duplicate_answers, 1);
    }

    #[test]
    fn a_random_marking_spammer_creates_no_confirmed_site(seed in 0u64..1000, spam_seed in any::<u64>()) {
        // A site may still appear or vanish through the spammer's small effect on others' estimates;
        // what must hold is that no reported site needs the spammer's vote.
        let input = campaign(seed);
        let mut spammed = input.clone();
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(spam_seed);
        for t in &input.tasks {
            let marks = (0..4)
                .map(|_| Mark::new(rng.random::<f64>() * 256.0, rng.random::<f64>() * 256.0, "destroyed".into()).unwrap())
                .collect();
            spammed.answers.push(Answer { task: t.id.clone(), volunteer: VolunteerId::from("spammer"), response: Response::Marks(marks) });
        }
        let params = ConsensusParams::default();
        let after = run(&spammed, &params).unwrap();
        let spammer = VolunteerId::from("spammer");
        for s in &after.sites {
            let honest = s.volunteers.iter().filter(|v| **v != spammer).count();
            prop_assert!(honest >= params.min_volunteers, "a site rests on the spammer: {:?}", s);
        }
    }
}
