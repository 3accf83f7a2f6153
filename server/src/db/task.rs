//! Tasks: one tile to search (or, later, one site to date), with the scheduler's counters.

use diesel::prelude::*;

use super::DbConn;
use super::gold::GoldAnswer;
use super::ids::{CampaignId, FrameId, SiteId, TaskId};
use super::kinds::{TaskKind, TaskStatus};
use super::schema::tasks;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: TaskId,
    pub campaign_id: CampaignId,
    pub kind: TaskKind,
    pub frame_id: Option<FrameId>,
    pub before_frame_id: Option<FrameId>,
    pub site_id: Option<SiteId>,
    pub tile_col: i32,
    pub tile_row: i32,
    pub px_x: i64,
    pub px_y: i64,
    pub px_w: i64,
    pub px_h: i64,
    pub footprint: String,
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    pub tile_key: Option<String>,
    pub before_tile_key: Option<String>,
    pub status: TaskStatus,
    pub answer_count: i32,
    pub needed: i32,
    pub leases_out: i32,
    pub available: bool,
    pub priority: f64,
    pub is_gold: bool,
    pub gold_answer: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tasks)]
pub struct TaskInsertForm {
    pub campaign_id: CampaignId,
    pub kind: TaskKind,
    pub frame_id: Option<FrameId>,
    pub before_frame_id: Option<FrameId>,
    pub tile_col: i32,
    pub tile_row: i32,
    pub px_x: i64,
    pub px_y: i64,
    pub px_w: i64,
    pub px_h: i64,
    pub footprint: String,
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    pub tile_key: Option<String>,
    pub before_tile_key: Option<String>,
    pub status: TaskStatus,
    pub needed: i32,
    pub priority: f64,
    pub created_at: i64,
}

impl Task {
    pub fn find(conn: &mut DbConn, id: TaskId) -> QueryResult<Task> {
        tasks::table.find(id).select(Task::as_select()).first(conn)
    }

    /// Inserts tasks in chunks (SQLite caps bound parameters per statement).
    pub fn insert_batch(conn: &mut DbConn, forms: &[TaskInsertForm]) -> QueryResult<usize> {
        let mut n = 0;
        for chunk in forms.chunks(500) {
            // multi-row inserts need the concrete backend (SQLite has no DEFAULT keyword)
            n += match conn {
                DbConn::Sqlite(c) => diesel::insert_into(tasks::table).values(chunk).execute(c)?,
                DbConn::Pg(c) => diesel::insert_into(tasks::table).values(chunk).execute(c)?,
            };
        }
        Ok(n)
    }

    /// The four WGS84 corners `[[lon, lat]; 4]` of pixel corners (0,0), (W,0), (W,H), (0,H).
    pub fn corners(&self) -> Option<[[f64; 2]; 4]> {
        serde_json::from_str(&self.footprint).ok()
    }

    /// Recomputes `available` from the counters after they changed.
    pub fn refresh_available(conn: &mut DbConn, id: TaskId) -> QueryResult<usize> {
        diesel::update(tasks::table.find(id))
            .set(tasks::available.eq(tasks::status.eq(TaskStatus::Open).and(
                tasks::is_gold.or((tasks::answer_count + tasks::leases_out).lt(tasks::needed)),
            )))
            .execute(conn)
    }
}

/// A practice tile as the tutorial shows it: its tiles, size and known answer.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct GoldTile {
    pub tile_key: Option<String>,
    pub before_tile_key: Option<String>,
    pub px_w: i64,
    pub px_h: i64,
    pub gold_answer: Option<String>,
}

/// A campaign's search tasks counted (practice tiles left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskCounts {
    pub tasks: i64,
    /// Tasks that have all the answers they need.
    pub done: i64,
    /// Answers given to them.
    pub answers: i64,
}

impl Task {
    /// The first `limit` gold tasks of a campaign, in tiling order, and how many it has.
    pub fn gold_tiles(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        limit: i64,
    ) -> QueryResult<(Vec<GoldTile>, i64)> {
        let gold = || {
            tasks::table
                .filter(tasks::campaign_id.eq(campaign_id))
                .filter(tasks::is_gold.eq(true))
        };
        let tiles = gold()
            .order(tasks::id)
            .limit(limit)
            .select(GoldTile::as_select())
            .load(conn)?;
        let count = gold().count().get_result(conn)?;
        Ok((tiles, count))
    }

