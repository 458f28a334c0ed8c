//! Households on the device and the technician's search over them: instant, offline, by
//! account number, address, owner's name or phone, in Chinese or not.
//!
//! Search plan (ARCHITECTURE.md, "The local store"): a single term that is a whole account
//! number (then the answer) or name is looked up by index first; fragments of 3+ characters go through the FTS5
//! trigram index; shorter fragments (a two-character name such as 李四) filter the trigram
//! hits, or scan the plain columns when there is no longer fragment to narrow by.
//!
//! The index may lag behind the table. A pull stores households without indexing them —
//! indexing is most of the cost of a first pull of 100,000 — and [`index_backlog`] catches
//! up in the background, in chunks. `search_indexed_seq` (a setting) is the highest `seq`
//! the index covers; rows above it are found by scanning them, so a search never misses a
//! household, it is only slower until the index has caught up.

use std::collections::HashSet;

use rusqlite::{CachedStatement, Connection, OptionalExtension, Transaction};
use uuid::Uuid;

use crate::Result;
use crate::hlc::Hlc;
use crate::model::{Household, HouseholdStatus};
use crate::store::parse_uuid;

/// At most this many terms of a query are used; more add nothing a technician types.
const MAX_TERMS: usize = 4;

/// A household's columns as the store writes them, borrowed from where they are held: a
/// [`Household`], or the text of a pulled page (`sync::page`), which keeps a page's 5,000
/// households in one buffer rather than in 20,000 strings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row<'a> {
    pub id: Uuid,
    pub account_no: &'a str,
    pub address: &'a str,
    pub owner_name: &'a str,
    pub phone: &'a str,
    pub billed_area_m2: f64,
    pub station_id: Uuid,
    pub status: HouseholdStatus,
}

impl<'a> From<&'a Household> for Row<'a> {
    fn from(h: &'a Household) -> Row<'a> {
        Row {
            id: h.id,
            account_no: &h.account_no,
            address: &h.address,
            owner_name: &h.owner_name,
            phone: &h.phone,
            billed_area_m2: h.billed_area_m2,
            station_id: h.station_id,
            status: h.status,
        }
    }
}

/// Stores or replaces a household ([`Writer::put`]).
pub fn upsert(tx: &Transaction<'_>, h: &Household, stamp: Hlc) -> Result<()> {
    Writer::new(tx, stamp)?.put(&Row::from(h))
}

/// Stores or replaces households in one transaction, keeping the search index in step for
/// rows it covers: this is the one way `households` is written, so the two never disagree.
/// A new row joins the backlog that [`index_backlog`] indexes. The inserts are prepared and
/// the stamp written out once for all the households a writer stores (a pulled page holds
/// 5,000), not once a household, and [`Writer::put_all`] inserts [`ROWS_PER_INSERT`] at a time.
pub struct Writer<'tx> {
    tx: &'tx Transaction<'tx>,
    insert: CachedStatement<'tx>,
    /// The insert of [`ROWS_PER_INSERT`] rows, prepared when first used.
    insert_many: Option<CachedStatement<'tx>>,
    stamp: String,
}

/// Households per statement in [`Writer::put_all`]: one statement's overhead (a step, a
/// reset, a run of its program's start) over many rows; 9 values each, well below SQLite's
/// limit on a statement's values.
pub const ROWS_PER_INSERT: usize = 32;

/// The columns a household is written with, in the order they are bound.
const INSERT_COLUMNS: &str = "INSERT INTO households (id, account_no, address, owner_name, phone, billed_area_m2, station_id, status, updated_hlc) VALUES";

