//! Synced records as the office reads them on SQLite: report lists from the report facts, one
//! report as stored with its amendments, and the conflict log.

use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::super::{parse_time, parse_uuid, time_text};
use crate::error::Result;
use crate::storage::console::{
    ConflictEntry, ConflictFilter, ReportFilter, ReportPage, ReportSummary, StoredReport,
};

const SUMMARY: &str =
    "report_id, kind, station_id, author_id, household_id, work_order_id, amends, created_at, received_at";

/// The number of a report's work order, as a column of a query over `report_facts` named `f`.
const ORDER_NUMBER: &str = "(SELECT w.number FROM work_orders w WHERE w.id = f.work_order_id)";

/// A summary from [`SUMMARY`]'s columns, with the order's number in column `number`.
fn summary(row: &Row<'_>, number: usize) -> Result<ReportSummary> {
    let uuid = |s: Option<String>| s.as_deref().map(parse_uuid).transpose();
    Ok(ReportSummary {
        id: parse_uuid(&row.get::<_, String>(0)?)?,
        kind: row.get(1)?,
        station_id: parse_uuid(&row.get::<_, String>(2)?)?,
        author_id: parse_uuid(&row.get::<_, String>(3)?)?,
        household_id: parse_uuid(&row.get::<_, String>(4)?)?,
        work_order_id: uuid(row.get(5)?)?,
        work_order_number: row.get(number)?,
        amends: uuid(row.get(6)?)?,
        created_at: parse_time(&row.get::<_, String>(7)?)?,
        received_at: parse_time(&row.get::<_, String>(8)?)?,
    })
}

pub(super) fn reports(conn: &Connection, f: &ReportFilter) -> Result<ReportPage> {
    let filter = "(?1 IS NULL OR received_at >= ?1) AND (?2 IS NULL OR received_at < ?2)
         AND (?3 IS NULL OR station_id = ?3) AND (?4 IS NULL OR author_id = ?4) AND (?5 IS NULL OR kind = ?5)";
    let args = (
        f.from.map(time_text),
        f.to.map(time_text),
        f.station_id.map(|s| s.to_string()),
        f.author_id.map(|a| a.to_string()),
        f.kind.map(|k| k.as_str()),
    );
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM report_facts f WHERE {filter}"))?
        .query_row(params![args.0, args.1, args.2, args.3, args.4], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SUMMARY}, {ORDER_NUMBER} FROM report_facts f WHERE {filter}
         ORDER BY received_at DESC, report_id LIMIT ?6 OFFSET ?7"
    ))?;
    let mut rows = stmt.query(params![args.0, args.1, args.2, args.3, args.4, f.limit, f.offset])?;
    let mut reports = Vec::new();
    while let Some(row) = rows.next()? {
        reports.push(summary(row, 9)?);
    }
    Ok(ReportPage { total: total.unsigned_abs(), reports })
}

pub(super) fn report(conn: &Connection, id: Uuid) -> Result<Option<StoredReport>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {}, r.record, r.record_hash, r.device_id, {ORDER_NUMBER}
             FROM report_facts f JOIN reports r ON r.id = f.report_id WHERE f.report_id = ?1",
            SUMMARY.split(", ").map(|c| format!("f.{c}")).collect::<Vec<_>>().join(", ")
        ))?
        .query_row([id.to_string()], |row| {
            Ok((
                summary(row, 12),
                row.get::<_, String>(9)?,
                row.get::<_, String>(10)?,
                row.get::<_, String>(11)?,
            ))
        })
        .optional()?;
    let Some((summary, record, record_hash, device)) = found else { return Ok(None) };
    let mut stmt = conn.prepare_cached(
        "SELECT report_id FROM report_facts WHERE amends = ?1 ORDER BY received_at, report_id",
    )?;
    let amended_by = stmt
        .query_map([id.to_string()], |r| r.get::<_, String>(0))?
        .map(|id| parse_uuid(&id?))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(StoredReport {
        summary: summary?,
        record,
        record_hash,
        device_id: parse_uuid(&device)?,
        amended_by,
    }))
}

pub(super) fn conflicts(conn: &Connection, f: &ConflictFilter) -> Result<Vec<ConflictEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.entity, c.entity_id, c.field, c.losing_value, c.winning_value, c.losing_hlc, c.winning_hlc,
                c.device_id, c.at, w.number
         FROM conflicts c LEFT JOIN work_orders w ON c.entity = 'work_order' AND w.id = c.entity_id
         WHERE (?1 IS NULL OR c.entity = ?1) AND (?2 IS NULL OR c.entity_id = ?2)
             AND (?3 IS NULL OR c.at >= ?3) AND (?4 IS NULL OR c.at < ?4)
         ORDER BY c.id DESC LIMIT ?5 OFFSET ?6",
    )?;
    let mut rows = stmt.query(params![
        f.entity,
        f.entity_id.map(|e| e.to_string()),
        f.from.map(time_text),
        f.to.map(time_text),
        f.limit,
        f.offset
    ])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(ConflictEntry {
            id: row.get(0)?,
            entity: row.get(1)?,
            entity_id: parse_uuid(&row.get::<_, String>(2)?)?,
            field: row.get(3)?,
            losing_value: serde_json::from_str(&row.get::<_, String>(4)?)?,
            winning_value: serde_json::from_str(&row.get::<_, String>(5)?)?,
            losing_hlc: row.get(6)?,
            winning_hlc: row.get(7)?,
            device_id: parse_uuid(&row.get::<_, String>(8)?)?,
            at: parse_time(&row.get::<_, String>(9)?)?,
            entity_number: row.get(10)?,
        });
    }
    Ok(out)
}
