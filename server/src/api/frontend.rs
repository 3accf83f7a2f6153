//! The start page. A built frontend in `--frontend-dir` replaces it.

use actix_web::HttpResponse;

const INDEX: &str = include_str!("../../../frontend/index.html");

pub fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .body(INDEX)
}
