//! A real `tessera serve` process for end-to-end tests, and a blocking HTTP helper.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The token secret every test server shares, so instances accept each other's tokens.
pub const SHARED_SECRET: &str = "end-to-end-test-secret-0123456789abcdef";

/// A running `tessera serve`, killed on drop; its log is kept for inspection.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    /// Starts a server that shares [`SHARED_SECRET`] with the other test servers.
    pub fn start(data_dir: &Path, database_url: Option<&str>) -> Self {
        Self::start_with(data_dir, database_url, Some(SHARED_SECRET))
    }

    /// Starts a server; without a secret it makes its own in the data dir, as in production.
    pub fn start_with(data_dir: &Path, database_url: Option<&str>, secret: Option<&str>) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = data_dir.join(format!("serve-{port}.log"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
        cmd.args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--workers",
            "2",
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("DATABASE_URL")
        .env_remove("TESSERA_JWT_SECRET")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
        if let Some(url) = database_url {
            cmd.args(["--database-url", url]);
        }
        if let Some(secret) = secret {
            cmd.env("TESSERA_JWT_SECRET", secret);
        }
        let server = Self {
            child: cmd.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ureq::get(&format!("{}/api/v1/health", server.base))
                .call()
                .is_ok()
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "server did not start: {}",
            std::fs::read_to_string(&server.log).unwrap_or_default()
        );
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        request(&self.base, method, path, token, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP request; returns the status and the JSON body (or the text as a JSON string).
pub fn request(
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{base}{path}");
    let auth = token.map(|t| format!("Bearer {t}"));
    let response = if method == "GET" {
        let mut req = agent.get(&url);
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        req.call()
    } else {
        let mut req = agent.post(&url);
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        match body {
            Some(b) => req.send_json(b),
            None => req.send_empty(),
        }
    }
    .unwrap();
    let status = response.status().as_u16();
    let text = response.into_body().read_to_string().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A GET that returns `None` while the server is not up yet.
pub fn try_request(base: &str, path: &str) -> Option<u16> {
    ureq::get(&format!("{base}{path}"))
        .call()
        .ok()
        .map(|r| r.status().as_u16())
}