impl<'tx> Writer<'tx> {
    /// A writer stamping what it stores with `stamp`.
    pub fn new(tx: &'tx Transaction<'_>, stamp: Hlc) -> Result<Writer<'tx>> {
        let mut insert = tx.prepare_cached(&format!(
            "{INSERT_COLUMNS} (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING"
        ))?;
        let stamp = stamp.to_string();
        // Bound once: a statement keeps its values until it goes back to the cache.
        insert.raw_bind_parameter(9, &stamp)?;
        Ok(Writer { tx, insert, insert_many: None, stamp })
    }

    /// Stores or replaces one household.
    pub fn put(&mut self, h: &Row<'_>) -> Result<()> {
        // Most households arrive new (a first pull brings 100,000): inserted without a lookup.
        bind(&mut self.insert, 0, h)?;
        if self.insert.raw_execute()? == 0 {
            self.replace(h)?;
        }
        Ok(())
    }

    /// Stores or replaces `rows`, in order, as many [`put`](Writer::put)s would.
    pub fn put_all(&mut self, rows: &[Row<'_>]) -> Result<()> {
        let mut chunks = rows.chunks_exact(ROWS_PER_INSERT);
        for chunk in &mut chunks {
            let insert = match &mut self.insert_many {
                Some(insert) => insert,
                None => self.insert_many.insert(self.prepare_many()?),
            };
            for (i, h) in chunk.iter().enumerate() {
                bind(insert, i * 9, h)?;
            }
            if insert.raw_execute()? < chunk.len() {
                self.replace_stale(chunk)?;
            }
        }
        chunks.remainder().iter().try_for_each(|h| self.put(h))
    }

    /// The insert of [`ROWS_PER_INSERT`] rows, the stamp bound.
    fn prepare_many(&self) -> Result<CachedStatement<'tx>> {
        let values: Vec<String> = (0..ROWS_PER_INSERT)
            .map(|i| {
                let n = i * 9;
                format!(
                    "(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6,
                    n + 7,
                    n + 8,
                    n + 9
                )
            })
            .collect();
        let mut insert = self
            .tx
            .prepare_cached(&format!("{INSERT_COLUMNS} {} ON CONFLICT (id) DO NOTHING", values.join(", ")))?;
        for i in 0..ROWS_PER_INSERT {
            insert.raw_bind_parameter(i * 9 + 9, &self.stamp)?;
        }
        Ok(insert)
    }

    /// After an insert of `chunk` left some rows out (their id was stored already): replaces
    /// each that this writer did not just store, and each that repeats an id before it in the
    /// chunk (the later one is the newer), in order.
    fn replace_stale(&mut self, chunk: &[Row<'_>]) -> Result<()> {
        for (i, h) in chunk.iter().enumerate() {
            let repeated = chunk[..i].iter().any(|before| before.id == h.id);
            let stamp: Option<String> = self
                .tx
                .prepare_cached("SELECT updated_hlc FROM households WHERE id = ?1")?
                .query_row([h.id.hyphenated().to_string()], |r| r.get(0))
                .optional()?;
            if repeated || stamp.as_deref() != Some(self.stamp.as_str()) {
                self.replace(h)?;
            }
        }
        Ok(())
    }

    /// Replaces the stored household with `h`'s id.
    fn replace(&mut self, h: &Row<'_>) -> Result<()> {
        let tx = self.tx;
        let id = h.id.hyphenated().to_string();
        let (seq, old_text) = searchable_of(tx, &id)?
            .ok_or_else(|| crate::Error::Corrupt(format!("household {id} vanished mid-write")))?;
        tx.prepare_cached(
            "UPDATE households SET account_no = ?2, address = ?3, owner_name = ?4, phone = ?5,
                 billed_area_m2 = ?6, station_id = ?7, status = ?8, updated_hlc = ?9
             WHERE id = ?1",
        )?
        .execute((
            id,
            h.account_no,
            h.address,
            h.owner_name,
            h.phone,
            h.billed_area_m2,
            h.station_id.hyphenated().to_string(),
            h.status.as_str(),
            self.stamp.as_str(),
        ))?;
        let searchable = [h.account_no, h.address, h.owner_name, h.phone];
        if old_text != searchable && seq <= indexed_seq(tx)? {
            unindex(tx, seq, &old_text)?;
            index(tx, seq, searchable)?;
        }
        Ok(())
    }
}

/// Binds `h`'s columns but the stamp to `insert`'s values after the first `at`.
fn bind(insert: &mut CachedStatement<'_>, at: usize, h: &Row<'_>) -> Result<()> {
    let (mut id, mut station) = (Uuid::encode_buffer(), Uuid::encode_buffer());
    insert.raw_bind_parameter(at + 1, &*h.id.hyphenated().encode_lower(&mut id))?;
    insert.raw_bind_parameter(at + 2, h.account_no)?;
    insert.raw_bind_parameter(at + 3, h.address)?;
    insert.raw_bind_parameter(at + 4, h.owner_name)?;
    insert.raw_bind_parameter(at + 5, h.phone)?;
    insert.raw_bind_parameter(at + 6, h.billed_area_m2)?;
    insert.raw_bind_parameter(at + 7, &*h.station_id.hyphenated().encode_lower(&mut station))?;
    insert.raw_bind_parameter(at + 8, h.status.as_str())?;
    Ok(())
}

