//! hearth-app: the Tauri shell of the Hearth field app.
//!
//! The webview is an outer layer: every command here only translates between IPC and a
//! hearth-core call ([`commands`]). The shell holds the app's state — the device store and
//! the background sync worker ([`state`], [`sync_worker`]) — and the one mapping of errors
//! to `{code, message}` ([`error`]). The TypeScript bindings in `ui/src/lib/bindings.ts` are
//! generated from these types ([`bindings`]); a test fails when they drift.
#![forbid(unsafe_code)]

pub mod bindings;
pub mod commands;
pub mod config;
pub mod dto;
pub mod error;
pub mod news;
pub mod notice;
pub mod state;
pub mod sync_worker;

include!("command_names.rs");

use tauri::Manager;

/// Starts the app: opens the store, starts the sync worker, shows the window.
///
/// The same function is the mobile entry point, so Tauri's Android and iOS builds can use
/// this crate as it is (`cargo tauri android init` / `ios init`, see README.md).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let specta = bindings::builder();
    let app = tauri::Builder::default()
        // Phone and map links go through the app's own `open_link`, which checks them; the
        // plugin's click handler for every external link is not wanted.
        .plugin(tauri_plugin_opener::Builder::new().open_js_links_on_click(false).build())
        // New work orders are announced by the sync worker, from Rust (`notice`).
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            let config = config::AppConfig::from_env(app.path().app_data_dir().ok())?;
            let state = state::AppState::open(&config)?;
            app.manage(state);
            sync_worker::spawn(app.handle().clone(), config.sync_interval);
            news::spawn(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("hearth-app: cannot start: {e}");
            std::process::exit(1);
        }
    }
}
