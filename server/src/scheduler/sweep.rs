//! Returning abandoned tasks to the pool.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::ids::TaskId;
use crate::db::schema::{leases, tasks};
use crate::db::task::Task;

/// Marks every lease that expired before `now` and frees its slot on the task.
///
/// Safe to run from several instances at once: the `UPDATE … RETURNING` hands each expired
/// lease to exactly one caller, which alone decrements that task's counter.
pub fn expire_leases(conn: &mut DbConn, now: i64) -> QueryResult<usize> {
    let expired: Vec<TaskId> = diesel::update(
        leases::table
            .filter(leases::answered.eq(false))
            .filter(leases::expired.eq(false))
            .filter(leases::expires_at.le(now)),
    )
    .set(leases::expired.eq(true))
    .returning(leases::task_id)
    .get_results(conn)?;
    let mut per_task: BTreeMap<TaskId, i32> = BTreeMap::new();
    for task_id in &expired {
        *per_task.entry(*task_id).or_default() += 1;
    }
    for (task_id, n) in per_task {
        diesel::update(tasks::table.find(task_id))
            .set(tasks::leases_out.eq(tasks::leases_out - n))
            .execute(conn)?;
        Task::refresh_available(conn, task_id)?;
    }
    Ok(expired.len())
}
