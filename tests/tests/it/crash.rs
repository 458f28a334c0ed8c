//! Nothing is lost: a child process saves signed reports in a loop and is killed with
//! SIGKILL at random moments; after every kill the database is reopened and must hold every
//! report the child acknowledged, whole and verified, none half-written, with exactly one
//! outbox entry per report and no draft left for a signed report.
//!
//! `HEARTH_KILL_CYCLES` (default 200) and `HEARTH_KILL_SEED` reproduce a run.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use hearth_core::store::{Store, reports};
use uuid::Uuid;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// What the child printed before it died.
#[derive(Default)]
struct Acks {
    saved: HashMap<Uuid, String>,
    drafted: HashSet<Uuid>,
}

/// When the child is killed.
#[derive(Clone, Copy)]
enum Kill {
    /// This long after it starts: anywhere from start-up and migration onwards.
    After(Duration),
    /// This long after it acknowledged its first report: in the middle of the save loop.
    AfterFirstAck(Duration),
}

fn run_child_until_killed(db: &std::path::Path, seed: u64, kill: Kill) -> Acks {
    let mut child = Command::new(env!("CARGO_BIN_EXE_report-writer"))
        .arg(db)
        .arg(seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start report-writer");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut acks = Acks::default();
    let record = |line: &str, acks: &mut Acks| {
        let mut parts = line.split(' ');
        match (parts.next(), parts.next().map(Uuid::parse_str), parts.next()) {
            (Some("DRAFT"), Some(Ok(id)), None) => {
                acks.drafted.insert(id);
            }
            (Some("ACK"), Some(Ok(id)), Some(hash)) => {
                acks.saved.insert(id, hash.to_owned());
            }
            // The kill can cut a line in half: a line without its newline was never a promise.
            _ => {}
        }
    };
    match kill {
        Kill::After(delay) => std::thread::sleep(delay),
        Kill::AfterFirstAck(delay) => {
            while acks.saved.is_empty() {
                let line = lines.next().expect("the writer stopped before saving anything").expect("read");
                record(&line, &mut acks);
            }
            std::thread::sleep(delay);
        }
    }
    child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix
    let status = child.wait().expect("reap child");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("read stderr");
    assert!(
        status.code().is_none() && stderr.is_empty(),
        "the writer stopped by itself ({status}): {stderr}"
    );
    for line in lines {
        record(&line.expect("read child output"), &mut acks);
    }
    acks
}

#[test]
fn sigkill_at_random_moments_loses_nothing_the_store_acknowledged() {
    let cycles: usize = env_or("HEARTH_KILL_CYCLES", 200);
    let seed: u64 = env_or("HEARTH_KILL_SEED", 20261127);
    eprintln!("crash test: {cycles} cycles, HEARTH_KILL_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("tablet.sqlite");

    let mut acknowledged: HashMap<Uuid, String> = HashMap::new();
    let mut verified: HashSet<Uuid> = HashSet::new();
    let mut kills_mid_run = 0;
    for cycle in 0..cycles {
        // Half the kills land anywhere from start-up on, half in the middle of saving.
        let kill = if cycle % 2 == 0 {
            Kill::After(Duration::from_micros(rng.u64(500..40_000)))
        } else {
            Kill::AfterFirstAck(Duration::from_micros(rng.u64(0..10_000)))
        };
        let acks = run_child_until_killed(&db, rng.u64(..1 << 40), kill);
        if !acks.saved.is_empty() {
            kills_mid_run += 1;
        }

        let store = Store::open(&db).unwrap_or_else(|e| panic!("cycle {cycle}: reopen failed: {e}"));
        let conn = store.conn();
        // Every acknowledged report is there, exactly as acknowledged.
        for (id, hash) in &acks.saved {
            let report = store.report(*id).unwrap_or_else(|e| panic!("cycle {cycle}: {id}: {e}"));
            let report = report.unwrap_or_else(|| panic!("cycle {cycle}: acknowledged report {id} is lost"));
            assert_eq!(report.record_hash().as_str(), hash, "cycle {cycle}: {id} changed");
        }
        // Every stored report is whole: new ones are read back and verified.
        for id in reports::ids(conn).expect("list reports") {
            if verified.insert(id) {
                store
                    .report(id)
                    .unwrap_or_else(|e| panic!("cycle {cycle}: stored report {id} is broken: {e}"));
            }
        }
        // A draft the child had saved is either still a draft or became the signed report.
        for id in &acks.drafted {
            let kept =
                store.draft(*id).expect("read draft").is_some() || store.report(*id).expect("read").is_some();
            assert!(kept, "cycle {cycle}: autosaved draft {id} is lost");
        }
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).expect(sql);
        let reports = count("SELECT count(*) FROM reports");
        assert_eq!(reports as usize, verified.len());
        assert_eq!(
            count("SELECT count(*) FROM outbox WHERE entity = 'report'"),
            reports,
            "cycle {cycle}: one outbox entry per report"
        );
        assert_eq!(
            count("SELECT count(DISTINCT o.entity_id) FROM outbox o JOIN reports r ON r.id = o.entity_id"),
            reports,
            "cycle {cycle}: every outbox entry names a stored report"
        );
        assert_eq!(
            count("SELECT count(*) FROM drafts d JOIN reports r ON r.id = d.id"),
            0,
            "cycle {cycle}: a signed report left its draft behind"
        );
        assert_eq!(count("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"), 0);
        acknowledged.extend(acks.saved);
    }

    // At the end, everything acknowledged in any cycle is still there.
    let store = Store::open(&db).expect("final reopen");
    for (id, hash) in &acknowledged {
        let report = store.report(*id).expect("read").expect("acknowledged report lost");
        assert_eq!(report.record_hash().as_str(), hash);
    }
    eprintln!(
        "crash test: {cycles} kills ({kills_mid_run} in the middle of saving), {} reports acknowledged, {} stored, none lost",
        acknowledged.len(),
        verified.len()
    );
    assert!(kills_mid_run >= cycles / 2, "too few kills landed while saving: {kills_mid_run}");
}
