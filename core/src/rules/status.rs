//! Work-order status: new → assigned → en_route → on_site → done or could_not_complete →
//! closed, or cancelled before the work is done. It only moves forward, so a stale edit
//! never reopens a finished order (ARCHITECTURE.md, "Data"; §75 closure rate).

use crate::model::{RepairOutcome, Report, ReportBody, Role, WorkOrder, WorkOrderStatus};
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

/// Open: work still to do (new, assigned, en route, on site).
pub fn is_open(status: WorkOrderStatus) -> bool {
    step(status) < step(WorkOrderStatus::Done)
}

/// The crew has not reached the household yet (new, assigned, en route).
pub fn before_arrival(status: WorkOrderStatus) -> bool {
    step(status) < step(WorkOrderStatus::OnSite)
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

/// The moves a crew member (technician, inspector) makes on site: on the way, arrived, and
/// the outcome — done or could not complete (§74: reach the household in time; §76: repair and
/// fill in the record). Every other move is the office's: closing an order once its outcome is
/// accounted for and cancelling one (§28, §31: the hotline takes the call, sees it through to
/// 处理率 100 % and calls back), and putting an order back to new or assigned (reopening,
/// assigning), which [`can_move`] never allows on a device anyway.
pub const CREW_MOVES: [WorkOrderStatus; 4] = [
    WorkOrderStatus::EnRoute,
    WorkOrderStatus::OnSite,
    WorkOrderStatus::Done,
    WorkOrderStatus::CouldNotComplete,
];

/// Whether a crew member may move an order to `to` (see [`CREW_MOVES`]); `false` means the
/// move is the office's (dispatchers, admins), whatever the order's current status.
pub fn crew_may_move(to: WorkOrderStatus) -> bool {
    CREW_MOVES.contains(&to)
}

/// Whether `role` may move an order to `to`: the office may make any move, a crew member only
/// the crew's ([`crew_may_move`]). Whether the move is possible from the order's status is
/// [`can_move`]'s question.
pub fn role_may_move(role: Role, to: WorkOrderStatus) -> bool {
    match role {
        Role::Dispatcher | Role::Admin => true,
        Role::Technician | Role::Inspector => crew_may_move(to),
    }
}

/// The moves a crew member may make now from `from`: the crew's moves [`can_move`] allows.
pub fn crew_moves(from: WorkOrderStatus) -> impl Iterator<Item = WorkOrderStatus> {
    CREW_MOVES.into_iter().filter(move |&to| can_move(from, to))
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
/// ends closed or with a reason). `has_signed_record`: a signed report of this order exists,
/// so "done" needs no note ([`needs_note`]).
pub fn advance(
    order: &mut WorkOrder,
    to: WorkOrderStatus,
    note: Option<String>,
    has_signed_record: bool,
) -> Result<()> {
    if !can_move(order.status, to) {
        return Err(Error::StatusBackwards {
            id: order.id,
            from: order.status.to_string(),
            to: to.to_string(),
        });
    }
    let note = note.filter(|n| !n.trim().is_empty());
    if let Some(what) = needs_note(to, has_signed_record).filter(|_| note.is_none()) {
        return Err(Error::Invalid(vec![Problem::new("status_note", ProblemKind::Missing { what })]));
    }
    order.status = to;
    if note.is_some() {
        order.status_note = note;
    }
    Ok(())
}

/// The status a signed report leaves its order in, with the note it carries (§75: every order
/// ends done, or with the reason it could not be). Signing is what finishes the job: a repair
/// the technician marked not fixed ends "could not complete" with the reason he gave; any
/// other record finishes the order. `None` when the order cannot move there (it is already
/// finished, closed or cancelled), so a correction signed later changes nothing.
pub fn after_report(order: WorkOrderStatus, report: &Report) -> Option<(WorkOrderStatus, Option<String>)> {
    let outcome = match &report.body {
        ReportBody::RepairVisit(visit) => match &visit.outcome {
            RepairOutcome::Fixed => (WorkOrderStatus::Done, None),
            RepairOutcome::NotFixed { reason } => (WorkOrderStatus::CouldNotComplete, Some(reason.clone())),
        },
        _ => (WorkOrderStatus::Done, None),
    };
    can_move(order, outcome.0).then_some(outcome)
}

/// Whether moving an order to `to` needs a note in words. "Could not complete" always does;
/// "done" does when no signed record of the visit exists, since then the note is the only
/// account of what was done (§75, §76: the office closes only what it can account for).
pub fn needs_note(to: WorkOrderStatus, has_signed_record: bool) -> Option<Label> {
    match to {
        WorkOrderStatus::CouldNotComplete => Some(Label::StatusNote),
        WorkOrderStatus::Done if !has_signed_record => Some(Label::DoneWithoutRecord),
        _ => None,
    }
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
    fn the_crew_moves_on_site_and_the_office_closes_and_cancels() {
        for to in [EnRoute, OnSite, Done, CouldNotComplete] {
            assert!(crew_may_move(to), "{to:?}");
            assert!(role_may_move(Role::Technician, to) && role_may_move(Role::Inspector, to));
        }
        for to in [Cancelled, Closed, New, Assigned] {
            assert!(!crew_may_move(to), "{to:?} is the office's");
            assert!(!role_may_move(Role::Technician, to) && !role_may_move(Role::Inspector, to));
            assert!(role_may_move(Role::Dispatcher, to) && role_may_move(Role::Admin, to));
        }
        assert_eq!(crew_moves(Assigned).collect::<Vec<_>>(), [EnRoute, OnSite, Done, CouldNotComplete]);
        assert_eq!(crew_moves(OnSite).collect::<Vec<_>>(), [Done, CouldNotComplete]);
        assert_eq!(crew_moves(Done).count(), 0, "closing a done order is the office's");
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
        let err = advance(&mut order, CouldNotComplete, Some("  ".into()), true).unwrap_err();
        assert_eq!(err.code(), "invalid");
        assert_eq!(order.status, OnSite);
        advance(&mut order, CouldNotComplete, Some("用户不在家".into()), false).unwrap();
        assert_eq!(order.status, CouldNotComplete);
        assert_eq!(order.status_note.as_deref(), Some("用户不在家"));
        assert_eq!(advance(&mut order, OnSite, None, false).unwrap_err().code(), "status_backwards");
    }

    #[test]
    fn done_without_a_signed_record_needs_a_note_and_with_one_does_not() {
        let mut order = crate::demo::work_order(crate::demo::now());
        order.status = OnSite;
        let err = advance(&mut order, Done, None, false).unwrap_err();
        let crate::Error::Invalid(problems) = err else { panic!("not invalid: {err:?}") };
        assert_eq!(problems[0].message(crate::Locale::ZhCn), "请填写无签字记录的完成说明");
        assert_eq!(order.status, OnSite, "nothing moved");
        advance(&mut order.clone(), Done, None, true).unwrap();
        advance(&mut order, Done, Some("用户已自行恢复供暖，电话确认".into()), false).unwrap();
        assert_eq!(order.status, Done);
    }

    #[test]
    fn a_signed_report_finishes_its_order_and_a_repair_not_fixed_gives_the_reason() {
        let now = crate::demo::now();
        let check = ReportBody::TemperatureCheck(crate::demo::temperature_check(now));
        let report = crate::demo::report(check, uuid::Uuid::nil(), uuid::Uuid::nil(), now);
        assert_eq!(after_report(OnSite, &report), Some((Done, None)));
        assert_eq!(
            after_report(Assigned, &report),
            Some((Done, None)),
            "a forgotten 已到场 does not block it"
        );
        assert_eq!(after_report(Done, &report), None, "a correction changes nothing");
        assert_eq!(after_report(Cancelled, &report), None);
        let mut repair = report.clone();
        let mut visit = crate::demo::repair_visit(now);
        visit.outcome = RepairOutcome::NotFixed { reason: "缺配件，明日更换".into() };
        repair.body = ReportBody::RepairVisit(visit);
        assert_eq!(after_report(OnSite, &repair), Some((CouldNotComplete, Some("缺配件，明日更换".into()))));
    }
}
