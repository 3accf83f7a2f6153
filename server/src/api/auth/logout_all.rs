//! `POST /api/v1/auth/logout-all`: ends every session of the caller's account, on every device
//! (a lost phone, a shared computer): each of its tokens is refused from then on.

use actix_web::{HttpResponse, post, web};

use crate::api::error::{ApiResult, ErrorBody};
use crate::api::extract::{Anyone, Authenticated};
use crate::db::now_ms;
use crate::db::session::Session;
use crate::state::AppState;

/// Signs out everywhere: every token of the account ends, this one included.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Every session of the account ended"),
        (status = 401, description = "Missing, expired or invalid token", body = ErrorBody),
    )
)]
#[post("/auth/logout-all")]
pub async fn sign_out_everywhere(
    state: web::Data<AppState>,
    caller: Authenticated<Anyone>,
) -> ApiResult<HttpResponse> {
    let user_id = caller.user_id.clone();
    state
        .db
        .write_async(move |conn| -> ApiResult<usize> {
            Ok(Session::revoke_all(conn, &user_id, now_ms())?)
        })
        .await?;
    state.sessions.clear();
    tracing::info!(user.id = %caller.user_id, "signed out everywhere");
    Ok(HttpResponse::NoContent().finish())
}
