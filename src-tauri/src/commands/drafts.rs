//! Drafts: every change of a form is saved as typed, so nothing is lost to a crash or a
//! flat battery. A draft's id becomes its report's id when it is signed.

use chrono::Utc;
use hearth_core::model::ReportKind;
use hearth_core::store::Draft;
use tauri::State;

use super::{parse_id, with_store};
use crate::dto::DraftDto;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// Opens a new draft of `kind` for a household (and the work order it serves).
#[tauri::command(async)]
#[specta::specta]
pub fn start_draft(
    state: State<'_, AppState>,
    kind: String,
    household_id: String,
    work_order_id: Option<String>,
    data: serde_json::Value,
) -> IpcResult<DraftDto> {
    let kind: ReportKind = kind.parse().map_err(|e: String| IpcError::new("invalid_argument", e))?;
    with_store(&state, |store, _| {
        let draft = Draft {
            id: hearth_core::new_id(),
            kind,
            household_id: parse_id("household", &household_id)?,
            work_order_id: work_order_id.as_deref().map(|id| parse_id("work order", id)).transpose()?,
            data,
            updated_at: Utc::now(),
        };
        store.save_draft(&draft)?;
        Ok(DraftDto::from(&draft))
    })
}

/// Saves the form as it is now (autosave on every change).
#[tauri::command(async)]
#[specta::specta]
pub fn save_draft(state: State<'_, AppState>, id: String, data: serde_json::Value) -> IpcResult<DraftDto> {
    with_store(&state, |store, _| {
        let id = parse_id("draft", &id)?;
        let mut draft = store
            .draft(id)?
            .ok_or_else(|| hearth_core::Error::NotFound { what: "draft", id: id.to_string() })?;
        draft.data = data;
        draft.updated_at = Utc::now();
        store.save_draft(&draft)?;
        Ok(DraftDto::from(&draft))
    })
}

/// The draft with `id`, or none once it was signed or discarded.
#[tauri::command(async)]
#[specta::specta]
pub fn draft(state: State<'_, AppState>, id: String) -> IpcResult<Option<DraftDto>> {
    with_store(&state, |store, _| Ok(store.draft(parse_id("draft", &id)?)?.as_ref().map(DraftDto::from)))
}

/// The open drafts of a household, most recently edited first.
#[tauri::command(async)]
#[specta::specta]
pub fn drafts_for_household(state: State<'_, AppState>, household_id: String) -> IpcResult<Vec<DraftDto>> {
    with_store(&state, |store, _| {
        let id = parse_id("household", &household_id)?;
        Ok(store.drafts()?.iter().filter(|d| d.household_id == id).map(DraftDto::from).collect())
    })
}

/// Throws a draft away (the technician chose "discard").
#[tauri::command(async)]
#[specta::specta]
pub fn discard_draft(state: State<'_, AppState>, id: String) -> IpcResult<()> {
    with_store(&state, |store, _| store.discard_draft(parse_id("draft", &id)?))
}
