-- hearth-server's first schema. Ids are UUID text; times are RFC 3339 UTC text; HLC stamps
-- are their fixed-width text form, which sorts like the stamps.
PRAGMA application_id = 0x48525356; -- "HRSV": a hearth-server database

CREATE TABLE stations (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('technician', 'inspector', 'dispatcher', 'admin')),
    station_id    TEXT REFERENCES stations(id),
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE devices (
    id         TEXT PRIMARY KEY,          -- the device store's own id, sent at login
    user_id    TEXT NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,      -- sha256 hex of the token; the token itself is never stored
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE households (
    id         TEXT PRIMARY KEY,
    account_no TEXT NOT NULL UNIQUE,
    station_id TEXT NOT NULL REFERENCES stations(id),
    record     TEXT NOT NULL              -- the Household as JSON
);

CREATE TABLE work_orders (
    id          TEXT PRIMARY KEY,
    station_id  TEXT NOT NULL REFERENCES stations(id),
    assignee_id TEXT,
    record      TEXT NOT NULL,            -- the merged WorkOrder as JSON
    clocks      TEXT NOT NULL             -- field name -> HLC of its winning edit, as JSON
);

CREATE TABLE reports (
    id           TEXT PRIMARY KEY,
    record       TEXT NOT NULL,           -- the SignedReport as JSON
    record_hash  TEXT NOT NULL,
    household_id TEXT NOT NULL REFERENCES households(id),
    station_id   TEXT NOT NULL REFERENCES stations(id),
    device_id    TEXT NOT NULL,
    received_at  TEXT NOT NULL
);

-- The answer each accepted push entry got, so a retried entry gets it again and is applied once.
CREATE TABLE push_log (
    entry_id  TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    result    TEXT NOT NULL               -- the Outcome as JSON
);

CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size   INTEGER NOT NULL,
    bytes  BLOB NOT NULL
);

-- Every overruled write: the console shows them.
CREATE TABLE conflicts (
    id            INTEGER PRIMARY KEY,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    field         TEXT NOT NULL,
    losing_value  TEXT NOT NULL,          -- JSON
    winning_value TEXT NOT NULL,          -- JSON
    losing_hlc    TEXT,
    winning_hlc   TEXT,
    device_id     TEXT NOT NULL,
    at            TEXT NOT NULL
);

-- The change feed: one row per visible record, holding its latest state as the wire's
-- `Incoming` JSON. A changed record's row is replaced and so gets a new, higher seq;
-- AUTOINCREMENT keeps a replaced row's number from ever being reused.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    station_id  TEXT,                     -- NULL: visible to the office roles only
    assignee_id TEXT,
    payload     TEXT NOT NULL,
    UNIQUE (entity, entity_id)
);
CREATE INDEX changes_by_station ON changes (station_id, seq);
CREATE INDEX changes_by_assignee ON changes (assignee_id, seq) WHERE assignee_id IS NOT NULL;
