//! The feed's ordering promise on a real PostgreSQL: the bad case forced — a transaction that
//! took a lower number still open while another writes the feed, and a pull in between.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::time::Duration;

use hearth_core::model::{Role, Station, User};
use uuid::Uuid;

use super::super::{PgStorage, admin, test_server};
use crate::storage::{Caller, Storage};

fn office() -> Caller {
    let id = Uuid::now_v7();
    let user = User {
        id,
        username: format!("d{}", id.simple()),
        display_name: "调度员".into(),
        role: Role::Dispatcher,
        station_id: None,
    };
    Caller { user, device_id: Uuid::now_v7() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_later_number_never_commits_before_an_earlier_one_and_no_cursor_passes_it() {
    let url = tokio::task::spawn_blocking(test_server::fresh_database).await.unwrap();
    let storage = PgStorage::open(&url).await.unwrap();
    let stations = hearth_core::demo::stations();
    storage.upsert_stations(stations.clone()).await.unwrap();
    let office = office();
    let before = storage.pull(&office, 0, 1000).await.unwrap();
    let cursor = before.changes.last().unwrap().0;

    // Writer A takes the next number and keeps its transaction open.
    let mut client = storage.client().await.unwrap();
    let tx = client.transaction().await.unwrap();
    super::lock(&tx).await.unwrap();
    let renamed_a = Station { name: "和平站（A）".into(), ..stations[0].clone() };
    admin::upsert_stations(&tx, std::slice::from_ref(&renamed_a)).await.unwrap();
    let seq_a: i64 = tx.query_one("SELECT n FROM feed_counter", &[]).await.unwrap().get(0);

    // Writer B, on another connection, must wait for A: it cannot take a number A could
    // still commit below.
    let renamed_b = Station { name: "南开站（B）".into(), ..stations[1].clone() };
    let writer_b = {
        let storage = storage.clone();
        let renamed_b = renamed_b.clone();
        tokio::spawn(async move { storage.upsert_stations(vec![renamed_b]).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!writer_b.is_finished(), "writer B got a number while A's lower one was uncommitted");

    // A pull in between sees neither change, so its cursor stays below A's number.
    let between = storage.pull(&office, cursor, 1000).await.unwrap();
    assert!(between.changes.is_empty(), "a pull saw a change while a lower number was open: {between:?}");

    tx.commit().await.unwrap();
    writer_b.await.unwrap().unwrap();

    // From the cursor of the pull in between: A's change, then B's, each once, in order.
    let after = storage.pull(&office, cursor, 1000).await.unwrap();
    let seqs: Vec<u64> = after.changes.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(seqs.len(), 2, "{after:?}");
    assert_eq!(seqs[0], seq_a.unsigned_abs());
    assert!(seqs[1] > seqs[0]);
    assert!(after.changes[0].1.contains("和平站（A）"));
    assert!(after.changes[1].1.contains("南开站（B）"));
}
