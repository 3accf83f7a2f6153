//! `/campaigns`: coordinators create and steer campaigns; volunteers list the active ones.

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

use crate::api::error::{ApiError, ApiResult};
use crate::api::views::{CampaignStatus, CampaignView};
use crate::db::campaign::Campaign;

/// Converts a row; a settings column that no longer parses is a server fault, not the client's.
fn view(campaign: Campaign) -> ApiResult<CampaignView> {
    CampaignView::try_from(campaign).map_err(|e| ApiError::internal(&e))
}

/// Whether a caller of this role may see a campaign in this status at all.
fn visible(campaign: &Campaign, staff: bool) -> bool {
    staff || campaign.status == CampaignStatus::Active
}
