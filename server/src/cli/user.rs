//! `tessera user add`: staff accounts are made on the server's command line, never over the web.

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::StorageArgs;
use crate::api::auth::{validate_handle, validate_password};
use crate::auth::{Role, hash_password};
use crate::db::ids::UserId;
use crate::db::user::User;
use crate::db::{Db, DbConn, DbError};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from standard input (or asked for on a
    /// terminal), never from a flag, so it stays out of shell history and process lists.
    Add(AddArgs),
    /// Give an account another role. Its tokens end at once: it signs in again in the new role.
    Role(RoleArgs),
    /// Suspend an account (or, with --lift, end a suspension). A suspended account cannot sign
    /// in and its tokens end at once.
    Suspend(SuspendArgs),
}

#[derive(Debug, Args)]
pub struct RoleArgs {
    /// The account's pseudonym.
    #[arg(long)]
    pub handle: String,
    /// volunteer, coordinator, analyst or admin.
    #[arg(long)]
    pub role: Role,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Debug, Args)]
pub struct SuspendArgs {
    /// The account's pseudonym.
    #[arg(long)]
    pub handle: String,
    /// Lift the suspension instead.
    #[arg(long)]
    pub lift: bool,
    #[command(flatten)]
    pub storage: StorageArgs,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The account's pseudonym.
    #[arg(long)]
    pub handle: String,
    /// volunteer, coordinator, analyst or admin.
    #[arg(long, default_value = "volunteer")]
    pub role: Role,
    #[command(flatten)]
    pub storage: StorageArgs,
}

impl clap::ValueEnum for Role {
    fn value_variants<'a>() -> &'a [Self] {
        &Role::ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()))
    }
}

pub fn run(cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add(args) => add(&args),
        UserCommand::Role(args) => change(&args.storage, &args.handle, |conn, id| {
            User::set_role(conn, id, args.role)
        }),
        UserCommand::Suspend(args) => change(&args.storage, &args.handle, |conn, id| {
            User::set_suspended(conn, id, !args.lift)
        }),
    }
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        return Ok(first);
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn add(args: &AddArgs) -> anyhow::Result<()> {
    validate_handle(&args.handle).map_err(|e| anyhow::anyhow!("{e}"))?;
    let password = read_password()?;
    validate_password(&password, &args.handle).map_err(|e| anyhow::anyhow!("{e}"))?;
    let config = args.storage.config()?;
    let db = Db::open(&config.database_url, 1)?;
    let hash = hash_password(&password).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let result = User::add(&db, &args.handle, args.role, &hash);
    match result {
        Ok(user) => {
            eprintln!(
                "created {} account {:?} ({})",
                user.role, user.handle, user.id
            );
            Ok(())
        }
        Err(DbError::Query(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => anyhow::bail!("the handle {:?} is taken", args.handle),
        Err(e) => Err(e.into()),
    }
}

/// Applies `edit` to the account with this handle, in a write transaction.
fn change(
    storage: &StorageArgs,
    handle: &str,
    edit: impl FnOnce(&mut DbConn, &UserId) -> diesel::QueryResult<usize>,
) -> anyhow::Result<()> {
    let config = storage.config()?;
    let db = Db::open(&config.database_url, 1)?;
    db.write(|conn| -> Result<(), anyhow::Error> {
        let user = User::find_by_handle(conn, handle)?
            .ok_or_else(|| anyhow::anyhow!("no account with the handle {handle:?}"))?;
        edit(conn, &user.id)?;
        Ok(())
    })?;
    eprintln!("changed account {handle:?}; its sign-ins have ended");
    Ok(())
}
