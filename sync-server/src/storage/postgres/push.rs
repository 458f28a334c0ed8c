//! A push batch on PostgreSQL, in one transaction: lock the records it is about
//! ([`super::locks`]), load what [`crate::accept`] asks for, let it decide on each entry, and
//! write what it decided (the report with its facts and sums, the conflict log, the retry log
//! `push_log`, and last the merged orders under new feed numbers, which takes the feed's lock
//! only for the end of the transaction: see [`super::feed`]).

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use hearth_core::hlc::Hlc;
use hearth_core::model::SignedReport;
use hearth_core::protocol::{EntryResult, Outcome, Outgoing, WorkOrderEdit};
use hearth_core::rules::CityProfile;
use uuid::Uuid;

use super::batch::{Known, Pending, ReportRow};
use super::{facts, locks, orders, profile};
use crate::accept::edit::{self, BatchOrders};
use crate::accept::report::{Decision, Need, ReportCheck, Step, StoredReport};
use crate::error::Result;
use crate::kpi::sums::HourSums;
use crate::merge::Overruled;
use crate::storage::{Caller, CheckedEntry};

/// Applies the batch inside `tx`; the caller commits. The entries are only read, so the
/// caller can run the batch again in a new transaction.
pub(super) async fn push(
    tx: &Transaction<'_>,
    caller: &Caller,
    entries: &[CheckedEntry],
    now: DateTime<Utc>,
) -> Result<Vec<EntryResult>> {
    // Pushes about other records go on side by side; the KPI sums are not being rebuilt.
    locks::profile_shared(tx).await?;
    locks::records(tx, entries.iter().flat_map(|e| records_of(&e.entry.change))).await?;
    let mut results = Vec::with_capacity(entries.len());
    let mut orders = BatchOrders::default();
    let mut sums = HourSums::default();
    // The KPI judgement of each report uses the thresholds in force: read once per batch.
    let profile = profile::stored_profile(tx).await?;
    let mut known = Known::load(tx, caller, entries).await?;
    let mut pending = Pending::default();
    for CheckedEntry { entry, report_json } in entries {
        let outcome = match &entry.change {
            // A report is its own log: sent again, it is found by its id and answered as before.
            Outgoing::Report(report) => {
                let batch = (&mut known, &mut pending);
                let json = report_json.as_deref();
                push_report(tx, batch, caller, report, json, now, &profile, &mut sums).await?
            }
            Outgoing::WorkOrderEdit(edit) => {
                let batch = (&mut known, &mut pending, &mut orders);
                push_edit(tx, batch, caller, entry.id, entry.hlc, edit, now).await?
            }
        };
        results.push(EntryResult { id: entry.id, outcome });
    }
    pending.flush(tx, caller, now).await?;
    facts::write_sums(tx, sums).await?;
    // Last: the feed's lock is held from here to the commit.
    orders::write_back(tx, orders).await?;
    Ok(results)
}

/// The records an entry reads and then changes: a report (and the one it corrects), or the
/// order an edit is about.
fn records_of(change: &Outgoing) -> Vec<Uuid> {
    match change {
        Outgoing::Report(signed) => {
            let report = signed.report();
            std::iter::once(report.id).chain(report.amendment.as_ref().map(|a| a.amends)).collect()
        }
        Outgoing::WorkOrderEdit(edit) => vec![edit.work_order_id],
    }
}

#[allow(clippy::too_many_arguments)] // the batch's context, the report, and where it counts
async fn push_report<'a>(
    tx: &Transaction<'_>,
    (known, pending): (&mut Known, &mut Pending<'a>),
    caller: &Caller,
    signed: &SignedReport,
    json: Option<&'a str>,
    now: DateTime<Utc>,
    profile: &CityProfile,
    sums: &mut HourSums,
) -> Result<Outcome> {
    let report = signed.report();
    let mut check = ReportCheck::new(caller, signed);
    let home = loop {
        match check.next() {
            // Read for the whole batch up front (`Known::load`, for the caller's device).
            Step::Need(Need::StoredReport(id)) => check.give_stored(known.stored.get(&id).cloned()),
            Step::Need(Need::Household(id)) => check.give_household(known.homes.get(&id).copied()),
            Step::Need(Need::Author { author, .. }) => check.give_author(known.authors.get(&author).copied()),
            Step::Need(Need::MissingBlobs(wanted)) => check.give_missing_blobs(known.missing(wanted)),
            Step::Decided(Decision::Answer(outcome)) => return Ok(outcome),
            Step::Decided(Decision::Conflict { outcome, overruled }) => {
                log_conflict(tx, "report", report.id, &overruled, caller, now).await?;
                return Ok(outcome);
            }
            Step::Decided(Decision::Store { home }) => break home,
        }
    };
    let json = match json {
        Some(json) => Cow::Borrowed(json),
        None => Cow::Owned(serde_json::to_string(signed)?),
    };
    let record_hash = signed.record_hash().as_str().to_owned();
    known.stored.insert(report.id, StoredReport { record_hash: record_hash.clone(), received_at: now });
    pending.report(ReportRow {
        id: report.id,
        json,
        record_hash,
        household_id: report.household_id,
        station_id: home.station,
    });
    facts::record(tx, known, pending, caller, signed, &home, now, profile, sums).await?;
    Ok(Outcome::Accepted { received_at: now })
}

async fn push_edit(
    tx: &Transaction<'_>,
    (known, pending, orders): (&mut Known, &mut Pending<'_>, &mut BatchOrders),
    caller: &Caller,
    entry_id: Uuid,
    hlc: Hlc,
    change: &WorkOrderEdit,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    // Answered before (in an earlier batch or earlier in this one): the same answer again.
    if let Some(outcome) = known.answered.get(&entry_id) {
        return Ok(outcome.clone());
    }
    let id = change.work_order_id;
    if orders.needs(id) {
        orders.give(id, known.edited.remove(&id));
    }
    let decision = edit::apply(orders, caller, hlc, change, now);
    for overruled in &decision.overruled {
        log_conflict(tx, "work_order", id, overruled, caller, now).await?;
    }
    if decision.remember {
        pending.answer(entry_id, serde_json::to_string(&decision.outcome)?);
        known.answered.insert(entry_id, decision.outcome.clone());
    }
    Ok(decision.outcome)
}

async fn log_conflict(
    c: &impl GenericClient,
    entity: &str,
    id: Uuid,
    overruled: &Overruled,
    caller: &Caller,
    now: DateTime<Utc>,
) -> Result<()> {
    let stamp = |h: Hlc| (h != Hlc::ZERO).then(|| h.to_string());
    let stmt = c
        .prepare_cached(
            "INSERT INTO conflicts (entity, entity_id, field, losing_value, winning_value, losing_hlc,
                                    winning_hlc, device_id, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .await?;
    c.execute(
        &stmt,
        &[
            &entity,
            &id,
            &overruled.field,
            &overruled.losing_value.to_string(),
            &overruled.winning_value.to_string(),
            &stamp(overruled.losing_hlc),
            &stamp(overruled.winning_hlc),
            &caller.device_id,
            &now,
        ],
    )
    .await?;
    Ok(())
}
