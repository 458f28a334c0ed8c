//! A small W3C WebDriver client: sessions, elements by CSS selector, clicks, keys, scripts,
//! pointer actions and screenshots — what the end-to-end tests need, over blocking HTTP.
//! Waiting is always for a condition (polled), never a fixed sleep.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

/// The key W3C WebDriver uses for element references.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a wait lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// One WebDriver session: one running app.
pub struct Session {
    http: Client,
    base: String,
}

/// An element of the page.
#[derive(Debug, Clone)]
pub struct Element {
    id: String,
}

impl Session {
    /// Starts `application` through the driver at `driver_url`.
    pub fn create(driver_url: &str, application: &Path) -> Session {
        let http = Client::builder().timeout(Duration::from_secs(120)).build().expect("http client");
        let caps = json!({"capabilities": {"alwaysMatch": {"tauri:options": {"application": application}}}});
        let answer: Value = http
            .post(format!("{driver_url}/session"))
            .json(&caps)
            .send()
            .and_then(|r| r.json())
            .expect("create a WebDriver session");
        let id = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"))
            .to_owned();
        Session { http, base: format!("{driver_url}/session/{id}") }
    }

    fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().and_then(|r| r.json()).map_err(|e| e.to_string())?;
        match answer["value"].get("error") {
            Some(error) => Err(format!("{error}: {}", answer["value"]["message"])),
            None => Ok(answer["value"].clone()),
        }
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        self.send(reqwest::Method::POST, path, Some(body))
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        self.send(reqwest::Method::GET, path, None)
    }

    /// Every element matching `css`, now.
    pub fn find_all(&self, css: &str) -> Vec<Element> {
        self.post("/elements", json!({"using": "css selector", "value": css}))
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| e[ELEMENT].as_str().map(|id| Element { id: id.to_owned() }))
            .collect()
    }

    /// The first element matching `css`, waiting for it to appear.
    pub fn wait_for(&self, css: &str) -> Element {
        let mut found = None;
        self.wait_until(&format!("an element {css}"), || {
            found = self.find_all(css).into_iter().next();
            found.is_some()
        });
        found.unwrap_or_else(|| unreachable!())
    }

    /// Polls `condition` until it holds; fails the test after [`WAIT`].
    pub fn wait_until(&self, what: &str, mut condition: impl FnMut() -> bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            if condition() {
                return;
            }
            if Instant::now() > deadline {
                let page = self.execute("return document.body ? document.body.innerText : ''", json!([]));
                panic!("waited {WAIT:?} for {what}; the page shows:\n{}", page.as_str().unwrap_or_default());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks the element matching `css` (waiting for it), scrolled into view first. While
    /// something else covers it (a toast, a closing dialog on a slow machine), waits as a
    /// person would; after [`WAIT`] fails, naming what covers it.
    pub fn click(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let element = self.wait_for(css);
            self.scroll_into_view(&element);
            match self.post(&format!("/element/{}/click", element.id), json!({})) {
                Ok(_) => return,
                Err(e) if e.contains("intercepted") && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => {
                    let cover = self.execute(
                        "const r = document.querySelector(arguments[0])?.getBoundingClientRect();
                         const top = r && document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                         return top ? top.outerHTML.slice(0, 200) : '';",
                        json!([css]),
                    );
                    panic!("click {css}: {e}; on top of it: {cover}");
                }
            }
        }
    }

    /// Replaces the text of the input matching `css` with `text`, as typed keys.
    pub fn type_into(&self, css: &str, text: &str) {
        let element = self.wait_for(css);
        self.scroll_into_view(&element);
        self.post(&format!("/element/{}/clear", element.id), json!({}))
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        self.post(&format!("/element/{}/value", element.id), json!({"text": text}))
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Sets a date or date-time input's value the way a picker would (typing into WebKit's
    /// date fields depends on the locale), firing the input event the UI listens to.
    pub fn set_value(&self, css: &str, value: &str) {
        self.wait_for(css);
        self.execute(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];
             e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([css, value]),
        );
    }

    /// The visible text of the element matching `css`.
    pub fn text(&self, css: &str) -> String {
        let element = self.wait_for(css);
        self.get(&format!("/element/{}/text", element.id))
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The current value of the input matching `css` (waiting for it).
    pub fn value(&self, css: &str) -> String {
        self.wait_for(css);
        let value = self.execute("return document.querySelector(arguments[0]).value", json!([css]));
        value.as_str().unwrap_or_default().to_owned()
    }

    /// An attribute of the first element matching `css`, if both exist now.
    pub fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let element = self.find_all(css).into_iter().next()?;
        self.get(&format!("/element/{}/attribute/{name}", element.id)).ok()?.as_str().map(str::to_owned)
    }

    /// Runs `script` in the page with `args`; returns its value.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    /// Runs `script` asynchronously: it ends by calling its last argument with the result.
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        self.post("/execute/async", json!({"script": script, "args": args}))
            .unwrap_or_else(|e| panic!("async script failed: {e}"))
    }

    fn scroll_into_view(&self, element: &Element) {
        let reference = json!({ELEMENT: element.id});
        let _ = self.post(
            "/execute/sync",
            json!({"script": "arguments[0].scrollIntoView({block: 'center'})", "args": [reference]}),
        );
    }

    /// Sends a file path to a file input (the file picker, without its dialog).
    pub fn choose_file(&self, css: &str, path: &Path) {
        let element = self.wait_for(css);
        self.post(&format!("/element/{}/value", element.id), json!({"text": path.display().to_string()}))
            .unwrap_or_else(|e| panic!("choose a file for {css}: {e}"));
    }

    /// Draws a signature on the canvas matching `css`: pen strokes through pointer actions.
    pub fn draw_signature(&self, css: &str) {
        let canvas = self.wait_for(css);
        self.scroll_into_view(&canvas);
        let origin = json!({ELEMENT: canvas.id});
        for stroke in
            [[(-150, 20), (-100, -30), (-50, 30), (0, -20)], [(20, 10), (60, -25), (100, 25), (150, -10)]]
        {
            let mut actions = vec![
                json!({"type": "pointerMove", "duration": 0, "origin": origin, "x": stroke[0].0, "y": stroke[0].1}),
                json!({"type": "pointerDown", "button": 0}),
            ];
            for &(x, y) in &stroke[1..] {
                actions
                    .push(json!({"type": "pointerMove", "duration": 50, "origin": origin, "x": x, "y": y}));
            }
            actions.push(json!({"type": "pointerUp", "button": 0}));
            let body = json!({"actions": [{"type": "pointer", "id": "pen", "parameters": {"pointerType": "mouse"}, "actions": actions}]});
            self.post("/actions", body).unwrap_or_else(|e| panic!("draw on {css}: {e}"));
        }
    }

    /// Saves a PNG of the window to `path`.
    pub fn screenshot(&self, path: &Path) {
        let data = self.get("/screenshot").unwrap_or_else(|e| panic!("screenshot: {e}"));
        let png = decode_base64(data.as_str().unwrap_or_default());
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("screenshot folder");
        }
        std::fs::write(path, png).expect("write screenshot");
    }

    /// Sets the window's size (landscape 1280×800, portrait 800×1280).
    pub fn set_window_size(&self, width: u32, height: u32) {
        let _ = self.post("/window/rect", json!({"width": width, "height": height, "x": 0, "y": 0}));
    }
}

impl Drop for Session {
    /// Ends the session, which closes the app.
    fn drop(&mut self) {
        let _ = self.send(reqwest::Method::DELETE, "", None);
    }
}

/// Standard base64 (screenshots arrive so).
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let sextets: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(sextets.len() * 3 / 4);
    for chunk in sextets.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &s)| n | (u32::from(s) << (18 - 6 * i)));
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(super::decode_base64("Zm9vYmFy"), b"foobar");
        assert_eq!(super::decode_base64("Zm9vYg=="), b"foob");
        assert_eq!(super::decode_base64("Zm8="), b"fo");
    }
}
