//! The work-order board on PostgreSQL, in the order orders must be reached: overdue arrivals,
//! then late completions, then emergency, urgent and the rest by their next deadline. Which
//! open orders are overdue depends on the clock, so the board is three segments split at
//! `now`, each a range of its own index in that index's order (`work_orders_board_arrival`,
//! `_late`, `_rest`, the board's generated keys with `infinity` for "no deadline"); a page
//! takes the part of each segment it covers, so it costs its own rows and a few index counts,
//! never a sort of every open order. Also a household's open orders and the calls that
//! repeat an order.

use deadpool_postgres::GenericClient;
use hearth_core::model::WorkOrder;
use hearth_core::rules::status::is_open;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::intake::{CALL_COLUMNS, call};
use crate::error::Result;
use crate::storage::console::{BoardFilter, BoardPage, Call};

/// One segment of the open board: the condition that puts an order in it (after the ones
/// before it) and its order, both served by one index. `$5` is "now".
struct Segment {
    condition: &'static str,
    order: &'static str,
}

const SEGMENTS: [Segment; 3] = [
    // Overdue arrivals.
    Segment { condition: "arrive_key < $5", order: "arrive_key, reported_key, id" },
    // Late completions whose arrival is not overdue (it was made, or is still to come).
    Segment {
        condition: "due_key < $5 AND arrive_key >= $5",
        order: "due_key, arrive_key, reported_key, id",
    },
    // The rest: emergency, urgent, others, each by its next deadline.
    Segment {
        condition: "arrive_key >= $5 AND due_key >= $5",
        order: "priority_rank, next_key, reported_key, id",
    },
];

/// The filters every part of the board shares: `$1` status, `$2` station, `$3` assignee,
/// `$4` kind (each NULL for any).
const FILTERS: &str = "($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR station_id = $2)
     AND ($3::uuid IS NULL OR assignee_id = $3) AND ($4::text IS NULL OR kind = $4)";

/// The shared filters' values, in `$1..$4` order.
struct Filters {
    status: Option<&'static str>,
    station: Option<Uuid>,
    assignee: Option<Uuid>,
    kind: Option<&'static str>,
}

impl Filters {
    fn of(f: &BoardFilter) -> Filters {
        Filters {
            status: f.status.map(|s| s.as_str()),
            station: f.station_id,
            assignee: f.assignee_id,
            kind: f.kind.map(|k| k.as_str()),
        }
    }

    /// `$1..$4`, then `more`.
    fn with<'a>(&'a self, more: &[&'a (dyn ToSql + Sync)]) -> Vec<&'a (dyn ToSql + Sync)> {
        let mut args: Vec<&(dyn ToSql + Sync)> =
            vec![&self.status, &self.station, &self.assignee, &self.kind];
        args.extend_from_slice(more);
        args
    }
}

pub(super) async fn board(c: &impl GenericClient, f: &BoardFilter) -> Result<BoardPage> {
    let filters = Filters::of(f);
    if let Some(prefix) = f.number.as_deref() {
        return by_number(c, f, prefix, &filters).await;
    }
    if f.status.is_some_and(|s| !is_open(s)) {
        return finished(c, f, &filters).await;
    }
    let total = count(
        c,
        &format!("SELECT count(*) FROM work_orders WHERE is_open = true AND {FILTERS}"),
        &filters.with(&[]),
    )
    .await?;
    // The page's rows: skip `offset` rows through the segments, then take `limit`.
    let (mut skip, mut want) = (u64::from(f.offset), u64::from(f.limit));
    let mut orders = Vec::new();
    for (i, segment) in SEGMENTS.iter().enumerate() {
        if want == 0 {
            break;
        }
        // The last segment's size is what the others leave of the total.
        let size = if i + 1 < SEGMENTS.len() {
            count(
                c,
                &format!(
                    "SELECT count(*) FROM work_orders WHERE is_open = true AND {} AND {FILTERS}",
                    segment.condition
                ),
                &filters.with(&[&f.now]),
            )
            .await?
        } else {
            u64::MAX
        };
        if skip >= size {
            skip -= size;
            continue;
        }
        let (limit, offset) =
            (i64::try_from(want).unwrap_or(i64::MAX), i64::try_from(skip).unwrap_or(i64::MAX));
        // The ids from the index alone, then the page's records.
        let taken = rows(
            c,
            &format!(
                "SELECT record FROM work_orders WHERE id IN (
                     SELECT id FROM work_orders WHERE is_open = true AND {cond} AND {FILTERS}
                     ORDER BY {order} LIMIT $6 OFFSET $7)
                 ORDER BY {order}",
                cond = segment.condition,
                order = segment.order,
            ),
            &filters.with(&[&f.now, &limit, &offset]),
        )
        .await?;
        want = want.saturating_sub(taken.len() as u64);
        skip = 0;
        orders.extend(taken);
    }
    Ok(BoardPage { total, orders })
}

