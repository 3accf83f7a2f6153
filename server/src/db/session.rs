//! Sign-in sessions: one row per token issued, so that a token can be ended before it expires.
//!
//! A token names its session and its account's token generation. It stands while the session
//! is not revoked (signing out), the account exists, is not suspended, still has the role the
//! token names, and is still in that generation (signing out everywhere, a role change and a
//! suspension move it).

use diesel::prelude::*;

use super::DbConn;
use super::ids::{SessionId, UserId};
use super::schema::{sessions, users};

/// Sessions of one account that a sign-out everywhere ends in one statement.
#[derive(Debug)]
pub struct Session;

/// What the per-request check needs of a session and its account.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Standing {
    pub user_id: UserId,
    pub revoked: bool,
    /// The account's role now, as stored.
    pub role: String,
    pub token_generation: i32,
    pub suspended: bool,
}

impl Session {
    /// Starts a session for `user_id`, valid until `expires_at` (ms). The account's sessions
    /// that expired already go in the same call (their tokens are refused anyway), so the table
    /// holds at most the sessions a token could still name.
    pub fn start(
        conn: &mut DbConn,
        user_id: &UserId,
        now: i64,
        expires_at: i64,
    ) -> QueryResult<SessionId> {
        diesel::delete(
            sessions::table
                .filter(sessions::user_id.eq(user_id))
                .filter(sessions::expires_at.lt(now)),
        )
        .execute(conn)?;
        let id = SessionId(uuid::Uuid::new_v4().to_string());
        diesel::insert_into(sessions::table)
            .values((
                sessions::id.eq(&id),
                sessions::user_id.eq(user_id),
                sessions::created_at.eq(now),
                sessions::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        Ok(id)
    }

    /// Ends one session (signing out). Returns whether it was still open.
    pub fn revoke(conn: &mut DbConn, id: &SessionId, now: i64) -> QueryResult<bool> {
        let n = diesel::update(
            sessions::table
                .find(id)
                .filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::revoked_at.eq(Some(now)))
        .execute(conn)?;
        Ok(n > 0)
    }

    /// Ends every session of an account: its token generation moves on (so tokens of sessions
    /// started on other instances a moment ago end too) and its open sessions are revoked.
    pub fn revoke_all(conn: &mut DbConn, user_id: &UserId, now: i64) -> QueryResult<usize> {
        diesel::update(users::table.find(user_id))
            .set(users::token_generation.eq(users::token_generation + 1))
            .execute(conn)?;
        diesel::update(
            sessions::table
                .filter(sessions::user_id.eq(user_id))
                .filter(sessions::revoked_at.is_null()),
        )
        .set(sessions::revoked_at.eq(Some(now)))
        .execute(conn)
    }

    /// The session and its account as they stand now; `None` when either is gone.
    pub fn standing(conn: &mut DbConn, id: &SessionId) -> QueryResult<Option<Standing>> {
        sessions::table
            .inner_join(users::table)
            .filter(sessions::id.eq(id))
            .select((
                sessions::user_id,
                sessions::revoked_at.is_not_null(),
                users::role,
                users::token_generation,
                users::suspended,
            ))
            .first(conn)
            .optional()
    }
}
