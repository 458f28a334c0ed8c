//! The background sync: a thread that syncs after each save (woken by the commands), on a
//! timer, and — when the server cannot be reached — again after a growing, jittered wait.
//! It first probes the server without holding the store, so a technician's save never waits
//! for a network timeout; it then syncs with hearth-core's `sync` and emits the status bar's
//! facts as a [`SyncStatusEvent`] whenever they may have changed — after each pulled page
//! too, so a first download shows how far it has come. Orders the sync brought are then
//! announced ([`crate::notice`]).

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use hearth_core::store::settings;
use hearth_core::sync::client::Client;
use hearth_core::sync::{self, Backoff};
use tauri::{AppHandle, Manager};
use tauri_specta::Event;

use crate::dto::{DownloadProgress, SyncStatusEvent};
use crate::error::{IpcError, IpcResult};
use crate::state::{AppState, LAST_ERROR_CODE_KEY};

/// How long the probe waits for the server to accept a connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Starts the worker; it runs once at once, then as woken or timed.
pub fn spawn(app: AppHandle, interval: Duration) {
    let (wake, woken) = mpsc::channel();
    app.state::<AppState>().set_waker(wake);
    let spawned =
        std::thread::Builder::new().name("hearth-sync".into()).spawn(move || run(&app, &woken, interval));
    if let Err(e) = spawned {
        eprintln!("hearth-app: cannot start the sync worker: {e}");
    }
}

fn run(app: &AppHandle, woken: &Receiver<()>, interval: Duration) {
    let mut backoff = Backoff::new(Duration::from_secs(1), interval);
    let mut wait = Duration::ZERO;
    loop {
        if let Err(RecvTimeoutError::Disconnected) = woken.recv_timeout(wait) {
            return;
        }
        while woken.try_recv().is_ok() {}
        let state = app.state::<AppState>();
        let reachable = once(app, &state);
        wait = if reachable {
            backoff.reset();
            interval
        } else {
            backoff.next_delay()
        };
    }
}

/// One round: probe, sync if logged in and reachable, emit the status. True if reachable.
fn once(app: &AppHandle, state: &AppState) -> bool {
    let (url, logged_in, company_ca) = {
        let store = state.store();
        let token = store.setting(settings::TOKEN).ok().flatten().unwrap_or_default();
        (state.server_url(&store), !token.is_empty(), crate::commands::session::company_ca(&store))
    };
    let reachable = probe(&url);
    state.online.store(reachable, Ordering::Relaxed);
    if reachable && logged_in {
        state.syncing.store(true, Ordering::Relaxed);
        emit(app, state);
        let first_pull = !status(state).is_ok_and(|s| s.first_pull_done);
        // Gathered page by page: what a sync applied is announced even if a later page fails.
        let mut news = Vec::new();
        let outcome = Client::with_company_ca(&url, company_ca.as_deref()).and_then(|client| {
            sync::sync_shared_with(state.shared_store(), &client, &mut |progress, arrived| {
                news.extend_from_slice(arrived);
                state.set_download(Some(progress));
                emit(app, state);
            })
        });
        state.set_download(None);
        let mut store = state.store();
        let code = match &outcome {
            Ok(_) => String::new(),
            Err(e) => IpcError::from_core_code(e),
        };
        if let Err(e) = store.set_setting(LAST_ERROR_CODE_KEY, &code) {
            eprintln!("hearth-app: cannot record the sync outcome: {e}");
        }
        if let Err(e) = &outcome {
            eprintln!("hearth-app: sync failed: {e}");
        }
        drop(store);
        crate::notice::announce(app, state, first_pull, &news);
        // The WAL into the database first: a first pull leaves it holding every page it wrote,
        // and reading through a WAL that large would slow the indexing many times over.
        checkpoint(state);
        index_search_backlog(state);
        checkpoint(state);
        state.syncing.store(false, Ordering::Relaxed);
    }
    emit(app, state);
    reachable
}

fn checkpoint(state: &AppState) {
    if let Err(e) = state.store().checkpoint() {
        eprintln!("hearth-app: cannot checkpoint the store: {e}");
    }
}

/// Indexes the households a pull stored for search, a chunk at a time, letting the UI's
/// commands at the store between chunks (search scans the rest meanwhile).
fn index_search_backlog(state: &AppState) {
    const CHUNK: usize = 2_000;
    loop {
        match state.store().index_household_backlog(CHUNK) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => {
                eprintln!("hearth-app: cannot index households for search: {e}");
                return;
            }
        }
    }
}

/// Whether the server at `url` accepts a TCP connection now.
fn probe(url: &str) -> bool {
    let (default_port, rest) = match url.split_once("://") {
        Some(("https", rest)) => (443, rest),
        Some((_, rest)) => (80, rest),
        None => (80, url),
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let addr = if authority.rsplit_once(':').is_some_and(|(_, p)| p.parse::<u16>().is_ok()) {
        authority.to_owned()
    } else {
        format!("{authority}:{default_port}")
    };
    let Ok(addrs) = addr.to_socket_addrs() else { return false };
    addrs.into_iter().any(|a| TcpStream::connect_timeout(&a, PROBE_TIMEOUT).is_ok())
}

fn emit(app: &AppHandle, state: &AppState) {
    match status(state) {
        Ok(s) => {
            if let Err(e) = s.emit(app) {
                eprintln!("hearth-app: cannot send the sync status: {e}");
            }
        }
        Err(e) => eprintln!("hearth-app: cannot read the sync status: {}", e.message),
    }
}

/// The status bar's facts now.
pub fn status(state: &AppState) -> IpcResult<SyncStatusEvent> {
    let store = state.store();
    let locale = AppState::locale(&store);
    let s = sync::status(&store).map_err(|e| IpcError::from_core(e, locale))?;
    let code = store.setting(LAST_ERROR_CODE_KEY).ok().flatten().filter(|c| !c.is_empty());
    Ok(SyncStatusEvent {
        online: state.is_online(),
        syncing: state.syncing.load(Ordering::Relaxed),
        pending: u32::try_from(s.pending).unwrap_or(u32::MAX),
        rejected: u32::try_from(s.rejected).unwrap_or(u32::MAX),
        last_success_at: s.last_success_at.map(|t| t.to_rfc3339()),
        last_error_code: code.or_else(|| s.last_error.as_ref().map(|_| "sync".to_owned())),
        last_error: s.last_error,
        first_pull_done: s.last_success_at.is_some(),
        download: state.download().map(|p| DownloadProgress {
            done: u32::try_from(p.applied).unwrap_or(u32::MAX),
            total: p.total.map(|t| u32::try_from(t).unwrap_or(u32::MAX)),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_port_is_not_reachable_and_an_open_one_is() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        assert!(probe(&format!("http://{addr}")));
        assert!(probe(&format!("http://{addr}/v1/")));
        drop(listener);
        assert!(!probe(&format!("http://{addr}")));
        assert!(!probe("http://no-such-host.invalid"));
    }
}
