//! Accepting a pushed work-order edit: the orders a batch edits are held in memory for the
//! length of the batch ([`BatchOrders`]: each loaded once, merged with every edit in turn,
//! written back once with one new feed number — an office's batch of 1,000 edits to 40 orders
//! writes 40 rows), and each edit is judged and merged by [`apply`].

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::WorkOrder;
use hearth_core::protocol::{Outcome, RejectCode, WorkOrderEdit};
use hearth_core::rules::status;
use uuid::Uuid;

use super::rejected;
use crate::caller::Caller;
use crate::feed::Scope;
use crate::merge::{Overruled, merge_edit};

/// One order as the batch has left it so far.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOrder {
    pub order: WorkOrder,
    pub clocks: BTreeMap<String, Hlc>,
    /// An edit changed it: it is written back at the end of the batch.
    pub changed: bool,
}

/// The orders a batch has loaded (`None`: the server has no such order).
#[derive(Debug, Default)]
pub struct BatchOrders {
    loaded: HashMap<Uuid, Option<BatchOrder>>,
}

impl BatchOrders {
    /// The order must be loaded before an edit of it is applied.
    pub fn needs(&self, id: Uuid) -> bool {
        !self.loaded.contains_key(&id)
    }

    /// Hands over the stored order `id` with its clocks, or `None` for an unknown order.
    pub fn give(&mut self, id: Uuid, stored: Option<(WorkOrder, BTreeMap<String, Hlc>)>) {
        if let Entry::Vacant(slot) = self.loaded.entry(id) {
            slot.insert(stored.map(|(order, clocks)| BatchOrder { order, clocks, changed: false }));
        }
    }

    /// The orders an edit changed, in id order (so the feed's order does not depend on a hash
    /// map's): each needs writing back and a new feed row.
    pub fn changed(self) -> Vec<BatchOrder> {
        let mut changed: Vec<BatchOrder> =
            self.loaded.into_values().flatten().filter(|o| o.changed).collect();
        changed.sort_by_key(|o| o.order.id);
        changed
    }
}

/// What became of one edit.
#[derive(Debug, Clone, PartialEq)]
pub struct EditDecision {
    pub outcome: Outcome,
    /// Writes the merge overruled: for the conflict log.
    pub overruled: Vec<Overruled>,
    /// Remember the answer for a retry of the entry (only accepted edits are remembered).
    pub remember: bool,
}

/// Judges `edit` (stamped `hlc`, received `now`) by `caller` and merges it into the batch's
/// copy of the order. The order must have been handed to `orders` (see [`BatchOrders::needs`]).
pub fn apply(
    orders: &mut BatchOrders,
    caller: &Caller,
    hlc: Hlc,
    edit: &WorkOrderEdit,
    now: DateTime<Utc>,
) -> EditDecision {
    let id = edit.work_order_id;
    let Some(Some(BatchOrder { order, clocks, changed })) = orders.loaded.get_mut(&id) else {
        return refused(RejectCode::UnknownReference, format!("work order {id} is not known to the server"));
    };
    let scope = Scope::of(caller);
    if let Scope::Crew { .. } = scope {
        if !scope.covers_order(order) {
            return refused(
                RejectCode::Forbidden,
                format!("work order {id} is neither assigned to you nor to your station"),
            );
        }
        let f = &edit.fields;
        if f.assignee_id.is_some() || f.priority.is_some() || f.due_by.is_some() {
            return refused(
                RejectCode::Forbidden,
                "a crew member may change only an order's status and its note; assignment, priority and due time are the office's".to_owned(),
            );
        }
        if let Some(to) = f.status.filter(|&to| !status::role_may_move(caller.user.role, to)) {
            return refused(
                RejectCode::Forbidden,
                format!(
                    "a crew member may not move work order {id} to {to}: closing and cancelling an \
                     order are the office's (call the dispatcher); nothing was stored"
                ),
            );
        }
    }
    let merged = merge_edit(order, clocks, hlc, &edit.fields, now);
    *changed |= merged.changed;
    EditDecision {
        outcome: Outcome::Accepted { received_at: now },
        overruled: merged.overruled,
        remember: true,
    }
}

