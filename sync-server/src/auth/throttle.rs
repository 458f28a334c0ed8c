//! Login throttling: failed logins slow down further tries, per account and per client
//! address, with an exponential back-off capped at [`MAX_WAIT`], so a guesser gets a few
//! tries an hour while the real owner is never locked out for good. A success clears the
//! account's count (not the address's: one valid account must not reset a guesser's address).
//! Also the bound on the argon2 hashing that runs at once ([`hashing_turn`]).
//!
//! Counts live in memory: a restart forgets them, which only gives a guesser one more short
//! run of free tries. The map is bounded ([`MAX_ENTRIES`]): entries whose back-off and
//! forgetting window have passed are dropped first.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Failed logins of one account allowed before the back-off starts.
pub const FREE_ACCOUNT_FAILURES: u32 = 3;
/// Failed logins from one address allowed before the back-off starts: higher than an
/// account's, as an office or a mobile network puts many people behind one address.
pub const FREE_ADDRESS_FAILURES: u32 = 10;
/// The first wait; each further failure doubles it.
pub const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest wait: the owner can always try again within this.
pub const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// A count with no failure for this long starts again from zero.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Accounts and addresses remembered at most.
const MAX_ENTRIES: usize = 100_000;

/// Where a request came from: the client's address as [`crate::serve`] resolved it (the peer,
/// or whom a trusted proxy forwards: [`crate::client_addr`]), else the peer's when served with
/// `into_make_service_with_connect_info::<SocketAddr>()`, else unknown (then only the
/// account's count applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => write!(f, "{ip}"),
            None => f.write_str("unknown"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(resolved) = parts.extensions.get::<ClientAddr>() {
            return Ok(*resolved);
        }
        Ok(ClientAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    /// When the next try is allowed, given the free failures of its kind.
    fn allowed_at(&self, free: u32) -> Option<Instant> {
        let over = self.count.checked_sub(free)?;
        let wait = FIRST_WAIT.saturating_mul(2u32.saturating_pow(over.min(20))).min(MAX_WAIT);
        Some(self.last + wait)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

/// The failed-login counts of one server.
#[derive(Debug, Default)]
pub struct LoginGuard {
    failures: Mutex<HashMap<Key, Failures>>,
}

impl LoginGuard {
    pub fn new() -> Self {
        LoginGuard::default()
    }

    /// How long `username` from `addr` must still wait before a try, or `None` if it may try now.
    pub fn wait(&self, username: &str, addr: ClientAddr) -> Option<Duration> {
        self.wait_at(username, addr, Instant::now())
    }

    fn wait_at(&self, username: &str, addr: ClientAddr, now: Instant) -> Option<Duration> {
        let map = self.lock();
        let account = map.get(&account(username)).and_then(|f| f.allowed_at(FREE_ACCOUNT_FAILURES));
        let address = addr
            .0
            .and_then(|ip| map.get(&Key::Address(ip)))
            .and_then(|f| f.allowed_at(FREE_ADDRESS_FAILURES));
        account
            .into_iter()
            .chain(address)
            .max()
            .and_then(|at| at.checked_duration_since(now))
            .filter(|d| !d.is_zero())
    }

    /// Counts a wrong password (or unknown username) for the account and the address.
    pub fn failed(&self, username: &str, addr: ClientAddr) {
        self.failed_at(username, addr, Instant::now());
    }

    fn failed_at(&self, username: &str, addr: ClientAddr, now: Instant) {
        let mut map = self.lock();
        if map.len() >= MAX_ENTRIES {
            prune(&mut map, now);
        }
        let keys = std::iter::once(account(username)).chain(addr.0.map(Key::Address));
        for key in keys {
            let entry = map.entry(key).or_insert(Failures { count: 0, last: now });
            if now.saturating_duration_since(entry.last) > FORGET_AFTER {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
        }
    }

    /// A successful login: the account starts again from zero.
    pub fn succeeded(&self, username: &str) {
        self.lock().remove(&account(username));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Failures>> {
        // The map holds plain counts: one a panicking thread left half-updated is still usable.
        self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn account(username: &str) -> Key {
    Key::Account(username.trim().to_lowercase())
}

/// Drops the entries that no longer slow anyone down; if the map is still full (a flood of
/// made-up usernames), keeps only those still waiting.
fn prune(map: &mut HashMap<Key, Failures>, now: Instant) {
    map.retain(|_, f| now.saturating_duration_since(f.last) < FORGET_AFTER);
    if map.len() >= MAX_ENTRIES {
        map.retain(|_, f| now.saturating_duration_since(f.last) < MAX_WAIT);
    }
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
}

/// Password hashes (argon2id, ~19 MiB and tens of milliseconds each) computed at once: one
/// per core. A flood of logins waits for a turn as small futures instead of each taking its
/// memory at once.
pub static HASHING: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(hashes_at_once()));

/// The bound of [`HASHING`]: the machine's cores.
pub fn hashes_at_once() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Waits for a turn to hash a password; hold it while the hash runs.
pub async fn hashing_turn() -> SemaphorePermit<'static> {
    // The semaphore is never closed.
    HASHING.acquire().await.unwrap_or_else(|_| unreachable!("the hashing semaphore is never closed"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: ClientAddr = ClientAddr(Some(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 7))));

    #[test]
    fn the_back_off_starts_after_the_free_tries_doubles_and_is_capped() {
        let guard = LoginGuard::new();
        let t0 = Instant::now();
        for _ in 0..FREE_ACCOUNT_FAILURES {
            assert_eq!(guard.wait_at("tech1", HOME, t0), None);
            guard.failed_at("tech1", HOME, t0);
        }
        assert_eq!(guard.wait_at("tech1", HOME, t0), Some(FIRST_WAIT));
        assert_eq!(guard.wait_at("TECH1", ClientAddr(None), t0), Some(FIRST_WAIT), "the account, anywhere");
        assert_eq!(guard.wait_at("tech2", HOME, t0), None, "another account on the same address");
        guard.failed_at("tech1", HOME, t0);
        assert_eq!(guard.wait_at("tech1", HOME, t0), Some(FIRST_WAIT * 2));
        for _ in 0..40 {
            guard.failed_at("tech1", HOME, t0);
        }
        assert_eq!(guard.wait_at("tech1", HOME, t0), Some(MAX_WAIT));
        assert_eq!(guard.wait_at("tech1", HOME, t0 + MAX_WAIT), None, "never locked out for good");
        guard.succeeded("tech1");
        assert_eq!(guard.wait_at("tech1", ClientAddr(None), t0), None);
    }

    #[test]
    fn an_address_trying_many_accounts_is_slowed_down_and_an_unknown_one_is_not_counted() {
        let guard = LoginGuard::new();
        let t0 = Instant::now();
        for n in 0..FREE_ADDRESS_FAILURES {
            guard.failed_at(&format!("user{n}"), HOME, t0);
            guard.failed_at(&format!("user{n}"), ClientAddr(None), t0);
        }
        assert_eq!(guard.wait_at("someone-else", HOME, t0), Some(FIRST_WAIT));
        assert_eq!(guard.wait_at("someone-else", ClientAddr(None), t0), None);
        guard.succeeded("someone-else");
        assert_eq!(
            guard.wait_at("someone-else", HOME, t0),
            Some(FIRST_WAIT),
            "a success keeps the address's count"
        );
    }

    #[test]
    fn a_count_is_forgotten_after_an_hour_without_failures() {
        let guard = LoginGuard::new();
        let t0 = Instant::now();
        for _ in 0..FREE_ACCOUNT_FAILURES + 5 {
            guard.failed_at("tech1", HOME, t0);
        }
        let later = t0 + FORGET_AFTER + Duration::from_secs(1);
        guard.failed_at("tech1", HOME, later);
        assert_eq!(guard.wait_at("tech1", HOME, later), None);
    }
}
