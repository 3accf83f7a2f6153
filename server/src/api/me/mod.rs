//! `/me`: what a volunteer may know about their own work.

mod stats;

pub use stats::my_stats;
