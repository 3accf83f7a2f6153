//! Extractor error handlers: malformed bodies, paths and queries answer 4xx in the API's error
//! shape instead of actix's plain-text defaults.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{HttpRequest, HttpResponse, web};

use super::error::ApiError;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(1 << 20)
        .error_handler(|err, _req: &HttpRequest| json_error(&err).into())
}

fn json_error(err: &JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::ContentType => ApiError::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        ),
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => ApiError::new(
            actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than {limit} bytes"),
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            e.to_string(),
        ),
        JsonPayloadError::Deserialize(e) => {
            ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
        }
        other => ApiError::bad_request("malformed_body", other.to_string()),
    }
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, _| {
        ApiError::bad_request("invalid_path", err.to_string()).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _| {
        ApiError::bad_request("invalid_query", err.to_string()).into()
    })
}

/// Unknown routes: a JSON 404 under `/api`; elsewhere a file of the built frontend, or the page
/// itself for a path that names no file.
pub async fn fallback(
    req: HttpRequest,
    state: web::Data<crate::state::AppState>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    let not_found = || {
        ApiError::not_found(format!(
            "no route {} {}; see /api/v1/openapi.json",
            req.method(),
            req.path()
        ))
    };
    if path.starts_with("/api/") || path == "/api" || req.method() != actix_web::http::Method::GET {
        return Err(not_found());
    }
    let dir = state.config.frontend_dir.as_deref();
    if let Some(dir) = dir
        && let Some(response) = super::frontend::asset(dir, &req)
    {
        return Ok(response);
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.contains('.') && last != "index.html" {
        return Err(not_found());
    }
    Ok(super::frontend::index(dir))
}
