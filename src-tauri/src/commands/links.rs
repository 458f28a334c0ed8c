//! Leaving the app for the phone and the map: the customer's number to the dialer (`tel:`),
//! an address to the map app chosen in 设置 (`geo:` or the Chinese map apps' web links, which
//! hand over to the app when it is installed). The UI builds each link — it is the link's
//! `href`, so a test can read it — and this opens it through Tauri's opener plugin, which
//! hands it to the system (an Android intent, xdg-open on a desktop). Only those kinds of
//! link are opened: the webview cannot use this to open anything else.

use tauri::AppHandle;
use tauri_plugin_opener::OpenerExt;

use crate::error::{IpcError, IpcResult};

/// The beginnings of the links the app makes (see `ui/src/lib/links.ts`).
const ALLOWED: [&str; 5] = [
    "tel:",
    "geo:0,0?q=",
    "https://uri.amap.com/search?",
    "https://api.map.baidu.com/geocoder?",
    "https://apis.map.qq.com/uri/v1/search?",
];

/// Whether `url` is a phone or map link the app makes.
pub fn allowed(url: &str) -> bool {
    ALLOWED.iter().any(|p| url.starts_with(p)) && !url.chars().any(char::is_whitespace)
}

/// Opens a phone or map link in the app the system has for it.
#[tauri::command(async)]
#[specta::specta]
pub fn open_link(app: AppHandle, url: String) -> IpcResult<()> {
    if !allowed(&url) {
        return Err(IpcError::new("invalid_argument", format!("not a phone or map link: {url}")));
    }
    app.opener().open_url(url, None::<&str>).map_err(|e| IpcError::new("no_app", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn only_phone_and_map_links_are_opened() {
        assert!(allowed("tel:13800001111"));
        assert!(allowed("geo:0,0?q=%E5%A4%A9%E6%B4%A5"));
        assert!(allowed("https://uri.amap.com/search?keyword=%E5%A4%A9&src=hearth&callnative=1"));
        assert!(allowed("https://api.map.baidu.com/geocoder?address=%E5%A4%A9&output=html&src=hearth"));
        assert!(allowed("https://apis.map.qq.com/uri/v1/search?keyword=%E5%A4%A9&referer=hearth"));
        assert!(!allowed("file:///etc/passwd"));
        assert!(!allowed("https://example.com/"));
        assert!(!allowed("https://uri.amap.com.evil.cn/search?keyword=x"));
        assert!(!allowed("tel:138 0000"), "an unencoded link is not one the app made");
    }
}
