//! `GET /api/v1/frames/{frame}/chip?lon=&lat=&size_m=`

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use tessera_tiles::{LocalTileStore, TileStore, TilerError, chip_jpeg};
use tracing::instrument;

use super::access::{find, image, read_stored};
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::api::extract::{Analysts, Authenticated};
use crate::db::frame::Frame;
use crate::imagery::{PIXEL_SPACE, chip_key, open_registered};
use crate::state::AppState;

/// Chip side in pixels.
pub const CHIP_PX: u32 = 256;
const CHIP_QUALITY: u8 = 85;
const DEFAULT_SIZE_M: u32 = 120;
const SIZE_M: std::ops::RangeInclusive<u32> = 20..=1000;

/// Where and how large. Values are checked by the handler, so that any bad value is a 422.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ChipQuery {
    /// Longitude of the centre, degrees (WGS84).
    #[param(required = true, value_type = f64)]
    pub lon: Option<String>,
    /// Latitude of the centre, degrees (WGS84).
    #[param(required = true, value_type = f64)]
    pub lat: Option<String>,
    /// Side of the square in metres, 20–1000. Default 120.
    #[param(value_type = Option<u32>)]
    pub size_m: Option<String>,
}

/// A checked chip request, rounded to what is cut and cached: the centre to 1e-5 degrees (about
/// a metre), so nearby requests share one cached chip.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Chip {
    lon_e5: i64,
    lat_e5: i64,
    size_m: u32,
}

impl Chip {
    fn parse(q: &ChipQuery) -> ApiResult<Self> {
        let degrees = |v: &Option<String>, name: &str, limit: f64| -> ApiResult<i64> {
            let text = v
                .as_deref()
                .ok_or_else(|| ApiError::validation(format!("`{name}` is required")))?;
            let value: f64 = text
                .trim()
                .parse()
                .ok()
                .filter(|d: &f64| d.is_finite() && d.abs() <= limit)
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "`{name}` must be degrees between -{limit} and {limit}"
                    ))
                })?;
            #[expect(clippy::cast_possible_truncation, reason = "at most 1.8e7")]
            Ok((value * 1e5).round() as i64)
        };
        let size_m = match q.size_m.as_deref() {
            None => DEFAULT_SIZE_M,
            Some(text) => text
                .trim()
                .parse()
                .ok()
                .filter(|s| SIZE_M.contains(s))
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "`size_m` must be whole metres from {} to {}",
                        SIZE_M.start(),
                        SIZE_M.end()
                    ))
                })?,
        };
        Ok(Self {
            lon_e5: degrees(&q.lon, "lon", 180.0)?,
            lat_e5: degrees(&q.lat, "lat", 90.0)?,
            size_m,
        })
    }

    #[expect(clippy::cast_precision_loss, reason = "at most 1.8e7")]
    fn lon(self) -> f64 {
        self.lon_e5 as f64 / 1e5
    }

    #[expect(clippy::cast_precision_loss, reason = "at most 1.8e7")]
    fn lat(self) -> f64 {
        self.lat_e5 as f64 / 1e5
    }
}

fn outside(frame: &Frame) -> ApiError {
    ApiError::validation(format!("the point is not on frame {}", frame.id))
}

/// A north-up JPEG square of the frame around a point (256 px, black where the frame has no
/// data), for the site panel's before/after views. Cut on first request from the frame's source
/// file, then served from the cache. Staff only.
#[utoipa::path(
    tag = "frames",
    security(("bearer" = [])),
    params(("frame" = String, Path, description = "Frame id"), ChipQuery),
    responses(
        (status = 200, description = "The chip, 256×256", content_type = "image/jpeg"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an analyst, coordinator or admin", body = ErrorBody),
        (status = 404, description = "No such frame", body = ErrorBody),
        (status = 409, description = "The frame's source file is gone", body = ErrorBody),
        (status = 422, description = "A bad parameter, or a point off the frame", body = ErrorBody),
    )
)]
#[get("/frames/{frame}/chip")]
#[instrument(skip_all, fields(frame.id = %id))]
pub async fn frame_chip(
    state: web::Data<AppState>,
    _caller: Authenticated<Analysts>,
    id: web::Path<String>,
    query: web::Query<ChipQuery>,
) -> ApiResult<HttpResponse> {
    let chip = Chip::parse(&query)?;
    let frame = find(&state, id.into_inner()).await?;
    if frame.crs == PIXEL_SPACE {
        return Err(ApiError::validation(format!(
            "frame {} is in pixel space: it has no map position",
            frame.id
        )));
    }
    let (lon, lat) = (chip.lon(), chip.lat());
    if lon < frame.min_lon || lon > frame.max_lon || lat < frame.min_lat || lat > frame.max_lat {
        return Err(outside(&frame));
    }
    let key = chip_key(&frame.id.0, chip.lon_e5, chip.lat_e5, chip.size_m, CHIP_PX);
    if let Some(bytes) = read_stored(&state, key.clone()).await? {
        return Ok(image(bytes, "image/jpeg"));
    }
    let data_dir = state.config.data_dir.clone();
    let row = frame.clone();
    let cut = web::block(move || -> Result<Vec<u8>, TilerError> {
        let source = open_registered(&row, None)?;
        let bytes = chip_jpeg(
            &source,
            lon,
            lat,
            f64::from(chip.size_m) / 2.0,
            CHIP_PX,
            CHIP_QUALITY,
        )?;
        LocalTileStore::new(data_dir).put(&key, &bytes)?;
        Ok(bytes)
    })
    .await?;
    match cut {
        Ok(bytes) => Ok(image(bytes, "image/jpeg")),
        Err(TilerError::OutsideFrame { .. }) => Err(outside(&frame)),
        Err(TilerError::Unreadable { source, .. }) => {
            tracing::warn!(error = %source, "frame source unreadable");
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "frame_source_missing",
                format!(
                    "the source file of frame {} can no longer be read; restore it or ingest the \
                     frame again",
                    frame.id
                ),
            ))
        }
        Err(e) => Err(ApiError::internal(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(lon: Option<&str>, lat: Option<&str>, size: Option<&str>) -> ChipQuery {
        ChipQuery {
            lon: lon.map(str::to_owned),
            lat: lat.map(str::to_owned),
            size_m: size.map(str::to_owned),
        }
    }

    #[test]
    fn parameters_are_rounded_to_a_metre_and_checked() {
        let chip = Chip::parse(&query(Some("39.012344"), Some("-35.95"), None)).unwrap();
        assert_eq!(
            chip,
            Chip {
                lon_e5: 3_901_234,
                lat_e5: -3_595_000,
                size_m: 120
            }
        );
        for (lon, lat, size) in [
            (None, Some("1"), None),
            (Some("x"), Some("1"), None),
            (Some("181"), Some("1"), None),
            (Some("1"), Some("NaN"), None),
            (Some("1"), Some("1"), Some("19")),
            (Some("1"), Some("1"), Some("1001")),
            (Some("1"), Some("1"), Some("12.5")),
        ] {
            let err = Chip::parse(&query(lon, lat, size)).unwrap_err();
            assert_eq!(err.code(), "validation_failed", "{lon:?} {lat:?} {size:?}");
        }
    }
}
