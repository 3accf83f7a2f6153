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
        use std::os::unix::fs::PermissionsExt as _;
        for file in ["tessera.db", "tessera.db-wal"] {
            let path = dir.path().join(file);
            if path.exists() {
                let mode = std::fs::metadata(&path).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{file} is readable by its owner only");
            }
        }
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

    // Demoted on the command line, the coordinator's token ends on the running server.
    let tessera_user = |args: &[&str]| {
        let mut cmd = Command::new(BIN);
        cmd.arg("user")
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("DATABASE_URL");
        if let Some(url) = url {
            cmd.args(["--database-url", url]);
        }
        cmd.output().unwrap()
    };
    let out = tessera_user(&["role", "--handle", "coord_1", "--role", "volunteer"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tessera_user(&["suspend", "--handle", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (status, body) = server.call("GET", "/api/v1/campaigns", Some(coordinator), None);
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "session_ended");

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

/// The README's first command: `tessera demo` serves a campaign a new volunteer can tag at once,
/// and starting it again reuses what it made.
#[test]
fn demo_serves_a_campaign_a_new_volunteer_can_tag() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..2 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let mut child = Command::new(BIN)
            .args(["demo", "--bind", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(dir.path())
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while common::server::try_request(&base, "/api/v1/health").is_none() {
            assert!(std::time::Instant::now() < deadline, "demo did not start");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        let (status, reg) = common::server::request(
            &base,
            "POST",
            "/api/v1/auth/register",
            None,
            Some(json!({"handle": format!("newcomer{round}"), "password": PASSWORD})),
        );
        assert_eq!(status, 201, "{reg}");
        let token = reg["token"].as_str().unwrap();
        let (_, list) =
            common::server::request(&base, "GET", "/api/v1/campaigns", Some(token), None);
        let campaigns = list["campaigns"].as_array().unwrap();
        assert_eq!(campaigns.len(), 1, "round {round}: {list}");
        let (status, next) = common::server::request(
            &base,
            "POST",
            "/api/v1/campaigns/raqqa-2017-demo/next",
            Some(token),
            None,
        );
        assert_eq!(status, 200);
        assert!(next["task"]["before_tile_url"].is_string(), "{next}");
        let (status, login) = common::server::request(
            &base,
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"handle": "demo-coordinator", "password": "demo-coordinator-password"})),
        );
        assert_eq!(
            (status, login["user"]["role"].as_str()),
            (200, Some("coordinator"))
        );
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

/// `tessera consensus` on a file: `--min-support` is the share of those who saw a spot who marked
/// it, `--min-volunteers` the count of distinct markers, and a count given as a share is refused
/// with a pointer to the right flag.
#[test]
fn consensus_takes_min_support_as_a_share_and_min_volunteers_as_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("answers.jsonl");
    // Three of four volunteers who saw the tile mark the same building.
    let mut lines = vec![r#"{"type":"task","id":1,"width":100,"height":100}"#.to_owned()];
    for v in 0..3 {
        lines.push(format!(
            r#"{{"type":"answer","task":1,"volunteer":"v{v}","marks":[{{"x":{},"y":50,"class":"destroyed"}}]}}"#,
            50 + v
        ));
    }
    lines.push(r#"{"type":"answer","task":1,"volunteer":"v3","nothing_here":true}"#.to_owned());
    std::fs::write(&input, lines.join("\n")).unwrap();
    let consensus = |flags: &[&str]| {
        Command::new(BIN)
            .arg("consensus")
            .arg("--input")
            .arg(&input)
            .args(flags)
            .output()
            .unwrap()
    };
    let sites = |flags: &[&str]| {
        let out = consensus(flags);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.contains(r#""type":"site""#))
            .count()
    };
    assert_eq!(sites(&[]), 1);
    assert_eq!(sites(&["--min-support", "0.1"]), 1);
    assert_eq!(
        sites(&["--min-support", "1"]),
        0,
        "one who saw it did not mark it"
    );
    assert_eq!(sites(&["--min-volunteers", "3"]), 1);
    assert_eq!(sites(&["--min-volunteers", "4"]), 0, "only three marked it");

    let out = consensus(&["--min-support", "3"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--min-volunteers 3"), "{err}");
}

/// `tessera consensus` on a file with one line that is not UTF-8: the run succeeds on the other
/// lines, and stderr counts the skipped line and says which it was.
#[test]
fn consensus_skips_a_line_that_is_not_utf8_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("answers.jsonl");
    let mut text = b"{\"type\":\"task\",\"id\":1,\"width\":100,\"height\":100}\n".to_vec();
    text.extend_from_slice(
        b"{\"type\":\"answer\",\"task\":1,\"volunteer\":\"\xff\",\"cant_tell\":true}\n",
    );
    for v in 0..3 {
        text.extend_from_slice(
            format!(
                "{{\"type\":\"answer\",\"task\":1,\"volunteer\":\"v{v}\",\"marks\":[{{\"x\":50,\"y\":50,\"class\":\"destroyed\"}}]}}\n"
            )
            .as_bytes(),
        );
    }
    std::fs::write(&input, text).unwrap();
    let out = Command::new(BIN)
        .arg("consensus")
        .arg("--input")
        .arg(&input)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("3 answers (1 lines skipped)"), "{err}");
    assert!(err.contains("skipped: line 2:"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let site = stdout
        .lines()
        .find(|l| l.contains(r#""type":"site""#))
        .expect("the three marks make a site");
    assert!(site.contains(r#""volunteers":["v0","v1","v2"]"#), "{site}");
}