    /// Makes a task gold with this known answer (stored as `tasks.gold_answer`'s JSON): open,
    /// and available while its campaign is.
    pub fn set_gold(conn: &mut DbConn, id: TaskId, answer: &GoldAnswer) -> QueryResult<()> {
        diesel::update(tasks::table.find(id))
            .set((
                tasks::is_gold.eq(true),
                tasks::gold_answer.eq(Some(answer.to_column())),
                tasks::status.eq(TaskStatus::Open),
            ))
            .execute(conn)?;
        Self::refresh_available(conn, id)?;
        Ok(())
    }

    /// Counts a campaign's search tasks: two index scans of its tasks.
    pub fn counts(conn: &mut DbConn, campaign_id: &CampaignId) -> QueryResult<TaskCounts> {
        let search = || {
            tasks::table
                .filter(tasks::campaign_id.eq(campaign_id))
                .filter(tasks::is_gold.eq(false))
        };
        let (tasks, answers): (i64, Option<i64>) = search()
            .select((
                diesel::dsl::count_star(),
                diesel::dsl::sum(tasks::answer_count),
            ))
            .get_result(conn)?;
        let done: i64 = search()
            .filter(tasks::status.ne(TaskStatus::Open))
            .count()
            .get_result(conn)?;
        Ok(TaskCounts {
            tasks,
            done,
            answers: answers.unwrap_or(0),
        })
    }
}

/// A task's bounding box in WGS84 degrees: `[west, south, east, north]`.
pub type LonLatBounds = [f64; 4];

impl Task {
    /// The distinct boxes of georeferenced tasks answered since `since` (ms).
    pub fn answered_boxes_since(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        since: i64,
    ) -> QueryResult<Vec<LonLatBounds>> {
        let rows: Vec<(f64, f64, f64, f64)> = tasks::table
            .inner_join(super::schema::answers::table)
            .filter(super::schema::answers::campaign_id.eq(campaign_id))
            .filter(super::schema::answers::submitted_at.ge(since))
            .filter(tasks::footprint.ne("null"))
            .select((
                tasks::min_lon,
                tasks::min_lat,
                tasks::max_lon,
                tasks::max_lat,
            ))
            .distinct()
            .load(conn)?;
        Ok(rows.into_iter().map(|(w, s, e, n)| [w, s, e, n]).collect())
    }

    /// The widest georeferenced task of a campaign, in degrees of longitude (0 with none).
    pub fn widest_lon_span(conn: &mut DbConn, campaign_id: &CampaignId) -> QueryResult<f64> {
        let widest: Option<f64> = tasks::table
            .filter(tasks::campaign_id.eq(campaign_id))
            .filter(tasks::footprint.ne("null"))
            .select(diesel::dsl::max(tasks::max_lon - tasks::min_lon))
            .first(conn)?;
        Ok(widest.unwrap_or(0.0))
    }

    /// The georeferenced tasks of a campaign whose boxes overlap `[west, south, east, north]`,
    /// as consensus reads them. `widest` (see [`Task::widest_lon_span`]) bounds how far west
    /// of the box an overlapping task can start, so the query reads one range of the
    /// `(campaign, min_lon)` index instead of everything west of the box.
    pub fn shapes_in(
        conn: &mut DbConn,
        campaign_id: &CampaignId,
        [west, south, east, north]: LonLatBounds,
        widest: f64,
    ) -> QueryResult<Vec<super::consensus_input::TaskShape>> {
        tasks::table
            .filter(tasks::campaign_id.eq(campaign_id))
            .filter(tasks::footprint.ne("null"))
            .filter(tasks::min_lon.ge(west - widest))
            .filter(tasks::min_lon.le(east))
            .filter(tasks::max_lon.ge(west))
            .filter(tasks::max_lat.ge(south))
            .filter(tasks::min_lat.le(north))
            .select(super::consensus_input::TaskShape::as_select())
            .load(conn)
    }
}
