//! Synced records as the office reads them on PostgreSQL: report lists from the report facts,
//! one report as stored with its amendments, and the conflict log.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use uuid::Uuid;

use crate::error::Result;
use crate::storage::console::{
    ConflictEntry, ConflictFilter, ReportFilter, ReportPage, ReportSummary, StoredReport,
};

/// A summary's columns of `report_facts f`, then its order's number.
const SUMMARY: &str =
    "f.report_id, f.kind, f.station_id, f.author_id, f.household_id, f.work_order_id, f.amends,
     f.created_at, f.received_at, (SELECT w.number FROM work_orders w WHERE w.id = f.work_order_id)";

/// A summary read with [`SUMMARY`].
fn summary(row: &Row) -> Result<ReportSummary> {
    Ok(ReportSummary {
        id: row.try_get(0)?,
        kind: row.try_get(1)?,
        station_id: row.try_get(2)?,
        author_id: row.try_get(3)?,
        household_id: row.try_get(4)?,
        work_order_id: row.try_get(5)?,
        amends: row.try_get(6)?,
        created_at: row.try_get(7)?,
        received_at: row.try_get(8)?,
        work_order_number: row.try_get(9)?,
    })
}

pub(super) async fn reports(c: &impl GenericClient, f: &ReportFilter) -> Result<ReportPage> {
    let filter =
        "($1::timestamptz IS NULL OR f.received_at >= $1) AND ($2::timestamptz IS NULL OR f.received_at < $2)
         AND ($3::uuid IS NULL OR f.station_id = $3) AND ($4::uuid IS NULL OR f.author_id = $4)
         AND ($5::text IS NULL OR f.kind = $5)";
    let kind = f.kind.map(|k| k.as_str());
    let stmt = c.prepare_cached(&format!("SELECT count(*) FROM report_facts f WHERE {filter}")).await?;
    let total: i64 =
        c.query_one(&stmt, &[&f.from, &f.to, &f.station_id, &f.author_id, &kind]).await?.try_get(0)?;
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {SUMMARY} FROM report_facts f WHERE {filter}
             ORDER BY f.received_at DESC, f.report_id LIMIT $6 OFFSET $7"
        ))
        .await?;
    let (limit, offset) = (i64::from(f.limit), i64::from(f.offset));
    let rows = c.query(&stmt, &[&f.from, &f.to, &f.station_id, &f.author_id, &kind, &limit, &offset]).await?;
    let reports = rows.iter().map(summary).collect::<Result<_>>()?;
    Ok(ReportPage { total: total.unsigned_abs(), reports })
}

pub(super) async fn report(c: &impl GenericClient, id: Uuid) -> Result<Option<StoredReport>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {SUMMARY}, r.record, r.record_hash, r.device_id
             FROM report_facts f JOIN reports r ON r.id = f.report_id WHERE f.report_id = $1"
        ))
        .await?;
    let Some(row) = c.query_opt(&stmt, &[&id]).await? else { return Ok(None) };
    let stmt = c
        .prepare_cached(
            "SELECT report_id FROM report_facts WHERE amends = $1 ORDER BY received_at, report_id",
        )
        .await?;
    let amended_by =
        c.query(&stmt, &[&id]).await?.iter().map(|r| r.try_get(0)).collect::<Result<Vec<Uuid>, _>>()?;
    Ok(Some(StoredReport {
        summary: summary(&row)?,
        record: row.try_get(10)?,
        record_hash: row.try_get(11)?,
        device_id: row.try_get(12)?,
        amended_by,
    }))
}

pub(super) async fn conflicts(c: &impl GenericClient, f: &ConflictFilter) -> Result<Vec<ConflictEntry>> {
    let stmt = c
        .prepare_cached(
            "SELECT c.id, c.entity, c.entity_id, c.field, c.losing_value, c.winning_value, c.losing_hlc,
                    c.winning_hlc, c.device_id, c.at, w.number
             FROM conflicts c LEFT JOIN work_orders w ON c.entity = 'work_order' AND w.id = c.entity_id
             WHERE ($1::text IS NULL OR c.entity = $1) AND ($2::uuid IS NULL OR c.entity_id = $2)
                 AND ($3::timestamptz IS NULL OR c.at >= $3) AND ($4::timestamptz IS NULL OR c.at < $4)
             ORDER BY c.id DESC LIMIT $5 OFFSET $6",
        )
        .await?;
    let (limit, offset) = (i64::from(f.limit), i64::from(f.offset));
    let rows = c.query(&stmt, &[&f.entity, &f.entity_id, &f.from, &f.to, &limit, &offset]).await?;
    rows.iter()
        .map(|row| {
            Ok(ConflictEntry {
                id: row.try_get(0)?,
                entity: row.try_get(1)?,
                entity_id: row.try_get(2)?,
                field: row.try_get(3)?,
                losing_value: serde_json::from_str(row.try_get(4)?)?,
                winning_value: serde_json::from_str(row.try_get(5)?)?,
                losing_hlc: row.try_get(6)?,
                winning_hlc: row.try_get(7)?,
                device_id: row.try_get(8)?,
                at: row.try_get(9)?,
                entity_number: row.try_get(10)?,
            })
        })
        .collect()
}
