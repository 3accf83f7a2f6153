//! The simulator's crowd flags, shared by the `simulate` and `evaluate` examples.
//!
//! ```text
//! --spammers 0.05 --silent-spammers 0 --decoys 0 --decoy-fooling 0.15 --single-class 0
//! --offsets 0 --offset-px 4 --mixed-gsd 0 --mixed-gsd-m 1,2 --zipf 0 --volunteers 0
//! ```
//! Each defaults to the value of [`SimParams::default`], so leaving them out keeps the default
//! campaign.

use tessera_consensus::sim::SimParams;

use crate::common::Args;

/// `base` with every crowd flag given on the command line applied.
pub fn crowd_params(args: &Args, base: SimParams) -> SimParams {
    let mixed_gsd_m = args
        .opt::<String>("--mixed-gsd-m")
        .map_or(base.mixed_gsd_m.clone(), |raw| {
            raw.split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect()
        });
    SimParams {
        spammer_share: args.get("--spammers", base.spammer_share),
        silent_spammer_share: args.get("--silent-spammers", base.silent_spammer_share),
        decoys_per_tile: args.get("--decoys", base.decoys_per_tile),
        decoy_fooling: args.get("--decoy-fooling", base.decoy_fooling),
        single_class_share: args.get("--single-class", base.single_class_share),
        offset_share: args.get("--offsets", base.offset_share),
        offset_px: args.get("--offset-px", base.offset_px),
        mixed_gsd_share: args.get("--mixed-gsd", base.mixed_gsd_share),
        activity_zipf: args.get("--zipf", base.activity_zipf),
        volunteers: args.get("--volunteers", base.volunteers),
        mixed_gsd_m,
        ..base
    }
}
