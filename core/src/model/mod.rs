//! The domain records of Hearth, as they are stored on a device and sent over the wire.
//!
//! Types here depend on serde, chrono and uuid only. Floats are `f64` everywhere: a signed
//! record's hash is taken over its JSON, and `f64` is the one float type whose JSON text
//! reads back to the same value.

mod area;
mod common;
mod household;
mod inspection;
mod org;
mod repair;
mod report;
mod signature;
mod stroke;
mod temperature;
mod work_order;

pub use area::{AppointmentRecord, AreaRemeasurement, MeasuredRoom, RoomMeasure};
pub use common::{AttachmentRef, GeoLocation, PhotoStage, Sha256};
pub use household::{Household, HouseholdStatus};
pub use inspection::{Inspection, ViolationType};
pub use org::{Role, Station, User};
pub use repair::{FaultCategory, PartUsed, PropertyDamage, RepairOutcome, RepairVisit};
pub use report::{Amendment, CustomerFeedback, Report, ReportBody, ReportKind, Satisfaction};
pub use signature::{Refusal, Signature, SignedReport, SignedReportParts, SignerRole};
pub use stroke::{PointsSpelling, Stroke, StrokePoint};
pub use temperature::{
    MeasuringConditions, RoomReading, RoomType, TemperatureCheck, Thermometer, UserCausedFinding,
};
pub use work_order::{Priority, TimeWindow, WorkOrder, WorkOrderKind, WorkOrderSource, WorkOrderStatus};

/// Implements `as_str` and `Display` for a snake_case serde enum of unit variants.
macro_rules! snake_case_names {
    ($ty:ty { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The name used in JSON and in the database.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name),+ }
            }

            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$(Self::$variant),+];
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Self::$variant),)+
                    other => Err(format!("unknown {} {other:?}", stringify!($ty))),
                }
            }
        }
    };
}
pub(crate) use snake_case_names;
