//! The work-order merge, pure: a stored order with its per-field clocks, plus one edit
//! stamped with the device's HLC, gives the merged order and the writes it overruled.
//!
//! Rules (ARCHITECTURE.md, "Data"): each field is last-writer-wins by HLC, except status,
//! which takes [`hearth_core::rules::status::later`] of the two values so it only moves
//! forward whatever the clocks say. A write is *overruled* when its value differs from the
//! result and it was not simply superseded by a newer stamp: an incoming value older than the
//! stored clock, an incoming status that `later` refuses, or a stored status with the newer
//! stamp that `later` replaces. Re-applying the same edit changes nothing.
//!
//! The server also stamps when the crew arrived and when the order was done
//! (`arrived_at`, `done_at`, for the on-time rate, §75): the earliest time of an edit whose
//! status is on site or later (done), each edit's time being its HLC wall time but never
//! later than the server received it. Taking the earliest makes the stamps independent of
//! the order edits arrive in, like the rest of the merge.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{WorkOrder, WorkOrderStatus};
use hearth_core::protocol::WorkOrderFields;
use hearth_core::rules::status::later;
use serde::Serialize;

/// A write that lost a merge, for the conflict log.
#[derive(Debug, Clone, PartialEq)]
pub struct Overruled {
    pub field: &'static str,
    pub losing_value: serde_json::Value,
    pub winning_value: serde_json::Value,
    pub losing_hlc: Hlc,
    pub winning_hlc: Hlc,
}

/// What an edit did to an order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeOutcome {
    /// The order or its clocks changed: it needs a new change-feed number.
    pub changed: bool,
    pub overruled: Vec<Overruled>,
}

/// Merges `fields`, stamped `hlc` and received at `received_at`, into `order` and its
/// `clocks` (field name → stamp).
pub fn merge_edit(
    order: &mut WorkOrder,
    clocks: &mut BTreeMap<String, Hlc>,
    hlc: Hlc,
    fields: &WorkOrderFields,
    received_at: DateTime<Utc>,
) -> MergeOutcome {
    let mut out = MergeOutcome::default();
    if let Some(status) = fields.status {
        let at = edit_time(hlc, received_at);
        use WorkOrderStatus::*;
        if matches!(status, OnSite | Done | CouldNotComplete) {
            out.changed |= stamp_earliest(&mut order.arrived_at, at);
        }
        if status == Done {
            out.changed |= stamp_earliest(&mut order.done_at, at);
        }
        let stored_clock = clock(clocks, "status");
        let merged = later(order.status, status);
        if merged != status {
            out.overruled.push(overruled("status", &status, &merged, hlc, stored_clock));
        } else if merged != order.status && hlc < stored_clock {
            out.overruled.push(overruled("status", &order.status, &merged, stored_clock, hlc));
        }
        let merged_clock = stored_clock.max(hlc);
        out.changed |= merged != order.status || merged_clock != stored_clock;
        order.status = merged;
        clocks.insert("status".to_owned(), merged_clock);
    }
    if let Some(note) = &fields.status_note {
        lww("status_note", Some(note.clone()), &mut order.status_note, hlc, clocks, &mut out);
    }
    if let Some(assignee) = fields.assignee_id {
        lww("assignee_id", Some(assignee), &mut order.assignee_id, hlc, clocks, &mut out);
    }
    if let Some(priority) = fields.priority {
        lww("priority", priority, &mut order.priority, hlc, clocks, &mut out);
    }
    if let Some(due_by) = fields.due_by {
        lww("due_by", Some(due_by), &mut order.due_by, hlc, clocks, &mut out);
    }
    out
}

/// When an edit was made: its HLC wall time, but never after the server received it.
fn edit_time(hlc: Hlc, received_at: DateTime<Utc>) -> DateTime<Utc> {
    i64::try_from(hlc.wall_ms)
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .map_or(received_at, |at| at.min(received_at))
}

/// Sets `stamp` to `at` if it is unset or later; true when it changed.
fn stamp_earliest(stamp: &mut Option<DateTime<Utc>>, at: DateTime<Utc>) -> bool {
    if stamp.is_some_and(|s| s <= at) {
        return false;
    }
    *stamp = Some(at);
    true
}

fn clock(clocks: &BTreeMap<String, Hlc>, field: &str) -> Hlc {
    clocks.get(field).copied().unwrap_or(Hlc::ZERO)
}

fn lww<T: Serialize + PartialEq>(
    field: &'static str,
    incoming: T,
    stored: &mut T,
    hlc: Hlc,
    clocks: &mut BTreeMap<String, Hlc>,
    out: &mut MergeOutcome,
) {
    let stored_clock = clock(clocks, field);
    if hlc > stored_clock {
        out.changed = true;
        *stored = incoming;
        clocks.insert(field.to_owned(), hlc);
    } else if hlc < stored_clock && incoming != *stored {
        out.overruled.push(overruled(field, &incoming, stored, hlc, stored_clock));
    }
}

