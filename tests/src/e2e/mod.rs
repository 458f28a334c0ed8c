//! End-to-end testing of the real field app: a virtual display ([`display`]), tauri-driver
//! driving the built `hearth-app` through WebKitWebDriver ([`driver`]), and a small W3C
//! WebDriver client ([`webdriver`]) — blocking, like the rest of the test harness.

pub mod display;
pub mod driver;
pub mod webdriver;
