//! Household search: instant and offline, answered by the device store's index.

use hearth_core::store::households;
use tauri::State;

use super::{parse_id, with_store};
use crate::dto::HouseholdDto;
use crate::error::IpcResult;
use crate::state::AppState;

/// The most hits one keystroke may ask for.
const MAX_SEARCH_LIMIT: u32 = 200;

/// Up to `limit` households matching every term of `query` (account number, address, name,
/// phone). The UI asks for few: drawing the hits is most of a keystroke's time.
#[tauri::command(async)]
#[specta::specta]
pub fn search_households(
    state: State<'_, AppState>,
    query: String,
    limit: u32,
) -> IpcResult<Vec<HouseholdDto>> {
    let limit = limit.min(MAX_SEARCH_LIMIT) as usize;
    with_store(&state, |store, _| {
        Ok(store.search_households(&query, limit)?.iter().map(HouseholdDto::from).collect())
    })
}

/// One household.
#[tauri::command(async)]
#[specta::specta]
pub fn household(state: State<'_, AppState>, id: String) -> IpcResult<HouseholdDto> {
    with_store(&state, |store, _| {
        let id = parse_id("household", &id)?;
        households::get(store.conn(), id)?
            .map(|h| HouseholdDto::from(&h))
            .ok_or_else(|| hearth_core::Error::NotFound { what: "household", id: id.to_string() })
    })
}
