-- Hearth device store, schema 1.
-- Ids are UUID text; times are RFC 3339 UTC text; HLC stamps are fixed-width text that sorts
-- in clock order.

-- Marks the file as a Hearth device database ("HRTH"), in the same transaction as the schema.
PRAGMA application_id = 1213355080;

-- This device: its id is the HLC node and names it to the server.
CREATE TABLE device (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id  TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The last HLC stamp issued or seen; written in the same transaction as the edit it stamps.
CREATE TABLE hlc_state (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    stamp     TEXT NOT NULL
);

CREATE TABLE stations (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) WITHOUT ROWID;

-- Households of this device's station, as the office sends them.
CREATE TABLE households (
    seq            INTEGER PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    account_no     TEXT NOT NULL,
    address        TEXT NOT NULL,
    owner_name     TEXT NOT NULL,
    phone          TEXT NOT NULL,
    billed_area_m2 REAL NOT NULL,
    station_id     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('connected', 'suspended')),
    updated_hlc    TEXT NOT NULL
);
CREATE INDEX households_account_no ON households (account_no);
CREATE INDEX households_owner_name ON households (owner_name);

-- Substring search in any script: trigrams match queries of 3+ characters, Chinese included.
-- Kept in step with `households` by the store's code, in the same transaction, not by
-- triggers: an FTS5 insert fired by a trigger flushes the index at every row, which made
-- loading a station's households five times slower.
CREATE VIRTUAL TABLE households_fts USING fts5 (
    account_no, address, owner_name, phone,
    content = 'households', content_rowid = 'seq', tokenize = 'trigram'
);

-- Work orders: the record as JSON, with the columns the lists sort and filter on, and the
-- HLC stamp of each field's last edit (for the per-field merge).
CREATE TABLE work_orders (
    id           TEXT PRIMARY KEY,
    household_id TEXT NOT NULL,
    status       TEXT NOT NULL,
    due_by       TEXT,
    record       TEXT NOT NULL,
    field_clocks TEXT NOT NULL DEFAULT '{}'
) WITHOUT ROWID;
CREATE INDEX work_orders_due ON work_orders (status, due_by);

-- Signed reports, exactly as hashed. Insert-only: a signature binds the content.
CREATE TABLE reports (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    household_id TEXT NOT NULL,
    work_order_id TEXT,
    amends       TEXT REFERENCES reports (id),
    created_at   TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    record_hash  TEXT NOT NULL,
    record       TEXT NOT NULL,
    saved_hlc    TEXT NOT NULL
);
CREATE INDEX reports_household ON reports (household_id, created_at);
CREATE TRIGGER reports_are_immutable BEFORE UPDATE ON reports BEGIN
    SELECT RAISE (ABORT, 'signed reports are immutable');
END;
CREATE TRIGGER reports_are_kept BEFORE DELETE ON reports BEGIN
    SELECT RAISE (ABORT, 'signed reports are kept');
END;

-- Forms being filled in, saved as typed (possibly incomplete) so a restart loses nothing.
CREATE TABLE drafts (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    household_id  TEXT NOT NULL,
    work_order_id TEXT,
    data          TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) WITHOUT ROWID;

-- What must reach the server, in the order it happened. A report's entry points at the
-- immutable row in `reports`; an edit carries its changed fields in `payload`. One b-tree and
-- no secondary index: every save writes here, and each index would be one more page to sync.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL,
    entity     TEXT NOT NULL CHECK (entity IN ('report', 'work_order')),
    entity_id  TEXT NOT NULL,
    hlc        TEXT NOT NULL,
    payload    TEXT,
    created_at TEXT NOT NULL
);
