//! Push acceptance, backend-neutral: what the server answers to each entry of a push, decided
//! from what the backend loaded in the push's transaction. A backend does load → decide →
//! write and holds SQL only:
//! - a report ([`report::ReportCheck`]): a retry of the same report gets its first answer,
//!   other content under a stored id is a conflict, then the household must be known and in
//!   the caller's scope, the author the caller or a crew mate who used this tablet, and every
//!   blob it names uploaded; then it is stored;
//! - a work-order edit ([`edit::apply`]): the order must be known and in scope, a crew member
//!   may move only its status (forward, not to closed or cancelled) and its note; the merge
//!   itself is [`crate::merge`]. Only accepted edits are remembered for retries: a rejected
//!   one (a missing blob, say) is meant to be sent again once its cause is fixed.

pub mod edit;
pub mod report;

use hearth_core::protocol::{Outcome, RejectCode};

fn rejected(code: RejectCode, message: String) -> Outcome {
    Outcome::Rejected { code, message }
}
