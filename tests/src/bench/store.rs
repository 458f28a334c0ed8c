//! Benchmarks of the device store, on real files on the project's disk:
//! - `save_signed_report`: a signed temperature check with its outbox entry, each in its
//!   own transaction;
//! - `baseline_sqlite_insert`: a bare rusqlite insert of the same JSON row with the same
//!   pragmas, interleaved with the saves so both see the same disk;
//! - `search_households`: mixed queries on 100,000 generated households.
//!
//! The store leaves WAL checkpoints to idle moments (see `Store::checkpoint`); the baseline
//! has the same pragmas, and the idle checkpoint's cost is printed on a line of its own.

use std::path::Path;

use hearth_core::demo;
use hearth_core::model::Household;
use hearth_core::store::Store;
use rusqlite::Connection;
use serde_json::json;

use super::{Samples, round3};

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Saves `n` signed reports through the store and inserts the same rows bare, alternately.
pub fn save_signed_report(dir: &Path, n: usize) -> BenchResult<Vec<String>> {
    let households: Vec<Household> = demo::households(1, n).collect();
    let author = hearth_core::new_id();
    let now = chrono::Utc::now();
    let signed = households
        .iter()
        .map(|h| demo::signed_temperature_check(h, author, now))
        .collect::<Result<Vec<_>, _>>()?;

    let mut store = Store::open(dir.join("save.sqlite"))?;
    let mut baseline = Connection::open(dir.join("baseline.sqlite"))?;
    // The store's pragmas (see hearth_core::store::Store::open).
    baseline.pragma_update(None, "journal_mode", "WAL")?;
    baseline.pragma_update(None, "synchronous", "FULL")?;
    baseline.pragma_update(None, "foreign_keys", "ON")?;
    baseline.pragma_update(None, "wal_autocheckpoint", hearth_core::store::WAL_AUTOCHECKPOINT_PAGES)?;
    baseline.execute_batch("CREATE TABLE reports (id TEXT PRIMARY KEY, record TEXT NOT NULL)")?;

    let (mut save, mut bare) = (Samples::default(), Samples::default());
    for s in &signed {
        save.time(|| store.save_signed_report(s))?;
        let row = (s.report().id.to_string(), serde_json::to_string(s)?);
        bare.time(|| -> rusqlite::Result<()> {
            let tx = baseline.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            tx.prepare_cached("INSERT INTO reports (id, record) VALUES (?1, ?2)")?
                .execute((&row.0, &row.1))?;
            tx.commit()
        })?;
    }
    let ratio = save.quantile_ms(0.99) / bare.quantile_ms(0.99);
    // What the app pays later, when idle, for the WAL these saves left.
    let mut checkpoint = Samples::default();
    checkpoint.time(|| store.checkpoint())?;
    Ok(vec![
        save.line(
            "save_signed_report",
            json!({ "p99_vs_baseline": round3(ratio), "target_p99_ms": 10.0, "target_p99_vs_baseline": 1.5 }),
        ),
        bare.line("baseline_sqlite_insert", json!({})),
        checkpoint.line("idle_checkpoint_after_saves", json!({ "saves": n })),
    ])
}

/// Loads `households` generated households and runs `queries` mixed searches on them.
pub fn search_households(dir: &Path, households: usize, queries: usize) -> BenchResult<Vec<String>> {
    let all: Vec<Household> = demo::households(2, households).collect();
    let mut store = Store::open(dir.join("search.sqlite"))?;
    let mut load = Samples::default();
    load.time(|| store.put_households(&all))?;

    let mut rng = fastrand::Rng::with_seed(3);
    let mut samples = Samples::default();
    let mut hits = 0usize;
    for i in 0..queries {
        let h = &all[rng.usize(..all.len())];
        let query = match i % 10 {
            // A fragment of an address, 3 to 7 characters: "友谊路35号", "阳光花园3号楼".
            0..=2 => fragment(&mut rng, &h.address, 3..8),
            // Two characters of an address: "和平", "花园".
            3 => fragment(&mut rng, &h.address, 2..3),
            // A whole account number, or its first digits.
            4 | 5 => h.account_no.clone(),
            6 => h.account_no[..6].to_owned(),
            // An owner's name: two or three characters, as typed.
            7 | 8 => h.owner_name.clone(),
            // The last four digits of a phone number.
            _ => h.phone[h.phone.len() - 4..].to_owned(),
        };
        hits += samples.time(|| store.search_households(&query, 50))?.len();
    }
    Ok(vec![
        load.line("load_households", json!({ "households": households })),
        samples.line(
            "search_households",
            json!({ "households": households, "mean_hits": round3(hits as f64 / queries.max(1) as f64), "target_p99_ms": 20.0 }),
        ),
    ])
}

/// A random run of `len` characters from `text`.
fn fragment(rng: &mut fastrand::Rng, text: &str, len: std::ops::Range<usize>) -> String {
    let chars: Vec<char> = text.chars().collect();
    let len = rng.usize(len).min(chars.len());
    let start = rng.usize(..=chars.len() - len);
    chars[start..start + len].iter().collect()
}

/// `verify_signed_report`: reading one signed record from its JSON and checking its hashes —
/// what the server does for each report it receives, and the device for each it sends.
pub fn verify_signed_report(n: usize) -> BenchResult<Vec<String>> {
    let author = hearth_core::new_id();
    let now = chrono::Utc::now();
    let records = demo::households(2, n)
        .map(|h| Ok(serde_json::to_string(&demo::signed_temperature_check(&h, author, now)?)?))
        .collect::<BenchResult<Vec<String>>>()?;
    let bytes = records.iter().map(String::len).sum::<usize>() / n.max(1);
    let mut verify = Samples::default();
    for json in &records {
        verify.time(|| serde_json::from_str::<hearth_core::model::SignedReport>(json))?;
    }
    Ok(vec![verify.line("verify_signed_report", json!({ "record_bytes": bytes }))])
}
