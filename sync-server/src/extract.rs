//! Extractors that answer bad input in our error format: axum's own rejections (plain text,
//! 422 for a wrong field) never reach a client.
//!
//! Text holding the NUL character (U+0000) is refused here, in a body or a query, for every
//! route: no person types it, and PostgreSQL cannot store it in text (found by schemathesis
//! against the PostgreSQL backend: a caller's phone number with a NUL was a 500).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{AppError, ErrorCode};

/// A JSON body; syntax errors, unknown fields, wrong types, a missing content type and an
/// oversized body are refused as [`AppError`]s.
///
/// Parsed with `serde_json` directly rather than through `axum::Json`, whose field-path
/// tracking made a 5 MB push batch take ~110 ms to read instead of ~20 ms; serde's messages
/// still name the field and the line and column.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Json::parse(&JsonBody::from_request(req, state).await?.0)
    }
}

impl<T: DeserializeOwned> Json<T> {
    /// Reads a received [`JsonBody`].
    pub fn parse(bytes: &[u8]) -> Result<Json<T>, AppError> {
        if has_nul_escape(bytes) {
            return Err(nul_refused());
        }
        serde_json::from_slice(bytes).map(Json).map_err(|e| {
            use serde_json::error::Category;
            match e.classify() {
                Category::Syntax | Category::Eof => {
                    AppError::new(ErrorCode::MalformedJson, format!("the body is not valid JSON: {e}"))
                }
                Category::Data | Category::Io => {
                    AppError::new(ErrorCode::BadRequest, format!("the JSON does not fit: {e}"))
                }
            }
        })
    }
}

/// A JSON body received whole but not yet read ([`Json::parse`]): a missing content type and
/// an oversized body are refused. For a handler that must receive the bytes (which may take
/// minutes on a weak link) before it waits for its turn to read them.
#[derive(Debug, Clone)]
pub struct JsonBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(AppError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body with `Content-Type: application/json`",
            ));
        }
        Ok(JsonBody(Bytes::from_request(req, state).await?))
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A query string, refused as an [`AppError`] when it does not fit.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.query().is_some_and(|q| q.to_ascii_lowercase().contains("%00")) {
            return Err(nul_refused());
        }
        let axum::extract::Query(value) = axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Query(value))
    }
}

/// Whether JSON text escapes the NUL character (`\u0000`, the only way JSON can hold it): a
/// `u0000` after an odd run of backslashes. One pass, no allocation (push bodies are MBs).
fn has_nul_escape(json: &[u8]) -> bool {
    let mut backslashes = 0usize;
    for (at, &b) in json.iter().enumerate() {
        if b == b'\\' {
            backslashes += 1;
            continue;
        }
        if backslashes % 2 == 1 && b == b'u' && json.get(at + 1..at + 5) == Some(b"0000") {
            return true;
        }
        backslashes = 0;
    }
    false
}

fn nul_refused() -> AppError {
    AppError::new(ErrorCode::BadRequest, "text may not hold the NUL character (U+0000)")
}

#[cfg(test)]
mod nul_tests {
    use super::*;

    #[test]
    fn text_with_a_nul_character_is_refused_in_words_and_a_written_backslash_u_is_not() {
        let refused = Json::<serde_json::Value>::parse(br#"{"phone": "138\u0000"}"#).unwrap_err();
        assert_eq!(refused.message, "text may not hold the NUL character (U+0000)");
        assert!(
            Json::<serde_json::Value>::parse(br#"{"phone": "\\u0000"}"#).is_ok(),
            "a backslash, then u0000"
        );
        assert!(Json::<serde_json::Value>::parse(br#"{"phone": "\\\u0000"}"#).is_err());
        assert!(Json::<serde_json::Value>::parse(br#"{"phone": "13800000000"}"#).is_ok());
    }
}
