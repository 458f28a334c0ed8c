//! What a pull brings that the technician should hear about: a work order newly assigned to
//! them, or a new order waiting in their station's pool. Judged per order as a page is
//! applied, from the device's copy before the page and the merged order after it; the app
//! announces it (an in-app notice and a system notification).

use serde::Serialize;

use crate::model::{User, WorkOrder};
use crate::rules::status::is_open;

/// Why an order is news to the logged-in user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NewsKind {
    /// Assigned to them now, and it was not before (a new order, or one handed over).
    AssignedToMe,
    /// A new order for their station that no one has taken yet.
    StationPool,
}

/// An open order to announce, as it stands after the pull.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewOrder {
    pub order: WorkOrder,
    pub kind: NewsKind,
}

/// Whether `after` (the order as the device now holds it) is news to `me`, given the
/// device's copy `before` the pull (`None`: the device did not have it). Finished and
/// cancelled orders are not news, nor an order that was already theirs, nor an update of a
/// pool order the device already showed.
pub fn judge(before: Option<&WorkOrder>, after: &WorkOrder, me: &User) -> Option<NewsKind> {
    if !is_open(after.status) {
        return None;
    }
    let mine_now = after.assignee_id == Some(me.id);
    let mine_before = before.is_some_and(|b| b.assignee_id == Some(me.id));
    if mine_now && !mine_before {
        return Some(NewsKind::AssignedToMe);
    }
    let in_pool = after.assignee_id.is_none() && me.station_id == Some(after.station_id);
    (in_pool && before.is_none()).then_some(NewsKind::StationPool)
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::demo;
    use crate::model::{Role, WorkOrderStatus};

    fn tech(station: Uuid) -> User {
        User {
            id: Uuid::from_u128(1),
            username: "tech1".into(),
            display_name: "张师傅".into(),
            role: Role::Technician,
            station_id: Some(station),
        }
    }

    #[test]
    fn an_order_assigned_to_me_is_news_once() {
        let order = demo::work_order(demo::now());
        let me = tech(order.station_id);
        let mut mine = order.clone();
        mine.assignee_id = Some(me.id);
        assert_eq!(judge(None, &mine, &me), Some(NewsKind::AssignedToMe), "new and mine");
        assert_eq!(
            judge(Some(&order), &mine, &me),
            Some(NewsKind::AssignedToMe),
            "taken from the pool for me"
        );
        assert_eq!(judge(Some(&mine), &mine, &me), None, "already mine: an update is not news");
        let mut other = order.clone();
        other.assignee_id = Some(Uuid::from_u128(2));
        assert_eq!(judge(Some(&other), &mine, &me), Some(NewsKind::AssignedToMe), "handed over to me");
        assert_eq!(judge(None, &other, &me), None, "a colleague's order is not mine");
    }

    #[test]
    fn a_new_pool_order_of_my_station_is_news_and_finished_ones_are_not() {
        let mut order = demo::work_order(demo::now());
        order.assignee_id = None;
        let me = tech(order.station_id);
        assert_eq!(judge(None, &order, &me), Some(NewsKind::StationPool));
        assert_eq!(judge(Some(&order), &order, &me), None, "a pool order the device showed already");
        assert_eq!(judge(None, &order, &tech(Uuid::from_u128(99))), None, "another station's");
        let mut done = order.clone();
        done.status = WorkOrderStatus::Done;
        done.assignee_id = Some(me.id);
        assert_eq!(judge(None, &done, &me), None, "finished work is not news");
    }
}
