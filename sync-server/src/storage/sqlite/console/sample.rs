//! Sample data for benchmarks, written straight into the store: reports with their facts
//! (as a push would derive them) and open work orders, spread over the stored households and
//! crews. A sample report's record is a small placeholder, not a signed report — its tamper
//! check fails on purpose, so sample data can never pass for real records.

use chrono::{DateTime, Duration, Utc};
use hearth_core::hlc::Hlc;
use rusqlite::{Transaction, params};
use uuid::Uuid;

use super::super::{admin, time_text};
use crate::demo::sample::{self, ReportDraw};
use crate::error::{Error, Result};

/// An id and the station it belongs to.
type OfStation = (String, String);

/// The households and crew members sample data is spread over.
fn city(tx: &Transaction<'_>) -> Result<(Vec<OfStation>, Vec<OfStation>)> {
    let homes = tx
        .prepare("SELECT id, station_id FROM households")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<OfStation>>>()?;
    let crews = tx
        .prepare("SELECT id, station_id FROM users WHERE station_id IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<OfStation>>>()?;
    if homes.is_empty() || crews.is_empty() {
        return Err(Error::Refused(
            "sample data needs households and crew members: create the demo city first".into(),
        ));
    }
    Ok((homes, crews))
}

/// Adds `count` sample reports received between `from` and `to`.
pub(super) fn add_reports(
    tx: &Transaction<'_>,
    count: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    seed: u64,
) -> Result<()> {
    let (homes, crews) = city(tx)?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let span_s = (to - from).num_seconds().max(1);
    let mut report = tx.prepare_cached(
        "INSERT INTO reports (id, record, record_hash, household_id, station_id, device_id, received_at)
         VALUES (?1, '{\"sample\":true}', '', ?2, ?3, ?4, ?5)",
    )?;
    let mut facts = tx.prepare_cached(
        "INSERT INTO report_facts (report_id, kind, station_id, author_id, household_id, created_at, received_at,
             satisfaction, lowest_c, outdoor_c, excused, billed_area_m2, arrived_on_time, fixed_in_time,
             area_within_tolerance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    let mut violation = tx.prepare_cached(
        "INSERT INTO report_violations (report_id, violation, station_id, author_id, received_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let satisfactions =
        [Some("satisfied"), Some("satisfied"), Some("fairly_satisfied"), Some("dissatisfied"), None];
    for i in 0..count {
        let (home, station) = &homes[rng.usize(..homes.len())];
        let station_crews: Vec<&OfStation> = crews.iter().filter(|c| &c.1 == station).collect();
        let author = station_crews.get(rng.usize(..station_crews.len().max(1))).map_or(&crews[0].0, |c| &c.0);
        let id = Uuid::from_u64_pair(seed, i as u64).to_string();
        let at = time_text(from + Duration::seconds(rng.i64(0..span_s)));
        report.execute(params![id, home, station, author, at])?;
        let draw = ReportDraw::draw(&mut rng);
        if let Some(v) = draw.violation {
            violation.execute(params![id, v.as_str(), station, author, at])?;
        }
        let satisfaction = satisfactions[rng.usize(..satisfactions.len())];
        facts.execute(params![
            id,
            draw.kind,
            station,
            author,
            home,
            at,
            satisfaction,
            draw.lowest_c,
            draw.outdoor_c,
            draw.excused,
            draw.billed_area_m2,
            draw.arrived_on_time,
            draw.fixed_in_time,
            draw.area_within_tolerance
        ])?;
    }
    Ok(())
}

/// Adds `count` open sample work orders reported in the last 12 hours, due 8 hours later.
pub(super) fn add_orders(tx: &Transaction<'_>, count: usize, now: DateTime<Utc>, seed: u64) -> Result<()> {
    let (homes, crews) = city(tx)?;
    let ids = |rows: &[OfStation]| -> Result<Vec<sample::OfStation>> {
        rows.iter()
            .map(|(id, station)| {
                Ok((
                    id.parse().map_err(|e| Error::Corrupt(format!("id {id}: {e}")))?,
                    station.parse().map_err(|e| Error::Corrupt(format!("station id {station}: {e}")))?,
                ))
            })
            .collect()
    };
    let orders = sample::work_orders(&ids(&homes)?, &ids(&crews)?, count, now, seed);
    let wall_ms = u64::try_from(now.timestamp_millis()).unwrap_or_default();
    admin::add_work_orders(tx, &orders, Hlc { wall_ms, counter: 0, node: 0 }).map(drop)
}
