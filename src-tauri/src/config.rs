//! Where the app keeps its data and which server it talks to. Both can be set by environment
//! variables, so tests point a real app at a temp folder and a test server:
//! - `HEARTH_DATA_DIR`: the folder of `device.sqlite` (default: the platform's app data dir);
//! - `HEARTH_SERVER_URL`: the sync server (default: the one saved at login, else localhost);
//! - `HEARTH_SYNC_INTERVAL_SECS`: how often the worker syncs when nothing wakes it (30 s).

use std::path::PathBuf;
use std::time::Duration;

/// The server a fresh install offers on its login screen.
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";

/// The app's start-up settings.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub data_dir: PathBuf,
    /// A server URL that overrides the saved one.
    pub server_url: Option<String>,
    pub sync_interval: Duration,
}

impl AppConfig {
    /// Reads the environment; `platform_dir` is the OS's app data folder, if known.
    pub fn from_env(platform_dir: Option<PathBuf>) -> Result<AppConfig, String> {
        let data_dir = std::env::var_os("HEARTH_DATA_DIR")
            .map(PathBuf::from)
            .or(platform_dir)
            .ok_or("no data folder: set HEARTH_DATA_DIR")?;
        let server_url = std::env::var("HEARTH_SERVER_URL").ok().filter(|u| !u.trim().is_empty());
        let secs = std::env::var("HEARTH_SYNC_INTERVAL_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
        Ok(AppConfig { data_dir, server_url, sync_interval: Duration::from_secs(secs.max(1)) })
    }
}
