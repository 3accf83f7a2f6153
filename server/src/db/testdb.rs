//! Fresh, isolated databases for tests, so every test can run in parallel.
//!
//! `SQLite` gets a file in its own temporary folder. `PostgreSQL` gets a new database on the server
//! named by `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped
//! again when the [`TestDatabase`] is dropped.

use std::path::PathBuf;

use diesel::{Connection, PgConnection, RunQueryDsl};

use super::{Backend, DatabaseUrl, Db};

/// The server used for `PostgreSQL` tests when `TEST_DATABASE_URL` is not set.
pub const DEFAULT_TEST_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists for the lifetime of this value.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: DatabaseUrl,
    pub url_string: String,
    admin_url: Option<String>,
    name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// Creates an empty database of the given backend (not yet migrated).
    ///
    /// # Panics
    /// When the temporary folder or the `PostgreSQL` database cannot be created: a test cannot
    /// run without it.
    #[expect(
        clippy::expect_used,
        reason = "test fixture: failing loudly is the point"
    )]
    #[must_use]
    pub fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::Builder::new()
                    .prefix("tessera-test-")
                    .tempdir()
                    .expect("creating a temporary folder");
                let path: PathBuf = dir.path().join("tessera.db");
                let url_string = format!("sqlite://{}", path.display());
                Self {
                    url: DatabaseUrl::Sqlite(path),
                    url_string,
                    admin_url: None,
                    name: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL")
                    .unwrap_or_else(|_| DEFAULT_TEST_SERVER.to_owned());
                let name = format!("tessera_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL tests need a server at TEST_DATABASE_URL ({admin_url}): {e}. \
                         Start it with `make pg-start`."
                    )
                });
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("creating a test database");
                let url_string = replace_db_name(&admin_url, &name);
                Self {
                    url: DatabaseUrl::Postgres(url_string.clone()),
                    url_string,
                    admin_url: Some(admin_url),
                    name: Some(name),
                    _dir: None,
                }
            }
        }
    }

    /// Opens (and migrates) a pool on this database.
    ///
    /// # Panics
    /// When the database cannot be opened.
    #[expect(
        clippy::expect_used,
        reason = "test fixture: failing loudly is the point"
    )]
    #[must_use]
    pub fn open(&self) -> Db {
        Db::open(&self.url, 8).expect("opening the test database")
    }
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let (Some(admin_url), Some(name)) = (&self.admin_url, &self.name)
            && let Ok(mut admin) = PgConnection::establish(admin_url)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::replace_db_name;

    #[test]
    fn database_name_is_replaced_keeping_host_and_options() {
        assert_eq!(
            replace_db_name("postgres://u@h:5432/postgres?sslmode=disable", "t1"),
            "postgres://u@h:5432/t1?sslmode=disable"
        );
        assert_eq!(replace_db_name("postgres://u@h", "t2"), "postgres://u@h/t2");
    }
}
