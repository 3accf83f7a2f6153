//! What the frame handlers share: finding a frame (one 404 for unknown and malformed ids),
//! reading a stored image, and answering with it.

use actix_web::http::header;
use actix_web::{HttpResponse, web};

use crate::api::error::{ApiError, ApiResult};
use crate::db::frame::Frame;
use crate::db::ids::FrameId;
use crate::imagery::is_plain_id;
use crate::state::AppState;

/// How long a browser may keep an image: pyramids and chips change only when rebuilt.
pub(super) const CACHE_CONTROL: &str = "private, max-age=3600";

pub(super) fn unknown(id: &str) -> ApiError {
    ApiError::not_found(format!("no frame {id}"))
}

/// The registered frame with this id; 404 for an unknown or malformed id.
pub(super) async fn find(state: &AppState, id: String) -> ApiResult<Frame> {
    if !is_plain_id(&id) {
        return Err(unknown(&id));
    }
    state
        .db
        .read(move |conn| -> ApiResult<Frame> {
            match Frame::find(conn, &FrameId(id.clone())) {
                Err(diesel::result::Error::NotFound) => Err(unknown(&id)),
                other => Ok(other?),
            }
        })
        .await
}

/// An image answer with its type and the private cache header.
pub(super) fn image(bytes: Vec<u8>, content_type: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .body(bytes)
}

/// Reads a file of the data folder off the async workers; `None` when it does not exist.
pub(super) async fn read_stored(state: &AppState, key: String) -> ApiResult<Option<Vec<u8>>> {
    let root = state.config.data_dir.clone();
    let rel = std::path::PathBuf::from(key);
    web::block(move || crate::confined::read_inside(&root, &rel))
        .await?
        .map_err(|e| ApiError::internal(&e))
}
