//! The scheduler's counter updates, written out as statements whose prepared form is kept.
//!
//! diesel never keeps the prepared statement of an `UPDATE` built with its DSL (a changeset of
//! `Option` fields changes its SQL with its values), so every lease and every answer had its
//! UPDATEs parsed and planned anew: on `SQLite` a tenth of the writer thread's time under load,
//! on `PostgreSQL` an extra round trip per statement. Each statement here has SQL fixed by its
//! type, so its `QueryId` is static and each connection prepares it once. The SQL is the same
//! on both backends (on an UPDATE, every right-hand side reads the row as it was), and the
//! scheduler's tests run it on both.

use diesel::backend::Backend;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Array, BigInt, Bool, Double, HasSqlType, Integer, Nullable, Text};
use diesel::{QueryResult, RunQueryDsl};

use crate::db::task::Task;

/// Implements a statement: `$body` writes its SQL and binds through `$out`. With `for Pg`, the
/// statement exists on `PostgreSQL` only.
macro_rules! statement {
    (@fixed $name:ident) => {
        // Its SQL is fixed by its type: each connection prepares it once.
        impl QueryId for $name {
            type QueryId = Self;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl<Conn> RunQueryDsl<Conn> for $name {}
    };
    ($name:ident for Pg, |$this:ident, $out:ident| $body:block) => {
        impl QueryFragment<Pg> for $name {
            fn walk_ast<'b>(&'b self, mut $out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
                let $this = self;
                $body
                Ok(())
            }
        }

        statement!(@fixed $name);
    };
    ($name:ident, |$this:ident, $out:ident| $body:block) => {
        impl<DB> QueryFragment<DB> for $name
        where
            DB: Backend + HasSqlType<BigInt> + HasSqlType<Integer> + HasSqlType<Text>,
            i64: ToSql<BigInt, DB>,
            i32: ToSql<Integer, DB>,
            str: ToSql<Text, DB>,
        {
            fn walk_ast<'b>(&'b self, mut $out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
                let $this = self;
                $body
                Ok(())
            }
        }

        statement!(@fixed $name);
    };
}

/// A lease was handed out on `task_id`: one more lease out, and availability to match.
#[derive(Debug)]
pub struct LeaseTaken {
    pub task_id: i64,
}

/// The counters of a task as a lease on it leaves them (every right-hand side reads the row as
/// it was); `LeaseTaken` and `PgLeaseNext` both write it.
const LEASE_TAKEN_SET: &str = "leases_out = leases_out + 1, available = (status = 'open' AND \
                               (is_gold OR answer_count + leases_out + 1 < needed))";

statement!(LeaseTaken, |s, out| {
    out.push_sql("UPDATE tasks SET ");
    out.push_sql(LEASE_TAKEN_SET);
    out.push_sql(" WHERE id = ");
    out.push_bind_param::<BigInt, _>(&s.task_id)?;
});

/// `user_id`'s lease on `task_id` was answered.
#[derive(Debug)]
pub struct LeaseAnswered {
    pub task_id: i64,
    pub user_id: String,
}

statement!(LeaseAnswered, |s, out| {
    out.push_sql("UPDATE leases SET answered = TRUE WHERE task_id = ");
    out.push_bind_param::<BigInt, _>(&s.task_id)?;
    out.push_sql(" AND user_id = ");
    out.push_bind_param::<Text, _>(s.user_id.as_str())?;
});

/// A gold task was answered: it stays available while it is open.
#[derive(Debug)]
pub struct GoldAnswerCounted {
    pub task_id: i64,
    /// 1 when the answer's lease still held its slot, 0 when the sweep had freed it.
    pub freed: i32,
}

statement!(GoldAnswerCounted, |s, out| {
    out.push_sql("UPDATE tasks SET answer_count = answer_count + 1, leases_out = leases_out - ");
    out.push_bind_param::<Integer, _>(&s.freed)?;
    out.push_sql(", available = (status = 'open') WHERE id = ");
    out.push_bind_param::<BigInt, _>(&s.task_id)?;
});

/// A search task was answered: the counters, the adaptive redundancy's verdict, and the
/// availability they imply, in one write.
#[derive(Debug)]
pub struct AnswerCounted {
    pub task_id: i64,
    /// 1 when the answer's lease still held its slot, 0 when the sweep had freed it.
    pub freed: i32,
    /// Answers the task now needs.
    pub needed: i32,
    /// `open` or `retired`.
    pub status: &'static str,
}

