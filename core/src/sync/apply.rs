//! Applying what the server says to the device's store: a pulled page together with its
//! cursor in one transaction, and a push's results against the outbox. A sync interrupted
//! anywhere can run again: a page is applied whole or not at all, and an entry leaves the
//! outbox only once the server has answered it.

use rusqlite::Connection;

use crate::model::{SignedReport, User};
use crate::protocol::{
    EntryResult, Incoming, Outcome, Outgoing, PushEntry, RejectCode, Withdrawn, WithdrawnKind, WorkOrderEdit,
};
use crate::store::outbox::{self, Entity, OutboxEntry};
use crate::store::{Durability, Store, households, reports, settings, stations, work_orders};
use crate::{Error, Result};

use super::news::{NewOrder, judge};
use super::page::{Change, PulledPage};
use super::plan::merge_work_order;

/// The push entry for an outbox entry: a report is read (and verified) as stored.
pub fn push_entry(store: &Store, entry: &OutboxEntry) -> Result<PushEntry> {
    let change = match entry.entity {
        Entity::Report => {
            let report: SignedReport = reports::get(store.conn(), entry.entity_id)?
                .ok_or_else(|| Error::NotFound { what: "report", id: entry.entity_id.to_string() })?;
            Outgoing::Report(Box::new(report))
        }
        Entity::WorkOrder => Outgoing::WorkOrderEdit(work_order_edit(entry)?),
    };
    Ok(PushEntry { id: entry.id, hlc: entry.hlc, change })
}

/// The edit a work-order entry carries.
fn work_order_edit(entry: &OutboxEntry) -> Result<WorkOrderEdit> {
    let payload = entry
        .payload
        .clone()
        .ok_or_else(|| Error::Corrupt(format!("outbox entry {} has no payload", entry.id)))?;
    Ok(WorkOrderEdit { work_order_id: entry.entity_id, fields: serde_json::from_value(payload)? })
}

/// The body of a push of `entries` — a [`crate::protocol::PushRequest`] on the wire — with
/// each report written out as stored: it was verified when it was saved and its row never
/// changes, so it is neither parsed nor hashed again on the way out (the server checks it).
pub fn push_body(conn: &Connection, entries: &[OutboxEntry]) -> Result<Vec<u8>> {
    let mut body = Vec::with_capacity(entries.len() * 3500);
    body.extend_from_slice(b"{\"entries\":[");
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(b"{\"id\":");
        serde_json::to_writer(&mut body, &entry.id)?;
        body.extend_from_slice(b",\"hlc\":");
        serde_json::to_writer(&mut body, &entry.hlc)?;
        match entry.entity {
            Entity::WorkOrder => {
                body.extend_from_slice(b",\"change\":{\"entity\":\"work_order_edit\",\"data\":");
                serde_json::to_writer(&mut body, &work_order_edit(entry)?)?;
            }
            Entity::Report => {
                let json = reports::get_json(conn, entry.entity_id)?
                    .ok_or_else(|| Error::NotFound { what: "report", id: entry.entity_id.to_string() })?;
                body.extend_from_slice(b",\"change\":{\"entity\":\"report\",\"data\":");
                body.extend_from_slice(json.as_bytes());
            }
        }
        body.extend_from_slice(b"}}");
    }
    body.extend_from_slice(b"]}");
    Ok(body)
}

/// What a push did to the outbox.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PushOutcome {
    /// Entries the server stored; they left the outbox.
    pub accepted: usize,
    /// Entries refused for good; parked with the server's reason.
    pub rejected: usize,
    /// Entries to send again later (a missing blob, a household not yet known).
    pub retry: usize,
}

/// Records the server's answers: accepted entries leave the outbox, entries refused for good
/// are parked with the reason, the rest stay to be sent again. One transaction.
pub fn record_push(store: &mut Store, sent: &[OutboxEntry], results: &[EntryResult]) -> Result<PushOutcome> {
    let seq_of: std::collections::HashMap<uuid::Uuid, i64> = sent.iter().map(|e| (e.id, e.seq)).collect();
    let mut outcome = PushOutcome::default();
    let mut accepted = Vec::new();
    let mut parked = Vec::new();
    for r in results {
        // An answer for an entry this push did not send means nothing to the outbox.
        let Some(&seq) = seq_of.get(&r.id) else { continue };
        match &r.outcome {
            Outcome::Accepted { .. } => accepted.push(seq),
            Outcome::Rejected { code: RejectCode::BlobMissing | RejectCode::UnknownReference, .. } => {
                outcome.retry += 1
            }
            Outcome::Rejected { code, message } => parked.push((seq, *code, message.clone())),
        }
    }
    outcome.accepted = accepted.len();
    outcome.rejected = parked.len();
    // An order whose edit the server refused for good shows, on this device, a change the
    // server never made. The device forgets its copy and pulls again from the start: it then
    // holds the server's order — or none, if the order is no longer its to see.
    let refused_orders: Vec<uuid::Uuid> = sent
        .iter()
        .filter(|e| e.entity == Entity::WorkOrder && parked.iter().any(|(seq, ..)| *seq == e.seq))
        .map(|e| e.entity_id)
        .collect();
    let last = store.clock.last();
    store.write(|tx| {
        outbox::remove(tx, &accepted, last)?;
        for (seq, code, message) in &parked {
            let code = serde_json::to_value(code)?;
            outbox::reject(tx, *seq, code.as_str().unwrap_or("rejected"), message)?;
        }
        for id in &refused_orders {
            work_orders::forget(tx, *id)?;
        }
        if !refused_orders.is_empty() {
            settings::set(tx, settings::PULL_CURSOR, "0")?;
        }
        Ok(())
    })?;
    Ok(outcome)
}

