//! Logging in (online, once) and the app's start-up facts: after one login the app opens
//! offline with the saved user. The language switch is saved here too, and the company's own
//! certificate authority (a PEM given at login or in 设置), which the device trusts besides
//! the system's for the server's HTTPS certificate.

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
            has_company_ca: company_ca(store).is_some(),
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
    company_ca: Option<String>,
) -> IpcResult<UserDto> {
    tauri::async_runtime::spawn_blocking(move || {
        let state = app.state::<AppState>();
        let user = {
            let mut store = state.store();
            let locale = AppState::locale(&store);
            // Given at login (blank: none), it replaces the saved one once the login succeeds.
            let ca = match company_ca {
                Some(text) => Some(checked_company_ca(&text, locale)?),
                None => None,
            };
            log_in(&mut store, server_url.trim(), username.trim(), &password, ca.as_deref())
                .map_err(|e| IpcError::from_login(e, locale))?
        };
        state.wake_sync();
        Ok(UserDto::from(&user))
    })
    .await
    .map_err(|e| IpcError::new("internal", e.to_string()))?
}

/// Logs in at `url` and keeps it as the server. `company_ca` (checked PEM, blank for none)
/// replaces the saved company CA; `None` keeps it.
fn log_in(
    store: &mut Store,
    url: &str,
    username: &str,
    password: &str,
    company_ca: Option<&str>,
) -> hearth_core::Result<User> {
    let client = match company_ca {
        Some(pem) => Client::with_company_ca(url, Some(pem))?,
        None => client_for(store, url)?,
    };
    let device_name = format!("Hearth {}", &store.device_id().to_string()[..8]);
    let user = hearth_core::sync::login(store, &client, username, password, &device_name)?;
    store.set_setting(settings::SERVER_URL, url)?;
    if let Some(pem) = company_ca {
        store.set_setting(COMPANY_CA_KEY, pem)?;
    }
    Ok(user)
}

/// The device-store key of the company CA (PEM text; empty for none).
pub const COMPANY_CA_KEY: &str = "app.company_ca";
/// The code of a company CA that is not a PEM certificate.
const COMPANY_CA_INVALID: &str = "company_ca_invalid";

/// The company CA saved on this device, if any.
pub(crate) fn company_ca(store: &Store) -> Option<String> {
    store.setting(COMPANY_CA_KEY).ok().flatten().filter(|pem| !pem.trim().is_empty())
}

/// The sync client for `url`: the system's roots plus the saved company CA.
pub(crate) fn client_for(store: &Store, url: &str) -> hearth_core::Result<Client> {
    Client::with_company_ca(url, company_ca(store).as_deref())
}

/// `text` trimmed if it is a PEM certificate (or blank, for none); otherwise refused in words.
fn checked_company_ca(text: &str, locale: Locale) -> IpcResult<String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    Client::with_company_ca("https://localhost", Some(text)).map(|_| text.to_owned()).map_err(|e| {
        eprintln!("hearth-app: company certificate refused: {e}");
        IpcError::new(
            COMPANY_CA_INVALID,
            locale.pick(
                "公司根证书内容无法识别，请向公司信息部门重新索取证书全文后粘贴",
                "The company certificate cannot be read: paste the whole certificate text from \
                 your IT department (-----BEGIN CERTIFICATE----- …).",
            ),
        )
    })
}

/// Saves the company's own certificate authority (PEM text; blank removes it), which the
/// device trusts besides the system's for the server's certificate; the next sync uses it.
#[tauri::command(async)]
#[specta::specta]
pub fn set_company_ca(state: State<'_, AppState>, company_ca: String) -> IpcResult<AppInfo> {
    let locale = AppState::locale(&state.store());
    let pem = checked_company_ca(&company_ca, locale)?;
    with_store(&state, |store, _| store.set_setting(COMPANY_CA_KEY, &pem))?;
    state.wake_sync();
    app_info_of(&state)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed CA certificate (EC P-256), as an IT department would hand it out.
    const COMPANY_CA: &str = "-----BEGIN CERTIFICATE-----\nMIIBlzCCAT2gAwIBAgIUQvwLIuPagw/PBkqGk7Z6bezOfdowCgYIKoZIzj0EAwIw\nITEfMB0GA1UEAwwWSGVhcnRoIHRlc3QgY29tcGFueSBDQTAeFw0yNjEyMDMwOTQ1\nMTBaFw0zNjExMzAwOTQ1MTBaMCExHzAdBgNVBAMMFkhlYXJ0aCB0ZXN0IGNvbXBh\nbnkgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAT44rZyp1R5rExdDs+Ym2Vv\nn7csXqVAaHt5nVoG/slcMupi3pmKwLgRTdqJ6xffopDGECvK2tIHiz9C0LzJTfCg\no1MwUTAdBgNVHQ4EFgQUmkrTW8L7mCxq0EIQFf0iEcSeo9owHwYDVR0jBBgwFoAU\nmkrTW8L7mCxq0EIQFf0iEcSeo9owDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD\nAgNIADBFAiBECETQ+LjIgwILewiYoM2cThoTJbT+KWOdCRr+7hIq9QIhAOJRsZXZ\nyk7dQai8pISYg633sKkbMY1iw/zvvsPXNqE3\n-----END CERTIFICATE-----";

    #[test]
    fn a_company_ca_is_kept_trimmed_and_blank_means_none() {
        let pasted = format!("\n  {COMPANY_CA}\n\n");
        assert_eq!(checked_company_ca(&pasted, Locale::ZhCn).expect("a PEM certificate"), COMPANY_CA);
        assert_eq!(checked_company_ca("  \n", Locale::ZhCn).expect("blank"), "");
    }

    #[test]
    fn text_that_is_not_a_certificate_is_refused_in_words() {
        for text in ["这是证书", &COMPANY_CA.replace("MII", "!!!"), "-----BEGIN CERTIFICATE-----"] {
            let refused = checked_company_ca(text, Locale::ZhCn).expect_err(text);
            assert_eq!(refused.code, "company_ca_invalid");
            assert!(refused.message.starts_with("公司根证书内容无法识别"), "{}", refused.message);
        }
        let en = checked_company_ca("hello", Locale::En).expect_err("hello");
        assert!(en.message.contains("company certificate"), "{}", en.message);
    }
}
