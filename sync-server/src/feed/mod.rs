//! The change feed, backend-neutral: which records a caller may see ([`Scope`]), and the rows
//! a changed record puts into the feed ([`rows_for`]) — its latest state for its station and
//! assignee, and a withdrawal for a station or crew member it has left, so their tablets
//! forget it (`Incoming::Withdrawn`). A backend numbers the rows (each replaces the row of the
//! same key under a new, higher number) and keeps the ordering promise of `crate::storage`;
//! it decides nothing here.

mod scope;

use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, Station, WorkOrder};
use hearth_core::protocol::{Incoming, Withdrawn, WithdrawnKind, WorkOrderState};
use std::collections::BTreeMap;
use uuid::Uuid;

pub use scope::Scope;

use crate::error::Result;

/// What a feed row carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Station,
    Household,
    WorkOrder,
    /// A record has left the row's station or crew member.
    Withdrawn,
}

impl Entity {
    /// The name backends store.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Station => "station",
            Entity::Household => "household",
            Entity::WorkOrder => "work_order",
            Entity::Withdrawn => "withdrawn",
        }
    }

    /// The kind a withdrawal names, for the records that move between stations and crews
    /// (their earlier audience must be loaded before recording them).
    pub fn withdrawable(self) -> Option<WithdrawnKind> {
        match self {
            Entity::Household => Some(WithdrawnKind::Household),
            Entity::WorkOrder => Some(WithdrawnKind::WorkOrder),
            Entity::Station | Entity::Withdrawn => None,
        }
    }
}

/// Who a row is for besides the office: a station's crews and one crew member.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Audience {
    pub station: Option<Uuid>,
    pub assignee: Option<Uuid>,
}

/// One row to record: it replaces the row of the same `(entity, key)`, under a new number.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRow {
    pub entity: Entity,
    pub key: String,
    pub audience: Audience,
    /// The wire's `Incoming` JSON.
    pub payload: String,
}

/// The rows that give record `id` its latest `payload` for `audience`, in the order to
/// record them: first a withdrawal for each of the earlier audience (`before`, the row the
/// feed holds for the record, if any) that it has left, then the record itself.
pub fn rows_for(
    entity: Entity,
    id: Uuid,
    audience: Audience,
    before: Option<Audience>,
    payload: String,
) -> Result<Vec<FeedRow>> {
    let mut rows = Vec::with_capacity(1);
    if let (Some(kind), Some(before)) = (entity.withdrawable(), before) {
        let withdrawal = serde_json::to_string(&Incoming::Withdrawn(Withdrawn { kind, id }))?;
        if let Some(old) = before.station.filter(|&old| Some(old) != audience.station) {
            rows.push(FeedRow {
                entity: Entity::Withdrawn,
                key: format!("{id}@station:{old}"),
                audience: Audience { station: Some(old), assignee: None },
                payload: withdrawal.clone(),
            });
        }
        if let Some(old) = before.assignee.filter(|&old| Some(old) != audience.assignee) {
            rows.push(FeedRow {
                entity: Entity::Withdrawn,
                key: format!("{id}@assignee:{old}"),
                audience: Audience { station: None, assignee: Some(old) },
                payload: withdrawal,
            });
        }
    }
    rows.push(FeedRow { entity, key: id.to_string(), audience, payload });
    Ok(rows)
}

/// A station's row: for its own crews.
pub fn station(station: &Station) -> Result<(Audience, String)> {
    let audience = Audience { station: Some(station.id), assignee: None };
    Ok((audience, serde_json::to_string(&Incoming::Station(station.clone()))?))
}

/// A household's row: for its station's crews.
pub fn household(household: &Household) -> Result<(Audience, String)> {
    let audience = Audience { station: Some(household.station_id), assignee: None };
    Ok((audience, serde_json::to_string(&Incoming::Household(household.clone()))?))
}

/// A work order's row, with its clocks: for its station's crews and its assignee.
pub fn work_order(order: WorkOrder, clocks: BTreeMap<String, Hlc>) -> Result<(Audience, String)> {
    let audience = Audience { station: Some(order.station_id), assignee: order.assignee_id };
    Ok((audience, serde_json::to_string(&Incoming::WorkOrder(WorkOrderState { order, clocks }))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(station: u128, assignee: Option<u128>) -> Audience {
        Audience { station: Some(Uuid::from_u128(station)), assignee: assignee.map(Uuid::from_u128) }
    }

    #[test]
    fn a_new_record_is_one_row_for_its_audience() {
        let id = Uuid::from_u128(7);
        let rows = rows_for(Entity::Household, id, at(1, None), None, "{}".into()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].entity, rows[0].key.as_str()),
            (Entity::Household, "00000000-0000-0000-0000-000000000007")
        );
    }

    #[test]
    fn an_order_leaving_a_station_and_a_crew_member_is_withdrawn_from_both_first() {
        let id = Uuid::from_u128(7);
        let rows =
            rows_for(Entity::WorkOrder, id, at(2, Some(20)), Some(at(1, Some(10))), "{}".into()).unwrap();
        let kinds: Vec<_> = rows.iter().map(|r| (r.entity, r.audience)).collect();
        assert_eq!(
            kinds,
            [
                (Entity::Withdrawn, Audience { station: Some(Uuid::from_u128(1)), assignee: None }),
                (Entity::Withdrawn, Audience { station: None, assignee: Some(Uuid::from_u128(10)) }),
                (Entity::WorkOrder, at(2, Some(20))),
            ]
        );
        assert!(
            rows[0].payload.contains(r#""entity":"withdrawn""#) && rows[0].payload.contains(&id.to_string())
        );
        assert_ne!(rows[0].key, rows[1].key, "each withdrawal keeps its own row");
    }

    #[test]
    fn staying_put_or_gaining_an_assignee_withdraws_nothing() {
        let id = Uuid::from_u128(7);
        let same =
            rows_for(Entity::WorkOrder, id, at(1, Some(10)), Some(at(1, Some(10))), "{}".into()).unwrap();
        assert_eq!(same.len(), 1);
        let assigned =
            rows_for(Entity::WorkOrder, id, at(1, Some(10)), Some(at(1, None)), "{}".into()).unwrap();
        assert_eq!(assigned.len(), 1);
    }

    #[test]
    fn stations_are_never_withdrawn() {
        let id = Uuid::from_u128(1);
        let rows = rows_for(Entity::Station, id, at(1, None), Some(at(2, None)), "{}".into()).unwrap();
        assert_eq!(rows.len(), 1);
    }

    #[test]
    fn a_crew_member_covers_their_station_and_their_own_orders() {
        let user = hearth_core::model::User {
            id: Uuid::from_u128(10),
            username: "t".into(),
            display_name: "t".into(),
            role: hearth_core::model::Role::Technician,
            station_id: Some(Uuid::from_u128(1)),
        };
        let scope = Scope::of(&crate::caller::Caller { user, device_id: Uuid::nil() });
        assert!(scope.covers_station(Uuid::from_u128(1)) && !scope.covers_station(Uuid::from_u128(2)));
        let mut order = hearth_core::demo::work_order(hearth_core::demo::now());
        order.station_id = Uuid::from_u128(2);
        order.assignee_id = None;
        assert!(!scope.covers_order(&order), "out of scope");
        order.assignee_id = Some(Uuid::from_u128(10));
        assert!(scope.covers_order(&order), "lent to them");
    }
}
