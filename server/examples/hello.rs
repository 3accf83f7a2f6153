//! The HTTP ceiling of this machine as `../shared/bench/README.md` measures it: an actix-web
//! hello world. `bench/ceiling.sh` runs `wrk` against it and against `tessera serve`'s
//! `GET /api/v1/health` side by side, so load figures can be scaled to the day's machine.
//!
//! usage: `cargo run --release -p tessera-server --example hello -- [ADDR=127.0.0.1:8089]`

use actix_web::{App, HttpServer, get};

#[get("/")]
async fn hello() -> &'static str {
    "Hello world!"
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8089".to_owned());
    HttpServer::new(|| App::new().service(hello))
        .bind(addr)?
        .run()
        .await
}
