//! Compression both ways (issue 15). Answers are compressed with zstd or gzip, as the client's
//! `Accept-Encoding` asks: a technician's first pull is ~8x smaller. Photos and other images are
//! sent as they are, since they are compressed already. Request bodies (a device's pushes)
//! may come compressed (`Content-Encoding: zstd` or `gzip`) and are unpacked before the
//! handler reads them, so each route's body limit counts the unpacked bytes. A small body that
//! would inflate to gigabytes is cut at the limit and refused with `413` in words, and nothing
//! is stored. A body in another encoding is refused in words, not with tower-http's empty 415.
//!
//! A pull's page, the largest answer (up to ~2 MB of JSON), is made whole before it is sent
//! and is packed whole ([`whole`]): one zstd call on the whole body costs about a third less
//! than the layer's streaming encoder, which packs it piece by piece, and it runs on a
//! blocking thread rather than on the worker that serves the other requests.

use axum::Router;
use axum::extract::Request;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::decompression::RequestDecompressionLayer;

use crate::AppState;
use crate::error::{AppError, Error, ErrorCode};

/// zstd's level for answers: its fastest (see [`layered`]).
const ZSTD_LEVEL: i32 = 1;

/// The encodings a request body may come in.
const ACCEPTED: [&str; 3] = ["identity", "gzip", "zstd"];

/// `router` with answers compressed and request bodies decompressed.
pub fn layered(router: Router<AppState>) -> Router<AppState> {
    router
        .layer(RequestDecompressionLayer::new().gzip(true).zstd(true))
        .layer(axum::middleware::from_fn(known_encoding))
        // The fastest level: zstd's level 1 packs a pull's JSON within 1 % of level 3's size
        // (9.0× against 9.1×) for about three quarters of the CPU, which a million-household
        // first pull spends on the server's two cores.
        .layer(CompressionLayer::new().gzip(true).zstd(true).quality(CompressionLevel::Fastest))
}

/// Refuses a body in an encoding the server does not unpack, in words.
async fn known_encoding(request: Request, next: Next) -> Response {
    let encoding = request
        .headers()
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?").trim().to_ascii_lowercase());
    match encoding {
        Some(e) if !ACCEPTED.contains(&e.as_str()) => AppError::new(
            ErrorCode::UnsupportedMediaType,
            format!("a body in the encoding '{e}' cannot be read: send it as it is, or with Content-Encoding gzip or zstd"),
        )
        .into_response(),
        _ => next.run(request).await,
    }
}

/// `body`, an answer made whole, with `headers`: packed with zstd in one call when the
/// `request` takes zstd; otherwise as it is, for the layer to pack as the client accepts.
pub async fn whole(request: &HeaderMap, mut headers: HeaderMap, body: Vec<u8>) -> Result<Response, AppError> {
    if !takes_zstd(request) {
        return Ok((headers, body).into_response());
    }
    let packed =
        tokio::task::spawn_blocking(move || zstd::bulk::compress(&body, ZSTD_LEVEL).map_err(|e| (e, body)))
            .await
            .map_err(Error::from)?;
    match packed {
        Ok(packed) => {
            headers.insert(CONTENT_ENCODING, HeaderValue::from_static("zstd"));
            headers.append(VARY, HeaderValue::from_static("accept-encoding"));
            Ok((headers, packed).into_response())
        }
        // Out of memory for the packed copy, say: sent as it is, and packed by the layer.
        Err((e, body)) => {
            tracing::warn!("an answer could not be packed whole ({e}); the layer packs it");
            Ok((headers, body).into_response())
        }
    }
}

/// Whether the request's `Accept-Encoding` names zstd with a weight above zero (RFC 9110
/// §12.5.3); a wildcard is left to the layer.
fn takes_zstd(request: &HeaderMap) -> bool {
    request.get_all(ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |item| {
            let mut parts = item.split(';').map(str::trim);
            let named = parts.next().is_some_and(|coding| coding.eq_ignore_ascii_case("zstd"));
            let weight = parts
                .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok());
            named && weight.is_some_and(|q| q > 0.0)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asking(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn zstd_is_taken_when_named_with_a_weight_above_zero() {
        for yes in ["zstd", "gzip, zstd", "gzip;q=1.0, ZSTD ;q=0.5", "br, zstd;q=1"] {
            assert!(takes_zstd(&asking(yes)), "{yes}");
        }
        for no in ["gzip", "zstd;q=0", "zstd;q=0.0, gzip", "*", "zstd;q=nope", "zstdx"] {
            assert!(!takes_zstd(&asking(no)), "{no}");
        }
        assert!(!takes_zstd(&HeaderMap::new()));
    }

    #[tokio::test]
    async fn a_whole_answer_comes_back_as_it_was_sent() {
        let body = br#"{"changes":[],"next_cursor":0,"more":false}"#.repeat(500);
        let answer = whole(&asking("gzip, zstd"), HeaderMap::new(), body.clone()).await.unwrap();
        assert_eq!(answer.headers()[CONTENT_ENCODING], "zstd");
        assert_eq!(answer.headers()[VARY], "accept-encoding");
        let packed = axum::body::to_bytes(answer.into_body(), usize::MAX).await.unwrap();
        assert!(packed.len() < body.len() / 10, "{} bytes packed", packed.len());
        assert_eq!(zstd::decode_all(&packed[..]).unwrap(), body);
        let plain = whole(&asking("gzip"), HeaderMap::new(), body.clone()).await.unwrap();
        assert!(!plain.headers().contains_key(CONTENT_ENCODING), "left to the layer");
        assert_eq!(axum::body::to_bytes(plain.into_body(), usize::MAX).await.unwrap(), body);
    }
}
