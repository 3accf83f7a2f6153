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

use crate::db::task::Task;
use crate::state::AppState;
use views::TaskView;

/// The page's view of a task, with tile URLs signed until `valid_until_ms`.
fn task_view(state: &AppState, task: &Task, classes: Vec<String>, valid_until_ms: i64) -> TaskView {
    let exp = valid_until_ms.div_euclid(1000);
    TaskView {
        id: task.id.0,
        campaign_id: task.campaign_id.0.clone(),
        kind: task.kind.as_str().to_owned(),
        width: task.px_w,
        height: task.px_h,
        tile_url: task.tile_key.as_deref().map(|k| state.tiles.url(k, exp)),
        before_tile_url: task
            .before_tile_key
            .as_deref()
            .map(|k| state.tiles.url(k, exp)),
        footprint: task.corners(),
        lease_expires_at: valid_until_ms,
        damage_classes: classes,
    }
}
