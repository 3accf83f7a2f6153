//! `POST /api/v1/auth/refresh`: a fresh token for a signed-in account, so a long tagging
//! session is not cut off when the short-lived token expires.

use actix_web::{post, web};

use super::issue::token_for;
use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::api::views::TokenResponse;
use crate::db::now_ms;
use crate::db::session::Session;
use crate::db::user::User;
use crate::state::AppState;

/// Issues a new token with the account's current role, in a new session; the token it was
/// called with ends.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A fresh token", body = TokenResponse),
        (status = 401, description = "Missing, expired or invalid token", body = ErrorBody),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh_token(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
) -> ApiResult<web::Json<TokenResponse>> {
    let user = state
        .db
        .read(move |conn| -> ApiResult<User> { Ok(User::find(conn, &caller.user_id)?) })
        .await?;
    let fresh = token_for(&state, &user).await?;
    // The old token ends with its session: a refresh never leaves two tokens standing.
    let old = caller.session.clone();
    state
        .db
        .write_async(move |conn| -> ApiResult<bool> { Ok(Session::revoke(conn, &old, now_ms())?) })
        .await?;
    state.sessions.forget(&caller.session);
    Ok(web::Json(fresh))
}
