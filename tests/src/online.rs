//! A tablet that is online, as the app runs it: a thread keeps a request for news open
//! (`sync::wait_for_news`, the long poll) and syncs when told there is news, as the app's
//! `news` listener and sync worker do together. For the tests and benchmarks of how fast new
//! work reaches a tablet.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hearth_core::store::Store;
use hearth_core::sync::{self, client::Client};

/// An online tablet; its thread stops when dropped.
pub struct OnlineTablet {
    store: Arc<Mutex<Store>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl OnlineTablet {
    /// `store` (logged in) with `client`, syncing whenever the server says there is news.
    pub fn start(store: Store, client: Client) -> OnlineTablet {
        let store = Arc::new(Mutex::new(store));
        let stop = Arc::new(AtomicBool::new(false));
        let (shared, stopping) = (Arc::clone(&store), Arc::clone(&stop));
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match sync::wait_for_news(shared.as_ref(), &client, Duration::from_secs(2)) {
                    Ok(true) => {
                        let _ = sync::sync_shared(shared.as_ref(), &client);
                    }
                    Ok(false) => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(200)),
                }
            }
        });
        OnlineTablet { store, stop, thread: Some(thread) }
    }

    /// Whether the tablet's store holds the work order `id`.
    pub fn has_order(&self, id: uuid::Uuid) -> bool {
        let store = self.store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        store.work_order(id).is_ok_and(|o| o.is_some())
    }
}

impl Drop for OnlineTablet {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
