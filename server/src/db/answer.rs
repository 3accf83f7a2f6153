//! Answers (classifications) and their point marks.

use diesel::prelude::*;

use super::DbConn;
use super::schema::{answers, marks};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = answers)]
pub struct Answer {
    pub id: String,
    pub task_id: i64,
    pub user_id: String,
    pub campaign_id: String,
    pub kind: String,
    pub reason: Option<String>,
    pub payload: Option<String>,
    pub duration_ms: i64,
    pub idempotency_key: String,
    pub submitted_at: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = marks)]
pub struct Mark {
    pub id: i64,
    pub answer_id: String,
    pub task_id: i64,
    pub campaign_id: String,
    pub x: f64,
    pub y: f64,
    pub class: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = marks)]
pub struct MarkInsertForm {
    pub answer_id: String,
    pub task_id: i64,
    pub campaign_id: String,
    pub x: f64,
    pub y: f64,
    pub class: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

impl Answer {
    pub fn find_by_key(conn: &mut DbConn, user_id: &str, key: &str) -> QueryResult<Option<Answer>> {
        answers::table
            .filter(answers::user_id.eq(user_id))
            .filter(answers::idempotency_key.eq(key))
            .select(Answer::as_select())
            .first(conn)
            .optional()
    }

    /// Every answer to a task, in the order they came, each with its marks: one query.
    pub fn for_task(conn: &mut DbConn, task_id: i64) -> QueryResult<Vec<(Answer, Vec<Mark>)>> {
        let rows: Vec<(Answer, Option<Mark>)> = answers::table
            .left_join(marks::table)
            .filter(answers::task_id.eq(task_id))
            .order((answers::submitted_at, answers::id, marks::id.nullable()))
            .select((Answer::as_select(), Option::<Mark>::as_select()))
            .load(conn)?;
        let mut out: Vec<(Answer, Vec<Mark>)> = Vec::new();
        for (answer, mark) in rows {
            match out.last_mut() {
                Some((last, marks)) if last.id == answer.id => marks.extend(mark),
                _ => out.push((answer, mark.into_iter().collect())),
            }
        }
        Ok(out)
    }

    pub fn marks(conn: &mut DbConn, answer_ids: &[String]) -> QueryResult<Vec<Mark>> {
        marks::table
            .filter(marks::answer_id.eq_any(answer_ids))
            .order(marks::id)
            .select(Mark::as_select())
            .load(conn)
    }

    pub fn insert(conn: &mut DbConn, answer: &Answer, marks: &[MarkInsertForm]) -> QueryResult<()> {
        diesel::insert_into(answers::table)
            .values(answer)
            .execute(conn)?;
        if !marks.is_empty() {
            // multi-row inserts need the concrete backend (SQLite has no DEFAULT keyword)
            match conn {
                DbConn::Sqlite(c) => diesel::insert_into(marks::table).values(marks).execute(c)?,
                DbConn::Pg(c) => diesel::insert_into(marks::table).values(marks).execute(c)?,
            };
        }
        Ok(())
    }
}
