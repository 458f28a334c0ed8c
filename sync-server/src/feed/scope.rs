//! Which records a caller may see and change: the office everything, a crew member their
//! station's records and what is assigned to them.

use hearth_core::model::{Role, WorkOrder};
use uuid::Uuid;

use crate::caller::Caller;

/// Which records a caller may see and change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Dispatchers and admins: everything (withdrawals are not for them: they see every
    /// record where it is now).
    Office,
    /// Technicians and inspectors: their station's records and what is assigned to them.
    Crew { station: Option<Uuid>, user: Uuid },
}

impl Scope {
    pub fn of(caller: &Caller) -> Scope {
        match caller.user.role {
            Role::Dispatcher | Role::Admin => Scope::Office,
            Role::Technician | Role::Inspector => {
                Scope::Crew { station: caller.user.station_id, user: caller.user.id }
            }
        }
    }

    /// May report on a household of `station`: the office anywhere, a crew member at home.
    pub fn covers_station(self, station: Uuid) -> bool {
        match self {
            Scope::Office => true,
            Scope::Crew { station: own, .. } => own == Some(station),
        }
    }

    /// May see and move `order`: the office any, a crew member their station's or their own.
    pub fn covers_order(self, order: &WorkOrder) -> bool {
        match self {
            Scope::Office => true,
            Scope::Crew { station, user } => {
                station == Some(order.station_id) || order.assignee_id == Some(user)
            }
        }
    }
}
