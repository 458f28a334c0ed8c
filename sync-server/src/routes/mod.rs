//! The HTTP routes, one module per resource, each with its own `router()` and body limit;
//! the console page answers GETs outside `/v1/`; anything else unrouted is answered in the
//! error format.

pub mod auth;
pub mod blobs;
pub mod compression;
pub mod console;
pub mod console_page;
pub mod events;
pub mod openapi;
pub mod sync;

use axum::Router;
use axum::http::{Method, Uri};

use crate::AppState;
use crate::error::{AppError, ErrorCode};

/// Every route of the API.
pub fn router() -> Router<AppState> {
    let routes = Router::new()
        .merge(auth::router())
        .merge(sync::router())
        .merge(events::router())
        .merge(blobs::router())
        .merge(console::router())
        .merge(openapi::router())
        .merge(console_page::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::map_response(console_page::nosniff));
    compression::layered(routes)
}

async fn not_found(method: Method, uri: Uri) -> AppError {
    AppError::new(ErrorCode::NotFound, format!("there is no endpoint {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> AppError {
    AppError::new(ErrorCode::MethodNotAllowed, format!("{} does not take {method}", uri.path()))
}
