//! Work-order status: new → assigned → en_route → on_site → done or could_not_complete →
//! closed, or cancelled before the work is done. It only moves forward, so a stale edit
//! never reopens a finished order (ARCHITECTURE.md, "Data"; §75 closure rate).

use crate::model::{WorkOrder, WorkOrderStatus};
use crate::rules::{Label, Problem, ProblemKind};
use crate::{Error, Result};

/// The step a status sits at; a move must go to a later step.
fn step(status: WorkOrderStatus) -> u8 {
    use WorkOrderStatus::*;
    match status {
        New => 0,
        Assigned => 1,
        EnRoute => 2,
        OnSite => 3,
        Done | CouldNotComplete => 4,
        Closed | Cancelled => 5,
    }
}

/// Whether `from` may move to `to`. Steps may be skipped (a technician who forgot to tap
/// "en route"), never repeated or reversed. Only an outcome (done, could not complete) can be
/// closed; only unfinished work can be cancelled.
pub fn can_move(from: WorkOrderStatus, to: WorkOrderStatus) -> bool {
    use WorkOrderStatus::*;
    match to {
        Closed => matches!(from, Done | CouldNotComplete),
        Cancelled => step(from) < step(Done),
        _ => step(to) > step(from),
    }
}

/// The later of two statuses, for merging edits from two sides; the same whichever side
/// is `a`. A status reachable from the other wins. Of two that cannot reach each other, work
/// that was done wins over work that was not, and both win over a cancel: a dispatcher's
/// stale "cancel" never erases a technician's finished visit.
pub fn later(a: WorkOrderStatus, b: WorkOrderStatus) -> WorkOrderStatus {
    use WorkOrderStatus::*;
    let preference = |s: WorkOrderStatus| match s {
        Closed => 3,
        Done => 2,
        CouldNotComplete => 1,
        _ => 0,
    };
    if can_move(a, b) {
        b
    } else if can_move(b, a) || preference(a) >= preference(b) {
        a
    } else {
        b
    }
}

/// Moves `order` to `to`, with the note a "could not complete" requires (§75: every order
/// ends closed or with a reason).
pub fn advance(order: &mut WorkOrder, to: WorkOrderStatus, note: Option<String>) -> Result<()> {
    if !can_move(order.status, to) {
        return Err(Error::StatusBackwards {
            id: order.id,
            from: order.status.to_string(),
            to: to.to_string(),
        });
    }
    let note = note.filter(|n| !n.trim().is_empty());
    if to == WorkOrderStatus::CouldNotComplete && note.is_none() {
        return Err(Error::Invalid(vec![Problem::new(
            "status_note",
            ProblemKind::Missing { what: Label::StatusNote },
        )]));
    }
    order.status = to;
    if note.is_some() {
        order.status_note = note;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use WorkOrderStatus::*;

    #[test]
    fn the_happy_path_moves_forward() {
        for pair in [New, Assigned, EnRoute, OnSite, Done, Closed].windows(2) {
            assert!(can_move(pair[0], pair[1]), "{:?} → {:?}", pair[0], pair[1]);
        }
        assert!(can_move(OnSite, CouldNotComplete));
        assert!(can_move(CouldNotComplete, Closed));
    }

    #[test]
    fn nothing_moves_backwards_or_stays() {
        for &from in WorkOrderStatus::ALL {
            assert!(!can_move(from, from), "{from:?} → itself");
        }
        assert!(!can_move(Done, OnSite));
        assert!(!can_move(Closed, New));
        assert!(!can_move(Done, CouldNotComplete));
        assert!(!can_move(CouldNotComplete, Done));
    }

    #[test]
    fn finished_work_is_closed_not_cancelled() {
        assert!(!can_move(Done, Cancelled));
        assert!(!can_move(Assigned, Closed));
        assert!(can_move(OnSite, Cancelled));
        for &to in WorkOrderStatus::ALL {
            assert!(!can_move(Closed, to) && !can_move(Cancelled, to));
        }
    }

    #[test]
    fn a_stale_cancel_loses_to_done() {
        assert_eq!(later(Done, Cancelled), Done);
        assert_eq!(later(Assigned, Cancelled), Cancelled);
        assert_eq!(later(OnSite, EnRoute), OnSite);
        assert_eq!(later(Cancelled, Closed), Closed);
    }

    #[test]
    fn merging_two_statuses_does_not_depend_on_their_order() {
        for &a in WorkOrderStatus::ALL {
            for &b in WorkOrderStatus::ALL {
                assert_eq!(later(a, b), later(b, a), "{a:?} vs {b:?}");
                assert!(later(a, b) == a || later(a, b) == b);
            }
        }
    }

    #[test]
    fn could_not_complete_needs_a_reason() {
        let mut order = crate::demo::work_order(crate::demo::now());
        order.status = OnSite;
        let err = advance(&mut order, CouldNotComplete, Some("  ".into())).unwrap_err();
        assert_eq!(err.code(), "invalid");
        assert_eq!(order.status, OnSite);
        advance(&mut order, CouldNotComplete, Some("用户不在家".into())).unwrap();
        assert_eq!(order.status, CouldNotComplete);
        assert_eq!(order.status_note.as_deref(), Some("用户不在家"));
        assert_eq!(advance(&mut order, OnSite, None).unwrap_err().code(), "status_backwards");
    }
}
