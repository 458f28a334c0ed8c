//! A tablet for the system tests: the real device store in a folder of its own and a sync
//! client for one server, logged in as a user; the moves the sync tests make with it.

use hearth_core::demo;
use hearth_core::model::{Household, SignedReport};
use hearth_core::store::{Store, households, settings};
use hearth_core::sync::{self, client::Client};
use tempfile::TempDir;
use uuid::Uuid;

/// Outbox entries a push sends at most: small, so every sync sends several batches, two at a
/// time, as a long one would.
const PUSH_BATCH: usize = 4;

/// A logged-in tablet.
pub struct Tablet {
    pub store: Store,
    pub client: Client,
    _dir: TempDir,
}

impl Tablet {
    /// A new tablet logged in as `username` with `password` at the server `url`.
    pub fn login(url: &str, username: &str, password: &str) -> Tablet {
        let dir = tempfile::tempdir().expect("device dir");
        let mut store = Store::open(dir.path().join("tablet.sqlite")).expect("open device store");
        let client = Client::new(url).expect("client").with_push_batch(PUSH_BATCH);
        sync::login(&mut store, &client, username, password, &format!("{username}'s tablet")).expect("login");
        Tablet { store, client, _dir: dir }
    }

    /// Talks to the server at `url` from now on, as a load balancer may send it elsewhere.
    pub fn switch_to(&mut self, url: &str) {
        self.client = Client::new(url).expect("client").with_push_batch(PUSH_BATCH);
    }

    /// One sync; panics if it fails.
    pub fn sync(&mut self) -> sync::SyncReport {
        sync::sync(&mut self.store, &self.client).expect("sync")
    }

    /// The device token it syncs with.
    pub fn token(&self) -> String {
        self.store.setting(settings::TOKEN).expect("token").expect("logged in")
    }

    /// The id of the user logged in on it: the author of what it signs.
    pub fn me(&self) -> Uuid {
        let user = self.store.setting(settings::USER).expect("user").expect("logged in");
        serde_json::from_str::<hearth_core::model::User>(&user).expect("the stored user").id
    }

    /// The first household it holds.
    pub fn any_household(&self) -> Household {
        let id = self
            .store
            .conn()
            .query_row("SELECT id FROM households ORDER BY seq LIMIT 1", [], |r| r.get::<_, String>(0));
        self.household(id.expect("a household"))
    }

    /// The first household it holds of station `station` (its id).
    pub fn any_household_of(&self, station: &str) -> Household {
        let id = self.store.conn().query_row(
            "SELECT id FROM households WHERE station_id = ?1 ORDER BY seq LIMIT 1",
            [station],
            |r| r.get::<_, String>(0),
        );
        self.household(id.expect("a household"))
    }

    fn household(&self, id: String) -> Household {
        households::get(self.store.conn(), id.parse().expect("uuid")).expect("read").expect("household")
    }

    /// Signs and saves a temperature check of `household` by its user.
    pub fn sign_check(&mut self, household: &Household) -> SignedReport {
        let signed = demo::signed_temperature_check(household, self.me(), chrono::Utc::now()).expect("sign");
        self.store.save_signed_report(&signed).expect("save");
        signed
    }
}
