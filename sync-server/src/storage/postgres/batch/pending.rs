//! A push batch's writes, held until [`Pending::flush`] sends them one statement per table.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use deadpool_postgres::Transaction;
use uuid::Uuid;

use crate::error::Result;
use crate::kpi::facts::Facts;
use crate::kpi::waiting::Note;
use crate::storage::Caller;

/// A report to store, as it goes into `reports`: its JSON as received (borrowed from the
/// push's entries) or as serialized here.
pub(in crate::storage::postgres) struct ReportRow<'a> {
    pub id: Uuid,
    pub json: Cow<'a, str>,
    pub record_hash: String,
    pub household_id: Uuid,
    pub station_id: Uuid,
}

/// The batch's writes not yet sent.
#[derive(Default)]
pub(in crate::storage::postgres) struct Pending<'a> {
    reports: Vec<ReportRow<'a>>,
    facts: Vec<Facts>,
    /// Each household's last waiting-list note of the batch. Every report of a batch has the
    /// same receive time, so the last note alone decides what the list holds (a note never
    /// overrides a newer check, and all of the batch's are equally new).
    waiting: HashMap<Uuid, (Note, Uuid, Uuid)>,
    /// Edit entries' answers to keep in `push_log`: (entry id, the outcome as JSON).
    answers: Vec<(Uuid, String)>,
}

impl<'a> Pending<'a> {
    pub fn report(&mut self, row: ReportRow<'a>) {
        self.reports.push(row);
    }

    pub fn facts(&mut self, f: Facts) {
        self.facts.push(f);
    }

    /// Notes `f`'s household for the waiting list.
    pub fn waiting(&mut self, f: &Facts, note: Option<Note>) {
        if let Some(note) = note {
            self.waiting.insert(f.household_id, (note, f.station_id, f.report_id));
        }
    }

    /// Keeps an edit entry's answer for its retries.
    pub fn answer(&mut self, entry_id: Uuid, outcome: String) {
        self.answers.push((entry_id, outcome));
    }

    /// Sends every pending write: the reports first (the facts refer to them).
    pub async fn flush(&mut self, tx: &Transaction<'_>, caller: &Caller, now: DateTime<Utc>) -> Result<()> {
        let reports = std::mem::take(&mut self.reports);
        if !reports.is_empty() {
            insert_reports(tx, caller, now, reports).await?;
        }
        let facts = std::mem::take(&mut self.facts);
        if !facts.is_empty() {
            insert_facts(tx, &facts).await?;
        }
        let waiting = std::mem::take(&mut self.waiting);
        if !waiting.is_empty() {
            note_waiting(tx, waiting, now).await?;
        }
        let answers = std::mem::take(&mut self.answers);
        if !answers.is_empty() {
            let (ids, outcomes): (Vec<Uuid>, Vec<String>) = answers.into_iter().unzip();
            let stmt = tx
                .prepare_cached(
                    "INSERT INTO push_log (entry_id, device_id, result)
                     SELECT e, $2, r FROM unnest($1::uuid[], $3::text[]) AS p (e, r)",
                )
                .await?;
            tx.execute(&stmt, &[&ids, &caller.device_id, &outcomes]).await?;
        }
        Ok(())
    }
}

async fn insert_reports(
    tx: &Transaction<'_>,
    caller: &Caller,
    now: DateTime<Utc>,
    reports: Vec<ReportRow<'_>>,
) -> Result<()> {
    let n = reports.len();
    let (mut ids, mut jsons, mut hashes) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut homes, mut stations) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for r in reports {
        ids.push(r.id);
        jsons.push(r.json);
        hashes.push(r.record_hash);
        homes.push(r.household_id);
        stations.push(r.station_id);
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO reports (id, record, record_hash, household_id, station_id, device_id, delivered_by,
                                  received_at)
             SELECT id, record, record_hash, household_id, station_id, $6, $7, $8
             FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::uuid[])
                  AS r (id, record, record_hash, household_id, station_id)",
        )
        .await?;
    tx.execute(&stmt, &[&ids, &jsons, &hashes, &homes, &stations, &caller.device_id, &caller.user.id, &now])
        .await?;
    Ok(())
}