statement!(AnswerCounted, |s, out| {
    out.push_sql("UPDATE tasks SET ");
    answer_counted_set(&mut out, &s.freed, &s.needed, s.status)?;
    out.push_sql(" WHERE id = ");
    out.push_bind_param::<BigInt, _>(&s.task_id)?;
});

/// The counters and verdict of a search task as a new answer leaves them: one more answer, the
/// freed slot gone (every right-hand side reads the row as it was); `AnswerCounted` and
/// `PgAnswerStored` both write it.
#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "a bind parameter is borrowed for as long as the statement"
)]
fn answer_counted_set<'b, DB>(
    out: &mut AstPass<'_, 'b, DB>,
    freed: &'b i32,
    needed: &'b i32,
    status: &'b str,
) -> QueryResult<()>
where
    DB: Backend + HasSqlType<Integer> + HasSqlType<Text>,
    i32: ToSql<Integer, DB>,
    str: ToSql<Text, DB>,
{
    out.push_sql("answer_count = answer_count + 1, leases_out = leases_out - ");
    out.push_bind_param::<Integer, _>(freed)?;
    out.push_sql(", needed = ");
    out.push_bind_param::<Integer, _>(needed)?;
    out.push_sql(", status = ");
    out.push_bind_param::<Text, _>(status)?;
    out.push_sql(", available = (answer_count + leases_out + 1 - ");
    out.push_bind_param::<Integer, _>(freed)?;
    out.push_sql(" < ");
    out.push_bind_param::<Integer, _>(needed)?;
    out.push_sql(")");
    Ok(())
}

/// `PostgreSQL`: the best available task of `campaign_id` that `user_id` was never shown, leased
/// to them and counted, in one statement: one round trip where the check of the leases they
/// hold, the pick, the lease's insert and the counter's update took four. The pick locks the row
/// (`FOR UPDATE SKIP LOCKED`) and re-checks it as it is now, so a task another instance just
/// filled is passed over. Returns the task as the lease leaves it; no row when none is
/// available or the volunteer already holds `max_held` live leases in the campaign.
pub struct PgLeaseNext {
    pub campaign_id: String,
    pub user_id: String,
    pub gold: bool,
    pub issued_at: i64,
    pub expires_at: i64,
    /// Live leases in the campaign past which the volunteer gets no new one.
    pub max_held: i64,
    /// The task's columns, `Task::as_select()`.
    pub returning: diesel::dsl::AsSelect<Task, Pg>,
}

statement!(PgLeaseNext for Pg, |s, out| {
    out.push_sql("WITH picked AS (SELECT id FROM tasks WHERE campaign_id = ");
    out.push_bind_param::<Text, _>(s.campaign_id.as_str())?;
    out.push_sql(" AND available AND is_gold = ");
    out.push_bind_param::<Bool, _>(&s.gold)?;
    out.push_sql(
        " AND NOT EXISTS (SELECT 1 FROM leases WHERE leases.task_id = tasks.id AND \
         leases.user_id = ",
    );
    out.push_bind_param::<Text, _>(s.user_id.as_str())?;
    out.push_sql(
        ") AND (SELECT count(*) FROM leases h JOIN tasks ht ON ht.id = h.task_id WHERE \
         h.user_id = ",
    );
    out.push_bind_param::<Text, _>(s.user_id.as_str())?;
    out.push_sql(" AND NOT h.answered AND NOT h.expired AND h.expires_at > ");
    out.push_bind_param::<BigInt, _>(&s.issued_at)?;
    out.push_sql(" AND ht.campaign_id = ");
    out.push_bind_param::<Text, _>(s.campaign_id.as_str())?;
    out.push_sql(") < ");
    out.push_bind_param::<BigInt, _>(&s.max_held)?;
    out.push_sql(
        " ORDER BY answer_count DESC, priority DESC, id LIMIT 1 FOR UPDATE SKIP LOCKED), \
         leased AS (INSERT INTO leases (task_id, user_id, issued_at, expires_at, answered, \
         expired) SELECT id, ",
    );
    out.push_bind_param::<Text, _>(s.user_id.as_str())?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&s.issued_at)?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&s.expires_at)?;
    out.push_sql(", FALSE, FALSE FROM picked RETURNING task_id) UPDATE tasks SET ");
    out.push_sql(LEASE_TAKEN_SET);
    out.push_sql(" FROM leased WHERE tasks.id = leased.task_id RETURNING ");
    s.returning.walk_ast(out.reborrow())?;
});

impl Query for PgLeaseNext {
    type SqlType = diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<Task, Pg>>;
}

