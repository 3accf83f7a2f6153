//! `/me`: what a volunteer may know about their own work.

mod answers;
mod stats;

pub use answers::my_answers;
pub use stats::my_stats;