/// Applies a pulled page and moves the cursor, in one transaction. Work orders merge with
/// the device's copy ([`merge_work_order`]); the clock takes in the stamps it sees. Returns
/// the orders that are news to `me`, the logged-in user ([`super::news::judge`]).
pub fn apply_page(store: &mut Store, page: &PulledPage, me: Option<&User>) -> Result<Vec<NewOrder>> {
    apply_page_as(store, page, me, Durability::AtCommit)
}

/// [`apply_page`], its commit on disk as `durability` says (a first pull's pages: deferred,
/// [`crate::store::bulk`]).
pub fn apply_page_as(
    store: &mut Store,
    page: &PulledPage,
    me: Option<&User>,
    durability: Durability,
) -> Result<Vec<NewOrder>> {
    let newest = page
        .changes
        .iter()
        .filter_map(|c| match c {
            Change::Other(incoming) => match &**incoming {
                Incoming::WorkOrder(state) => state.clocks.values().max().copied(),
                _ => None,
            },
            Change::Household(_) => None,
        })
        .max();
    if let Some(stamp) = newest {
        let wall = store.wall_ms();
        store.clock.observe(stamp, wall);
    }
    let last = store.clock.last();
    let mut news = Vec::new();
    store.write_as(durability, |tx| {
        let mut writer = None;
        // Households come in runs (a first pull is all households), written a run at a time.
        let mut run = Vec::new();
        for (i, change) in page.changes.iter().enumerate() {
            let incoming = match change {
                Change::Household(at) => {
                    run.push(page.household(at));
                    let ends = !matches!(page.changes.get(i + 1), Some(Change::Household(_)));
                    if ends {
                        let writer = match &mut writer {
                            Some(writer) => writer,
                            None => writer.insert(households::Writer::new(tx, last)?),
                        };
                        writer.put_all(&run)?;
                        run.clear();
                    }
                    continue;
                }
                Change::Other(incoming) => incoming,
            };
            match &**incoming {
                Incoming::Station(station) => stations::upsert(tx, station)?,
                Incoming::Household(household) => households::upsert(tx, household, last)?,
                Incoming::WorkOrder(state) => {
                    let local = work_orders::get_state(tx, state.order.id)?;
                    let merged = merge_work_order(local.as_ref(), state);
                    work_orders::put_state(tx, &merged)?;
                    if let Some(kind) =
                        me.and_then(|me| judge(local.as_ref().map(|l| &l.order), &merged.order, me))
                    {
                        news.push(NewOrder { order: merged.order, kind });
                    }
                }
                Incoming::Withdrawn(Withdrawn { kind: WithdrawnKind::Household, id }) => {
                    households::remove(tx, *id)?
                }
                Incoming::Withdrawn(Withdrawn { kind: WithdrawnKind::WorkOrder, id }) => {
                    work_orders::forget(tx, *id)?
                }
            }
        }
        drop(writer);
        settings::set(tx, settings::PULL_CURSOR, &page.next_cursor.to_string())?;
        crate::store::clock::save(tx, last)
    })?;
    Ok(news)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::demo;
    use crate::model::WorkOrderStatus;
    use crate::protocol::{PullResponse, PulledChange, WorkOrderState};
    use crate::sync::plan::field;

    fn store_with_reports(n: usize) -> (Store, Vec<OutboxEntry>) {
        let mut store = Store::open_in_memory().unwrap();
        for h in demo::households(5, n) {
            store
                .save_signed_report(
                    &demo::signed_temperature_check(&h, store.device_id(), demo::now()).unwrap(),
                )
                .unwrap();
        }
        let entries = store.outbox(100).unwrap();
        (store, entries)
    }

    #[test]
    fn push_entries_carry_the_stored_report_and_the_edited_fields() {
        let (mut store, entries) = store_with_reports(1);
        let entry = push_entry(&store, &entries[0]).unwrap();
        let Outgoing::Report(report) = &entry.change else { panic!("{entry:?}") };
        assert_eq!(report.report().id, entries[0].entity_id);
        assert_eq!((entry.id, entry.hlc), (entries[0].id, entries[0].hlc));

        let order = demo::work_order(demo::now());
        store.put_work_order(&order).unwrap();
        store
            .advance_work_order(order.id, WorkOrderStatus::CouldNotComplete, Some("用户不在家".into()))
            .unwrap();
        let edit = store.outbox(10).unwrap().pop().unwrap();
        let Outgoing::WorkOrderEdit(edit) = push_entry(&store, &edit).unwrap().change else { panic!() };
        assert_eq!(edit.work_order_id, order.id);
        assert_eq!(edit.fields.status, Some(WorkOrderStatus::CouldNotComplete));
        assert_eq!(edit.fields.status_note.as_deref(), Some("用户不在家"));
    }

    #[test]
    fn the_raw_push_body_reads_as_the_typed_request() {
        let (mut store, _) = store_with_reports(2);
        let order = demo::work_order(demo::now());
        store.put_work_order(&order).unwrap();
        store.advance_work_order(order.id, WorkOrderStatus::EnRoute, None).unwrap();
        let entries = store.outbox(10).unwrap();
        let raw: crate::protocol::PushRequest =
            serde_json::from_slice(&push_body(store.conn(), &entries).unwrap()).unwrap();
        let typed: Vec<_> = entries.iter().map(|e| push_entry(&store, e).unwrap()).collect();
        assert_eq!(raw.entries, typed);
    }

    #[test]
    fn accepted_entries_leave_refused_ones_park_and_missing_blobs_retry() {
        let (mut store, entries) = store_with_reports(3);
        let result = |i: usize, outcome| EntryResult { id: entries[i].id, outcome };
        let results = vec![
            result(0, Outcome::Accepted { received_at: Utc::now() }),
            result(
                1,
                Outcome::Rejected {
                    code: RejectCode::Conflict, message: "另一份记录用了这个编号".into()
                },
            ),
            result(2, Outcome::Rejected { code: RejectCode::BlobMissing, message: "upload first".into() }),
        ];
        let outcome = record_push(&mut store, &entries, &results).unwrap();
        assert_eq!(outcome, PushOutcome { accepted: 1, rejected: 1, retry: 1 });
        let left: Vec<_> = store.outbox(10).unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(left, vec![entries[2].id]);
        assert_eq!(store.rejected_len().unwrap(), 1);
        assert_eq!(super::super::status(&store).unwrap().pending, 1);
        // The reports themselves stay on the device whatever the server said.
        assert_eq!(reports::ids(store.conn()).unwrap().len(), 3);
    }

    #[test]
    fn a_pulled_page_is_searchable_and_moves_the_cursor() {
        let mut store = Store::open_in_memory().unwrap();
        let households: Vec<_> = demo::households(9, 50).collect();
        let mut changes: Vec<_> = demo::stations().into_iter().map(Incoming::Station).collect();
        changes.extend(households.iter().cloned().map(Incoming::Household));
        let page = PullResponse {
            changes: changes
                .into_iter()
                .enumerate()
                .map(|(i, change)| PulledChange { seq: i as u64 + 1, change })
                .collect(),
            next_cursor: 54,
            more: false,
            remaining: None,
        };
        apply_page(&mut store, &page.into(), None).unwrap();
        assert_eq!(store.setting(settings::PULL_CURSOR).unwrap().as_deref(), Some("54"));
        assert_eq!(
            store.search_households(&households[7].account_no, 5).unwrap(),
            vec![households[7].clone()]
        );
        assert_eq!(stations::list(store.conn()).unwrap().len(), 4);
        assert_eq!(store.outbox_len().unwrap(), 0, "what the server sent is not sent back");
    }

    #[test]
    fn a_withdrawn_household_or_order_leaves_the_device_and_its_search() {
        let mut store = Store::open_in_memory().unwrap();
        let households: Vec<_> = demo::households(9, 20).collect();
        store.put_households(&households).unwrap();
        while store.index_household_backlog(100).unwrap() > 0 {}
        let order = demo::work_order(demo::now());
        store.put_work_order(&order).unwrap();
        let moved = &households[3];
        let address = moved.address.chars().skip(2).take(8).collect::<String>();
        assert!(store.search_households(&address, 10).unwrap().contains(moved));

        let withdrawn = |kind, id| Incoming::Withdrawn(Withdrawn { kind, id });
        let page = PullResponse {
            changes: vec![
                PulledChange { seq: 7, change: withdrawn(WithdrawnKind::Household, moved.id) },
                PulledChange { seq: 8, change: withdrawn(WithdrawnKind::WorkOrder, order.id) },
                // Something this device never had: nothing to forget.
                PulledChange { seq: 9, change: withdrawn(WithdrawnKind::WorkOrder, crate::new_id()) },
            ],
            next_cursor: 9,
            more: false,
            remaining: None,
        };
        apply_page(&mut store, &page.into(), None).unwrap();
        assert_eq!(households::get(store.conn(), moved.id).unwrap(), None);
        assert!(!store.search_households(&address, 10).unwrap().contains(moved));
        assert_eq!(store.work_order(order.id).unwrap(), None);
        assert_eq!(households::count(store.conn()).unwrap(), 19);
        store
            .conn()
            .execute("INSERT INTO households_fts (households_fts, rank) VALUES ('integrity-check', 1)", [])
            .unwrap();
    }

    #[test]
    fn a_pulled_order_keeps_the_technicians_newer_status() {
        let mut store = Store::open_in_memory().unwrap();
        let order = demo::work_order(demo::now());
        store.put_work_order(&order).unwrap();
        store.advance_work_order(order.id, WorkOrderStatus::OnSite, None).unwrap();
        let local_stamp = store.last_stamp();
        // The office's copy, from before the technician's edit reached it: reassigned.
        let mut office = order.clone();
        office.assignee_id = Some(uuid::Uuid::from_u128(7));
        let stamp_before = crate::hlc::Hlc { wall_ms: local_stamp.wall_ms - 1, counter: 0, node: 9 };
        let state = WorkOrderState {
            order: office,
            clocks: [(field::STATUS.to_owned(), stamp_before), (field::ASSIGNEE_ID.to_owned(), stamp_before)]
                .into(),
        };
        let page = PullResponse {
            changes: vec![PulledChange { seq: 1, change: Incoming::WorkOrder(state) }],
            next_cursor: 1,
            more: false,
            remaining: None,
        };
        apply_page(&mut store, &page.into(), None).unwrap();
        let merged = work_orders::get(store.conn(), order.id).unwrap().unwrap();
        assert_eq!(merged.status, WorkOrderStatus::OnSite);
        assert_eq!(merged.assignee_id, Some(uuid::Uuid::from_u128(7)));
        assert_eq!(store.outbox_len().unwrap(), 1, "the technician's edit still waits to be pushed");
    }

    #[test]
    fn an_order_assigned_to_me_is_news_on_the_page_that_brings_it_and_not_again() {
        let mut store = Store::open_in_memory().unwrap();
        let mut order = demo::work_order(demo::now());
        let me = crate::model::User {
            id: uuid::Uuid::from_u128(77),
            username: "tech1".into(),
            display_name: "张师傅".into(),
            role: crate::model::Role::Technician,
            station_id: Some(uuid::Uuid::from_u128(1234)),
        };
        order.assignee_id = Some(me.id);
        let page = |seq| PullResponse {
            changes: vec![PulledChange {
                seq,
                change: Incoming::WorkOrder(WorkOrderState {
                    order: order.clone(),
                    clocks: Default::default(),
                }),
            }],
            next_cursor: seq,
            more: false,
            remaining: None,
        };
        let news = apply_page(&mut store, &page(1).into(), Some(&me)).unwrap();
        assert_eq!(news.len(), 1);
        assert_eq!((news[0].order.id, news[0].kind), (order.id, crate::sync::news::NewsKind::AssignedToMe));
        assert!(
            apply_page(&mut store, &page(2).into(), Some(&me)).unwrap().is_empty(),
            "an update of my order"
        );
        assert!(
            apply_page(&mut store, &page(3).into(), None).unwrap().is_empty(),
            "no one logged in: no news"
        );
    }

    #[test]
    fn a_stamp_from_a_clock_a_day_ahead_is_taken_in() {
        let mut store = Store::open_in_memory().unwrap();
        let order = demo::work_order(demo::now());
        let ahead = crate::hlc::Hlc { wall_ms: crate::store::now_ms() + 86_400_000, counter: 3, node: 9 };
        let state =
            WorkOrderState { order: order.clone(), clocks: [(field::STATUS.to_owned(), ahead)].into() };
        let page = PullResponse {
            changes: vec![PulledChange { seq: 1, change: Incoming::WorkOrder(state) }],
            next_cursor: 1,
            more: false,
            remaining: None,
        };
        apply_page(&mut store, &page.into(), None).unwrap();
        assert!(store.last_stamp() > ahead);
        store.advance_work_order(order.id, WorkOrderStatus::EnRoute, None).unwrap();
        let edit = store.outbox(1).unwrap().remove(0);
        assert!(edit.hlc > ahead, "a later edit is stamped after everything the device has seen");
    }
}
