//! Household search: instant and offline, answered by the device store's index.

use hearth_core::store::households;
use tauri::State;

use super::{parse_id, with_store};
use crate::dto::HouseholdDto;
use crate::error::IpcResult;
use crate::state::AppState;

/// How many hits one keystroke shows.
const SEARCH_LIMIT: usize = 50;

/// Households matching every term of `query` (account number, address, name, phone).
#[tauri::command(async)]
#[specta::specta]
pub fn search_households(state: State<'_, AppState>, query: String) -> IpcResult<Vec<HouseholdDto>> {
    with_store(&state, |store, _| {
        Ok(store.search_households(&query, SEARCH_LIMIT)?.iter().map(HouseholdDto::from).collect())
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
