//! Logging in (online, once) and the app's start-up facts: after one login the app opens
//! offline with the saved user. The language switch is saved here too.

use hearth_core::Locale;
use hearth_core::model::User;
use hearth_core::store::{Store, settings};
use hearth_core::sync::client::Client;
use tauri::{AppHandle, Manager, State};

use super::settings::MapApp;
use super::with_store;
use crate::dto::{AppInfo, ProfileDto, UserDto};
use crate::error::{IpcError, IpcResult};
use crate::state::{AppState, LOCALE_KEY};

/// The start-up facts, as `app_info` answers them (the settings' commands answer them too).
pub(crate) fn app_info_of(state: &AppState) -> IpcResult<AppInfo> {
    with_store(state, |store, locale| {
        let p = &state.profile;
        Ok(AppInfo {
            server_url: state.server_url(store),
            locale: locale_name(locale).to_owned(),
            user: AppState::user(store).as_ref().map(UserDto::from),
            device_id: store.device_id().to_string(),
            profile: ProfileDto {
                indoor_standard_c: p.indoor_standard_c,
                min_doors_closed_minutes: p.min_doors_closed_minutes,
                probe_height_min_m: p.probe_height_min_m,
                probe_height_max_m: p.probe_height_max_m,
                area_tolerance_pct: p.area_tolerance_pct,
            },
            map_app: MapApp::saved(store),
        })
    })
}

fn locale_name(locale: Locale) -> &'static str {
    match locale {
        Locale::ZhCn => "zh-CN",
        Locale::En => "en",
    }
}

/// The server, the language, the saved user (if any) and the profile's thresholds.
#[tauri::command(async)]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> IpcResult<AppInfo> {
    app_info_of(&state)
}

/// Logs in online; the token and user are kept, so the app opens offline afterwards.
///
/// The HTTP client blocks, and a blocking client may not run (nor be dropped) on the async
/// runtime's threads: the login runs on the blocking pool.
#[tauri::command]
#[specta::specta]
pub async fn login(
    app: AppHandle,
    server_url: String,
    username: String,
    password: String,
) -> IpcResult<UserDto> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let user = {
            let mut store = state.store();
            let locale = AppState::locale(&store);
            log_in(&mut store, server_url.trim(), username.trim(), &password)
                .map_err(|e| IpcError::from_login(e, locale))?
        };
        state.wake_sync();
        Ok(UserDto::from(&user))
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))?
}

/// Logs in at `url` and keeps it as the server.
fn log_in(store: &mut Store, url: &str, username: &str, password: &str) -> hearth_core::Result<User> {
    let client = Client::new(url)?;
    let device_name = format!("Hearth {}", &store.device_id().to_string()[..8]);
    let user = hearth_core::sync::login(store, &client, username, password, &device_name)?;
    store.set_setting(settings::SERVER_URL, url)?;
    Ok(user)
}

/// Forgets the login on this device. Unsynced records stay and go out after the next login.
#[tauri::command(async)]
#[specta::specta]
pub fn logout(state: State<'_, AppState>) -> IpcResult<()> {
    with_store(&state, |store, _| {
        store.set_setting(settings::TOKEN, "")?;
        store.set_setting(settings::USER, "")
    })
}

/// Switches the UI language ("zh-CN" or "en"); hearth-core words its messages in it too.
#[tauri::command(async)]
#[specta::specta]
pub fn set_locale(state: State<'_, AppState>, locale: String) -> IpcResult<AppInfo> {
    let parsed: Locale = locale.parse().map_err(|e: String| IpcError::new("invalid_argument", e))?;
    with_store(&state, |store, _| store.set_setting(LOCALE_KEY, locale_name(parsed)))?;
    app_info_of(&state)
}