/// Forgets a household (it moved to another station), and its search entry if it has one.
pub fn remove(tx: &Transaction<'_>, id: uuid::Uuid) -> Result<()> {
    let Some((seq, old_text)) = searchable_of(tx, &id.to_string())? else { return Ok(()) };
    if seq <= indexed_seq(tx)? {
        unindex(tx, seq, &old_text)?;
    }
    tx.prepare_cached("DELETE FROM households WHERE seq = ?1")?.execute([seq])?;
    Ok(())
}

/// A stored household's `seq` and searchable text (account number, address, name, phone).
fn searchable_of(conn: &Connection, id: &str) -> Result<Option<(i64, [String; 4])>> {
    Ok(conn
        .prepare_cached("SELECT seq, account_no, address, owner_name, phone FROM households WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?])))
        .optional()?)
}

/// Takes a household's old text out of the search index (FTS5 needs the text it indexed).
fn unindex(tx: &Transaction<'_>, seq: i64, [a, b, c, d]: &[String; 4]) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO households_fts (households_fts, rowid, account_no, address, owner_name, phone)
         VALUES ('delete', ?1, ?2, ?3, ?4, ?5)",
    )?
    .execute((seq, a, b, c, d))?;
    Ok(())
}

/// Adds a household's searchable text to the trigram index.
fn index(tx: &Transaction<'_>, seq: i64, [a, b, c, d]: [&str; 4]) -> Result<()> {
    tx.prepare_cached("INSERT INTO households_fts (rowid, account_no, address, owner_name, phone) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute((seq, a, b, c, d))?;
    Ok(())
}

/// A condition that parameter `?p` is a substring of one of the searchable columns.
fn text_filter(p: usize) -> String {
    format!(
        " AND (instr(h.owner_name, ?{p}) OR instr(h.address, ?{p}) OR instr(h.account_no, ?{p}) OR instr(h.phone, ?{p}))"
    )
}

/// The exact-match lookups of [`search`] (a whole account number, a whole name), as
/// `CREATE INDEX` statements. They are the schema's (migration 0001), restated here because a
/// first pull drops them and [`index_backlog`] builds them again ([`super::bulk`]).
const LOOKUP_INDEXES: &str = "
    CREATE INDEX IF NOT EXISTS households_account_no ON households (account_no);
    CREATE INDEX IF NOT EXISTS households_owner_name ON households (owner_name);";

/// Drops the lookup indexes, for a first pull to load the table without them
/// ([`super::bulk`]).
pub fn drop_lookup_indexes(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "DROP INDEX IF EXISTS households_account_no; DROP INDEX IF EXISTS households_owner_name;",
    )?;
    Ok(())
}

/// Builds the lookup indexes if they are missing (after a first pull, or one cut short).
pub fn ensure_lookup_indexes(conn: &Connection) -> Result<()> {
    conn.execute_batch(LOOKUP_INDEXES)?;
    Ok(())
}

/// The highest `seq` the search index covers.
fn indexed_seq(conn: &Connection) -> Result<i64> {
    Ok(super::settings::get(conn, super::settings::SEARCH_INDEXED_SEQ)?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}

/// Indexes up to `limit` households of the backlog, oldest first, and moves the mark past
/// them. Returns how many remain. The first chunk after a first pull builds the lookup
/// indexes too ([`super::bulk`]).
pub fn index_backlog(tx: &Transaction<'_>, limit: usize) -> Result<u64> {
    ensure_lookup_indexes(tx)?;
    let from = indexed_seq(tx)?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let to: Option<i64> = tx
        .prepare_cached(
            "SELECT max(seq) FROM (SELECT seq FROM households WHERE seq > ?1 ORDER BY seq LIMIT ?2)",
        )?
        .query_row((from, limit), |r| r.get(0))?;
    let Some(to) = to else { return Ok(0) };
    tx.prepare_cached(
        "INSERT INTO households_fts (rowid, account_no, address, owner_name, phone)
         SELECT seq, account_no, address, owner_name, phone FROM households WHERE seq > ?1 AND seq <= ?2",
    )?
    .execute((from, to))?;
    super::settings::set(tx, super::settings::SEARCH_INDEXED_SEQ, &to.to_string())?;
    backlog(tx)
}

/// How many households the search index does not cover yet.
pub fn backlog(conn: &Connection) -> Result<u64> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM households WHERE seq > ?1")?
        .query_row([indexed_seq(conn)?], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}

const COLUMNS: &str =
    "h.id, h.account_no, h.address, h.owner_name, h.phone, h.billed_area_m2, h.station_id, h.status";

type RawHousehold = (String, String, String, String, String, f64, String, String);

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawHousehold> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
}

