//! The technician's settings on this device (设置): which map app an address opens in. Kept
//! in the device store with the other settings, so it survives a restart and a new login.

use hearth_core::store::Store;
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use super::with_store;
use crate::dto::AppInfo;
use crate::error::{IpcError, IpcResult};
use crate::state::AppState;

/// The setting's key in the device store.
pub const MAP_APP_KEY: &str = "app.map_app";

/// The map app an address opens in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum MapApp {
    /// 系统地图: a `geo:` link, which the system offers to every map app installed.
    #[default]
    System,
    /// 高德地图
    Amap,
    /// 百度地图
    Baidu,
    /// 腾讯地图
    Tencent,
}

impl MapApp {
    const ALL: [MapApp; 4] = [MapApp::System, MapApp::Amap, MapApp::Baidu, MapApp::Tencent];

    fn as_str(self) -> &'static str {
        match self {
            MapApp::System => "system",
            MapApp::Amap => "amap",
            MapApp::Baidu => "baidu",
            MapApp::Tencent => "tencent",
        }
    }

    fn parse(name: &str) -> Option<MapApp> {
        MapApp::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// The map app saved on the device (the system's until one is chosen).
    pub fn saved(store: &Store) -> MapApp {
        store.setting(MAP_APP_KEY).ok().flatten().and_then(|m| MapApp::parse(&m)).unwrap_or_default()
    }
}

/// Chooses the map app addresses open in: system, amap, baidu or tencent.
#[tauri::command(async)]
#[specta::specta]
pub fn set_map_app(state: State<'_, AppState>, map_app: String) -> IpcResult<AppInfo> {
    let Some(choice) = MapApp::parse(&map_app) else {
        return Err(IpcError::new("invalid_argument", format!("no such map app: {map_app:?}")));
    };
    with_store(&state, |store, _| store.set_setting(MAP_APP_KEY, choice.as_str()))?;
    super::session::app_info_of(&state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_map_app_reads_back_and_others_are_refused() {
        for m in MapApp::ALL {
            assert_eq!(MapApp::parse(m.as_str()), Some(m));
            assert_eq!(serde_json::to_value(m).ok(), Some(serde_json::Value::from(m.as_str())));
        }
        assert_eq!(MapApp::parse("google"), None);
    }
}
