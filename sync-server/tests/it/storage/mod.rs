//! The storage conformance suite: every method of `Storage` (with the console's part of it,
//! `ConsoleStorage`) checked through the trait alone, so every backend answers the same. Each
//! suite function takes a fresh, empty backend; `conformance!` instantiates the whole suite for
//! one backend factory — today SQLite; a PostgreSQL backend adds one line at the bottom.

mod accounts;
mod audit;
mod blobs;
mod concurrent;
mod console;
mod feed;
mod push;

use std::sync::Arc;

use hearth_core::model::{Household, Role, SignedReport, Station, User};
use hearth_server::storage::{Caller, ChangePage, PgStorage, SqliteStorage, Storage};
use uuid::Uuid;

/// A fresh, empty backend, and what must live as long as it does (its directory, its server).
pub struct Fresh {
    pub storage: Arc<dyn Storage>,
    _keep: Box<dyn std::any::Any + Send + Sync>,
}

impl std::ops::Deref for Fresh {
    type Target = dyn Storage;

    fn deref(&self) -> &Self::Target {
        self.storage.as_ref()
    }
}

/// The embedded SQLite backend in a temporary directory.
pub async fn sqlite() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(dir.path()).unwrap());
    Fresh { storage, _keep: Box::new(dir) }
}

/// A PostgreSQL server of the tests' own (`tests/src/postgres.rs`, shared with hearth-tests).
#[path = "../../../../tests/src/postgres.rs"]
mod pg_server;

/// A fresh, empty PostgreSQL database on the tests' own server (see [`postgres`]), as a
/// `--database` URL for the real binary.
pub fn postgres_url() -> String {
    pg_server::fresh_database()
}

/// A fresh database on the one PostgreSQL server this test binary starts (on first use),
/// so each test costs a `CREATE DATABASE`, not a cluster.
pub async fn postgres() -> Fresh {
    let url = tokio::task::spawn_blocking(pg_server::fresh_database).await.unwrap();
    let storage: Arc<dyn Storage> = Arc::new(PgStorage::open(&url).await.unwrap());
    Fresh { storage, _keep: Box::new(()) }
}

/// Every conformance test, for the backend `$factory` makes, in module `$backend`.
macro_rules! conformance {
    ($backend:ident, $factory:path) => {
        conformance!(@suite $backend, $factory, {
            feed {
                a_changed_record_comes_again_above_every_cursor_and_only_once_in_the_feed,
                pages_follow_each_other_without_gaps_or_repeats,
                a_crew_member_sees_their_station_and_what_is_assigned_to_them,
                an_edit_batch_applied_twice_changes_the_order_once,
                every_order_gets_a_number_read_over_the_phone_counted_per_station_and_day,
                remaining_counts_what_the_next_pulls_return,
                a_reassigned_order_is_withdrawn_from_the_crew_member_it_left,
                stations_are_listed_by_name_and_renamed_in_place,
            }
            accounts {
                users_log_in_with_their_stored_credentials_and_a_taken_username_is_refused,
                a_token_finds_its_device_until_the_device_is_revoked,
                a_disabled_user_cannot_log_in_and_their_tablets_stop_syncing,
            }
            push {
                a_report_is_stored_once_and_a_retry_gets_the_first_answer,
                other_content_under_a_stored_reports_id_is_a_logged_conflict,
                a_report_naming_a_missing_photo_waits_for_the_upload,
                unknown_and_out_of_scope_households_are_refused_and_store_nothing,
                a_crew_mates_report_is_accepted_from_a_tablet_they_logged_in_on,
                a_stale_office_edit_is_accepted_and_kept_in_the_conflict_log,
                upkeep_keeps_every_record,
            }
            console {
                households_are_found_by_account_number_phone_address_or_name,
                a_call_with_an_order_is_kept_with_its_numbered_order_and_repeats,
                the_board_lists_open_orders_finished_ones_by_status_and_numbers_by_prefix,
                a_cold_home_counts_as_non_compliant_and_waits_until_the_thresholds_change,
                the_dispatch_log_keeps_entries_newest_first_and_finds_words,
            }
            audit {
                every_office_action_is_kept_with_who_and_what_once_it_happened,
            }
            concurrent {
                concurrent_writers_and_readers_never_skip_or_repeat_a_change,
                one_report_sent_at_once_many_times_counts_once_and_no_edit_of_one_order_is_lost,
            }
            blobs {
                a_blob_sent_in_parts_is_stored_only_once_complete_and_hashed,
                a_damaged_upload_is_dropped_and_nothing_is_stored,
                partial_uploads_untouched_for_a_day_are_deleted_by_the_upkeep,
            }
        });
    };
    (@suite $backend:ident, $factory:path, { $($suite:ident { $($test:ident),* $(,)? })* }) => {
        mod $backend {
            $(
                mod $suite {
                    $(
                        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                        async fn $test() {
                            super::super::$suite::$test($factory().await).await
                        }
                    )*
                }
            )*
        }
    };
}

