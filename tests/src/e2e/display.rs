//! A virtual X display for the app's window: the test's own Xvfb, on a display number the
//! server picks itself (`-displayfd`), so parallel runs never collide. Killed when dropped.

use std::io::Read;
use std::process::{Child, Command, Stdio};

/// A running Xvfb.
pub struct Display {
    child: Child,
    name: String,
}

impl Display {
    /// Starts Xvfb with one `width`×`height` screen and waits until it accepts clients.
    pub fn start(width: u32, height: u32) -> Display {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", &format!("{width}x{height}x24"), "-nolisten", "tcp"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb (Debian package xvfb; `make test` installs it)");
        // Xvfb writes the display number once it is ready for clients.
        let mut out = child.stdout.take().expect("Xvfb stdout");
        let mut number = String::new();
        let mut byte = [0u8; 1];
        while out.read(&mut byte).map(|n| n == 1).unwrap_or(false) && byte[0] != b'\n' {
            number.push(char::from(byte[0]));
        }
        assert!(!number.trim().is_empty(), "Xvfb did not report a display number");
        Display { child, name: format!(":{}", number.trim()) }
    }

    /// The `DISPLAY` value, e.g. `:99`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
