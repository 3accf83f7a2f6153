//! `GET /api/v1/frames/{frame}/overview/{z}/{x}/{y}`

use actix_web::{HttpResponse, get, web};
use tracing::instrument;

use super::access::{find, image, read_stored};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Analysts, Authenticated};
use crate::imagery::overview_key;
use crate::state::AppState;

/// One tile of a frame's Web Mercator overview pyramid (XYZ scheme, 256 px, y down as in
/// the URLs of `OpenLayers` and OSM): JPEG inside the frame, PNG with transparency at its edges. Staff
/// only; send the token in the `Authorization` header.
#[utoipa::path(
    tag = "frames",
    security(("bearer" = [])),
    params(
        ("frame" = String, Path, description = "Frame id"),
        ("z" = u32, Path, description = "Zoom, within the frame's `overview` range"),
        ("x" = u32, Path, description = "Tile column, 0 at 180° W"),
        ("y" = u32, Path, description = "Tile row, 0 at the north edge of the map"),
    ),
    responses(
        (status = 200, description = "The tile", content(("image/jpeg"), ("image/png"))),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an analyst, coordinator or admin", body = ErrorBody),
        (status = 404, description = "No such frame, or no tile there", body = ErrorBody),
    )
)]
#[get("/frames/{frame}/overview/{z}/{x}/{y}")]
#[instrument(skip_all, fields(frame.id = %path.0, tile.z = path.1, tile.x = path.2, tile.y = path.3))]
pub async fn get_overview_tile(
    state: web::Data<AppState>,
    _caller: Authenticated<Analysts>,
    path: web::Path<(String, u32, u32, u32)>,
) -> ApiResult<HttpResponse> {
    let (id, z, x, y) = path.into_inner();
    let frame = find(&state, id).await?;
    let (Some(min), Some(max)) = (frame.overview_min_zoom, frame.overview_max_zoom) else {
        return Err(ApiError::not_found(format!(
            "frame {} has no map overview yet (`tessera overview` builds it)",
            frame.id
        )));
    };
    let in_range = i64::from(z) >= i64::from(min) && i64::from(z) <= i64::from(max);
    let on_map = in_range && x >> z == 0 && y >> z == 0;
    if !on_map {
        return Err(ApiError::not_found(format!(
            "tile {z}/{x}/{y} is outside the overview of frame {} (zooms {min}-{max})",
            frame.id
        )));
    }
    for (ext, content_type) in [("jpg", "image/jpeg"), ("png", "image/png")] {
        if let Some(bytes) = read_stored(&state, overview_key(&frame.id.0, z, x, y, ext)).await? {
            return Ok(image(bytes, content_type));
        }
    }
    Err(ApiError::not_found(format!(
        "frame {} has no data in tile {z}/{x}/{y}",
        frame.id
    )))
}
