//! New work at once: a thread that, while the tablet is logged in and online, keeps a request
//! for news open with the server (`GET /v1/sync/events`, a long poll; hearth-core's
//! `sync::wait_for_news`) and wakes the sync worker when the feed has something for this
//! tablet, so an order the office assigns is on the tablet within a second instead of at the
//! next 30-second poll. When the server cannot be reached it waits, growing with jitter up to
//! half a minute, and the sync worker's own timer stays the fallback.

use std::time::Duration;

use hearth_core::Error;
use hearth_core::sync::{self, Backoff};
use tauri::{AppHandle, Manager};

use crate::state::AppState;

/// How long one request for news is held by the server.
const WAIT: Duration = Duration::from_secs(25);
/// After news, the sync worker is given this long to pull before the next request (which
/// would otherwise answer "news" again at once, the cursor not having moved yet).
const AFTER_NEWS: Duration = Duration::from_millis(500);

/// Starts the listener; it lives as long as the app.
pub fn spawn(app: AppHandle) {
    let spawned = std::thread::Builder::new().name("hearth-news".into()).spawn(move || listen(&app));
    if let Err(e) = spawned {
        eprintln!("hearth-app: cannot start the news listener: {e}");
    }
}

fn listen(app: &AppHandle) {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    loop {
        let state = app.state::<AppState>();
        let client = {
            let store = state.store();
            let url = state.server_url(&store);
            crate::commands::session::client_for(&store, &url)
        };
        let outcome = client.and_then(|client| sync::wait_for_news(state.shared_store(), &client, WAIT));
        match outcome {
            Ok(true) => {
                backoff.reset();
                state.wake_sync();
                std::thread::sleep(AFTER_NEWS);
            }
            Ok(false) => backoff.reset(),
            // Logged out: nothing to wait for until a login.
            Err(Error::NotLoggedIn) => std::thread::sleep(Duration::from_secs(2)),
            Err(_) => std::thread::sleep(backoff.next_delay()),
        }
    }
}
