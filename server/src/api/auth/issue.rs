//! The token every sign-in route answers with: register, login and refresh all end by issuing
//! one for the account, valid from now.

use crate::api::error::{ApiError, ApiResult};
use crate::api::views::{TokenResponse, UserView};
use crate::db::user::User;
use crate::state::AppState;

/// Issues a token for `user` valid from now.
pub(super) fn token_for(state: &AppState, user: &User) -> ApiResult<TokenResponse> {
    let now = crate::db::now_ms() / 1000;
    let token = state
        .keys
        .issue(&user.id, user.role(), now)
        .map_err(|e| ApiError::internal(&e))?;
    Ok(TokenResponse {
        token,
        token_type: "Bearer",
        expires_at: now + state.keys.ttl_secs,
        user: UserView::from(user),
    })
}