fn decode(
    (id, account_no, address, owner_name, phone, billed_area_m2, station_id, status): RawHousehold,
) -> Result<Household> {
    Ok(Household {
        id: parse_uuid(&id)?,
        account_no,
        address,
        owner_name,
        phone,
        billed_area_m2,
        station_id: parse_uuid(&station_id)?,
        status: status
            .parse()
            .map_err(|reason: String| crate::Error::Corrupt(format!("households: {reason}")))?,
    })
}

/// The household with `id`.
pub fn get(conn: &Connection, id: uuid::Uuid) -> Result<Option<Household>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM households h WHERE h.id = ?1"))?;
    let mut rows = stmt.query_map([id.to_string()], read)?;
    rows.next().transpose()?.map(decode).transpose()
}

/// How many households the device holds.
pub fn count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.prepare_cached("SELECT count(*) FROM households")?.query_row([], |r| r.get(0))?;
    Ok(n.unsigned_abs())
}

/// Up to `limit` households matching every whitespace-separated term of `query` as a
/// substring of the account number, address, owner's name or phone. Exact account numbers
/// and names come first.
pub fn search(conn: &Connection, query: &str, limit: usize) -> Result<Vec<Household>> {
    let terms: Vec<&str> = query.split_whitespace().take(MAX_TERMS).collect();
    if terms.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let sql_limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut hits = Vec::new();
    let mut seen = HashSet::new();
    let mut take = |raw: RawHousehold, hits: &mut Vec<Household>| -> Result<()> {
        if seen.insert(raw.0.clone()) {
            hits.push(decode(raw)?);
        }
        Ok(())
    };

    if let [term] = terms[..] {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM households h WHERE h.account_no = ?1 OR h.owner_name = ?1 LIMIT ?2"
        ))?;
        for raw in stmt.query_map((term, sql_limit), read)? {
            take(raw?, &mut hits)?;
        }
        // A whole account number names its household: fragments of it elsewhere (in phone
        // numbers) are noise, and digit trigrams like "000" are the slowest to intersect.
        if hits.iter().any(|h| h.account_no == term) {
            return Ok(hits);
        }
    }

    let (long, short): (Vec<&str>, Vec<&str>) = terms.iter().partition(|t| t.chars().count() >= 3);
    let short_filter: String = (0..short.len()).map(|i| text_filter(i + 3)).collect();
    let sql = if long.is_empty() {
        format!("SELECT {COLUMNS} FROM households h WHERE 1{short_filter} LIMIT ?2")
    } else {
        format!(
            "SELECT {COLUMNS} FROM households_fts f JOIN households h ON h.seq = f.rowid
             WHERE households_fts MATCH ?1{short_filter} LIMIT ?2"
        )
    };
    let phrase: String = long.iter().map(|t| format!("\"{}\" ", t.replace('"', "\"\""))).collect();
    let mut params: Vec<Box<dyn rusqlite::ToSql>> =
        vec![Box::new(phrase), Box::new(sql_limit + hits.len() as i64)];
    params.extend(short.iter().map(|t| Box::new(t.to_string()) as Box<dyn rusqlite::ToSql>));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params.iter()), read)?;
    for raw in rows {
        take(raw?, &mut hits)?;
        if hits.len() >= limit {
            return Ok(hits);
        }
    }
    if !long.is_empty() {
        // The households the index does not cover yet, scanned for every term.
        let all_filter: String = (0..terms.len()).map(|i| text_filter(i + 3)).collect();
        let sql = format!("SELECT {COLUMNS} FROM households h WHERE h.seq > ?1{all_filter} LIMIT ?2");
        let mut params: Vec<Box<dyn rusqlite::ToSql>> =
            vec![Box::new(indexed_seq(conn)?), Box::new(sql_limit)];
        params.extend(terms.iter().map(|t| Box::new(t.to_string()) as Box<dyn rusqlite::ToSql>));
        let mut stmt = conn.prepare_cached(&sql)?;
        for raw in stmt.query_map(rusqlite::params_from_iter(params.iter()), read)? {
            take(raw?, &mut hits)?;
            if hits.len() >= limit {
                break;
            }
        }
    }
    Ok(hits)
}