async fn insert_facts(tx: &Transaction<'_>, facts: &[Facts]) -> Result<()> {
    let col = |get: fn(&Facts) -> Uuid| facts.iter().map(get).collect::<Vec<Uuid>>();
    let opt_uuid = |get: fn(&Facts) -> Option<Uuid>| facts.iter().map(get).collect::<Vec<_>>();
    let real = |get: fn(&Facts) -> Option<f64>| facts.iter().map(get).collect::<Vec<_>>();
    let flag = |get: fn(&Facts) -> Option<bool>| facts.iter().map(get).collect::<Vec<_>>();
    let time = |get: fn(&Facts) -> DateTime<Utc>| facts.iter().map(get).collect::<Vec<_>>();
    let kinds: Vec<&str> = facts.iter().map(|f| f.kind.as_str()).collect();
    let satisfaction: Vec<Option<&str>> = facts.iter().map(|f| f.satisfaction.map(|s| s.as_str())).collect();
    let excused: Vec<bool> = facts.iter().map(|f| f.excused).collect();
    let stmt = tx
        .prepare_cached(
            "INSERT INTO report_facts (report_id, kind, station_id, author_id, household_id,
                 work_order_id, amends, created_at, received_at, satisfaction, lowest_c, outdoor_c, excused,
                 billed_area_m2, arrived_on_time, fixed_in_time, area_within_tolerance)
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[],
                 $7::uuid[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::float8[], $12::float8[],
                 $13::bool[], $14::float8[], $15::bool[], $16::bool[], $17::bool[])",
        )
        .await?;
    tx.execute(
        &stmt,
        &[
            &col(|f| f.report_id),
            &kinds,
            &col(|f| f.station_id),
            &col(|f| f.author_id),
            &col(|f| f.household_id),
            &opt_uuid(|f| f.work_order_id),
            &opt_uuid(|f| f.amends),
            &time(|f| f.created_at),
            &time(|f| f.received_at),
            &satisfaction,
            &real(|f| f.lowest_c),
            &real(|f| f.outdoor_c),
            &excused,
            &real(|f| f.billed_area_m2),
            &flag(|f| f.arrived_on_time),
            &flag(|f| f.fixed_in_time),
            &flag(|f| f.area_within_tolerance),
        ],
    )
    .await?;
    let found: Vec<(Uuid, &str, Uuid, Uuid, DateTime<Utc>)> = facts
        .iter()
        .flat_map(|f| {
            f.violations
                .iter()
                .map(move |v| (f.report_id, v.as_str(), f.station_id, f.author_id, f.received_at))
        })
        .collect();
    if !found.is_empty() {
        let stmt = tx
            .prepare_cached(
                "INSERT INTO report_violations (report_id, violation, station_id, author_id, received_at)
                 SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::timestamptz[])
                 ON CONFLICT DO NOTHING",
            )
            .await?;
        tx.execute(
            &stmt,
            &[
                &found.iter().map(|v| v.0).collect::<Vec<_>>(),
                &found.iter().map(|v| v.1).collect::<Vec<_>>(),
                &found.iter().map(|v| v.2).collect::<Vec<_>>(),
                &found.iter().map(|v| v.3).collect::<Vec<_>>(),
                &found.iter().map(|v| v.4).collect::<Vec<_>>(),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Applies each household's last note: non-compliant puts (or keeps) it on the list, any
/// other verdict takes it off; neither overrides a newer check.
async fn note_waiting(
    tx: &Transaction<'_>,
    waiting: HashMap<Uuid, (Note, Uuid, Uuid)>,
    now: DateTime<Utc>,
) -> Result<()> {
    let (mut put_homes, mut put_stations, mut put_reports, mut put_lowest) = (vec![], vec![], vec![], vec![]);
    let mut clear: Vec<Uuid> = Vec::new();
    // In household order, as every push writes them, so two never wait on each other.
    let mut waiting: Vec<_> = waiting.into_iter().collect();
    waiting.sort_unstable_by_key(|(household, _)| *household);
    for (household, (note, station, report)) in waiting {
        match note {
            Note::Put { lowest_c } => {
                put_homes.push(household);
                put_stations.push(station);
                put_reports.push(report);
                put_lowest.push(lowest_c);
            }
            Note::Clear => clear.push(household),
        }
    }
    if !put_homes.is_empty() {
        let stmt = tx
            .prepare_cached(
                "INSERT INTO waiting_checks (household_id, station_id, report_id, received_at, lowest_c)
                 SELECT h, s, r, $5, c FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::float8[]) AS w (h, s, r, c)
                 ON CONFLICT (household_id) DO UPDATE SET station_id = excluded.station_id,
                     report_id = excluded.report_id, received_at = excluded.received_at,
                     lowest_c = excluded.lowest_c
                 WHERE excluded.received_at >= waiting_checks.received_at",
            )
            .await?;
        tx.execute(&stmt, &[&put_homes, &put_stations, &put_reports, &put_lowest, &now]).await?;
    }
    if !clear.is_empty() {
        let stmt = tx
            .prepare_cached("DELETE FROM waiting_checks WHERE household_id = ANY($1) AND received_at <= $2")
            .await?;
        tx.execute(&stmt, &[&clear, &now]).await?;
    }
    Ok(())
}
