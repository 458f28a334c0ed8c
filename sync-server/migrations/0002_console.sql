-- The dispatchers' console: hotline calls, the dispatch log, persisted thresholds, disabled
-- users, the columns the work-order board filters and sorts by, and per-report facts that
-- the KPIs sum without parsing a report's JSON at query time.

-- The board's columns, read from the merged record: VIRTUAL generated columns, so the sync
-- code that writes `record` keeps them right without knowing they exist.
ALTER TABLE work_orders ADD COLUMN status TEXT GENERATED ALWAYS AS (json_extract(record, '$.status')) VIRTUAL;
ALTER TABLE work_orders ADD COLUMN kind TEXT GENERATED ALWAYS AS (json_extract(record, '$.kind')) VIRTUAL;
ALTER TABLE work_orders ADD COLUMN due_by TEXT GENERATED ALWAYS AS (json_extract(record, '$.due_by')) VIRTUAL;
ALTER TABLE work_orders ADD COLUMN reported_at TEXT GENERATED ALWAYS AS (json_extract(record, '$.reported_at')) VIRTUAL;
ALTER TABLE work_orders ADD COLUMN household_id TEXT GENERATED ALWAYS AS (json_extract(record, '$.household_id')) VIRTUAL;
-- The board: open orders in due order (no due time last), read from one index in the order it
-- is shown, so a page costs its own rows and not a sort of every open order.
ALTER TABLE work_orders ADD COLUMN is_open INTEGER GENERATED ALWAYS AS
    (json_extract(record, '$.status') IN ('new', 'assigned', 'en_route', 'on_site')) VIRTUAL;
ALTER TABLE work_orders ADD COLUMN due_key REAL GENERATED ALWAYS AS
    (coalesce(julianday(json_extract(record, '$.due_by')), 1e9)) VIRTUAL;
ALTER TABLE work_orders ADD COLUMN reported_key REAL GENERATED ALWAYS AS
    (julianday(json_extract(record, '$.reported_at'))) VIRTUAL;
CREATE INDEX work_orders_board ON work_orders
    (is_open, due_key, reported_key, id, station_id, assignee_id, kind, status);
CREATE INDEX work_orders_by_status ON work_orders (status, due_key);
CREATE INDEX work_orders_by_household ON work_orders (household_id);
CREATE INDEX work_orders_by_reported ON work_orders (reported_at);

ALTER TABLE households ADD COLUMN phone TEXT GENERATED ALWAYS AS (json_extract(record, '$.phone')) VIRTUAL;
CREATE INDEX households_by_phone ON households (phone);

ALTER TABLE users ADD COLUMN disabled_at TEXT;

-- Every hotline call, including the ones that need no visit (§31: 100 % handled).
CREATE TABLE calls (
    id            TEXT PRIMARY KEY,
    received_at   TEXT NOT NULL,
    dispatcher_id TEXT NOT NULL REFERENCES users(id),
    caller_name   TEXT NOT NULL,
    phone         TEXT NOT NULL,
    household_id  TEXT REFERENCES households(id),
    description   TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    work_order_id TEXT REFERENCES work_orders(id)
);
CREATE INDEX calls_by_time ON calls (received_at);

-- 调度日志 (§57): written by dispatchers, kept.
CREATE TABLE dispatch_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users(id),
    text      TEXT NOT NULL
);
CREATE INDEX dispatch_log_by_time ON dispatch_log (at);

-- Settings the admin edits; `city_profile` holds the CityProfile as JSON.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per stored report, filled in the transaction that stores the report. Times are the
-- server's (`received_at`) or device times already clamped to it.
CREATE TABLE report_facts (
    report_id       TEXT PRIMARY KEY REFERENCES reports(id),
    kind            TEXT NOT NULL,
    station_id      TEXT NOT NULL,
    author_id       TEXT NOT NULL,
    household_id    TEXT NOT NULL,
    work_order_id   TEXT,
    amends          TEXT,
    created_at      TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    satisfaction    TEXT,
    -- temperature checks: the lowest bedroom/living-room reading, what may excuse it
    lowest_c        REAL,
    outdoor_c       REAL,
    excused         INTEGER NOT NULL DEFAULT 0,
    billed_area_m2  REAL,
    -- repair visits, judged against the order's deadlines when the report arrived
    arrived_on_time INTEGER,
    fixed_in_time   INTEGER,
    -- area re-measurements
    area_within_tolerance INTEGER
);
CREATE INDEX report_facts_by_time ON report_facts (received_at);
-- The KPI passes read only these indexes, each in the order it groups by: one pass per report
-- kind over that kind's entries, one over satisfaction; no table lookups, no sort.
CREATE INDEX report_facts_by_kind ON report_facts (
    kind, station_id, author_id, lowest_c, received_at, outdoor_c, excused, billed_area_m2,
    arrived_on_time, fixed_in_time, area_within_tolerance
);
CREATE INDEX report_facts_by_satisfaction ON report_facts (station_id, author_id, satisfaction, received_at);
CREATE INDEX report_facts_by_household ON report_facts (household_id, kind, received_at);
CREATE INDEX report_facts_by_amends ON report_facts (amends) WHERE amends IS NOT NULL;

CREATE TABLE report_violations (
    report_id   TEXT NOT NULL REFERENCES reports(id),
    violation   TEXT NOT NULL,
    station_id  TEXT NOT NULL,
    author_id   TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (report_id, violation)
);
CREATE INDEX report_violations_by_time ON report_violations (received_at);
