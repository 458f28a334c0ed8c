//! The status bar's facts and the "sync now" button; the syncing itself is the worker's.

use tauri::State;

use crate::dto::SyncStatusEvent;
use crate::error::IpcResult;
use crate::state::AppState;
use crate::sync_worker;

/// Online or not, records waiting, the last sync and the last error.
#[tauri::command(async)]
#[specta::specta]
pub fn sync_status(state: State<'_, AppState>) -> IpcResult<SyncStatusEvent> {
    sync_worker::status(&state)
}

/// Asks the worker to sync now; the outcome arrives as a status event.
#[tauri::command(async)]
#[specta::specta]
pub fn sync_now(state: State<'_, AppState>) -> IpcResult<()> {
    state.wake_sync();
    Ok(())
}
