//! The real `tessera` binary, as a user runs it, over a real socket: on the embedded SQLite
//! default and on PostgreSQL.

#![allow(
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::unnecessary_wraps,
    clippy::type_complexity,
    reason = "tests fail loudly"
)]

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use common::server::Server;
use rstest::rstest;
use serde_json::json;
use tessera_server::db::Backend;
use tessera_server::db::testdb::TestDatabase;

const BIN: &str = env!("CARGO_BIN_EXE_tessera");
const PASSWORD: &str = "a long enough password";

fn user_add(
    data_dir: &Path,
    database_url: Option<&str>,
    handle: &str,
    role: &str,
    password: &str,
) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(["user", "add", "--handle", handle, "--role", role])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = database_url {
        cmd.args(["--database-url", url]);
    }
    let mut child = cmd.spawn().unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

#[rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
fn a_new_user_registers_and_signs_in_over_http(#[case] backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let pg = (backend == Backend::Postgres).then(|| TestDatabase::new(Backend::Postgres));
    let url = pg.as_ref().map(|d| d.url_string.as_str());
    let mut server = Server::start_with(dir.path(), url, None);

    let (status, health) = server.call("GET", "/api/v1/health", None, None);
    assert_eq!(status, 200);
    let expected = if backend == Backend::Postgres {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(health["database"]["backend"], expected);
    if backend == Backend::Sqlite {
        assert!(
            dir.path().join("tessera.db").exists(),
            "the embedded default lives in the data dir"
        );
    }

    let creds = json!({"handle": "desert_fox", "password": PASSWORD});
    let (status, reg) = server.call("POST", "/api/v1/auth/register", None, Some(creds.clone()));
    assert_eq!(status, 201, "{reg}");
    let (status, login) = server.call("POST", "/api/v1/auth/login", None, Some(creds));
    assert_eq!(status, 200, "{login}");
    let volunteer = login["token"].as_str().unwrap();

    let campaign = json!({"slug": "raqqa-2017", "name": "Raqqa 2017"});
    let (status, body) = server.call(
        "POST",
        "/api/v1/campaigns",
        Some(volunteer),
        Some(campaign.clone()),
    );
    assert_eq!(status, 403, "{body}");

    // Staff accounts come from the command line, password on stdin.
    let out = user_add(dir.path(), url, "coord_1", "coordinator", PASSWORD);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dup = user_add(dir.path(), url, "COORD_1", "admin", PASSWORD);
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("taken"));
    let weak = user_add(dir.path(), url, "coord_2", "coordinator", "short");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));

    let (status, login) = server.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"handle": "coord_1", "password": PASSWORD})),
    );
    assert_eq!(status, 200);
    assert_eq!(login["user"]["role"], "coordinator");
    let coordinator = login["token"].as_str().unwrap();
    let (status, body) = server.call(
        "POST",
        "/api/v1/campaigns",
        Some(coordinator),
        Some(campaign),
    );
    assert_eq!(status, 201, "{body}");

    let (status, body) = server.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"handle": 1})),
    );
    assert_eq!(status, 422, "{body}");

    // Nothing personal or secret reaches the log.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(
        log.contains("/api/v1/auth/register"),
        "requests are logged: {log}"
    );
    for secret in [PASSWORD, volunteer, coordinator, "desert_fox"] {
        assert!(!log.contains(secret), "log leaks {secret:?}");
    }
    let secret_file = dir.path().join("jwt-secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&secret_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the token secret must be owner-only");
    }
}

#[test]
fn help_lists_the_subcommands_and_bad_urls_are_explained() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for sub in ["serve", "user"] {
        assert!(help.contains(sub), "--help lacks {sub}: {help}");
    }
    let out = Command::new(BIN)
        .args(["serve", "--database-url", "mysql://localhost/x"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite://"));
}
