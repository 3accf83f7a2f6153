//! Answers (classifications) and their point marks.

use diesel::prelude::*;

use super::DbConn;
use super::ids::{AnswerId, CampaignId, TaskId, UserId};
use super::kinds::AnswerKind;
use super::schema::{answers, marks, tasks};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable, Insertable)]
#[diesel(table_name = answers)]
pub struct Answer {
    pub id: AnswerId,
    pub task_id: TaskId,
    pub user_id: UserId,
    pub campaign_id: CampaignId,
    pub kind: AnswerKind,
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
    pub answer_id: AnswerId,
    pub task_id: TaskId,
    pub campaign_id: CampaignId,
    pub x: f64,
    pub y: f64,
    pub class: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = marks)]
pub struct MarkInsertForm {
    pub answer_id: AnswerId,
    pub task_id: TaskId,
    pub campaign_id: CampaignId,
    pub x: f64,
    pub y: f64,
    pub class: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
}

impl Answer {
    pub fn find_by_key(
        conn: &mut DbConn,
        user_id: &UserId,
        key: &str,
    ) -> QueryResult<Option<Answer>> {
        answers::table
            .filter(answers::user_id.eq(user_id))
            .filter(answers::idempotency_key.eq(key))
            .select(Answer::as_select())
            .first(conn)
            .optional()
    }

    /// Every answer to a task, in the order they came, each with its marks: one query.
    pub fn for_task(conn: &mut DbConn, task_id: TaskId) -> QueryResult<Vec<(Answer, Vec<Mark>)>> {
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

    pub fn marks(conn: &mut DbConn, answer_ids: &[AnswerId]) -> QueryResult<Vec<Mark>> {
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

/// What a volunteer has answered, counted over all campaigns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnswerCounts {
    /// Answers by kind.
    pub by_kind: Vec<(AnswerKind, i64)>,
    /// Marks placed.
    pub marks: i64,
    /// Campaigns contributed to.
    pub campaigns: i64,
}

impl AnswerCounts {
    /// Answers of this kind.
    #[must_use]
    pub fn of(&self, kind: AnswerKind) -> i64 {
        self.by_kind
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }

    /// Answers of every kind.
    #[must_use]
    pub fn total(&self) -> i64 {
        self.by_kind.iter().map(|(_, n)| n).sum()
    }
}

/// A practice answer with what it was scored against.
#[derive(Debug, Clone)]
pub struct PracticeAnswer {
    /// The task's `gold_answer` column.
    pub gold_answer: String,
    /// The answer's marks, in tile pixels.
    pub points: Vec<[f64; 2]>,
}

impl Answer {
    /// A volunteer's answer counts: three index scans of their own answers.
    pub fn counts_of(conn: &mut DbConn, user_id: &UserId) -> QueryResult<AnswerCounts> {
        let by_kind = answers::table
            .filter(answers::user_id.eq(user_id))
            .group_by(answers::kind)
            .select((answers::kind, diesel::dsl::count_star()))
            .load(conn)?;
        let marks = marks::table
            .inner_join(answers::table)
            .filter(answers::user_id.eq(user_id))
            .count()
            .get_result(conn)?;
        let campaigns = answers::table
            .filter(answers::user_id.eq(user_id))
            .select(diesel::dsl::count(answers::campaign_id).aggregate_distinct())
            .first(conn)?;
        Ok(AnswerCounts {
            by_kind,
            marks,
            campaigns,
        })
    }

    /// A volunteer's `limit` most recent practice answers that said something (not "can't
    /// tell"), newest first, each with the known answer it is scored against.
    pub fn recent_practice_of(
        conn: &mut DbConn,
        user_id: &UserId,
        limit: i64,
    ) -> QueryResult<Vec<PracticeAnswer>> {
        let rows: Vec<(AnswerId, String)> = answers::table
            .inner_join(tasks::table)
            .filter(answers::user_id.eq(user_id))
            .filter(tasks::is_gold.eq(true))
            .filter(answers::kind.ne(AnswerKind::CantTell))
            .order(answers::submitted_at.desc())
            .limit(limit)
            .select((answers::id, tasks::gold_answer.assume_not_null()))
            .load(conn)?;
        let ids: Vec<&AnswerId> = rows.iter().map(|r| &r.0).collect();
        let marks: Vec<(AnswerId, f64, f64)> = marks::table
            .filter(marks::answer_id.eq_any(ids))
            .select((marks::answer_id, marks::x, marks::y))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, gold_answer)| PracticeAnswer {
                gold_answer,
                points: marks
                    .iter()
                    .filter(|m| m.0 == id)
                    .map(|m| [m.1, m.2])
                    .collect(),
            })
            .collect())
    }

    /// A volunteer's `limit` most recent answers (in one campaign, or all), newest first, each
    /// with its marks: two queries.
    pub fn recent_of(
        conn: &mut DbConn,
        user_id: &UserId,
        campaign_id: Option<&CampaignId>,
        limit: i64,
    ) -> QueryResult<Vec<(Answer, Vec<Mark>)>> {
        let mut query = answers::table
            .filter(answers::user_id.eq(user_id))
            .order((answers::submitted_at.desc(), answers::id))
            .limit(limit)
            .select(Answer::as_select())
            .into_boxed();
        if let Some(campaign_id) = campaign_id {
            query = query.filter(answers::campaign_id.eq(campaign_id));
        }
        let rows: Vec<Answer> = query.load(conn)?;
        let ids: Vec<AnswerId> = rows.iter().map(|a| a.id.clone()).collect();
        let mut marks = Self::marks(conn, &ids)?;
        Ok(rows
            .into_iter()
            .map(|answer| {
                let (mine, rest) = marks.drain(..).partition(|m| m.answer_id == answer.id);
                marks = rest;
                (answer, mine)
            })
            .collect())
    }
}
