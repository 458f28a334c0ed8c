//! hearth-core: everything a Hearth device knows, with no UI and no webview.
//!
//! - [`model`]: the domain records (households, work orders, the four reports, signatures);
//! - [`rules`]: the company's rulebook as functions — validation, compliance, area deviation,
//!   repair deadlines, signing, work-order status;
//! - [`hlc`]: the hybrid logical clock that orders edits across devices;
//! - [`store`]: the tablet's SQLite database, with its outbox of what must reach the server;
//! - [`photo`] (feature `photo`): a camera's photo re-encoded to evidence size, upright,
//!   keeping only when and where it was taken;
//! - [`protocol`]: the wire types shared with hearth-server;
//! - [`sync`]: the device's side of sync — merge rules, applying pulls, the HTTP client;
//! - [`demo`]: a generated demo city for `make run`, benchmarks and tests.
//!
//! The invariant the crate keeps: a technician's saved work is never lost, never half-written
//! and, once signed, never changed.
#![forbid(unsafe_code)]

pub mod demo;
pub mod error;
pub mod glossary;
pub mod hlc;
pub mod i18n;
pub mod model;
#[cfg(feature = "photo")]
pub mod photo;
pub mod protocol;
pub mod rules;
pub mod store;
pub mod sync;

pub use error::{Error, Result};
pub use i18n::Locale;

/// A new record id: a UUIDv7, so ids made on one device sort by creation time.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
