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

/// Least strength a password needs, as zxcvbn scores it: `Two` means more than 10⁸ guesses,
/// beyond what an online attack gets through a rate limit, and rules out the passwords of
/// zxcvbn's frequency lists (common passwords, names, words), keyboard walks, repeats,
/// sequences, dates, and passwords built from the handle.
const MIN_STRENGTH: zxcvbn::Score = zxcvbn::Score::Two;

/// Checks a password: 10–256 characters, and not easy to guess (common, built from the handle,
/// a pattern). The message says why, so a volunteer can choose better.
pub fn validate_password(password: &str, handle: &str) -> ApiResult<()> {
    let n = password.chars().count();
    if n < MIN_PASSWORD || password.len() > MAX_PASSWORD {
        return Err(ApiError::validation(format!(
            "password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"
        )));
    }
    let lower = password.to_lowercase();
    let handle_lower = handle.to_lowercase();
    if !handle_lower.is_empty() && lower.contains(&handle_lower) {
        return Err(ApiError::validation(
            "password must not contain your handle: anyone who sees the handle could guess it",
        ));
    }
    let estimate = zxcvbn::zxcvbn(password, &[handle]);
    if estimate.score() < MIN_STRENGTH {
        let why = estimate
            .feedback()
            .and_then(zxcvbn::feedback::Feedback::warning)
            .map_or_else(
                || "it would be guessed quickly".to_owned(),
                |w| w.to_string().trim_end_matches('.').to_lowercase(),
            );
        return Err(ApiError::validation(format!(
            "password is too easy to guess ({why}); a few unrelated words make a strong one"
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
    validate_password(&password, &handle)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        for (password, handle) in [
            ("password123", "someone"),
            ("1234567890", "someone"),
            ("          ", "someone"),
            ("qwertyuiop", "someone"),
            ("marie_curie", "marie_curie"),
            ("Marie_Curie1990", "marie_curie"),
            ("aaaaaaaaaaaa", "someone"),
            ("iloveyou123", "someone"),
        ] {
            let err = validate_password(password, handle).unwrap_err();
            assert_eq!(err.code(), "validation_failed", "{password:?}");
            assert!(err.to_string().contains("password"), "{password:?}: {err}");
        }
        assert!(
            validate_password("short", "someone")
                .unwrap_err()
                .to_string()
                .contains("10 to 256")
        );
    }

    #[test]
    fn passphrases_pass() {
        for password in [
            "correct horse battery staple",
            "a long enough password",
            "correct horse battery",
            "a long passphrase",
            "another long passphrase",
            "a long password",
            "demo-coordinator-password",
            "demo-analyst-password",
            "load-test-password",
            "a-long-password-1",
            "analyst-password-1",
            "coordinator-password-1",
            "كلمة مرور طويلة جدا",
        ] {
            assert!(
                validate_password(password, "volunteer-one").is_ok(),
                "{password:?}"
            );
        }
    }
}
