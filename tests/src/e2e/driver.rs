//! tauri-driver: the WebDriver server that starts the real app for each session, through
//! WebKitWebDriver. Started on free ports with the environment the app should inherit (its
//! data folder, its server), waited for by polling `/status`, killed when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::webdriver::Session;

/// The workspace's root folder.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The app built next to the running test or benchmark, else the debug build (`make app`;
/// a release build of the app takes ~8 minutes on two cores, so benchmarks may use debug).
pub fn app_binary() -> PathBuf {
    let beside = crate::server::binary().with_file_name("hearth-app");
    let bin = if beside.exists() { beside } else { workspace().join("target/debug/hearth-app") };
    assert!(bin.exists(), "{} is missing: build it with `make app` (UI first, then cargo)", bin.display());
    bin
}

/// tauri-driver as scripts/setup.sh installs it.
pub fn driver_binary() -> PathBuf {
    let bin = workspace().join(".tools/bin/tauri-driver");
    assert!(bin.exists(), "{} is missing: run scripts/setup.sh", bin.display());
    bin
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A running tauri-driver.
pub struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    /// Starts tauri-driver on `display`, with `env` passed on to every app it starts.
    pub fn start(display: &str, env: &[(&str, String)]) -> Driver {
        let (port, native_port) = (free_port(), free_port());
        let mut command = Command::new(driver_binary());
        command
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .env("DISPLAY", display)
            // No accessibility bus runs under Xvfb: keep GTK from looking for one.
            .env("NO_AT_BRIDGE", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("start tauri-driver");
        let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
        driver.wait_ready();
        driver
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let http = reqwest::blocking::Client::new();
        while Instant::now() < deadline {
            if http.get(format!("{}/status", self.url)).send().is_ok_and(|r| r.status().is_success()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("tauri-driver did not answer /status within 30 s");
    }

    /// Starts the app and a WebDriver session on its window.
    pub fn open_app(&self) -> Session {
        Session::create(&self.url, &app_binary())
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
