//! `/frames` and `/campaigns/{id}/frames`: the imagery analysts put on their map — a campaign's
//! frames with their footprints, each frame's Web Mercator overview tiles, and chips around a
//! point. Staff only (`Authenticated<Analysts>`: analysts, coordinators, admins).
//!
//! Images are fetched with the `Authorization` header (the web app makes blob URLs of them), so
//! unlike task tiles they need no signed URL.

mod access;
mod chip;
mod list;
mod overview;
pub mod views;

pub use chip::frame_chip;
pub use list::list_campaign_frames;
pub use overview::get_overview_tile;
