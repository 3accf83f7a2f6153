//! Tessera mode: metre-space clustering over distinct volunteers, EM reliability, sites.

pub(crate) mod answers;
pub(crate) mod candidates;
pub(crate) mod cluster;
pub(crate) mod em;
mod exposure;
mod index;
mod layout;
mod pipeline;
mod point_grid;
pub(crate) mod prepare;
mod region;
mod sites;
mod squarem;

pub use pipeline::{run, run_owned, run_to_jsonl};
pub use region::{LonLatBox, Reliabilities, run_region};
