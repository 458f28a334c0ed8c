//! What a push batch's entries ask about, read for the whole batch up front.

use std::collections::{BTreeMap, HashMap, HashSet};

use deadpool_postgres::Transaction;
use hearth_core::hlc::Hlc;
use hearth_core::model::{Role, SignedReport, WorkOrder};
use hearth_core::protocol::{Outcome, Outgoing};
use uuid::Uuid;

use crate::accept::report::{Author, Home, StoredReport};
use crate::error::{Error, Result};
use crate::kpi::facts;
use crate::storage::{Caller, CheckedEntry};

/// A statement's parameters.
type P<'a, const N: usize> = [&'a (dyn tokio_postgres::types::ToSql + Sync); N];

/// What the batch's entries need to know, read once.
#[derive(Default)]
pub(in crate::storage::postgres) struct Known {
    pub stored: HashMap<Uuid, StoredReport>,
    pub homes: HashMap<Uuid, Home>,
    pub authors: HashMap<Uuid, Author>,
    /// The stored blobs among those the reports name.
    pub blobs: HashSet<String>,
    /// The work orders the reports' KPI facts are judged against, as stored.
    pub orders: HashMap<Uuid, WorkOrder>,
    /// The answers already given to the batch's edit entries (`push_log`), by entry id.
    pub answered: HashMap<Uuid, Outcome>,
    /// The orders the batch's edits name, as stored, with their clocks.
    pub edited: HashMap<Uuid, (WorkOrder, BTreeMap<String, Hlc>)>,
}

impl Known {
    /// Reads what the entries need: the reports' (five queries) and the edits' (two), sent
    /// together.
    pub async fn load(tx: &Transaction<'_>, caller: &Caller, entries: &[CheckedEntry]) -> Result<Known> {
        let (mut known, edits) =
            tokio::try_join!(Self::for_reports(tx, caller, entries), Edits::load(tx, entries))?;
        (known.answered, known.edited) = edits;
        Ok(known)
    }

    async fn for_reports(tx: &Transaction<'_>, caller: &Caller, entries: &[CheckedEntry]) -> Result<Known> {
        let reports: Vec<&SignedReport> = entries
            .iter()
            .filter_map(|e| match &e.entry.change {
                Outgoing::Report(signed) => Some(&**signed),
                Outgoing::WorkOrderEdit(_) => None,
            })
            .collect();
        if reports.is_empty() {
            return Ok(Known::default());
        }
        let ids: Vec<Uuid> = reports.iter().map(|s| s.report().id).collect();
        let homes: Vec<Uuid> = reports.iter().map(|s| s.report().household_id).collect();
        let authors: Vec<Uuid> = reports.iter().map(|s| s.report().author_id).collect();
        let blobs: Vec<String> = reports.iter().flat_map(|s| named_blobs(s)).collect();
        let orders: Vec<Uuid> = reports.iter().filter_map(|s| facts::order_needed(s)).collect();
        let stmts = tokio::try_join!(
            tx.prepare_cached("SELECT id, record_hash, received_at FROM reports WHERE id = ANY($1)"),
            tx.prepare_cached(
                "SELECT id, station_id, ((record::jsonb) ->> 'billed_area_m2')::double precision
                 FROM households WHERE id = ANY($1)"
            ),
            tx.prepare_cached(
                "SELECT u.id, u.station_id, u.role,
                        EXISTS (SELECT 1 FROM device_users d WHERE d.device_id = $2 AND d.user_id = u.id)
                 FROM users u WHERE u.id = ANY($1)"
            ),
            tx.prepare_cached("SELECT sha256 FROM blobs WHERE sha256 = ANY($1)"),
            tx.prepare_cached("SELECT id, record FROM work_orders WHERE id = ANY($1)"),
        )?;
        let (by_id, by_home, by_author, by_blob, by_order): (
            P<'_, 1>,
            P<'_, 1>,
            P<'_, 2>,
            P<'_, 1>,
            P<'_, 1>,
        ) = ([&ids], [&homes], [&authors, &caller.device_id], [&blobs], [&orders]);
        let (stored, homes, authors, blobs, orders) = tokio::try_join!(
            tx.query(&stmts.0, &by_id),
            tx.query(&stmts.1, &by_home),
            tx.query(&stmts.2, &by_author),
            tx.query(&stmts.3, &by_blob),
            tx.query(&stmts.4, &by_order),
        )?;
        let mut known = Known::default();
        for r in stored {
            known.stored.insert(r.get(0), StoredReport { record_hash: r.get(1), received_at: r.get(2) });
        }
        for r in homes {
            known.homes.insert(r.get(0), Home { station: r.get(1), billed_area_m2: r.get(2) });
        }
        for r in authors {
            let role: &str = r.get(2);
            let role = role.parse::<Role>().map_err(Error::Corrupt)?;
            known.authors.insert(r.get(0), Author { station: r.get(1), role, used_this_device: r.get(3) });
        }
        known.blobs = blobs.iter().map(|r| r.get(0)).collect();
        for r in orders {
            known.orders.insert(r.get(0), serde_json::from_str(r.get(1))?);
        }
        Ok(known)
    }

    /// The blobs among `wanted` that are not stored, in the order given.
    pub fn missing(&self, wanted: Vec<String>) -> Vec<String> {
        wanted.into_iter().filter(|sha| !self.blobs.contains(sha)).collect()
    }
}

/// What the batch's edits need: earlier answers and the orders they name.
struct Edits;

impl Edits {
    #[allow(clippy::type_complexity)] // the two maps `Known` keeps
    async fn load(
        tx: &Transaction<'_>,
        entries: &[CheckedEntry],
    ) -> Result<(HashMap<Uuid, Outcome>, HashMap<Uuid, (WorkOrder, BTreeMap<String, Hlc>)>)> {
        let (mut entry_ids, mut order_ids) = (Vec::new(), Vec::new());
        for e in entries {
            if let Outgoing::WorkOrderEdit(edit) = &e.entry.change {
                entry_ids.push(e.entry.id);
                order_ids.push(edit.work_order_id);
            }
        }
        let (mut answered, mut edited) = (HashMap::new(), HashMap::new());
        if entry_ids.is_empty() {
            return Ok((answered, edited));
        }
        let stmts = tokio::try_join!(
            tx.prepare_cached("SELECT entry_id, result FROM push_log WHERE entry_id = ANY($1)"),
            tx.prepare_cached("SELECT id, record, clocks FROM work_orders WHERE id = ANY($1)"),
        )?;
        let (by_entry, by_order): (P<'_, 1>, P<'_, 1>) = ([&entry_ids], [&order_ids]);
        let (logged, orders) =
            tokio::try_join!(tx.query(&stmts.0, &by_entry), tx.query(&stmts.1, &by_order))?;
        for r in logged {
            answered.insert(r.get(0), serde_json::from_str(r.get(1))?);
        }
        for r in orders {
            edited.insert(r.get(0), (serde_json::from_str(r.get(1))?, serde_json::from_str(r.get(2))?));
        }
        Ok((answered, edited))
    }
}

/// Every blob a report names: its photos and its signatures' images (what
/// `crate::accept::report` asks about).
fn named_blobs(signed: &SignedReport) -> impl Iterator<Item = String> + '_ {
    let photos = signed.report().attachments.iter().map(|a| a.sha256.to_string());
    let signatures = signed.signatures().iter().filter_map(|s| s.png.as_ref().map(|p| p.sha256.to_string()));
    photos.chain(signatures)
}
