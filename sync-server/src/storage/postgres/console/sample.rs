//! Sample data for benchmarks on PostgreSQL, written straight into the store: reports with
//! their facts (as a push would derive them) and open work orders, spread over the stored
//! households and crews with the SQLite backend's draws in its order, so a city stored in id
//! order (the demo's) gets the same sample reports on both. A sample report's record is a
//! small placeholder, not a signed report — its tamper check fails on purpose, so sample data
//! can never pass for real records. Reports go in as multi-row inserts (`unnest`) of
//! [`CHUNK`] rows; orders through the office's own path, in several transactions.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::{GenericClient, Transaction};
use hearth_core::model::WorkOrder;
use uuid::Uuid;

use crate::demo::sample::{self, OfStation, ReportDraw};
use crate::error::{Error, Result};

/// Reports written per statement.
const CHUNK: usize = 5_000;

/// Sample orders stored per transaction. Each order takes a change number and an order
/// number, each an update of one row; PostgreSQL keeps every version of a row that a running
/// transaction updated, so one transaction of 100,000 orders would walk ever longer chains.
pub(super) const ORDERS_PER_TRANSACTION: usize = 1_000;

/// The households and crew members sample data is spread over.
async fn city(c: &impl GenericClient) -> Result<(Vec<OfStation>, Vec<OfStation>)> {
    let of_station = |rows: Vec<tokio_postgres::Row>| -> Result<Vec<OfStation>> {
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    };
    let homes = of_station(c.query("SELECT id, station_id FROM households ORDER BY id", &[]).await?)?;
    let crews = of_station(
        c.query("SELECT id, station_id FROM users WHERE station_id IS NOT NULL ORDER BY id", &[]).await?,
    )?;
    if homes.is_empty() || crews.is_empty() {
        return Err(Error::Refused(
            "sample data needs households and crew members: create the demo city first".into(),
        ));
    }
    Ok((homes, crews))
}

/// The columns of one chunk of sample reports, each a statement's array.
#[derive(Default)]
struct Columns {
    id: Vec<Uuid>,
    home: Vec<Uuid>,
    station: Vec<Uuid>,
    author: Vec<Uuid>,
    at: Vec<DateTime<Utc>>,
    kind: Vec<&'static str>,
    satisfaction: Vec<Option<&'static str>>,
    lowest_c: Vec<Option<f64>>,
    outdoor_c: Vec<Option<f64>>,
    excused: Vec<bool>,
    billed_area_m2: Vec<Option<f64>>,
    arrived_on_time: Vec<Option<bool>>,
    fixed_in_time: Vec<Option<bool>>,
    area_within_tolerance: Vec<Option<bool>>,
    /// Inspections' violations: report (index into the chunk), type.
    violations: Vec<(usize, &'static str)>,
}

impl Columns {
    async fn write(self, tx: &Transaction<'_>) -> Result<()> {
        let reports = tx
            .prepare_cached(
                "INSERT INTO reports (id, record, record_hash, household_id, station_id, device_id, received_at)
                 SELECT id, '{\"sample\":true}', '', home, station, author, at
                 FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[])
                     AS t (id, home, station, author, at)",
            )
            .await?;
        tx.execute(&reports, &[&self.id, &self.home, &self.station, &self.author, &self.at]).await?;
        let facts = tx
            .prepare_cached(
                "INSERT INTO report_facts (report_id, kind, station_id, author_id, household_id, created_at,
                     received_at, satisfaction, lowest_c, outdoor_c, excused, billed_area_m2, arrived_on_time,
                     fixed_in_time, area_within_tolerance)
                 SELECT id, kind, station, author, home, at, at, satisfaction, lowest_c, outdoor_c, excused,
                        billed, arrived, fixed, within
                 FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::timestamptz[],
                             $7::text[], $8::float8[], $9::float8[], $10::bool[], $11::float8[], $12::bool[],
                             $13::bool[], $14::bool[])
                     AS t (id, kind, station, author, home, at, satisfaction, lowest_c, outdoor_c, excused,
                           billed, arrived, fixed, within)",
            )
            .await?;
        tx.execute(
            &facts,
            &[
                &self.id,
                &self.kind,
                &self.station,
                &self.author,
                &self.home,
                &self.at,
                &self.satisfaction,
                &self.lowest_c,
                &self.outdoor_c,
                &self.excused,
                &self.billed_area_m2,
                &self.arrived_on_time,
                &self.fixed_in_time,
                &self.area_within_tolerance,
            ],
        )
        .await?;
        if self.violations.is_empty() {
            return Ok(());
        }
        let (mut ids, mut types, mut stations, mut authors, mut ats) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for &(i, violation) in &self.violations {
            ids.push(self.id[i]);
            types.push(violation);
            stations.push(self.station[i]);
            authors.push(self.author[i]);
            ats.push(self.at[i]);
        }
        let violations = tx
            .prepare_cached(
                "INSERT INTO report_violations (report_id, violation, station_id, author_id, received_at)
                 SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::timestamptz[])
                 ON CONFLICT DO NOTHING",
            )
            .await?;
        tx.execute(&violations, &[&ids, &types, &stations, &authors, &ats]).await?;
        Ok(())
    }
}

/// Adds `count` sample reports received between `from` and `to`.
pub(super) async fn add_reports(
    tx: &Transaction<'_>,
    count: usize,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    seed: u64,
) -> Result<()> {
    let (homes, crews) = city(tx).await?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let span_s = (to - from).num_seconds().max(1);
    let satisfactions =
        [Some("satisfied"), Some("satisfied"), Some("fairly_satisfied"), Some("dissatisfied"), None];
    let mut chunk = Columns::default();
    for i in 0..count {
        let (home, station) = homes[rng.usize(..homes.len())];
        let station_crews: Vec<&OfStation> = crews.iter().filter(|c| c.1 == station).collect();
        let author = station_crews.get(rng.usize(..station_crews.len().max(1))).map_or(crews[0].0, |c| c.0);
        let at = from + Duration::seconds(rng.i64(0..span_s));
        let draw = ReportDraw::draw(&mut rng);
        if let Some(v) = draw.violation {
            chunk.violations.push((chunk.id.len(), v.as_str()));
        }
        chunk.id.push(Uuid::from_u64_pair(seed, i as u64));
        chunk.home.push(home);
        chunk.station.push(station);
        chunk.author.push(author);
        chunk.at.push(at);
        chunk.kind.push(draw.kind);
        chunk.satisfaction.push(satisfactions[rng.usize(..satisfactions.len())]);
        chunk.lowest_c.push(draw.lowest_c);
        chunk.outdoor_c.push(draw.outdoor_c);
        chunk.excused.push(draw.excused);
        chunk.billed_area_m2.push(draw.billed_area_m2);
        chunk.arrived_on_time.push(draw.arrived_on_time);
        chunk.fixed_in_time.push(draw.fixed_in_time);
        chunk.area_within_tolerance.push(draw.area_within_tolerance);
        if chunk.id.len() == CHUNK {
            std::mem::take(&mut chunk).write(tx).await?;
        }
    }
    if !chunk.id.is_empty() {
        chunk.write(tx).await?;
    }
    Ok(())
}

/// `count` open sample work orders reported in the last 12 hours, due 8 hours later, to store
/// with `admin::add_work_orders` in transactions of [`ORDERS_PER_TRANSACTION`].
pub(super) async fn orders(
    c: &impl GenericClient,
    count: usize,
    now: DateTime<Utc>,
    seed: u64,
) -> Result<Vec<WorkOrder>> {
    let (homes, crews) = city(c).await?;
    Ok(sample::work_orders(&homes, &crews, count, now, seed))
}
