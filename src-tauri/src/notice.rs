//! Announcing the work orders a sync brought (hearth-core's `sync::news`): the in-app notice,
//! sent to the UI as a [`NewOrdersEvent`] (the UI words it from its own table), and a system
//! notification through Tauri's notification plugin where the platform allows one, worded
//! here in the app's language with the glossary's words (`hearth_core::glossary`). A first
//! download is summed up once in the app and raises no
//! system notification: the technician is looking at the screen, and 20 orders must not
//! arrive as 20 notices.

use hearth_core::Locale;
use hearth_core::glossary;
use hearth_core::model::Priority;
use hearth_core::store::{Store, households};
use hearth_core::sync::news::{NewOrder, NewsKind};
use tauri::AppHandle;
use tauri_plugin_notification::{NotificationExt, PermissionState};
use tauri_specta::Event;

use crate::dto::{NewOrderNotice, NewOrdersEvent};
use crate::state::AppState;

/// Orders announced one by one at most; beyond, one summary.
pub const MAX_NOTICES: usize = 3;

/// The in-app event for the `news` a sync brought (during the device's first download when
/// `first_pull`); None when it brought nothing new.
pub fn event(store: &Store, first_pull: bool, news: &[NewOrder]) -> Option<NewOrdersEvent> {
    if news.is_empty() {
        return None;
    }
    let count = u32::try_from(news.len()).unwrap_or(u32::MAX);
    let orders = if first_pull {
        Vec::new()
    } else {
        news.iter().take(MAX_NOTICES).map(|n| notice(store, n)).collect()
    };
    Some(NewOrdersEvent { first_pull, count, orders })
}

fn notice(store: &Store, news: &NewOrder) -> NewOrderNotice {
    let order = &news.order;
    let address = households::get(store.conn(), order.household_id).ok().flatten().map(|h| h.address);
    NewOrderNotice {
        id: order.id.to_string(),
        number: order.number.clone(),
        kind: order.kind.as_str().to_owned(),
        priority: order.priority.as_str().to_owned(),
        address,
        assigned_to_me: news.kind == NewsKind::AssignedToMe,
    }
}

/// A system notification's title and body for `event`; None for a first download.
pub fn system_text(event: &NewOrdersEvent, locale: Locale) -> Option<(String, String)> {
    if event.first_pull {
        return None;
    }
    match (event.count, event.orders.first()) {
        (1, Some(order)) => {
            let title = if order.assigned_to_me {
                locale.pick("新工单", "New work order")
            } else {
                locale.pick("站内新工单（待领）", "New work order in the station pool")
            };
            let what = what(&order.kind, &order.priority, locale);
            let body = match &order.address {
                Some(address) => format!("{what} · {address}"),
                None => what,
            };
            Some((title, body))
        }
        (n, _) => Some((
            locale.pick("新工单", "New work orders"),
            locale.pick(
                format!("{n} 张新工单，请打开 Hearth 查看"),
                format!("{n} new work orders: open Hearth"),
            ),
        )),
    }
}

/// "加急 入户检修": the priority when it is pressing, and the kind, in the UI's words.
fn what(kind: &str, priority: &str, locale: Locale) -> String {
    let kind = glossary::word(locale, "kind", kind);
    match priority.parse::<Priority>() {
        Ok(Priority::Emergency | Priority::Urgent) => {
            format!("{} {kind}", glossary::word(locale, "priority", priority))
        }
        _ => kind,
    }
}

/// Tells the UI and the system about the `news` a sync applied (whether or not it then
/// finished). A notification the platform refuses is only logged: the in-app notice is
/// there regardless.
pub fn announce(app: &AppHandle, state: &AppState, first_pull: bool, news: &[NewOrder]) {
    let (event, locale) = {
        let store = state.store();
        (event(&store, first_pull, news), AppState::locale(&store))
    };
    let Some(event) = event else { return };
    if let Err(e) = event.emit(app) {
        eprintln!("hearth-app: cannot send the new-order notice: {e}");
    }
    let Some((title, body)) = system_text(&event, locale) else { return };
    let notification = app.notification();
    let allowed = match notification.permission_state() {
        Ok(PermissionState::Granted) => true,
        Ok(_) => matches!(notification.request_permission(), Ok(PermissionState::Granted)),
        Err(_) => false,
    };
    if !allowed {
        return;
    }
    if let Err(e) = notification.builder().title(title).body(body).show() {
        eprintln!("hearth-app: cannot show the system notification: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event_of(orders: Vec<NewOrderNotice>, count: u32) -> NewOrdersEvent {
        NewOrdersEvent { first_pull: false, count, orders }
    }

    fn urgent_repair(mine: bool) -> NewOrderNotice {
        NewOrderNotice {
            id: "o1".into(),
            number: Some("和平-1202-007".into()),
            kind: "repair".into(),
            priority: "urgent".into(),
            address: Some("和平区南京路12号3-201".into()),
            assigned_to_me: mine,
        }
    }

    #[test]
    fn one_new_order_is_notified_with_its_priority_kind_and_address() {
        let event = event_of(vec![urgent_repair(true)], 1);
        assert_eq!(
            system_text(&event, Locale::ZhCn),
            Some(("新工单".to_owned(), "加急 入户检修 · 和平区南京路12号3-201".to_owned()))
        );
        let (title, body) = system_text(&event_of(vec![urgent_repair(false)], 1), Locale::En).unwrap();
        assert_eq!(title, "New work order in the station pool");
        assert_eq!(body, "Urgent Repair · 和平区南京路12号3-201");
    }

    #[test]
    fn many_are_summed_up_and_a_first_download_raises_none() {
        let many = event_of(vec![urgent_repair(true); MAX_NOTICES], 12);
        assert_eq!(system_text(&many, Locale::ZhCn).unwrap().1, "12 张新工单，请打开 Hearth 查看");
        let first = NewOrdersEvent { first_pull: true, count: 20, orders: Vec::new() };
        assert_eq!(system_text(&first, Locale::ZhCn), None);
    }
}