/// `PostgreSQL`: a new answer to a search task, with its marks, its lease marked answered and
/// the task's counters and verdict, in one statement (one round trip where the transaction took
/// seven). It stores nothing unless everything the verdict was computed from still holds: the
/// task has exactly `prior` answers, the lease is unanswered and still holds its slot as it did
/// when read (`freed`), and the key is new. The first CTE locks the task and lease rows and
/// re-checks them as they are now, so a concurrent answer or sweep makes it store nothing
/// rather than count wrongly.
/// Returns how many answers it stored: 1, or 0 when the caller must take the full path.
#[derive(Debug)]
pub struct PgAnswerStored {
    pub answer_id: String,
    pub task_id: i64,
    pub user_id: String,
    pub campaign_id: String,
    pub kind: &'static str,
    pub reason: Option<String>,
    pub duration_ms: i64,
    pub idempotency_key: String,
    pub submitted_at: i64,
    /// Answers the task had when the verdict was computed.
    pub prior: i32,
    /// 1 when the lease held its slot when read, 0 when the sweep had freed it.
    pub freed: i32,
    pub needed: i32,
    pub status: &'static str,
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    pub classes: Vec<String>,
    pub lons: Vec<Option<f64>>,
    pub lats: Vec<Option<f64>>,
}

statement!(PgAnswerStored for Pg, |s, out| {
    out.push_sql(
        "WITH ok AS (SELECT t.id FROM tasks t JOIN leases l ON l.task_id = t.id WHERE t.id = ",
    );
    out.push_bind_param::<BigInt, _>(&s.task_id)?;
    out.push_sql(" AND l.user_id = ");
    out.push_bind_param::<Text, _>(s.user_id.as_str())?;
    out.push_sql(" AND NOT t.is_gold AND t.answer_count = ");
    out.push_bind_param::<Integer, _>(&s.prior)?;
    out.push_sql(" AND NOT l.answered AND l.expired = (0 = ");
    out.push_bind_param::<Integer, _>(&s.freed)?;
    out.push_sql(")");
    out.push_sql(" AND NOT EXISTS (SELECT 1 FROM answers WHERE user_id = ");
    out.push_bind_param::<Text, _>(s.user_id.as_str())?;
    out.push_sql(" AND idempotency_key = ");
    out.push_bind_param::<Text, _>(s.idempotency_key.as_str())?;
    out.push_sql(") FOR UPDATE OF t, l), counted AS (UPDATE tasks SET ");
    answer_counted_set(&mut out, &s.freed, &s.needed, s.status)?;
    out.push_sql(
        " WHERE id IN (SELECT id FROM ok)), answered AS (UPDATE leases SET answered = TRUE \
         WHERE task_id IN (SELECT id FROM ok) AND user_id = ",
    );
    out.push_bind_param::<Text, _>(s.user_id.as_str())?;
    out.push_sql(
        "), stored AS (INSERT INTO answers (id, task_id, user_id, campaign_id, kind, reason, \
         payload, duration_ms, idempotency_key, submitted_at) SELECT ",
    );
    out.push_bind_param::<Text, _>(s.answer_id.as_str())?;
    out.push_sql(", id, ");
    out.push_bind_param::<Text, _>(s.user_id.as_str())?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(s.campaign_id.as_str())?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(s.kind)?;
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Text>, _>(&s.reason)?;
    out.push_sql(", NULL, ");
    out.push_bind_param::<BigInt, _>(&s.duration_ms)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(s.idempotency_key.as_str())?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&s.submitted_at)?;
    out.push_sql(
        " FROM ok RETURNING id, task_id, campaign_id), marked AS (INSERT INTO marks (answer_id, \
         task_id, campaign_id, x, y, class, lon, lat) SELECT stored.id, stored.task_id, \
         stored.campaign_id, m.x, m.y, m.class, m.lon, m.lat FROM stored, unnest(",
    );
    out.push_bind_param::<Array<Double>, _>(&s.xs)?;
    out.push_sql(", ");
    out.push_bind_param::<Array<Double>, _>(&s.ys)?;
    out.push_sql(", ");
    out.push_bind_param::<Array<Text>, _>(&s.classes)?;
    out.push_sql(", ");
    out.push_bind_param::<Array<Nullable<Double>>, _>(&s.lons)?;
    out.push_sql(", ");
    out.push_bind_param::<Array<Nullable<Double>>, _>(&s.lats)?;
    out.push_sql(
        ") WITH ORDINALITY AS m (x, y, class, lon, lat, n) ORDER BY m.n) SELECT count(*) FROM \
         stored",
    );
});

impl Query for PgAnswerStored {
    type SqlType = BigInt;
}
