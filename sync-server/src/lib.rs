//! hearth-server: the office end of Hearth.
//!
//! It will collect what the crews record, hand out work orders and household data, and serve
//! the dispatchers' console (see `ARCHITECTURE.md`, "Sync protocol"). The wire types it shares
//! with devices live in hearth-core, so nothing here yet: the sync issue fills this crate.
