//! `POST /api/v1/auth/login`: exchange a handle and password for a token.

use actix_web::{post, web};

use super::issue::token_for;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::views::{LoginRequest, TokenResponse};
use crate::auth::verify_password_bounded;
use crate::db::user::User;
use crate::state::AppState;

/// Signs in. An unknown handle and a wrong password get the same answer, in the same time.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Unknown handle or wrong password", body = ErrorBody),
    )
)]
#[post("/auth/login")]
pub async fn sign_in(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let LoginRequest { handle, password } = body.into_inner();
    let found = state
        .db
        .read(move |conn| -> ApiResult<Option<User>> {
            Ok(User::find_by_handle(conn, handle.trim())?)
        })
        .await?;
    // The hash is checked without holding a database connection.
    let hash = found.as_ref().map_or_else(
        || crate::auth::password::dummy_hash().to_owned(),
        |u| u.password_hash.clone(),
    );
    let matches = verify_password_bounded(password, hash).await;
    let user = found.filter(|_| matches).ok_or_else(|| {
        ApiError::unauthorized("invalid_credentials", "handle or password is not correct")
    })?;
    if user.suspended {
        return Err(ApiError::forbidden("this account is suspended"));
    }
    Ok(web::Json(token_for(&state, &user).await?))
}