fn overruled<T: Serialize>(
    field: &'static str,
    losing: &T,
    winning: &T,
    losing_hlc: Hlc,
    winning_hlc: Hlc,
) -> Overruled {
    Overruled {
        field,
        losing_value: serde_json::to_value(losing).unwrap_or_default(),
        winning_value: serde_json::to_value(winning).unwrap_or_default(),
        losing_hlc,
        winning_hlc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::model::{Priority, WorkOrderStatus::*};

    fn at(wall_ms: u64) -> Hlc {
        Hlc { wall_ms, counter: 0, node: 1 }
    }

    /// When the server received the edits of a test: long after their stamps.
    fn received() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(1_000_000).unwrap()
    }

    fn ms(wall_ms: i64) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(wall_ms)
    }

    fn stored() -> (WorkOrder, BTreeMap<String, Hlc>) {
        let order = hearth_core::demo::work_order(hearth_core::demo::now());
        let clocks = ["status", "status_note", "assignee_id", "priority", "due_by"]
            .iter()
            .map(|f| ((*f).to_owned(), at(100)))
            .collect();
        (order, clocks)
    }

    #[test]
    fn a_newer_edit_wins_and_an_older_one_is_logged_as_overruled() {
        let (mut order, mut clocks) = stored();
        let newer = WorkOrderFields { priority: Some(Priority::Urgent), ..Default::default() };
        let out = merge_edit(&mut order, &mut clocks, at(200), &newer, received());
        assert!(out.changed && out.overruled.is_empty());
        assert_eq!(order.priority, Priority::Urgent);

        let stale = WorkOrderFields { priority: Some(Priority::Low), ..Default::default() };
        let out = merge_edit(&mut order, &mut clocks, at(150), &stale, received());
        assert!(!out.changed);
        assert_eq!(order.priority, Priority::Urgent);
        assert_eq!(out.overruled.len(), 1);
        assert_eq!(out.overruled[0].losing_value, serde_json::json!("low"));
    }

    #[test]
    fn a_stale_cancel_does_not_reopen_finished_work_whatever_its_stamp() {
        let (mut order, mut clocks) = stored();
        let done = WorkOrderFields { status: Some(Done), ..Default::default() };
        merge_edit(&mut order, &mut clocks, at(150), &done, received());
        let cancel = WorkOrderFields { status: Some(Cancelled), ..Default::default() };
        let out = merge_edit(&mut order, &mut clocks, at(300), &cancel, received());
        assert_eq!(order.status, Done);
        assert_eq!(out.overruled[0].losing_value, serde_json::json!("cancelled"));
    }

    #[test]
    fn the_same_edit_applied_twice_changes_nothing_the_second_time() {
        let (mut order, mut clocks) = stored();
        let edit =
            WorkOrderFields {
                status: Some(EnRoute), status_note: Some("路上".into()), ..Default::default()
            };
        assert!(merge_edit(&mut order, &mut clocks, at(200), &edit, received()).changed);
        let again = merge_edit(&mut order, &mut clocks, at(200), &edit, received());
        assert_eq!(again, MergeOutcome::default());
    }

    #[test]
    fn two_edits_merge_the_same_in_either_order() {
        let a =
            WorkOrderFields { status: Some(OnSite), priority: Some(Priority::Urgent), ..Default::default() };
        let b =
            WorkOrderFields { status: Some(EnRoute), priority: Some(Priority::Low), ..Default::default() };
        let (mut one, mut one_clocks) = stored();
        let (mut two, mut two_clocks) = (one.clone(), one_clocks.clone());
        merge_edit(&mut one, &mut one_clocks, at(300), &a, received());
        merge_edit(&mut one, &mut one_clocks, at(400), &b, received());
        merge_edit(&mut two, &mut two_clocks, at(400), &b, received());
        merge_edit(&mut two, &mut two_clocks, at(300), &a, received());
        assert_eq!(one, two);
        assert_eq!(one_clocks, two_clocks);
        assert_eq!((one.status, one.priority), (OnSite, Priority::Low));
    }

    #[test]
    fn arrival_and_done_are_stamped_with_the_earliest_edit_in_either_order() {
        let on_site = WorkOrderFields { status: Some(OnSite), ..Default::default() };
        let done = WorkOrderFields { status: Some(Done), ..Default::default() };
        let (mut one, mut one_clocks) = stored();
        let (mut two, mut two_clocks) = (one.clone(), one_clocks.clone());
        merge_edit(&mut one, &mut one_clocks, at(300), &on_site, received());
        merge_edit(&mut one, &mut one_clocks, at(900), &done, received());
        merge_edit(&mut two, &mut two_clocks, at(900), &done, received());
        let out = merge_edit(&mut two, &mut two_clocks, at(300), &on_site, received());
        assert!(out.changed, "a late on-site edit still moves the arrival earlier");
        assert_eq!(one, two);
        assert_eq!((one.arrived_at, one.done_at), (ms(300), ms(900)));
        let again = merge_edit(&mut one, &mut one_clocks, at(900), &done, received());
        assert!(!again.changed, "a retried edit changes nothing");
    }

    #[test]
    fn a_tablet_clock_ahead_cannot_stamp_after_the_server_received_it() {
        let (mut order, mut clocks) = stored();
        let done = WorkOrderFields { status: Some(Done), ..Default::default() };
        merge_edit(&mut order, &mut clocks, at(5_000_000), &done, received());
        assert_eq!((order.arrived_at, order.done_at), (Some(received()), Some(received())));
    }

    #[test]
    fn could_not_complete_stamps_the_arrival_but_not_done() {
        let (mut order, mut clocks) = stored();
        let gave_up = WorkOrderFields {
            status: Some(CouldNotComplete),
            status_note: Some("用户不在家".into()),
            ..Default::default()
        };
        merge_edit(&mut order, &mut clocks, at(400), &gave_up, received());
        assert_eq!((order.arrived_at, order.done_at), (ms(400), None));
    }
}
