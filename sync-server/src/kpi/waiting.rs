//! The households waiting for a repair or a follow-up visit (回访, §31): a household whose
//! newest temperature check is non-compliant is on the list ([`note`]) until a follow-up
//! order reported after that check is done; how far it has got is read from its work orders
//! ([`stage`]).

use chrono::{DateTime, Utc};
use hearth_core::model::{WorkOrderKind, WorkOrderStatus};

use super::facts::Facts;
use super::verdict::Verdict;
use crate::order_schema::{OPEN, WORK_DONE};

/// What a newly counted check does to its household's place on the list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Note {
    /// Non-compliant: put (or keep) the household on the list with this check, unless a newer
    /// check is noted already.
    Put { lowest_c: f64 },
    /// Any other verdict: take it off, unless a newer check is noted.
    Clear,
}

/// What `f`, a temperature check judged `verdict`, does to the list (None for other reports).
pub fn note(f: &Facts, verdict: Verdict) -> Option<Note> {
    if f.kind != hearth_core::model::ReportKind::TemperatureCheck {
        return None;
    }
    Some(match (verdict, f.lowest_c) {
        (Verdict::NonCompliant { .. }, Some(lowest_c)) => Note::Put { lowest_c },
        _ => Note::Clear,
    })
}

/// How far a waiting household has got, from its orders (kind, status, reported at); orders
/// reported before the check do not count. None: followed up, off the list.
pub fn stage(
    checked_at: DateTime<Utc>,
    orders: impl IntoIterator<Item = (WorkOrderKind, WorkOrderStatus, DateTime<Utc>)>,
) -> Option<&'static str> {
    let (mut repaired, mut follow_up_open) = (false, false);
    for (kind, status, reported_at) in orders {
        if reported_at < checked_at {
            continue;
        }
        let done = WORK_DONE.contains(&status);
        match kind {
            WorkOrderKind::Repair if done => repaired = true,
            WorkOrderKind::FollowUp if done => return None,
            WorkOrderKind::FollowUp if OPEN.contains(&status) => follow_up_open = true,
            _ => {}
        }
    }
    Some(if follow_up_open {
        "follow_up_scheduled"
    } else if repaired {
        "awaiting_follow_up"
    } else {
        "awaiting_repair"
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use WorkOrderKind::*;
    use WorkOrderStatus::*;

    fn t(h: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 12, 3, h, 0, 0).unwrap()
    }

    #[test]
    fn a_cold_home_waits_for_a_repair_then_a_follow_up_and_leaves_once_followed_up() {
        assert_eq!(stage(t(8), []), Some("awaiting_repair"));
        assert_eq!(stage(t(8), [(Repair, Done, t(9))]), Some("awaiting_follow_up"));
        assert_eq!(
            stage(t(8), [(Repair, Done, t(9)), (FollowUp, Assigned, t(10))]),
            Some("follow_up_scheduled")
        );
        assert_eq!(stage(t(8), [(Repair, Closed, t(9)), (FollowUp, Done, t(10))]), None);
    }

    #[test]
    fn orders_from_before_the_check_and_unfinished_repairs_do_not_count() {
        assert_eq!(stage(t(8), [(Repair, Done, t(7)), (FollowUp, Done, t(6))]), Some("awaiting_repair"));
        assert_eq!(stage(t(8), [(Repair, CouldNotComplete, t(9))]), Some("awaiting_repair"));
        assert_eq!(stage(t(8), [(FollowUp, Cancelled, t(9))]), Some("awaiting_repair"));
    }
}
