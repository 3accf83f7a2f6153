//! Accuracy on the real crowd-labelling data sets beside majority vote and Dawid–Skene (the
//! table of `tests/crowd_labels.rs`), with consensus parameters to try.
//!
//! ```text
//! cargo run --release -p tessera-consensus --example crowd_labels -- \
//!     [--set prior_strength=5 --set prior_fooled=0.3 …] [--dir CROWD_LABELS_DIR]
//! ```

#![expect(clippy::print_stdout, reason = "an example reports on stdout")]

#[path = "../tests/support/crowd.rs"]
mod crowd;

use std::path::PathBuf;

use tessera_consensus::ConsensusParams;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut params = serde_json::to_value(ConsensusParams::default())?;
    let mut dir = crowd::data_dir();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--set" => {
                let (key, v) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--set wants KEY=VALUE, got {value}"))?;
                if params.get(key).is_none() {
                    return Err(format!("no consensus parameter named {key}").into());
                }
                params[key] = serde_json::from_str(v)?;
            }
            "--dir" => dir = PathBuf::from(value),
            _ => {
                return Err(format!("unknown flag {flag} (try --set KEY=VALUE, --dir DIR)").into());
            }
        }
    }
    let params: ConsensusParams = serde_json::from_value(params)?;
    params.validate()?;
    println!(
        "{:<15} {:>6} {:>7} {:>7} {:>7}",
        "set", "items", "MV", "DS", "Tessera"
    );
    for set in crowd::load_all(&dir) {
        println!(
            "{:<15} {:>6} {:>7.4} {:>7.4} {:>7.4}",
            set.name,
            set.truth.len(),
            set.majority_vote(),
            set.dawid_skene(),
            set.tessera(&params)
        );
    }
    Ok(())
}
