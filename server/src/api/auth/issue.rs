//! The token every sign-in route answers with: register, login and refresh all end by starting
//! a session for the account and issuing a token that names it, valid from now.

use crate::api::error::{ApiError, ApiResult};
use crate::api::views::{TokenResponse, UserView};
use crate::auth::TokenKeys;
use crate::db::session::Session;
use crate::db::user::User;
use crate::db::{Db, DbError, now_ms};
use crate::state::AppState;

/// Starts a session for `user` and issues its token; returns the token and its expiry (seconds
/// since the epoch). The one way a token is made (the tests' accounts sign in through it too);
/// synchronous: run it on the blocking pool.
pub fn issue_token(db: &Db, keys: &TokenKeys, user: &User) -> ApiResult<(String, i64)> {
    let now = now_ms() / 1000;
    let expires_at = now + keys.ttl_secs;
    let session = db.write(|conn| -> Result<_, DbError> {
        Ok(Session::start(
            conn,
            &user.id,
            now * 1000,
            expires_at * 1000,
        )?)
    })?;
    let token = keys
        .issue(&user.id, user.role(), &session, user.token_generation, now)
        .map_err(|e| ApiError::internal(&e))?;
    Ok((token, expires_at))
}

/// Starts a session for `user` and answers with its token.
pub(super) async fn token_for(state: &AppState, user: &User) -> ApiResult<TokenResponse> {
    let (keys, account) = (state.keys.clone(), user.clone());
    let (token, expires_at) = state
        .db
        .run(move |db| issue_token(db, &keys, &account))
        .await?;
    Ok(TokenResponse {
        token,
        token_type: "Bearer",
        expires_at,
        user: UserView::from(user),
    })
}
