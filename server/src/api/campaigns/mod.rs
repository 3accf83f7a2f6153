//! `/campaigns`: coordinators create and steer campaigns; volunteers list the active ones.

pub(crate) mod access;
mod create;
mod get;
mod list;
mod status;
mod tutorial;
mod update;

pub use create::create_campaign;
pub use get::get_campaign;
pub use list::list_campaigns;
pub use status::{close_campaign, pause_campaign, resume_campaign};
pub use tutorial::{campaign_progress, campaign_tutorial};
pub use update::update_campaign;
