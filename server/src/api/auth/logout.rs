//! `POST /api/v1/auth/logout`: ends the session the token belongs to. The token is refused from
//! then on, on every instance within `session_check_ms`, at once on this one.

use actix_web::{HttpResponse, post, web};

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::db::now_ms;
use crate::db::session::Session;
use crate::state::AppState;

/// Signs out: this token ends; other sign-ins of the account stand.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Missing, expired or invalid token", body = ErrorBody),
    )
)]
#[post("/auth/logout")]
pub async fn sign_out(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
) -> ApiResult<HttpResponse> {
    let session = caller.session.clone();
    state
        .db
        .write_async(move |conn| -> ApiResult<bool> {
            Ok(Session::revoke(conn, &session, now_ms())?)
        })
        .await?;
    state.sessions.forget(&caller.session);
    tracing::info!(user.id = %caller.user_id, "signed out");
    Ok(HttpResponse::NoContent().finish())
}