fn refused(code: RejectCode, message: String) -> EditDecision {
    EditDecision { outcome: rejected(code, message), overruled: Vec::new(), remember: false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::model::{Role, User, WorkOrderStatus};
    use hearth_core::protocol::WorkOrderFields;

    fn caller(role: Role, station: Option<Uuid>) -> Caller {
        let user = User {
            id: Uuid::now_v7(),
            username: "u".into(),
            display_name: "u".into(),
            role,
            station_id: station,
        };
        Caller { user, device_id: Uuid::now_v7() }
    }

    fn batch_with(order: &WorkOrder) -> BatchOrders {
        let mut orders = BatchOrders::default();
        let clocks =
            crate::order_schema::EDITABLE_FIELDS.iter().map(|f| ((*f).to_owned(), Hlc::ZERO)).collect();
        orders.give(order.id, Some((order.clone(), clocks)));
        orders
    }

    fn edit(order: &WorkOrder, fields: WorkOrderFields) -> WorkOrderEdit {
        WorkOrderEdit { work_order_id: order.id, fields }
    }

    fn at(ms: u64) -> Hlc {
        Hlc { wall_ms: ms, counter: 0, node: 1 }
    }

    #[test]
    fn a_crew_members_status_move_is_merged_and_remembered_and_written_back_once() {
        let order = hearth_core::demo::work_order(hearth_core::demo::now());
        let tech = caller(Role::Technician, Some(order.station_id));
        let mut orders = batch_with(&order);
        let en_route = WorkOrderFields { status: Some(WorkOrderStatus::EnRoute), ..Default::default() };
        let d = apply(&mut orders, &tech, at(5), &edit(&order, en_route.clone()), chrono::Utc::now());
        assert!(d.remember && matches!(d.outcome, Outcome::Accepted { .. }));
        apply(&mut orders, &tech, at(5), &edit(&order, en_route), chrono::Utc::now());
        let changed = orders.changed();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].order.status, WorkOrderStatus::EnRoute);
    }

    #[test]
    fn a_crew_member_out_of_scope_is_refused_and_not_remembered() {
        let order = hearth_core::demo::work_order(hearth_core::demo::now());
        let stranger = caller(Role::Technician, Some(Uuid::now_v7()));
        let mut orders = batch_with(&order);
        let fields = WorkOrderFields { status: Some(WorkOrderStatus::EnRoute), ..Default::default() };
        let d = apply(&mut orders, &stranger, at(5), &edit(&order, fields), chrono::Utc::now());
        assert!(!d.remember);
        assert!(
            matches!(d.outcome, Outcome::Rejected { code: RejectCode::Forbidden, ref message } if message.contains("neither assigned"))
        );
        assert!(orders.changed().is_empty());
    }

    #[test]
    fn a_crew_member_may_not_reassign_or_close_but_the_office_may() {
        let order = hearth_core::demo::work_order(hearth_core::demo::now());
        let tech = caller(Role::Technician, Some(order.station_id));
        let mut orders = batch_with(&order);
        let reassign = WorkOrderFields { assignee_id: Some(Uuid::now_v7()), ..Default::default() };
        let d = apply(&mut orders, &tech, at(5), &edit(&order, reassign.clone()), chrono::Utc::now());
        assert!(matches!(d.outcome, Outcome::Rejected { code: RejectCode::Forbidden, .. }));
        let close = WorkOrderFields { status: Some(WorkOrderStatus::Closed), ..Default::default() };
        let d = apply(&mut orders, &tech, at(5), &edit(&order, close), chrono::Utc::now());
        assert!(
            matches!(d.outcome, Outcome::Rejected { code: RejectCode::Forbidden, ref message } if message.contains("dispatcher"))
        );
        let office = caller(Role::Dispatcher, None);
        let d = apply(&mut orders, &office, at(5), &edit(&order, reassign), chrono::Utc::now());
        assert!(matches!(d.outcome, Outcome::Accepted { .. }));
    }

    #[test]
    fn an_unknown_order_is_refused_in_words() {
        let order = hearth_core::demo::work_order(hearth_core::demo::now());
        let mut orders = BatchOrders::default();
        orders.give(order.id, None);
        assert!(!orders.needs(order.id));
        let d = apply(
            &mut orders,
            &caller(Role::Admin, None),
            at(1),
            &edit(&order, WorkOrderFields::default()),
            chrono::Utc::now(),
        );
        assert!(matches!(d.outcome, Outcome::Rejected { code: RejectCode::UnknownReference, .. }));
    }

    #[test]
    fn a_stale_edit_is_accepted_with_what_it_lost_for_the_conflict_log() {
        let order = hearth_core::demo::work_order(hearth_core::demo::now());
        let office = caller(Role::Dispatcher, None);
        let mut orders = batch_with(&order);
        let urgent =
            WorkOrderFields { priority: Some(hearth_core::model::Priority::Urgent), ..Default::default() };
        let low = WorkOrderFields { priority: Some(hearth_core::model::Priority::Low), ..Default::default() };
        apply(&mut orders, &office, at(200), &edit(&order, urgent), chrono::Utc::now());
        let d = apply(&mut orders, &office, at(100), &edit(&order, low), chrono::Utc::now());
        assert!(matches!(d.outcome, Outcome::Accepted { .. }));
        assert_eq!(d.overruled.len(), 1);
        assert_eq!(d.overruled[0].field, "priority");
    }
}
