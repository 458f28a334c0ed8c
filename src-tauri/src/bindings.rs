//! The typed IPC: every command and event registered once, here, and the TypeScript module
//! generated from them (`ui/src/lib/bindings.ts`, committed). The UI calls the backend only
//! through that module, and the report types it builds come from hearth-core's (its `specta`
//! feature); `bindings_are_up_to_date` fails when the Rust side changed and the
//! file was not regenerated (`HEARTH_UPDATE_BINDINGS=1 cargo test -p hearth-app bindings`).

use std::path::{Path, PathBuf};

use hearth_core::model::{Refusal, Report, Signature};
use specta_typescript::Typescript;
use tauri_specta::{collect_commands, collect_events};

use crate::commands::{drafts, households, links, reports, session, settings, sync, work_orders};
use crate::dto::{NewOrdersEvent, SyncStatusEvent};

/// The commands and events of the shell.
pub fn builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            session::app_info,
            session::login,
            session::logout,
            session::set_locale,
            work_orders::my_work_orders,
            work_orders::work_order,
            work_orders::advance_work_order,
            households::search_households,
            households::household,
            drafts::start_draft,
            drafts::save_draft,
            drafts::draft,
            drafts::drafts_for_household,
            drafts::discard_draft,
            reports::validate_report,
            reports::assess_area,
            reports::assess_temperature,
            reports::add_photo,
            reports::photo_preview,
            reports::sign_report,
            reports::signed_report,
            reports::reports_for_household,
            reports::start_amendment,
            sync::sync_status,
            sync::sync_now,
            settings::set_map_app,
            session::set_company_ca,
            links::open_link,
        ])
        .events(collect_events![SyncStatusEvent, NewOrdersEvent])
        // The records the UI builds as JSON for hearth-core (a report and what it holds, the
        // signatures and a refusal): their TypeScript comes from hearth-core's own types.
        .typ::<Report>()
        .typ::<Signature>()
        .typ::<Refusal>()
        // Only `serde_json::Value` (a report's JSON) holds 64-bit integers, and JSON numbers
        // are JavaScript numbers anyway; every count of the app's own types is 32-bit.
        .dangerously_cast_bigints_to_number()
        // One TypeScript type per Rust type: the UI reads what the shell sends as it is.
        .disable_serde_phases()
}

/// Where the generated module lives in the repository.
pub fn bindings_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts")
}

/// Writes the TypeScript module to `path`.
pub fn export(path: &Path) -> Result<(), String> {
    let ts = Typescript::default()
        .header("// Generated from src-tauri by tauri-specta: do not edit.\n// @ts-nocheck");
    builder().export(ts, path).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_up_to_date() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fresh = dir.path().join("bindings.ts");
        export(&fresh).expect("export bindings");
        let fresh = std::fs::read_to_string(&fresh).expect("read fresh bindings");
        let committed = bindings_path();
        if std::env::var_os("HEARTH_UPDATE_BINDINGS").is_some() {
            std::fs::write(&committed, &fresh).expect("write bindings");
        }
        let current = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            current == fresh,
            "{} is out of date: run `HEARTH_UPDATE_BINDINGS=1 cargo test -p hearth-app bindings` and commit it",
            committed.display()
        );
    }

    #[test]
    fn every_command_is_registered_and_granted_exactly_once() {
        let ts = std::fs::read_to_string(bindings_path()).unwrap_or_default();
        for name in crate::COMMANDS {
            assert!(ts.contains(&format!("__TAURI_INVOKE(\"{name}\"")), "{name} is not in the bindings");
        }
        assert_eq!(
            ts.matches("__TAURI_INVOKE(\"").count(),
            crate::COMMANDS.len(),
            "a command is not in COMMANDS"
        );
        let caps: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/main.json")).expect("json");
        let granted: Vec<&str> = caps["permissions"]
            .as_array()
            .expect("permissions")
            .iter()
            .filter_map(|p| p.as_str())
            .filter(|p| p.starts_with("allow-"))
            .collect();
        let expected: Vec<String> =
            crate::COMMANDS.iter().map(|c| format!("allow-{}", c.replace('_', "-"))).collect();
        assert_eq!(granted, expected, "capabilities/main.json must grant exactly the commands");
    }
}
