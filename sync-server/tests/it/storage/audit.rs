//! The audit trail: each `…_audited` call does what its plain namesake does and keeps the
//! action in the same transaction, only when the action took place.

use chrono::{Duration, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::Role;
use hearth_core::protocol::{Outcome, Outgoing, PushEntry, WorkOrderEdit, WorkOrderFields};
use hearth_core::rules::CityProfile;
use hearth_server::storage::console::{AuditAction, AuditFilter, Call, CallOutcome, NewAudit};
use uuid::Uuid;

use super::{Fresh, city, logged_in, user};

pub async fn every_office_action_is_kept_with_who_and_what_once_it_happened(storage: Fresh) {
    let homes = city(&*storage, 4).await;
    let admin = logged_in(&*storage, Role::Admin, 0).await;
    let audit = |action, subject_id| NewAudit {
        at: Utc::now(),
        actor_id: admin.user.id,
        device_id: admin.device_id,
        action,
        subject_id,
        detail: serde_json::json!({}),
    };

    let tech = user(Role::Technician, 0);
    storage
        .add_user_audited(tech.clone(), "hash".into(), audit(AuditAction::UserAdded, Some(tech.id)))
        .await
        .unwrap();
    assert!(storage.credentials(&tech.username).await.unwrap().is_some());
    assert!(
        !storage.disable_user_audited(Uuid::now_v7(), audit(AuditAction::UserDisabled, None)).await.unwrap()
    );
    assert!(
        storage.disable_user_audited(tech.id, audit(AuditAction::UserDisabled, Some(tech.id))).await.unwrap()
    );
    let device = logged_in(&*storage, Role::Technician, 0).await.device_id;
    assert!(
        !storage
            .revoke_device_audited(Uuid::now_v7(), audit(AuditAction::DeviceRevoked, None))
            .await
            .unwrap()
    );
    assert!(
        storage.revoke_device_audited(device, audit(AuditAction::DeviceRevoked, Some(device))).await.unwrap()
    );

    let stricter = CityProfile { indoor_standard_c: 19.0, ..CityProfile::default() };
    storage
        .set_city_profile_audited(stricter.clone(), audit(AuditAction::ThresholdsChanged, None))
        .await
        .unwrap();
    assert_eq!(storage.city_profile().await.unwrap(), stricter);

    let mut planned = hearth_core::demo::work_order(Utc::now());
    planned.household_id = homes[0].id;
    let planned = storage
        .add_work_order_audited(planned, Hlc::ZERO, audit(AuditAction::OrderCreated, None))
        .await
        .unwrap();
    let mut from_call = hearth_core::demo::work_order(Utc::now());
    from_call.household_id = homes[0].id;
    let phoned = Call {
        id: Uuid::now_v7(),
        received_at: Utc::now(),
        dispatcher_id: admin.user.id,
        caller_name: "王伟".into(),
        phone: "13800000000".into(),
        household_id: Some(homes[0].id),
        description: "暖气漏水".into(),
        outcome: CallOutcome::WorkOrder,
        work_order_id: Some(from_call.id),
        work_order_number: None,
    };
    let made = storage
        .record_call_audited(phoned, Some(from_call), Hlc::ZERO, audit(AuditAction::OrderFromCall, None))
        .await
        .unwrap()
        .expect("the order made from the call");
    let advice = Call { dispatcher_id: admin.user.id, ..phoned_like(&made) };
    let none = storage
        .record_call_audited(advice, None, Hlc::ZERO, audit(AuditAction::OrderFromCall, None))
        .await
        .unwrap();
    assert!(none.is_none(), "advice makes no order, and no audit");

    let edit = |work_order_id| PushEntry {
        id: Uuid::now_v7(),
        hlc: Hlc { wall_ms: Utc::now().timestamp_millis() as u64, counter: 0, node: 2 },
        change: Outgoing::WorkOrderEdit(WorkOrderEdit {
            work_order_id,
            fields: WorkOrderFields { assignee_id: Some(admin.user.id), ..Default::default() },
        }),
    };
    let assigned = storage
        .office_edit_audited(
            admin.clone(),
            edit(planned.id),
            Utc::now(),
            audit(AuditAction::OrderAssigned, Some(planned.id)),
        )
        .await
        .unwrap();
    assert!(matches!(assigned, Outcome::Accepted { .. }));
    assert_eq!(storage.work_order(planned.id).await.unwrap().unwrap().assignee_id, Some(admin.user.id));
    let unknown = storage
        .office_edit_audited(
            admin.clone(),
            edit(Uuid::now_v7()),
            Utc::now(),
            audit(AuditAction::OrderAssigned, None),
        )
        .await
        .unwrap();
    assert!(matches!(unknown, Outcome::Rejected { .. }), "an unknown order: refused, and not kept");

    let all = storage.audit_log(AuditFilter { limit: 50, ..AuditFilter::default() }).await.unwrap();
    let actions: Vec<AuditAction> = all.entries.iter().map(|e| e.action).collect();
    use AuditAction::*;
    assert_eq!(
        actions,
        [
            OrderAssigned,
            OrderFromCall,
            OrderCreated,
            ThresholdsChanged,
            DeviceRevoked,
            UserDisabled,
            UserAdded
        ],
        "newest first, each action once"
    );
    assert_eq!(all.total, 7);
    assert!(
        all.entries.iter().all(|e| e.actor_id == admin.user.id && e.actor_username == admin.user.username)
    );
    let created = &all.entries[2];
    assert_eq!(created.subject_id, Some(planned.id), "the new order is the subject");
    assert_eq!(created.detail["number"], serde_json::json!(planned.number));
    assert_eq!(all.entries[1].subject_id, Some(made.id));
    let thresholds = &all.entries[3].detail;
    assert_eq!(
        thresholds["indoor_standard_c"],
        serde_json::json!({"from": 18.0, "to": 19.0}),
        "{thresholds}"
    );
    assert_eq!(thresholds.as_object().unwrap().len(), 1, "only what changed");

    let only = storage
        .audit_log(AuditFilter { action: Some(OrderCreated), limit: 10, ..AuditFilter::default() })
        .await
        .unwrap();
    assert_eq!((only.total, only.entries.len()), (1, 1));
    let by_other = AuditFilter { actor_id: Some(Uuid::now_v7()), limit: 10, ..AuditFilter::default() };
    assert_eq!(storage.audit_log(by_other).await.unwrap().total, 0);
    let future =
        AuditFilter { from: Some(Utc::now() + Duration::hours(1)), limit: 10, ..AuditFilter::default() };
    assert_eq!(storage.audit_log(future).await.unwrap().total, 0);
    let page =
        storage.audit_log(AuditFilter { limit: 2, offset: 2, ..AuditFilter::default() }).await.unwrap();
    assert_eq!(page.entries.iter().map(|e| e.action).collect::<Vec<_>>(), [OrderCreated, ThresholdsChanged]);
}

/// A call like the one that made `order`.
fn phoned_like(order: &hearth_core::model::WorkOrder) -> Call {
    Call {
        id: Uuid::now_v7(),
        received_at: Utc::now(),
        dispatcher_id: Uuid::nil(),
        caller_name: "王伟".into(),
        phone: "13800000000".into(),
        household_id: Some(order.household_id),
        description: "问供暖时间".into(),
        outcome: CallOutcome::Advice,
        work_order_id: None,
        work_order_number: None,
    }
}
