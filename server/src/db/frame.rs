//! Frames: one satellite image of one date, registered with its provenance.

use diesel::prelude::*;

use super::DbConn;
use super::ids::{CampaignId, FrameId};
use super::schema::frames;

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

    pub fn insert(conn: &mut DbConn, frame: &Frame) -> QueryResult<usize> {
        diesel::insert_into(frames::table)
            .values(frame)
            .execute(conn)
    }
}
