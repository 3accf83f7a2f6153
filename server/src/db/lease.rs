//! Leases: a task handed to a volunteer until it is answered or expires. A lease row stays after
//! either, as the record that this volunteer has been shown this task.

use diesel::prelude::*;

use super::DbConn;
use super::ids::{CampaignId, TaskId, UserId};
use super::schema::{leases, tasks};
use super::task::Task;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = leases)]
pub struct Lease {
    pub task_id: TaskId,
    pub user_id: UserId,
    pub issued_at: i64,
    pub expires_at: i64,
    pub answered: bool,
    pub expired: bool,
}

impl Lease {
    pub fn find(
        conn: &mut DbConn,
        task_id: TaskId,
        user_id: &UserId,
    ) -> QueryResult<Option<Lease>> {
        leases::table
            .find((task_id, user_id))
            .select(Lease::as_select())
            .first(conn)
            .optional()
    }

    /// A task with `user_id`'s lease on it, if they were ever given it: one query for the two
    /// rows an answer needs. `NotFound` when there is no such task.
    pub fn with_task(
        conn: &mut DbConn,
        task_id: TaskId,
        user_id: &UserId,
    ) -> QueryResult<(Task, Option<Lease>)> {
        tasks::table
            .left_join(
                leases::table.on(leases::task_id
                    .eq(tasks::id)
                    .and(leases::user_id.eq(user_id))),
            )
            .filter(tasks::id.eq(task_id))
            .select((Task::as_select(), Option::<Lease>::as_select()))
            .first(conn)
    }

    /// The user's live leases in a campaign, oldest first.
    pub fn live_for_user(
        conn: &mut DbConn,
        user_id: &UserId,
        campaign_id: &CampaignId,
        now: i64,
    ) -> QueryResult<Vec<Lease>> {
        leases::table
            .inner_join(tasks::table)
            .filter(leases::user_id.eq(user_id))
            .filter(leases::answered.eq(false))
            .filter(leases::expired.eq(false))
            .filter(leases::expires_at.gt(now))
            .filter(tasks::campaign_id.eq(campaign_id))
            .order(leases::issued_at)
            .select(Lease::as_select())
            .load(conn)
    }
}