conformance!(on_sqlite, crate::storage::sqlite);
conformance!(on_postgres, crate::storage::postgres);

/// A user of `role`; crew members serve demo station `station`.
pub fn user(role: Role, station: usize) -> User {
    let station_id =
        matches!(role, Role::Technician | Role::Inspector).then(|| hearth_core::demo::stations()[station].id);
    let id = Uuid::now_v7();
    let name = format!("u{}", id.simple());
    User { id, username: name.clone(), display_name: name, role, station_id }
}

/// A caller of `role` on a new device (the user is not stored).
pub fn caller(role: Role, station: usize) -> Caller {
    Caller { user: user(role, station), device_id: Uuid::now_v7() }
}

/// A stored user of `role` logged in on a new device.
pub async fn logged_in(storage: &dyn Storage, role: Role, station: usize) -> Caller {
    let user = user(role, station);
    storage.add_user(user.clone(), "argon2-hash".into()).await.unwrap();
    let device_id = Uuid::now_v7();
    let token = format!("token-{device_id}");
    assert!(
        storage
            .register_device(device_id, user.id, "3号车平板".into(), token, chrono::Utc::now())
            .await
            .unwrap()
    );
    Caller { user, device_id }
}

/// The demo's stations and `households` homes.
pub async fn city(storage: &dyn Storage, households: usize) -> Vec<Household> {
    storage.upsert_stations(hearth_core::demo::stations()).await.unwrap();
    let homes: Vec<Household> = hearth_core::demo::households(1, households).collect();
    storage.import_households(homes.clone()).await.unwrap();
    homes
}

/// The demo's station `n`.
pub fn station(n: usize) -> Station {
    hearth_core::demo::stations()[n].clone()
}

/// The households of `homes` at station `n`.
pub fn at_station(homes: &[Household], n: usize) -> Vec<Household> {
    homes.iter().filter(|h| h.station_id == station(n).id).cloned().collect()
}

pub fn seqs(page: &ChangePage) -> Vec<u64> {
    page.changes.iter().map(|(seq, _)| *seq).collect()
}

/// Every change `caller` sees, walked in pages of `limit`.
pub async fn walk(storage: &dyn Storage, caller: &Caller, limit: u32) -> Vec<(u64, String)> {
    let (mut after, mut seen) = (0, Vec::new());
    loop {
        let page = storage.pull(caller, after, limit).await.unwrap();
        after = page.changes.last().map_or(after, |(seq, _)| *seq);
        seen.extend(page.changes);
        if !page.more {
            return seen;
        }
    }
}

/// A signed temperature check of `home` by `author`, its coldest bedroom at `bedroom_c`.
pub fn check(home: &Household, author: Uuid, bedroom_c: f64) -> SignedReport {
    use hearth_core::model::{ReportBody, RoomType};
    let now = chrono::Utc::now();
    let mut report = hearth_core::demo::signed_temperature_check(home, author, now).unwrap().report().clone();
    let ReportBody::TemperatureCheck(c) = &mut report.body else { unreachable!() };
    for r in c.readings.iter_mut().filter(|r| matches!(r.room_type, RoomType::Bedroom | RoomType::LivingRoom))
    {
        r.celsius = r.celsius.max(bedroom_c);
    }
    c.readings[0].room_type = RoomType::Bedroom;
    c.readings[0].celsius = bedroom_c;
    c.outdoor_celsius = Some(0.0);
    hearth_core::demo::sign(report, &home.owner_name, now).unwrap()
}

/// A push entry carrying `change`.
pub fn entry(change: hearth_core::protocol::Outgoing) -> hearth_server::storage::CheckedEntry {
    let hlc =
        hearth_core::hlc::Hlc { wall_ms: chrono::Utc::now().timestamp_millis() as u64, counter: 0, node: 9 };
    hearth_core::protocol::PushEntry { id: Uuid::now_v7(), hlc, change }.into()
}

/// A push entry carrying `signed`.
pub fn report(signed: SignedReport) -> hearth_server::storage::CheckedEntry {
    entry(hearth_core::protocol::Outgoing::Report(Box::new(signed)))
}
