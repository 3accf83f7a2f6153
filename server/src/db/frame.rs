//! Frames: one satellite image of one date, registered with its provenance, and the zoom range
//! of its Web Mercator overview pyramid once one is built.

use diesel::dsl::count_star;
use diesel::prelude::*;

use super::DbConn;
use super::ids::{CampaignId, FrameId};
use super::schema::{frames, tasks};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = frames)]
pub struct Frame {
    pub id: FrameId,
    pub campaign_id: CampaignId,
    pub source_path: String,
    pub sha256: String,
    pub file_size: i64,
    pub captured_at: Option<String>,
    pub sensor: Option<String>,
    pub width: i64,
    pub height: i64,
    pub bands: i32,
    pub crs: String,
    pub geotransform: String,
    pub footprint: String,
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    pub created_at: i64,
    /// Shallowest zoom of the overview pyramid; `None` until one is built.
    pub overview_min_zoom: Option<i32>,
    /// Deepest zoom of the overview pyramid; `None` until one is built.
    pub overview_max_zoom: Option<i32>,
}

/// How many tasks were cut from one frame.
#[derive(Debug, Clone, Queryable)]
pub struct FrameTaskCount {
    pub frame_id: Option<FrameId>,
    pub tasks: i64,
}

impl Frame {
    pub fn find_by_sha(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        sha256: &str,
    ) -> QueryResult<Option<Frame>> {
        frames::table
            .filter(frames::campaign_id.eq(campaign_id))
            .filter(frames::sha256.eq(sha256))
            .select(Frame::as_select())
            .first(conn)
            .optional()
    }

    /// The latest frame of the campaign captured before `date` whose bounds overlap the box.
    pub fn earlier_overlapping(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        date: &str,
        bbox: [f64; 4],
    ) -> QueryResult<Option<Frame>> {
        let [west, south, east, north] = bbox;
        frames::table
            .filter(frames::campaign_id.eq(campaign_id))
            .filter(frames::captured_at.lt(date))
            .filter(frames::min_lon.lt(east))
            .filter(frames::max_lon.gt(west))
            .filter(frames::min_lat.lt(north))
            .filter(frames::max_lat.gt(south))
            .order(frames::captured_at.desc())
            .select(Frame::as_select())
            .first(conn)
            .optional()
    }

    pub fn find(conn: &mut DbConn, id: &FrameId) -> QueryResult<Frame> {
        frames::table
            .find(id)
            .select(Frame::as_select())
            .first(conn)
    }

    /// The campaign's frames, oldest capture first (undated last), then by registration.
    pub fn for_campaign(conn: &mut DbConn, campaign_id: &CampaignId) -> QueryResult<Vec<Frame>> {
        frames::table
            .filter(frames::campaign_id.eq(campaign_id))
            .order((
                frames::captured_at.is_null(),
                frames::captured_at,
                frames::created_at,
                frames::id,
            ))
            .select(Frame::as_select())
            .load(conn)
    }

    /// Search tasks per frame of the campaign (frames without tasks are absent).
    pub fn task_counts(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
    ) -> QueryResult<Vec<FrameTaskCount>> {
        tasks::table
            .filter(tasks::campaign_id.eq(campaign_id))
            .filter(tasks::frame_id.is_not_null())
            .group_by(tasks::frame_id)
            .select((tasks::frame_id, count_star()))
            .load(conn)
    }

    /// Records the overview pyramid's zoom range (`None`: no pyramid).
    pub fn set_overview(
        conn: &mut DbConn,
        id: &FrameId,
        zooms: Option<(i32, i32)>,
    ) -> QueryResult<usize> {
        diesel::update(frames::table.find(id))
            .set((
                frames::overview_min_zoom.eq(zooms.map(|z| z.0)),
                frames::overview_max_zoom.eq(zooms.map(|z| z.1)),
            ))
            .execute(conn)
    }

    pub fn insert(conn: &mut DbConn, frame: &Frame) -> QueryResult<usize> {
        diesel::insert_into(frames::table)
            .values(frame)
            .execute(conn)
    }
}
