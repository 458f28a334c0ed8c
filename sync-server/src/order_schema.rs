//! The one list of the work-order statuses and fields that SQL names: which statuses are
//! open, which are finished and which count as the work done, the fields a device may edit
//! (each with its own HLC clock), and the fields of the stored order's JSON that SQL reads
//! (generated columns, KPI queries). Backends build their SQL from these ([`sql_list`]), and
//! the tests below check them against hearth-core's status rules and model, the wire's edit
//! fields, and the SQLite migrations and queries that spell them out.

use hearth_core::model::WorkOrderStatus::{self, *};

/// Work still to do (`hearth_core::rules::status::is_open`).
pub const OPEN: [WorkOrderStatus; 4] = [New, Assigned, EnRoute, OnSite];

/// An outcome was reached: done, could not complete (with a reason), or closed by the office
/// (the closure rate's numerator, §75).
pub const FINISHED: [WorkOrderStatus; 3] = [Done, CouldNotComplete, Closed];

/// The work itself was done (a repair or follow-up that happened): done or closed.
pub const WORK_DONE: [WorkOrderStatus; 2] = [Done, Closed];

/// The work-order fields a device may edit, each with its own HLC clock (the keys of
/// `WorkOrderFields` on the wire and of an order's stored clocks).
pub const EDITABLE_FIELDS: [&str; 5] = ["status", "status_note", "assignee_id", "priority", "due_by"];

/// The fields of a stored work order's JSON that backends' SQL reads (SQLite: the generated
/// columns of migrations 0002, 0004 and 0005, and the KPI query's `json_extract`s).
pub const SQL_FIELDS: [&str; 10] = [
    "status",
    "kind",
    "priority",
    "due_by",
    "reported_at",
    "household_id",
    "number",
    "arrive_by",
    "arrived_at",
    "done_at",
];

/// Statuses as an SQL list of string literals: `'new', 'assigned'`.
pub fn sql_list(statuses: &[WorkOrderStatus]) -> String {
    statuses.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::protocol::WorkOrderFields;
    use hearth_core::rules::status::is_open;

    #[test]
    fn the_open_list_is_cores_open_rule() {
        for &s in WorkOrderStatus::ALL {
            assert_eq!(OPEN.contains(&s), is_open(s), "{s}");
        }
    }

    #[test]
    fn finished_is_every_outcome_and_never_open_or_cancelled() {
        for &s in WorkOrderStatus::ALL {
            let expected = !is_open(s) && s != Cancelled;
            assert_eq!(FINISHED.contains(&s), expected, "{s}");
        }
        assert!(WORK_DONE.iter().all(|s| FINISHED.contains(s)));
    }

    #[test]
    fn the_editable_fields_are_the_wires_edit_fields() {
        let all = WorkOrderFields {
            status: Some(Done),
            status_note: Some("x".into()),
            assignee_id: Some(uuid::Uuid::nil()),
            priority: Some(hearth_core::model::Priority::Urgent),
            due_by: Some(chrono::Utc::now()),
        };
        let json = serde_json::to_value(all).unwrap();
        let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut fields = EDITABLE_FIELDS.to_vec();
        keys.sort_unstable();
        fields.sort_unstable();
        assert_eq!(keys, fields);
    }

    #[test]
    fn the_fields_sql_reads_are_fields_of_a_stored_order_and_sql_reads_no_other() {
        let mut order = hearth_core::demo::work_order(hearth_core::demo::now());
        let t = Some(hearth_core::demo::now());
        (order.arrive_by, order.due_by, order.arrived_at, order.done_at) = (t, t, t, t);
        order.number = Some("和平-1202-001".into());
        let json = serde_json::to_value(&order).unwrap();
        for field in SQL_FIELDS {
            assert!(json.get(field).is_some(), "{field} is not a field of a stored work order");
        }
        let household = serde_json::to_value(hearth_core::demo::households(1, 1).next().unwrap()).unwrap();
        let sql = [
            include_str!("../migrations/0002_console.sql"),
            include_str!("../migrations/0004_order_numbers.sql"),
            include_str!("../migrations/0005_board_order.sql"),
            include_str!("storage/sqlite/console/kpis.rs"),
        ];
        for text in sql {
            for read in text.split("record, '$.").skip(1) {
                let field = read.split('\'').next().unwrap();
                assert!(
                    SQL_FIELDS.contains(&field) || household.get(field).is_some(),
                    "the SQL reads {field}, which is in neither SQL_FIELDS nor a household"
                );
            }
        }
    }

    #[test]
    fn the_sqlite_migrations_spell_the_open_list_out_the_same() {
        let console = include_str!("../migrations/0002_console.sql");
        assert!(console.contains(&format!("IN ({})", sql_list(&OPEN))), "0002's is_open");
        let board = include_str!("../migrations/0005_board_order.sql");
        let before_arrival: Vec<_> =
            OPEN.iter().copied().filter(|&s| hearth_core::rules::status::before_arrival(s)).collect();
        assert!(board.contains(&format!("IN ({})", sql_list(&before_arrival))), "0005's arrive_key");
    }
}