/// Finished orders of one status, by completion deadline (none last), from the status index
/// (`status = $1` spelled out: the shared filter's `$1 IS NULL OR` would hide it).
async fn finished(c: &impl GenericClient, f: &BoardFilter, filters: &Filters) -> Result<BoardPage> {
    let total = count(
        c,
        &format!("SELECT count(*) FROM work_orders WHERE status = $1 AND {FILTERS}"),
        &filters.with(&[]),
    )
    .await?;
    let (limit, offset) = (i64::from(f.limit), i64::from(f.offset));
    let orders = rows(
        c,
        &format!(
            "SELECT record FROM work_orders WHERE status = $1 AND {FILTERS}
             ORDER BY due_key, reported_key, id LIMIT $5 OFFSET $6"
        ),
        &filters.with(&[&limit, &offset]),
    )
    .await?;
    Ok(BoardPage { total, orders })
}

/// Orders whose number starts with `prefix`, in number order, from the number index. Numbers
/// compare byte by byte (`~>=~`, `~<~`: the operators of its `text_pattern_ops`), whatever
/// the database's collation, as SQLite and Rust compare them.
async fn by_number(
    c: &impl GenericClient,
    f: &BoardFilter,
    prefix: &str,
    filters: &Filters,
) -> Result<BoardPage> {
    // Every number starting with the prefix sorts between it and the prefix followed by the
    // last character there is.
    let (from, until) = (prefix.to_owned(), format!("{prefix}{}", char::MAX));
    let range = format!("number ~>=~ $5 AND number ~<~ $6 AND {FILTERS}");
    let total =
        count(c, &format!("SELECT count(*) FROM work_orders WHERE {range}"), &filters.with(&[&from, &until]))
            .await?;
    let (limit, offset) = (i64::from(f.limit), i64::from(f.offset));
    let orders = rows(
        c,
        &format!("SELECT record FROM work_orders WHERE {range} ORDER BY number USING ~<~ LIMIT $7 OFFSET $8"),
        &filters.with(&[&from, &until, &limit, &offset]),
    )
    .await?;
    Ok(BoardPage { total, orders })
}

/// The one count `sql` selects.
async fn count(c: &impl GenericClient, sql: &str, args: &[&(dyn ToSql + Sync)]) -> Result<u64> {
    let stmt = c.prepare_cached(sql).await?;
    let n: i64 = c.query_one(&stmt, args).await?.try_get(0)?;
    Ok(n.unsigned_abs())
}

async fn rows(c: &impl GenericClient, sql: &str, args: &[&(dyn ToSql + Sync)]) -> Result<Vec<WorkOrder>> {
    let stmt = c.prepare_cached(sql).await?;
    let mut out = Vec::new();
    for row in c.query(&stmt, args).await? {
        out.push(serde_json::from_str(row.try_get(0)?)?);
    }
    Ok(out)
}

pub(super) async fn open_orders_of(c: &impl GenericClient, household_id: Uuid) -> Result<Vec<WorkOrder>> {
    rows(
        c,
        "SELECT record FROM work_orders WHERE household_id = $1 AND is_open = true ORDER BY reported_key, id",
        &[&household_id],
    )
    .await
}

/// The repeat calls of each order in `order_ids`, order by order as asked, each order's
/// oldest first.
pub(super) async fn repeat_calls(c: &impl GenericClient, order_ids: &[Uuid]) -> Result<Vec<Call>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {CALL_COLUMNS} FROM calls c LEFT JOIN work_orders w ON w.id = c.work_order_id
             WHERE c.work_order_id = ANY($1) AND c.outcome = 'duplicate'
             ORDER BY array_position($1, c.work_order_id), c.received_at, c.id"
        ))
        .await?;
    c.query(&stmt, &[&order_ids]).await?.iter().map(call).collect()
}
