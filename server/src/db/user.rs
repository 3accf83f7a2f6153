//! Accounts: a pseudonymous handle, a password hash and a role. Nothing else about a person.

use diesel::prelude::*;

use super::ids::UserId;
use super::schema::users;
use super::{Db, DbConn, DbError, now_ms};
use crate::auth::Role;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub handle: String,
    pub handle_key: String,
    pub password_hash: String,
    pub role: String,
    pub reliability: f64,
    pub sensitivity: Option<f64>,
    pub false_rate: Option<f64>,
    pub created_at: i64,
    /// Tokens name the generation they were issued in; moving it ends them all.
    pub token_generation: i32,
    /// A suspended account cannot sign in, and its tokens end.
    pub suspended: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct UserInsertForm<'a> {
    pub id: &'a UserId,
    pub handle: &'a str,
    pub handle_key: &'a str,
    pub handle_skeleton: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub created_at: i64,
}

/// The key under which a handle is unique: case-insensitive, so "Alice" cannot pose as "alice".
#[must_use]
pub fn handle_key(handle: &str) -> String {
    handle.to_lowercase()
}

/// The key under which a handle may not resemble another: its confusable skeleton (Unicode
/// UTS #39) after NFKC and case folding, folded again (a skeleton may map to capitals). Handles
/// that look alike — a Cyrillic "а" for a Latin "a", fullwidth letters, "rn" for "m", a dotless
/// "ı" — share a skeleton, so a volunteer cannot be impersonated by a look-alike account.
///
/// ```
/// use tessera_server::db::user::handle_skeleton;
/// let original = handle_skeleton("marie_curie");
/// for lookalike in ["mаrie_curie", "ｍarie_curie", "marıe_curie", "maʀie_curie", "MARIE_CURIE",
///                   "rnarie_curie", "ᴍᴀʀɪᴇ_ᴄᴜʀɪᴇ"] {
///     assert_eq!(handle_skeleton(lookalike), original, "{lookalike}");
/// }
/// assert_ne!(handle_skeleton("marie_curie2"), original);
/// ```
#[must_use]
pub fn handle_skeleton(handle: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    let folded: String = handle
        .nfkc()
        .collect::<String>()
        .to_lowercase()
        .chars()
        .map(small_capital_as_letter)
        .collect();
    unicode_security::confusable_detection::skeleton(&folded)
        .collect::<String>()
        .to_lowercase()
}

/// Latin small capitals (IPA and phonetic letters) as the letters they show: UTS #39's
/// confusables table leaves some of them, such as "ʀ", apart from the letter they look like,
/// and in a handle they serve only to impersonate.
fn small_capital_as_letter(c: char) -> char {
    match c {
        'ᴀ' => 'a',
        'ʙ' => 'b',
        'ᴄ' => 'c',
        'ᴅ' => 'd',
        'ᴇ' => 'e',
        'ꜰ' => 'f',
        'ɢ' => 'g',
        'ʜ' => 'h',
        'ɪ' => 'i',
        'ᴊ' => 'j',
        'ᴋ' => 'k',
        'ʟ' => 'l',
        'ᴍ' => 'm',
        'ɴ' => 'n',
        'ᴏ' => 'o',
        'ᴘ' => 'p',
        'ʀ' => 'r',
        'ꜱ' => 's',
        'ᴛ' => 't',
        'ᴜ' => 'u',
        'ᴠ' => 'v',
        'ᴡ' => 'w',
        'ʏ' => 'y',
        'ᴢ' => 'z',
        other => other,
    }
}

/// Accounts whose skeleton one backfill transaction writes.
const SKELETONS_PER_WRITE: i64 = 500;

