//! The sign-in extractor and the middleware that refuses bad tokens everywhere: the HTTP side
//! of [`crate::auth`], which itself knows only roles, tokens and passwords.
//!
//! Handlers state who may call them in their signature, e.g. `user: Authenticated<Coordinators>`;
//! [`reject_bad_tokens`] refuses a present but invalid token on every route, including those
//! that need no sign-in.

use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, web};

use crate::api::error::ApiError;
use crate::auth::{Claims, Role, TokenError};
use crate::db::DbError;
use crate::db::ids::{SessionId, UserId};
use crate::db::session::Session;
use crate::session_cache::judge;
use crate::state::AppState;

/// Which roles may call a handler.
pub trait RolePolicy {
    /// What the 403 message says is needed.
    const NEEDS: &'static str;
    fn allows(role: Role) -> bool;
}

/// Any signed-in account.
#[derive(Debug)]
pub struct Anyone;
/// Coordinators and admins.
#[derive(Debug)]
pub struct Coordinators;
/// Analysts, coordinators and admins: staff who may see a campaign's imagery and figures.
#[derive(Debug)]
pub struct Analysts;
/// Analysts and admins: who may see, review and export strike sites and the votes behind them.
#[derive(Debug)]
pub struct Reviewers;

impl RolePolicy for Anyone {
    const NEEDS: &'static str = "a signed-in account";
    fn allows(_: Role) -> bool {
        true
    }
}

impl RolePolicy for Coordinators {
    const NEEDS: &'static str = "the coordinator role";
    fn allows(role: Role) -> bool {
        matches!(role, Role::Coordinator | Role::Admin)
    }
}

impl RolePolicy for Analysts {
    const NEEDS: &'static str = "the analyst role";
    fn allows(role: Role) -> bool {
        matches!(role, Role::Analyst | Role::Coordinator | Role::Admin)
    }
}

impl RolePolicy for Reviewers {
    const NEEDS: &'static str = "the analyst role";
    fn allows(role: Role) -> bool {
        matches!(role, Role::Analyst | Role::Admin)
    }
}

/// A signed-in caller whose role satisfies `P`; extracting it answers 401 or 403 otherwise.
#[derive(Debug)]
pub struct Authenticated<P> {
    pub user_id: UserId,
    pub role: Role,
    /// The sign-in session the token belongs to.
    pub session: SessionId,
    policy: PhantomData<P>,
}

/// A token already verified by [`reject_bad_tokens`], kept so it is not decoded twice.
#[derive(Debug, Clone)]
struct Verified(Claims);

fn bearer(req: &HttpRequest) -> Option<Result<&str, ApiError>> {
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION)?;
    let token = header
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    Some(token.filter(|t| !t.is_empty()).ok_or_else(|| {
        ApiError::unauthorized(
            "invalid_token",
            "the Authorization header must be `Bearer <token>`",
        )
    }))
}

fn verify(req: &HttpRequest, token: &str) -> Result<Claims, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(&"application state missing"))?;
    state.keys.verify(token).map_err(|e| match e {
        TokenError::Expired => ApiError::unauthorized("token_expired", e.to_string()),
        TokenError::Invalid => ApiError::unauthorized("invalid_token", e.to_string()),
    })
}

fn authenticate<P: RolePolicy>(req: &HttpRequest) -> Result<Authenticated<P>, ApiError> {
    let claims = match req.extensions().get::<Verified>() {
        Some(Verified(claims)) => claims.clone(),
        // Only `reject_bad_tokens` vouches for a token (it checks the session too): a token it
        // did not see is never trusted.
        None if bearer(req).is_some() => {
            return Err(ApiError::internal(
                &"the token check is not in front of this route",
            ));
        }
        None => {
            return Err(ApiError::unauthorized(
                "unauthenticated",
                "sign in first: send `Authorization: Bearer <token>`",
            ));
        }
    };
    if !P::allows(claims.role) {
        return Err(ApiError::forbidden(format!(
            "this action needs {}; you are signed in as a {}",
            P::NEEDS,
            claims.role
        )));
    }
    Ok(Authenticated {
        user_id: UserId(claims.sub),
        role: claims.role,
        session: SessionId(claims.sid),
        policy: PhantomData,
    })
}

impl<P: RolePolicy> FromRequest for Authenticated<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

/// Middleware: a request that carries an `Authorization` header gets 401 unless the token is
/// valid and its session still stands (see [`session_stands`]), on every route, so a broken or
/// malicious client, or a signed-out one, learns at once.
pub async fn reject_bad_tokens(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let verified = match bearer(req.request()) {
        None => None,
        Some(token) => {
            let checked = match token.and_then(|t| verify(req.request(), t)) {
                Ok(claims) => session_stands(req.request(), &claims)
                    .await
                    .map(|()| claims),
                Err(err) => Err(err),
            };
            match checked {
                Ok(claims) => Some(claims),
                Err(err) => {
                    let response = err.error_response();
                    return Ok(req.into_response(response).map_into_right_body());
                }
            }
        }
    };
    if let Some(claims) = verified {
        req.extensions_mut().insert(Verified(claims));
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Whether the session a valid token names still stands: not signed out, its account there,
/// not suspended, in the role and token generation the token names. Each instance keeps its
/// verdict for `config.session_check_ms` (`session_cache`).
async fn session_stands(req: &HttpRequest, claims: &Claims) -> Result<(), ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(&"application state missing"))?;
    let id = SessionId(claims.sid.clone());
    let ttl = Duration::from_millis(state.config.session_check_ms);
    let verdict = if let Some(verdict) = state.sessions.fresh(&id, ttl) {
        verdict
    } else {
        let standing = if id.as_str().is_empty() {
            None
        } else {
            let lookup = id.clone();
            state
                .db
                .read(move |conn| -> Result<_, DbError> { Ok(Session::standing(conn, &lookup)?) })
                .await?
        };
        let verdict = judge(claims, standing.as_ref());
        state.sessions.store(id, verdict);
        verdict
    };
    verdict.map_err(|e| ApiError::unauthorized("session_ended", e.to_string()))
}
