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
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, HasSqlType, Integer, Text};
use diesel::{QueryResult, RunQueryDsl};

/// Implements a statement: `$body` writes its SQL and binds through `$out`.
macro_rules! statement {
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

        impl QueryId for $name {
            type QueryId = Self;
            const HAS_STATIC_QUERY_ID: bool = true;
        }

        impl<Conn> RunQueryDsl<Conn> for $name {}
    };
}

/// A lease was handed out on `task_id`: one more lease out, and availability to match.
#[derive(Debug)]
pub struct LeaseTaken {
    pub task_id: i64,
}

statement!(LeaseTaken, |s, out| {
    out.push_sql(
        "UPDATE tasks SET leases_out = leases_out + 1, available = (status = 'open' AND \
         (is_gold OR answer_count + leases_out + 1 < needed)) WHERE id = ",
    );
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
    out.push_sql("UPDATE tasks SET answer_count = answer_count + 1, leases_out = leases_out - ");
    out.push_bind_param::<Integer, _>(&s.freed)?;
    out.push_sql(", needed = ");
    out.push_bind_param::<Integer, _>(&s.needed)?;
    out.push_sql(", status = ");
    out.push_bind_param::<Text, _>(s.status)?;
    // The row as it was: one more answer, the freed slot gone.
    out.push_sql(", available = (answer_count + leases_out + 1 - ");
    out.push_bind_param::<Integer, _>(&s.freed)?;
    out.push_sql(" < ");
    out.push_bind_param::<Integer, _>(&s.needed)?;
    out.push_sql(") WHERE id = ");
    out.push_bind_param::<BigInt, _>(&s.task_id)?;
});
