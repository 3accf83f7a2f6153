//! Whether a token's session still stands, as this instance last read it: every request with a
//! token is checked against its session and account ([`crate::db::session::Standing`]), and the
//! verdict is kept for `config.session_check_ms` so that a volunteer's stream of leases and
//! answers costs one lookup a second, not one per request. A sign-out, a role change or a
//! suspension therefore reaches every instance within that time.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::auth::Claims;
use crate::db::ids::SessionId;
use crate::db::session::Standing;

/// Entries kept at most; past this the cache starts afresh.
const MAX_ENTRIES: usize = 100_000;

/// Why a token whose signature and expiry are fine is refused all the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionEnded {
    #[error("you signed out of this session; sign in again")]
    SignedOut,
    #[error("this account is suspended")]
    Suspended,
    #[error("this account changed (its role, or a sign-out everywhere); sign in again")]
    Changed,
    #[error("this sign-in is no longer valid; sign in again")]
    Unknown,
}

/// The verdict on a token's claims given its session and account as they stand.
///
/// ```
/// use tessera_server::auth::{Claims, Role};
/// use tessera_server::db::session::Standing;
/// use tessera_server::session_cache::{SessionEnded, judge};
/// let claims = Claims { sub: "u".into(), role: Role::Coordinator, iat: 0, exp: 1, sid: "s".into(), generation: 0 };
/// let standing = Standing { user_id: "u".into(), revoked: false, role: "coordinator".into(), token_generation: 0, suspended: false };
/// assert_eq!(judge(&claims, Some(&standing)), Ok(()));
/// let demoted = Standing { role: "volunteer".into(), ..standing };
/// assert_eq!(judge(&claims, Some(&demoted)), Err(SessionEnded::Changed));
/// assert_eq!(judge(&claims, None), Err(SessionEnded::Unknown));
/// ```
pub fn judge(claims: &Claims, standing: Option<&Standing>) -> Result<(), SessionEnded> {
    let Some(s) = standing else {
        return Err(SessionEnded::Unknown);
    };
    if s.user_id.as_str() != claims.sub {
        Err(SessionEnded::Unknown)
    } else if s.revoked {
        Err(SessionEnded::SignedOut)
    } else if s.suspended {
        Err(SessionEnded::Suspended)
    } else if s.token_generation != claims.generation || s.role != claims.role.as_str() {
        Err(SessionEnded::Changed)
    } else {
        Ok(())
    }
}

type Entries = HashMap<SessionId, (Instant, Result<(), SessionEnded>)>;

/// Recent verdicts by session.
#[derive(Debug, Default)]
pub struct SessionCache(Mutex<Entries>);

impl SessionCache {
    /// The verdict reached less than `ttl` ago, if any.
    pub fn fresh(&self, id: &SessionId, ttl: Duration) -> Option<Result<(), SessionEnded>> {
        let now = Instant::now();
        self.lock()
            .get(id)
            .filter(|(at, _)| now.saturating_duration_since(*at) < ttl)
            .map(|(_, verdict)| *verdict)
    }

    /// Keeps a verdict from now on.
    pub fn store(&self, id: SessionId, verdict: Result<(), SessionEnded>) {
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(id, (Instant::now(), verdict));
    }

    /// Forgets a session at once: this instance sees its own sign-out immediately.
    pub fn forget(&self, id: &SessionId) {
        self.lock().remove(id);
    }

    /// Forgets everything (a sign-out everywhere on this instance).
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
