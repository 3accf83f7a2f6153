//! `/auth`: sign up, sign in, refresh.

mod issue;
mod login;
mod refresh;
mod register;

pub use login::sign_in;
pub use refresh::refresh_token;
pub use register::{register_account, validate_handle, validate_password};
