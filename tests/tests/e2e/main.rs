//! End-to-end tests of the field app: the real built app in a real webview (WebKitGTK under
//! Xvfb, driven through tauri-driver), against a real hearth-server on a free port. Nothing a
//! technician touches is mocked. Screenshots of the main screens, in zh-CN and en, are saved
//! into `target/e2e-screenshots/`.

mod day;
mod field;
mod firstpull;
mod fixture;
mod mistakes;
mod office;
mod tls;
