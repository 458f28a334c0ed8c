//! A push batch in bulk, so a batch costs a few round trips to PostgreSQL rather than several
//! per entry: what the acceptance rules ask about ([`Known`]: stored reports, households,
//! authors, blobs, the orders reports and edits name, earlier answers to edits) is read for
//! the whole batch up front, and the stored reports with their facts and waiting-list notes
//! and the edits' answers ([`Pending`]) are written with one `INSERT … SELECT FROM unnest(…)`
//! per table. Everything is read and written inside the push's transaction, under the feed's
//! lock, so the answers are the ones the one-by-one reads would have given: a report or an
//! edit's answer stored earlier in the batch is known to the later entries ([`Known`] is kept
//! up to date), and [`Pending::flush`] runs before any read of a table it holds rows for (an
//! amendment reads its original's facts).

mod known;
mod pending;

pub(super) use known::Known;
pub(super) use pending::{Pending, ReportRow};
