//! Finding a campaign and deciding what a caller sees of it, shared by the campaign handlers:
//! every verb answers the same 404 for a missing campaign and for one the caller may not see.

use crate::api::error::{ApiError, ApiResult};
use crate::api::views::{CampaignStatus, CampaignView};
use crate::db::campaign::Campaign;
use crate::state::AppState;

/// The 404 for a campaign that does not exist or that the caller may not see.
pub(crate) fn unknown() -> ApiError {
    ApiError::not_found("no such campaign")
}

/// Finds a campaign by id or slug, answering 404 with a campaign-specific message.
pub(crate) async fn find(state: &AppState, key: String) -> ApiResult<Campaign> {
    state
        .db
        .read(move |conn| -> ApiResult<Campaign> {
            match Campaign::find_by_id_or_slug(conn, &key) {
                Err(diesel::result::Error::NotFound) => Err(unknown()),
                other => Ok(other?),
            }
        })
        .await
}

/// Whether a caller of this role may see a campaign in this status at all.
pub(super) fn visible(campaign: &Campaign, staff: bool) -> bool {
    staff || campaign.status == CampaignStatus::Active
}

/// Converts a row; a settings column that no longer parses is a server fault, not the client's.
pub(super) fn view(campaign: Campaign) -> ApiResult<CampaignView> {
    CampaignView::try_from(campaign).map_err(|e| ApiError::internal(&e))
}
