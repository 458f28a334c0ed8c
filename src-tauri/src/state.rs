//! The app's state: the device store (one writer connection, behind a mutex so commands take
//! turns), the city profile the rules read, and what the sync worker last saw.
//!
//! Settings (server URL, login, language) live in the store, not in a file beside it, so they
//! move with the device's data and are written in the same durable way.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Mutex, MutexGuard};

use hearth_core::rules::CityProfile;
use hearth_core::store::{Store, settings};
use hearth_core::sync::PullProgress;
use hearth_core::{Locale, model::User};

use crate::config::{AppConfig, DEFAULT_SERVER_URL};

/// The UI's language, saved in the store.
pub const LOCALE_KEY: &str = "app.locale";
/// The code of the last sync error (the UI words it), empty after a success.
pub const LAST_ERROR_CODE_KEY: &str = "app.last_error_code";

/// Everything the commands share.
pub struct AppState {
    store: Mutex<Store>,
    pub profile: CityProfile,
    server_url_override: Option<String>,
    wake: Mutex<Option<Sender<()>>>,
    /// The server answered the worker's last probe.
    pub online: AtomicBool,
    /// A sync is running now.
    pub syncing: AtomicBool,
    /// How far the running pull has come (None when no pull runs).
    download: Mutex<Option<PullProgress>>,
}

impl AppState {
    /// Opens (or creates) the device store in the configured folder.
    pub fn open(config: &AppConfig) -> Result<AppState, String> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
        let store = Store::open(config.data_dir.join("device.sqlite")).map_err(|e| e.to_string())?;
        Ok(AppState::with_store(store, config.server_url.clone()))
    }

    /// State around an opened store (tests use an in-memory one).
    pub fn with_store(store: Store, server_url_override: Option<String>) -> AppState {
        AppState {
            store: Mutex::new(store),
            profile: CityProfile::default(),
            server_url_override,
            wake: Mutex::new(None),
            online: AtomicBool::new(false),
            syncing: AtomicBool::new(false),
            download: Mutex::new(None),
        }
    }

    /// The store, for one command's work. A poisoned lock (a panic mid-command) still holds a
    /// consistent store: SQLite rolled the unfinished transaction back.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The store as the sync worker shares it with the screens: it holds the lock only while
    /// it reads or writes, not while it waits on the server ([`hearth_core::sync::sync_shared`]).
    pub fn shared_store(&self) -> &Mutex<Store> {
        &self.store
    }

    /// The server to sync with: the environment's, else the one saved at login.
    pub fn server_url(&self, store: &Store) -> String {
        self.server_url_override
            .clone()
            .or_else(|| store.setting(settings::SERVER_URL).ok().flatten())
            .unwrap_or_else(|| DEFAULT_SERVER_URL.to_owned())
    }

    /// The UI language saved on the device (zh-CN until changed).
    pub fn locale(store: &Store) -> Locale {
        store.setting(LOCALE_KEY).ok().flatten().and_then(|l| l.parse().ok()).unwrap_or_default()
    }

    /// The user logged in on this device, if any.
    pub fn user(store: &Store) -> Option<User> {
        let json = store.setting(settings::USER).ok().flatten()?;
        serde_json::from_str(&json).ok()
    }

    /// Lets the sync worker be woken (after a save).
    pub fn set_waker(&self, wake: Sender<()>) {
        *self.wake.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(wake);
    }

    /// Asks the sync worker to run now (after a save, a login, the "sync now" button).
    pub fn wake_sync(&self) {
        if let Some(wake) = self.wake.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref() {
            let _ = wake.send(());
        }
    }

    /// The running pull's progress, as the sync worker last told it.
    pub fn download(&self) -> Option<PullProgress> {
        *self.download.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records the running pull's progress (None: no pull runs).
    pub fn set_download(&self, progress: Option<PullProgress>) {
        *self.download.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = progress;
    }

    pub fn is_online(&self) -> bool {
        self.online.load(Ordering::Relaxed)
    }
}
