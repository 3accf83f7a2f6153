//! Accounts, roles and tokens.
//!
//! Sign-in returns a short-lived HS256 JWT naming the user's id and role, nothing personal.
//! This module knows nothing of HTTP: handlers check the caller through the
//! [`Authenticated`](crate::api::extract::Authenticated) extractor of the API layer.

pub(crate) mod password;
mod role;
mod token;

pub use password::{
    hash_password, hash_password_bounded, verify_password, verify_password_bounded,
};
pub use role::Role;
pub use token::{Claims, TokenError, TokenKeys, load_or_create_secret};
