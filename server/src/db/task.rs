//! Tasks: one tile to search (or, later, one site to date), with the scheduler's counters.

use diesel::prelude::*;

use super::DbConn;
use super::schema::tasks;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: i64,
    pub campaign_id: String,
    pub kind: String,
    pub frame_id: Option<String>,
    pub before_frame_id: Option<String>,
    pub site_id: Option<String>,
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
    pub status: String,
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
    pub campaign_id: String,
    pub kind: String,
    pub frame_id: Option<String>,
    pub before_frame_id: Option<String>,
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
    pub status: String,
    pub needed: i32,
    pub priority: f64,
    pub created_at: i64,
}

impl Task {
    pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Task> {
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
    pub fn refresh_available(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
        diesel::update(tasks::table.find(id))
            .set(tasks::available.eq(tasks::status.eq("open").and(
                tasks::is_gold.or((tasks::answer_count + tasks::leases_out).lt(tasks::needed)),
            )))
            .execute(conn)
    }
}
