//! The company's rulebook (客户服务工作体系) and the city rules, as functions.
//!
//! Each public function names the rulebook section (§) or standard it serves. Nothing here
//! does I/O: the store and the UI call these, and tests call them directly.

pub mod area;
pub mod compliance;
pub mod deadlines;
pub mod order_number;
mod problem;
mod profile;
pub mod signing;
pub mod status;
mod validate;
pub mod verdict;

pub use problem::{Label, Problem, ProblemKind};
pub use profile::{CityProfile, RefundTier};
pub use validate::{
    MAX_ATTACHMENT_BYTES, TEMPERATURE_MAX_C, TEMPERATURE_MIN_C, ValidationContext, asks_satisfaction,
    validate_household, validate_report, validate_sign_off,
};
