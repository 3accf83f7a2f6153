//! `GET /tiles/{key}`: tile images, only through the signed URLs the task routes hand out.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::db::now_ms;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct TileQuery {
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// HMAC signature.
    pub sig: String,
}

/// A key is a relative path of plain segments: no `..`, no absolute path, no odd characters.
fn safe_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

/// Serves one tile image if its URL is signed and not expired.
#[utoipa::path(
    tag = "tiles",
    params(("key" = String, Path, description = "Tile key, e.g. `{frame}/{col}/{row}.jpg`"), TileQuery),
    responses(
        (status = 200, description = "The image", content_type = "image/jpeg"),
        (status = 403, description = "Unsigned, tampered or expired URL", body = ErrorBody),
        (status = 404, description = "No such tile", body = ErrorBody),
    )
)]
#[get("/tiles/{key:.*}")]
pub async fn get_tile(
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<TileQuery>,
) -> ApiResult<HttpResponse> {
    let key = format!("tiles/{}", key.into_inner());
    if !safe_key(&key)
        || !state
            .tiles
            .verify(&key, query.exp, &query.sig, now_ms() / 1000)
    {
        return Err(ApiError::forbidden(
            "this tile link is not valid or has expired; reload the task",
        ));
    }
    // The local tile store's layout (tessera_tiles::LocalTileStore rooted at the data dir). A
    // link planted there that leads out of the data folder is answered like a missing tile.
    let root = state.config.data_dir.clone();
    let rel = std::path::PathBuf::from(&key);
    let bytes = match web::block(move || crate::confined::read_inside(&root, &rel)).await? {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(ApiError::not_found("no such tile")),
        Err(e) => return Err(ApiError::internal(&e)),
    };
    let content_type = match key.rsplit('.').next() {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        _ => "image/jpeg",
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "private, max-age=600"))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::safe_key;

    #[test]
    fn only_plain_relative_keys_are_served() {
        assert!(safe_key("3f2a/0/12.jpg"));
        for bad in [
            "",
            "../etc/passwd",
            "a/../../b",
            "/abs.jpg",
            "a//b.jpg",
            "a/b c.jpg",
            "a/./b",
        ] {
            assert!(!safe_key(bad), "{bad}");
        }
    }
}
