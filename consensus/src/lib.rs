#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![expect(
    clippy::cast_precision_loss,
    reason = "counts of answers and marks stay far below 2^52"
)]

mod agreement;
mod error;
pub mod eval;
mod geo;
mod hash;
mod id;
mod jsonl;
mod output;
pub mod panoptes;
mod par;
mod params;
pub mod sim;
mod tessera;
#[cfg(test)]
mod test_rng;
mod types;

pub use agreement::task_agreement;
pub use error::{ConsensusError, ConsensusResult};
pub use geo::pixel_to_lonlat;
pub use id::{Id, TaskId, VolunteerId};
pub use jsonl::{read_jsonl, write_input_jsonl, write_jsonl};
pub use output::{
    InputReport, Output, Site, SitePosition, SiteVote, Summary, TaskVerdict, VolunteerEstimate,
};
pub use params::{ConsensusParams, PanoptesParams};
pub use tessera::{LonLatBox, Reliabilities, run, run_owned, run_region, run_to_jsonl};
pub use types::{Answer, DamageClass, Footprint, Input, Mark, Response, Task};
