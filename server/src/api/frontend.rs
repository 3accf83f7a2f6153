//! The web pages: the built frontend (`frontend/dist`) when there is one, else a start page
//! that says how to build it.
//!
//! Vite names every asset by its content hash, so assets are cached for a year and `index.html`
//! is revalidated on every visit. The build also writes a gzip copy of each text asset next to
//! it (`app.js.gz`); a client that accepts gzip gets that copy, so a volunteer on a slow link
//! downloads the compressed bytes without the server compressing on every request.

use std::path::{Component, Path, PathBuf};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

const START_PAGE: &str = include_str!("../../../frontend/start.html");

/// The folder of the frontend this build was made beside, if it has been built.
pub fn default_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend/dist");
    dir.join("index.html").is_file().then_some(dir)
}

/// The Content-Security-Policy of a page: scripts from this origin and the page's own inline
/// scripts (by hash), images also from `blob:` and `data:` URLs (tiles fetched with the token)
/// and OpenStreetMap (the analysts' opt-in background), connections to this origin only, and no
/// framing, plugins or foreign forms.
pub fn content_security_policy(html: &str) -> String {
    use sha2::Digest as _;
    let mut scripts = String::new();
    let mut rest = html;
    while let Some(open) = rest.find("<script") {
        let tag_end = match rest[open..].find('>') {
            Some(i) => open + i + 1,
            None => break,
        };
        let tag = &rest[open..tag_end];
        let Some(close) = rest[tag_end..].find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            let digest = sha2::Sha256::digest(&rest.as_bytes()[tag_end..tag_end + close]);
            let hash = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, digest);
            scripts.push_str(" 'sha256-");
            scripts.push_str(&hash);
            scripts.push('\'');
        }
        rest = &rest[tag_end + close..];
    }
    format!(
        "default-src 'self'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob: https://tile.openstreetmap.org; connect-src 'self'; \
         worker-src 'self' blob:; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// A page, with its policy.
fn page(html: Vec<u8>) -> HttpResponse {
    let policy = content_security_policy(&String::from_utf8_lossy(&html));
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CONTENT_SECURITY_POLICY, policy))
        .body(html)
}

/// `GET /` and any other page path: the app's `index.html`, or the start page.
pub fn index(dir: Option<&Path>) -> HttpResponse {
    if let Some(dir) = dir
        && let Ok(Some(html)) = crate::confined::read_inside(dir, Path::new("index.html"))
    {
        return page(html);
    }
    page(START_PAGE.as_bytes().to_vec())
}

/// A file of the built frontend, or `None` when there is no such file.
pub fn asset(dir: &Path, req: &HttpRequest) -> Option<HttpResponse> {
    let rel = safe_relative(req.path())?;
    let path = dir.join(&rel);
    if !crate::confined::is_file_inside(dir, &rel) {
        return None;
    }
    if rel.extension().is_some_and(|e| e == "html") {
        return crate::confined::read_inside(dir, &rel)
            .ok()
            .flatten()
            .map(page);
    }
    let mime = content_type(&path);
    let immutable = rel.starts_with("assets");
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let accepts_gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let gz = rel.with_file_name(format!("{}.gz", rel.file_name()?.to_string_lossy()));
    let mut response = HttpResponse::Ok();
    response
        .content_type(mime)
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    if accepts_gzip && let Ok(Some(bytes)) = crate::confined::read_inside(dir, &gz) {
        return Some(
            response
                .insert_header((header::CONTENT_ENCODING, "gzip"))
                .body(bytes),
        );
    }
    crate::confined::read_inside(dir, &rel)
        .ok()
        .flatten()
        .map(|bytes| response.body(bytes))
}

/// The request path as a path inside the frontend folder: no `..`, no hidden files.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let trimmed = path.trim_start_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    let rel = Path::new(trimmed);
    let plain = rel.components().all(|c| match c {
        Component::Normal(s) => !s.to_string_lossy().starts_with('.'),
        _ => false,
    });
    plain.then(|| rel.to_owned())
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_relative;

    #[test]
    fn paths_stay_inside_the_folder() {
        assert_eq!(
            safe_relative("/assets/app-1a2b.js").unwrap(),
            std::path::PathBuf::from("assets/app-1a2b.js")
        );
        for bad in [
            "/",
            "/../secret",
            "/assets/../../x",
            "/.env",
            "/assets/.hidden",
        ] {
            assert!(safe_relative(bad).is_none(), "{bad}");
        }
    }
}
