//! The work-order merge, pure: a stored order with its per-field clocks, plus one edit
//! stamped with the device's HLC, gives the merged order and the writes it overruled.
//!
//! Rules (ARCHITECTURE.md, "Data"): each field is last-writer-wins by HLC, except status,
//! which takes [`hearth_core::rules::status::later`] of the two values so it only moves
//! forward whatever the clocks say. A write is *overruled* when its value differs from the
//! result and it was not simply superseded by a newer stamp: an incoming value older than the
//! stored clock, an incoming status that `later` refuses, or a stored status with the newer
//! stamp that `later` replaces. Re-applying the same edit changes nothing.

use std::collections::BTreeMap;

use hearth_core::hlc::Hlc;
use hearth_core::model::WorkOrder;
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

/// Merges `fields`, stamped `hlc`, into `order` and its `clocks` (field name → stamp).
pub fn merge_edit(
    order: &mut WorkOrder,
    clocks: &mut BTreeMap<String, Hlc>,
    hlc: Hlc,
    fields: &WorkOrderFields,
) -> MergeOutcome {
    let mut out = MergeOutcome::default();
    if let Some(status) = fields.status {
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
        let out = merge_edit(&mut order, &mut clocks, at(200), &newer);
        assert!(out.changed && out.overruled.is_empty());
        assert_eq!(order.priority, Priority::Urgent);

        let stale = WorkOrderFields { priority: Some(Priority::Low), ..Default::default() };
        let out = merge_edit(&mut order, &mut clocks, at(150), &stale);
        assert!(!out.changed);
        assert_eq!(order.priority, Priority::Urgent);
        assert_eq!(out.overruled.len(), 1);
        assert_eq!(out.overruled[0].losing_value, serde_json::json!("low"));
    }

    #[test]
    fn a_stale_cancel_does_not_reopen_finished_work_whatever_its_stamp() {
        let (mut order, mut clocks) = stored();
        let done = WorkOrderFields { status: Some(Done), ..Default::default() };
        merge_edit(&mut order, &mut clocks, at(150), &done);
        let cancel = WorkOrderFields { status: Some(Cancelled), ..Default::default() };
        let out = merge_edit(&mut order, &mut clocks, at(300), &cancel);
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
        assert!(merge_edit(&mut order, &mut clocks, at(200), &edit).changed);
        let again = merge_edit(&mut order, &mut clocks, at(200), &edit);
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
        merge_edit(&mut one, &mut one_clocks, at(300), &a);
        merge_edit(&mut one, &mut one_clocks, at(400), &b);
        merge_edit(&mut two, &mut two_clocks, at(400), &b);
        merge_edit(&mut two, &mut two_clocks, at(300), &a);
        assert_eq!(one, two);
        assert_eq!(one_clocks, two_clocks);
        assert_eq!((one.status, one.priority), (OnSite, Priority::Low));
    }
}
