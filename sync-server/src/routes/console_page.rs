//! The dispatchers' console page (`ui/console`, built by Vite) served at `/`, embedded in the
//! binary so `hearth-server serve` alone serves it (see `build.rs` for what a build without
//! the page embeds instead). Any GET outside `/v1/` that names no file gets the page itself;
//! the API's unknown paths keep their JSON 404.
//!
//! The page and its assets carry the browser's safety headers ([`PAGE_POLICY`]: no script but
//! the page's own files, no framing, no sniffing, no referrer); every answer of the API gets
//! `nosniff` too ([`nosniff`], a layer over all routes).

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::{AppError, ErrorCode};

include!(concat!(env!("OUT_DIR"), "/console_assets.rs"));

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(index)).route("/{*path}", get(file).fallback(no_endpoint))
}

/// Only GETs are the page's: any other method on an unrouted path is a missing endpoint.
async fn no_endpoint(method: Method, uri: Uri) -> AppError {
    AppError::new(ErrorCode::NotFound, format!("there is no endpoint {method} {}", uri.path()))
}

async fn index() -> Response {
    page("index.html")
}

async fn file(Path(path): Path<String>) -> Response {
    if path == "v1" || path.starts_with("v1/") {
        return AppError::new(ErrorCode::NotFound, format!("there is no endpoint GET /{path}"))
            .into_response();
    }
    page(&path)
}

/// The embedded file at `path`, or the page itself for a path that names none.
fn page(path: &str) -> Response {
    let (path, file) = match ConsoleAssets::get(path) {
        Some(file) => (path, file),
        None => match ConsoleAssets::get("index.html") {
            Some(file) => ("index.html", file),
            None => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    // Vite names its assets by content hash: they never change under the same name. The
    // page itself must be fetched again after an upgrade.
    let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut response = file.data.into_owned().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_POLICY));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// The console page's Content-Security-Policy: scripts, styles, fonts and requests only from
/// this server (no inline or injected script, no eval); images also from the `blob:` URLs
/// the page makes of photos and signatures; never framed (clickjacking); no plugins, no
/// `<base>` tricks, forms only to this server. Inline `style` attributes stay allowed (the
/// page sets column widths with them; they cannot run code).
pub const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' blob: data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `X-Content-Type-Options: nosniff` on every answer (the API's JSON and CSV too), so a
/// browser never reads one as a page or a script. Used as `axum::middleware::map_response`.
pub async fn nosniff(mut response: Response) -> Response {
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// The media type of the kinds of file a Vite build writes.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_embedded_and_assets_get_their_media_type() {
        assert!(
            ConsoleAssets::get("index.html").is_some(),
            "neither the console nor its placeholder is embedded"
        );
        assert_eq!(content_type("assets/index-4f2a.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("assets/index-4f2a.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("no-extension"), "application/octet-stream");
    }
}
