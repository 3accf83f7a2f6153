//! Accounts, roles and tokens.
//!
//! Sign-in returns a short-lived HS256 JWT naming the user's id and role, nothing personal.
//! Handlers state who may call them in their signature through the [`Authenticated`] extractor,
//! e.g. `user: Authenticated<Coordinators>`; [`reject_bad_tokens`] refuses a present but
//! invalid token on every route, including those that need no sign-in.

mod extract;
pub(crate) mod password;
mod role;
mod token;

pub use extract::{Analysts, Anyone, Authenticated, Coordinators, RolePolicy, reject_bad_tokens};
pub use password::{
    hash_password, hash_password_bounded, verify_password, verify_password_bounded,
};
pub use role::Role;
pub use token::{Claims, TokenError, TokenKeys, load_or_create_secret};
