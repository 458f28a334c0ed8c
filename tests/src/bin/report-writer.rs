//! The child process of the crash test: a technician's tablet saving signed temperature
//! checks as fast as it can, until it is killed.
//!
//! For each report it autosaves a draft, prints `DRAFT <id>`, signs and saves the report,
//! then prints `ACK <id> <record_hash>` — a line printed means the store said "saved", and
//! the crash test holds the store to it after a SIGKILL at a random moment.
//!
//! Usage: `report-writer DB_PATH SEED`

use std::io::Write;

use hearth_core::demo;
use hearth_core::model::ReportKind;
use hearth_core::store::{Draft, Store};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(seed)) = (args.next(), args.next()) else {
        return Err("usage: report-writer DB_PATH SEED".into());
    };
    let mut store = Store::open(&path)?;
    let author = store.device_id();
    let mut households = demo::households(seed.parse()?, usize::MAX);
    let mut out = std::io::stdout().lock();
    loop {
        let household = households.next().ok_or("out of households")?;
        let now = chrono::Utc::now();
        let signed = demo::signed_temperature_check(&household, author, now)?;
        let draft = Draft {
            id: signed.report().id,
            kind: ReportKind::TemperatureCheck,
            household_id: household.id,
            work_order_id: None,
            data: serde_json::to_value(signed.report())?,
            updated_at: now,
        };
        store.save_draft(&draft)?;
        writeln!(out, "DRAFT {}", draft.id)?;
        out.flush()?;
        store.save_signed_report(&signed)?;
        writeln!(out, "ACK {} {}", signed.report().id, signed.record_hash())?;
        out.flush()?;
    }
}
