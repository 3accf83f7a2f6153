//! `POST /api/v1/auth/register`: a volunteer account from a pseudonym and a password.

use actix_web::{HttpResponse, post, web};

use super::issue::token_for;
use crate::api::error::{ApiError, ApiResult, ErrorBody, conflict_on_unique};
use crate::api::views::{RegisterRequest, TokenResponse};
use crate::auth::{Role, hash_password_bounded};
use crate::db::user::User;
use crate::state::AppState;

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 256;

/// Checks a handle: 3–32 characters, letters (any script), digits, `_`, `-`, `.`.
pub fn validate_handle(handle: &str) -> ApiResult<()> {
    let n = handle.chars().count();
    let ok = (3..=32).contains(&n)
        && handle
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(
            "handle must be 3-32 letters, digits, '_', '-' or '.' (a pseudonym; no email needed)",
        ))
    }
}

pub fn validate_password(password: &str) -> ApiResult<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD || password.len() > MAX_PASSWORD {
        return Err(ApiError::validation(format!(
            "password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"
        )));
    }
    Ok(())
}

/// Creates a volunteer account and signs it in.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created; signed in", body = TokenResponse),
        (status = 409, description = "Handle taken", body = ErrorBody),
        (status = 422, description = "Handle or password not acceptable", body = ErrorBody),
    )
)]
#[post("/auth/register")]
pub async fn register_account(
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> ApiResult<HttpResponse> {
    let RegisterRequest { handle, password } = body.into_inner();
    let handle = handle.trim().to_owned();
    validate_handle(&handle)?;
    validate_password(&password)?;
    let hash = hash_password_bounded(password)
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let user = state
        .db
        .run(move |db| User::add(db, &handle, Role::Volunteer, &hash))
        .await
        .map_err(conflict_on_unique(
            "handle_taken",
            "this handle is taken; choose another",
        ))?;
    tracing::info!(user.id = %user.id, "volunteer registered");
    Ok(HttpResponse::Created().json(token_for(&state, &user).await?))
}
