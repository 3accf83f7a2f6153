//! JSON shapes of the frame routes.

use serde::Serialize;
use utoipa::ToSchema;

use crate::api::error::{ApiError, ApiResult};
use crate::db::frame::Frame;
use crate::imagery::PIXEL_SPACE;

#[derive(Debug, Serialize, ToSchema)]
pub struct FrameList {
    /// Oldest capture first; undated frames last.
    pub frames: Vec<FrameView>,
}

/// A registered frame, placed on the map.
#[derive(Debug, Serialize, ToSchema)]
pub struct FrameView {
    pub id: String,
    /// Acquisition date, `YYYY-MM-DD`.
    pub captured_at: Option<String>,
    /// Sensor or provider, as given at ingest.
    pub sensor: Option<String>,
    /// Pixels.
    pub width: i64,
    pub height: i64,
    /// `EPSG:NNNN` or a PROJ string; `null` for a frame in pixel space.
    pub crs: Option<String>,
    /// Hex sha256 of the source file.
    pub sha256: String,
    /// WGS84 `[lon, lat]` of the corners (0,0), (W,0), (W,H), (0,H); `null` in pixel space.
    pub footprint: Option<[[f64; 2]; 4]>,
    /// `[west, south, east, north]` in degrees; `null` in pixel space.
    pub bbox: Option<[f64; 4]>,
    /// Search tasks cut from this frame (0 for a reference frame).
    pub tasks: i64,
    /// The overview pyramid's zoom range, `null` until one is built.
    pub overview: Option<OverviewZooms>,
}

/// Zooms of `GET /frames/{frame}/overview/{z}/{x}/{y}` (Web Mercator XYZ, 256 px tiles).
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewZooms {
    pub min_zoom: i32,
    pub max_zoom: i32,
}

impl FrameView {
    /// The view of a row; a footprint column that no longer parses is a server fault.
    pub fn of(frame: Frame, tasks: i64) -> ApiResult<Self> {
        let footprint: Option<[[f64; 2]; 4]> =
            serde_json::from_str(&frame.footprint).map_err(|e| ApiError::internal(&e))?;
        let placed = frame.crs != PIXEL_SPACE && footprint.is_some();
        Ok(Self {
            id: frame.id.0,
            captured_at: frame.captured_at,
            sensor: frame.sensor,
            width: frame.width,
            height: frame.height,
            crs: placed.then_some(frame.crs),
            sha256: frame.sha256,
            footprint: footprint.filter(|_| placed),
            bbox: placed.then_some([frame.min_lon, frame.min_lat, frame.max_lon, frame.max_lat]),
            tasks,
            overview: frame
                .overview_min_zoom
                .zip(frame.overview_max_zoom)
                .map(|(min_zoom, max_zoom)| OverviewZooms { min_zoom, max_zoom }),
        })
    }
}
