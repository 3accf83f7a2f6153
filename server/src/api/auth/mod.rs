//! `/auth`: sign up, sign in, refresh, sign out (here or everywhere).

mod issue;
mod login;
mod logout;
mod logout_all;
mod refresh;
mod register;

pub use issue::issue_token;
pub use login::sign_in;
pub use logout::sign_out;
pub use logout_all::sign_out_everywhere;
pub use refresh::refresh_token;
pub use register::{register_account, validate_handle, validate_password};
