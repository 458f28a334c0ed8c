//! The merge of a work order arriving from the server with the device's copy: pure, so it
//! is tested exhaustively without a database (ARCHITECTURE.md, "Data").
//!
//! Fields the crew and the office both edit merge one by one, the edit with the later HLC
//! stamp winning; the status merges forward only ([`status::later`]), whatever the stamps.
//! Everything else about an order is the office's and comes as sent.

use std::collections::BTreeMap;

use crate::hlc::Hlc;
use crate::model::WorkOrder;
use crate::protocol::WorkOrderState;
use crate::rules::status;

/// The names under which field stamps are kept, on the device and on the server.
pub mod field {
    pub const STATUS: &str = "status";
    pub const STATUS_NOTE: &str = "status_note";
    pub const ASSIGNEE_ID: &str = "assignee_id";
    pub const PRIORITY: &str = "priority";
    pub const DUE_BY: &str = "due_by";
}

/// Merges `incoming` (the server's state) into `local` (the device's, which may hold edits
/// not yet pushed). The result is the same whichever side saw which edit first.
pub fn merge_work_order(local: Option<&WorkOrderState>, incoming: &WorkOrderState) -> WorkOrderState {
    let mut merged = incoming.clone();
    let Some(local) = local else {
        return merged;
    };
    let stamp = |clocks: &BTreeMap<String, Hlc>, name: &str| clocks.get(name).copied();
    let mut keep_local_if_newer = |name: &str, copy: fn(&mut WorkOrder, &WorkOrder)| {
        let local_stamp = stamp(&local.clocks, name);
        if local_stamp > stamp(&incoming.clocks, name) {
            copy(&mut merged.order, &local.order);
            if let Some(s) = local_stamp {
                merged.clocks.insert(name.to_owned(), s);
            }
        }
    };
    keep_local_if_newer(field::STATUS_NOTE, |m, l| m.status_note.clone_from(&l.status_note));
    keep_local_if_newer(field::ASSIGNEE_ID, |m, l| m.assignee_id = l.assignee_id);
    keep_local_if_newer(field::PRIORITY, |m, l| m.priority = l.priority);
    keep_local_if_newer(field::DUE_BY, |m, l| m.due_by = l.due_by);

    merged.order.status = status::later(local.order.status, incoming.order.status);
    let newest = stamp(&local.clocks, field::STATUS).max(stamp(&incoming.clocks, field::STATUS));
    if let Some(s) = newest {
        merged.clocks.insert(field::STATUS.to_owned(), s);
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Priority, WorkOrderStatus};

    fn stamp(wall_ms: u64) -> Hlc {
        Hlc { wall_ms, counter: 0, node: 1 }
    }

    fn state(edit: impl FnOnce(&mut WorkOrder), clocks: &[(&str, u64)]) -> WorkOrderState {
        let mut order = crate::demo::work_order(crate::demo::now());
        order.id = uuid::Uuid::nil();
        edit(&mut order);
        WorkOrderState { order, clocks: clocks.iter().map(|&(f, w)| (f.to_owned(), stamp(w))).collect() }
    }

    #[test]
    fn a_new_order_is_taken_as_sent() {
        let incoming = state(|_| {}, &[]);
        assert_eq!(merge_work_order(None, &incoming), incoming);
    }

    #[test]
    fn the_later_edit_of_each_field_wins() {
        let local = state(
            |o| o.status_note = Some("local note".into()),
            &[(field::STATUS_NOTE, 20), (field::PRIORITY, 5)],
        );
        let incoming =
            state(|o| o.priority = Priority::Urgent, &[(field::STATUS_NOTE, 10), (field::PRIORITY, 15)]);
        let merged = merge_work_order(Some(&local), &incoming);
        assert_eq!(merged.order.status_note.as_deref(), Some("local note"));
        assert_eq!(merged.order.priority, Priority::Urgent);
        assert_eq!(merged.clocks[field::STATUS_NOTE], stamp(20));
        assert_eq!(merged.clocks[field::PRIORITY], stamp(15));
    }

    #[test]
    fn a_stale_status_never_moves_an_order_back() {
        let local = state(|o| o.status = WorkOrderStatus::Done, &[(field::STATUS, 10)]);
        let incoming = state(|o| o.status = WorkOrderStatus::Cancelled, &[(field::STATUS, 99)]);
        assert_eq!(merge_work_order(Some(&local), &incoming).order.status, WorkOrderStatus::Done);
        let local = state(|o| o.status = WorkOrderStatus::EnRoute, &[(field::STATUS, 50)]);
        let incoming = state(|o| o.status = WorkOrderStatus::OnSite, &[(field::STATUS, 40)]);
        let merged = merge_work_order(Some(&local), &incoming);
        assert_eq!(merged.order.status, WorkOrderStatus::OnSite);
        assert_eq!(merged.clocks[field::STATUS], stamp(50));
    }

    #[test]
    fn merging_is_the_same_in_either_direction() {
        let a = state(
            |o| {
                o.status = WorkOrderStatus::OnSite;
                o.priority = Priority::Low;
            },
            &[(field::STATUS, 3), (field::PRIORITY, 9)],
        );
        let b = state(
            |o| {
                o.status = WorkOrderStatus::EnRoute;
                o.priority = Priority::Emergency;
            },
            &[(field::STATUS, 7), (field::PRIORITY, 2)],
        );
        let ab = merge_work_order(Some(&a), &b);
        let ba = merge_work_order(Some(&b), &a);
        assert_eq!(ab.order, ba.order);
        assert_eq!(ab.clocks, ba.clocks);
    }
}
