//! The reliability model on real crowds: four published crowd-labelling data sets with ground
//! truth (`support/crowd.rs` converts each item to a task), scored beside majority vote and
//! Dawid–Skene computed from the same answers.
//!
//! Needs the data sets (`../shared/data/crowd-labels` beside the repository, or
//! `CROWD_LABELS_DIR`); `TESSERA_SKIP_CROWD_LABELS=1` skips with a note.

#[path = "support/crowd.rs"]
mod crowd;

use crowd::{CrowdSet, data_dir, load_all};
use tessera_consensus::ConsensusParams;

/// The data sets, or `None` when told to skip.
fn sets() -> Option<Vec<CrowdSet>> {
    if std::env::var_os("TESSERA_SKIP_CROWD_LABELS").is_some() {
        eprintln!("TESSERA_SKIP_CROWD_LABELS is set: crowd-label evaluation skipped");
        return None;
    }
    let dir = data_dir();
    assert!(
        dir.is_dir(),
        "the crowd-label data sets are not at {} (set CROWD_LABELS_DIR, or TESSERA_SKIP_CROWD_LABELS=1 to skip)",
        dir.display()
    );
    Some(load_all(&dir))
}

#[test]
fn baselines_reproduce_the_published_accuracies() {
    let Some(sets) = sets() else { return };
    for set in &sets {
        let (mv, ds) = (set.majority_vote(), set.dawid_skene());
        let (pub_mv, pub_ds) = set.published;
        eprintln!(
            "{}: MV {mv:.4} (published {pub_mv}), DS {ds:.4} (published {pub_ds})",
            set.name
        );
        assert!(
            (mv - pub_mv).abs() <= 0.005,
            "{}: majority vote {mv}",
            set.name
        );
        assert!(
            (ds - pub_ds).abs() <= 0.005,
            "{}: Dawid–Skene {ds}",
            set.name
        );
    }
}

#[test]
fn tessera_is_never_below_majority_vote_and_at_least_dawid_skene_on_three_sets() {
    let Some(sets) = sets() else { return };
    let params = ConsensusParams::default();
    eprintln!(
        "{:<15} {:>6} {:>7} {:>7} {:>7}",
        "set", "items", "MV", "DS", "Tessera"
    );
    let mut at_least_ds = 0;
    for set in &sets {
        let (mv, ds, ours) = (set.majority_vote(), set.dawid_skene(), set.tessera(&params));
        eprintln!(
            "{:<15} {:>6} {mv:>7.4} {ds:>7.4} {ours:>7.4}",
            set.name,
            set.truth.len()
        );
        assert!(
            ours >= mv,
            "{}: Tessera {ours} below majority vote {mv}",
            set.name
        );
        at_least_ds += usize::from(ours >= ds - 1e-9);
    }
    assert!(
        at_least_ds >= 3,
        "at or above Dawid–Skene on {at_least_ds} of 4 sets"
    );
}