impl User {
    /// Fills in the skeleton of accounts made before skeletons were kept, a batch per short
    /// write. An account whose skeleton another already has keeps none (both accounts stay;
    /// no new look-alike can join them). Several instances may run it at once: each writes
    /// the same values.
    pub fn backfill_skeletons(db: &Db) -> Result<usize, DbError> {
        let mut filled = 0;
        let mut after = String::new();
        loop {
            let batch: Vec<(UserId, String)> = users::table
                .filter(users::handle_skeleton.is_null())
                .filter(users::id.gt(&after))
                .order(users::id.asc())
                .limit(SKELETONS_PER_WRITE)
                .select((users::id, users::handle))
                .load(&mut *db.conn()?)?;
            let Some((last, _)) = batch.last() else {
                return Ok(filled);
            };
            after.clone_from(&last.0);
            for (id, handle) in &batch {
                let skeleton = handle_skeleton(handle);
                let written = db.write(|conn| -> Result<usize, DbError> {
                    Ok(diesel::update(users::table.find(id))
                        .filter(users::handle_skeleton.is_null())
                        .set(users::handle_skeleton.eq(&skeleton))
                        .execute(conn)?)
                });
                match written {
                    Ok(n) => filled += n,
                    Err(DbError::Query(diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    ))) => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }

    /// Creates an account with a fresh id in its own write transaction. Handles are unique
    /// ignoring case and look-alikes ([`handle_skeleton`]); a taken one fails with a
    /// `UniqueViolation`.
    pub fn add(db: &Db, handle: &str, role: Role, password_hash: &str) -> Result<User, DbError> {
        let id = UserId(uuid::Uuid::new_v4().to_string());
        let key = handle_key(handle);
        let skeleton = handle_skeleton(handle);
        db.write(|conn| -> Result<User, DbError> {
            Ok(User::create(
                conn,
                &UserInsertForm {
                    id: &id,
                    handle,
                    handle_key: &key,
                    handle_skeleton: &skeleton,
                    password_hash,
                    role: role.as_str(),
                    created_at: now_ms(),
                },
            )?)
        })
    }

    pub fn create(conn: &mut DbConn, form: &UserInsertForm<'_>) -> QueryResult<User> {
        diesel::insert_into(users::table)
            .values(form)
            .execute(conn)?;
        Self::find(conn, form.id)
    }

    pub fn find(conn: &mut DbConn, id: &UserId) -> QueryResult<User> {
        users::table.find(id).select(User::as_select()).first(conn)
    }

    pub fn find_by_handle(conn: &mut DbConn, handle: &str) -> QueryResult<Option<User>> {
        users::table
            .filter(users::handle_key.eq(handle_key(handle)))
            .select(User::as_select())
            .first(conn)
            .optional()
    }

    /// The role column parsed; an unknown value (never written by this code) reads as volunteer,
    /// the least privileged role.
    #[must_use]
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Volunteer)
    }
}

/// A volunteer's reliability as a consensus run estimated it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reliability {
    /// Vote weight (Youden's J).
    pub weight: f64,
    pub sensitivity: f64,
    pub false_rate: f64,
}

impl User {
    /// Records a consensus run's estimate of a volunteer's reliability.
    pub fn set_reliability(conn: &mut DbConn, id: &UserId, r: Reliability) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set((
                users::reliability.eq(r.weight),
                users::sensitivity.eq(Some(r.sensitivity)),
                users::false_rate.eq(Some(r.false_rate)),
            ))
            .execute(conn)
    }
}

impl User {
    /// Gives an account another role. Its tokens end (they name the old role): it signs in
    /// again to act in the new one.
    pub fn set_role(conn: &mut DbConn, id: &UserId, role: Role) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set((
                users::role.eq(role.as_str()),
                users::token_generation.eq(users::token_generation + 1),
            ))
            .execute(conn)
    }

    /// Suspends an account (or lifts a suspension). A suspension ends its tokens at once.
    pub fn set_suspended(conn: &mut DbConn, id: &UserId, suspended: bool) -> QueryResult<usize> {
        diesel::update(users::table.find(id))
            .set((
                users::suspended.eq(suspended),
                users::token_generation.eq(users::token_generation + 1),
            ))
            .execute(conn)
    }
}
