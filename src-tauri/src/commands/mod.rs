//! The IPC commands, one module per concept. Each is `#[tauri::command(async)]` — rusqlite
//! and the blocking HTTP client must stay off the main thread — and only translates:
//! arguments → one hearth-core call → a DTO, with errors through [`IpcError::from_core`].

pub mod drafts;
pub mod households;
pub mod links;
pub mod reports;
pub mod session;
pub mod settings;
pub mod sync;
pub mod work_orders;

use hearth_core::store::Store;
use hearth_core::{Error, Locale};
use uuid::Uuid;

use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// Runs `f` on the store, wording any error in the user's language.
pub(crate) fn with_store<T>(
    state: &AppState,
    f: impl FnOnce(&mut Store, Locale) -> hearth_core::Result<T>,
) -> IpcResult<T> {
    let mut store = state.store();
    let locale = AppState::locale(&store);
    f(&mut store, locale).map_err(|e| IpcError::from_core(e, locale))
}

/// An id the UI sent.
pub(crate) fn parse_id(what: &'static str, id: &str) -> hearth_core::Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| Error::NotFound { what, id: id.to_owned() })
}
