//! Tasks: leasing the next one, reading one, answering one, making one gold.

mod answer;
mod get;
mod gold;
mod next;
pub mod views;

pub use answer::submit_task_answer;
pub use get::get_task;
pub use gold::set_task_gold;
pub use next::next_task;
