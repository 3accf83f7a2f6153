//! JSON shapes of the task routes, and the signed view of a task that two of them answer.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::task::Task;
use crate::scheduler::gold::GoldFeedback;
use crate::state::AppState;

/// Everything the tagging page needs to show a task.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskView {
    pub id: i64,
    pub campaign_id: String,
    /// `search` (mark damage) or `dating`.
    pub kind: String,
    /// Tile size in pixels; marks are given in these pixels, origin top-left.
    pub width: i64,
    pub height: i64,
    /// The (after) image, a signed URL valid until the lease expires.
    pub tile_url: Option<String>,
    /// The same place at an earlier date, when the campaign has one.
    pub before_tile_url: Option<String>,
    /// WGS84 `[lon, lat]` of pixel corners (0,0), (W,0), (W,H), (0,H).
    pub footprint: Option<[[f64; 2]; 4]>,
    /// Milliseconds since the epoch.
    pub lease_expires_at: i64,
    pub damage_classes: Vec<String>,
}

impl TaskView {
    /// The page's view of a task, with tile URLs signed until `valid_until_ms`.
    pub(super) fn signed(
        state: &AppState,
        task: &Task,
        classes: Vec<String>,
        valid_until_ms: i64,
    ) -> Self {
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
}

/// The answer to "give me the next task".
#[derive(Debug, Serialize, ToSchema)]
pub struct NextTaskResponse {
    /// The task, or `null` when there is none for you now (see `reason`).
    pub task: Option<TaskView>,
    /// True when this is a task you already held (e.g. after a reload).
    pub resumed: bool,
    /// When `task` is null: `seen_all`, `all_leased`, `campaign_complete`, or `no_practice`
    /// when a practice task was asked for.
    pub reason: Option<&'static str>,
    pub message: Option<&'static str>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRequest {
    /// Tile pixels from the left edge, 0..=width.
    pub x: f64,
    /// Tile pixels from the top edge, 0..=height.
    pub y: f64,
    /// One of the campaign's damage classes.
    pub class: String,
}

/// One answer: `marks`, or `nothing_here: true`, or `cant_tell: true` (with a reason).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitAnswerRequest {
    /// Chosen by the client, unique per answer: a retried submit with the same key returns the
    /// original result and never stores a second answer.
    pub idempotency_key: String,
    /// Time spent on the task.
    #[serde(default)]
    pub duration_ms: i64,
    #[serde(default)]
    pub marks: Vec<MarkRequest>,
    #[serde(default)]
    pub nothing_here: bool,
    #[serde(default)]
    pub cant_tell: bool,
    /// Why the tile cannot be judged (cloud, blur, …).
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerReceiptView {
    pub answer_id: String,
    pub task_id: i64,
    /// `marks`, `nothing_here` or `cant_tell`.
    pub kind: String,
    pub marks: usize,
    /// Whether this answer completed the task.
    pub task_retired: bool,
    /// Present after a practice (gold) task: what you got right.
    pub feedback: Option<GoldFeedback>,
    /// True when this is a retry of an answer already stored.
    pub replayed: bool,
}
