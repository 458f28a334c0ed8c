//! hearth-app: the Tauri shell of the field app.
//!
//! The webview is an outer layer: every command here will only translate between IPC and a
//! hearth-core call (see `ARCHITECTURE.md`, "Layout"). The shell issue adds Tauri 2 and the
//! commands; until then everything a tablet does is reachable through hearth-core alone.
