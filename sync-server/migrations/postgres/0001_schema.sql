-- hearth-server's schema on PostgreSQL: the translation of the SQLite migrations 0001..0009
-- (sync-server/migrations/), as one migration. Applied by storage/postgres/migrate.rs, which
-- records it in `schema_version`.
--
-- Types: ids are uuid; the server's own times are timestamptz (microseconds, as the SQLite
-- text keeps them); HLC stamps are their fixed-width text, which sorts like the stamps; flags
-- are boolean; counts bigint; stored records (households, work orders, reports, the feed's
-- payloads, outcomes) are JSON as text, returned byte for byte as they were written (a
-- report's hashes are verified on the stored text, so not jsonb, which rewrites it).

-- Parses an RFC 3339 time read from a stored record. Declared immutable so generated columns
-- can use it: the text carries its own offset, so the result depends on no session setting.
CREATE FUNCTION hearth_time(t text) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT t::timestamptz $$;

CREATE TABLE stations (
    id   uuid PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL,
    role          text NOT NULL CHECK (role IN ('technician', 'inspector', 'dispatcher', 'admin')),
    station_id    uuid REFERENCES stations (id),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL,
    disabled_at   timestamptz
);

CREATE TABLE devices (
    id           uuid PRIMARY KEY,             -- the device store's own id, sent at login
    user_id      uuid NOT NULL REFERENCES users (id),
    name         text NOT NULL,
    token_hash   text NOT NULL UNIQUE,         -- sha256 hex of the token; the token is never stored
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    console      boolean NOT NULL DEFAULT false, -- logged in from a browser: expires when idle
    last_used_at timestamptz                   -- to the minute; NULL: never since recorded
);

-- Every user who has logged in on each device (a device row keeps only its latest user),
-- kept by the database itself so every way a login is recorded keeps it.
CREATE TABLE device_users (
    device_id uuid NOT NULL,
    user_id   uuid NOT NULL REFERENCES users (id),
    first_at  timestamptz NOT NULL,            -- the first login of this user on this device
    PRIMARY KEY (device_id, user_id)
);

CREATE FUNCTION device_users_on_login() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO device_users (device_id, user_id, first_at)
        VALUES (NEW.id, NEW.user_id, clock_timestamp())
        ON CONFLICT (device_id, user_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER device_users_on_login AFTER INSERT ON devices
    FOR EACH ROW EXECUTE FUNCTION device_users_on_login();
CREATE TRIGGER device_users_on_login_again AFTER UPDATE OF user_id, token_hash ON devices
    FOR EACH ROW EXECUTE FUNCTION device_users_on_login();

CREATE TABLE households (
    id         uuid PRIMARY KEY,
    account_no text NOT NULL UNIQUE,
    station_id uuid NOT NULL REFERENCES stations (id),
    record     text NOT NULL,                  -- the Household as JSON
    phone      text GENERATED ALWAYS AS ((record::jsonb) ->> 'phone') STORED
);
CREATE INDEX households_by_phone ON households (phone);

-- The board's columns are read from the merged record (generated, so the sync code that
-- writes `record` keeps them right without knowing they exist). Time keys: the deadline, or
-- 'infinity' when there is none (last).
CREATE TABLE work_orders (
    id            uuid PRIMARY KEY,
    station_id    uuid NOT NULL REFERENCES stations (id),
    assignee_id   uuid,
    record        text NOT NULL,               -- the merged WorkOrder as JSON
    clocks        text NOT NULL,               -- field name -> HLC of its winning edit, as JSON
    status        text GENERATED ALWAYS AS ((record::jsonb) ->> 'status') STORED,
    kind          text GENERATED ALWAYS AS ((record::jsonb) ->> 'kind') STORED,
    due_by        text GENERATED ALWAYS AS ((record::jsonb) ->> 'due_by') STORED,
    reported_at   text GENERATED ALWAYS AS ((record::jsonb) ->> 'reported_at') STORED,
    household_id  uuid GENERATED ALWAYS AS (((record::jsonb) ->> 'household_id')::uuid) STORED,
    number        text GENERATED ALWAYS AS ((record::jsonb) ->> 'number') STORED,
    is_open       boolean GENERATED ALWAYS AS
        (coalesce((record::jsonb) ->> 'status' IN ('new', 'assigned', 'en_route', 'on_site'), false)) STORED,
    due_key       timestamptz GENERATED ALWAYS AS
        (coalesce(hearth_time((record::jsonb) ->> 'due_by'), 'infinity')) STORED,
    reported_key  timestamptz GENERATED ALWAYS AS (hearth_time((record::jsonb) ->> 'reported_at')) STORED,
    -- The arrival deadline while the crew is not on site yet (none: 'infinity', last).
    arrive_key    timestamptz GENERATED ALWAYS AS (
        CASE WHEN (record::jsonb) ->> 'status' IN ('new', 'assigned', 'en_route')
             THEN coalesce(hearth_time((record::jsonb) ->> 'arrive_by'), 'infinity')
             ELSE 'infinity' END) STORED,
    -- The deadline to reach next: the arrival's until on site, then the completion's.
    next_key      timestamptz GENERATED ALWAYS AS (
        CASE WHEN (record::jsonb) ->> 'status' IN ('new', 'assigned', 'en_route')
                  AND hearth_time((record::jsonb) ->> 'arrive_by') IS NOT NULL
             THEN hearth_time((record::jsonb) ->> 'arrive_by')
             ELSE coalesce(hearth_time((record::jsonb) ->> 'due_by'), 'infinity') END) STORED,
    -- 0 emergency, 1 urgent, 2 the rest.
    priority_rank integer GENERATED ALWAYS AS (
        CASE (record::jsonb) ->> 'priority' WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END) STORED
);
CREATE INDEX work_orders_board ON work_orders
    (is_open, due_key, reported_key, id, station_id, assignee_id, kind, status);
CREATE INDEX work_orders_by_status ON work_orders (status, due_key);
CREATE INDEX work_orders_by_household ON work_orders (household_id);
CREATE INDEX work_orders_by_reported ON work_orders (reported_at);
CREATE INDEX work_orders_by_number ON work_orders (number text_pattern_ops) WHERE number IS NOT NULL;
-- The board's order (issue 12), three index ranges split at "now": overdue arrivals, late
-- completions, the rest by priority then the next deadline.
CREATE INDEX work_orders_board_arrival ON work_orders
    (is_open, arrive_key, reported_key, id, station_id, assignee_id, kind, status);
CREATE INDEX work_orders_board_late ON work_orders
    (is_open, due_key, arrive_key, reported_key, id, station_id, assignee_id, kind, status);
CREATE INDEX work_orders_board_rest ON work_orders
    (is_open, priority_rank, next_key, reported_key, id, arrive_key, due_key, station_id, assignee_id,
     kind, status);

CREATE TABLE reports (
    id           uuid PRIMARY KEY,
    record       text NOT NULL,                -- the SignedReport's JSON, byte for byte as received
    record_hash  text NOT NULL,
    household_id uuid NOT NULL REFERENCES households (id),
    station_id   uuid NOT NULL REFERENCES stations (id),
    device_id    uuid NOT NULL,
    received_at  timestamptz NOT NULL,
    delivered_by uuid REFERENCES users (id)    -- the user whose token delivered it
);

-- The answer each accepted push entry got, so a retried entry gets it again and is applied once.
CREATE TABLE push_log (
    entry_id  uuid PRIMARY KEY,
    device_id uuid NOT NULL,
    result    text NOT NULL                    -- the Outcome as JSON
);

CREATE TABLE blobs (
    sha256 text PRIMARY KEY,
    size   bigint NOT NULL,
    bytes  bytea NOT NULL
);

-- Resumable blob uploads (issue 15): one row per part until the bytes reach `total`.
CREATE TABLE blob_uploads (
    sha256     text PRIMARY KEY,
    total      bigint NOT NULL,                -- Upload-Length: the whole blob's bytes
    held       bigint NOT NULL,                -- bytes held so far: the next offset
    touched_at timestamptz NOT NULL            -- the last part's time
);
CREATE INDEX blob_uploads_by_age ON blob_uploads (touched_at);

CREATE TABLE blob_parts (
    sha256 text NOT NULL REFERENCES blob_uploads (sha256) ON DELETE CASCADE,
    start  bigint NOT NULL,                    -- the part's offset in the blob
    bytes  bytea NOT NULL,
    PRIMARY KEY (sha256, start)
);

-- Every overruled write: the console shows them.
CREATE TABLE conflicts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity        text NOT NULL,
    entity_id     uuid NOT NULL,
    field         text NOT NULL,
    losing_value  text NOT NULL,               -- JSON
    winning_value text NOT NULL,               -- JSON
    losing_hlc    text,
    winning_hlc   text,
    device_id     uuid NOT NULL,
    at            timestamptz NOT NULL
);

-- The change feed: one row per visible record, holding its latest state as the wire's
-- `Incoming` JSON. A changed record's row is replaced and gets a new, higher seq. The numbers
-- come from `feed_counter`, taken inside the writing transaction: its row lock is held to
-- commit, so numbers commit in order (storage/postgres/feed.rs).
CREATE TABLE changes (
    seq         bigint PRIMARY KEY,
    entity      text NOT NULL,
    entity_id   text NOT NULL,                 -- the record's id, or `id@station:S` for a withdrawal
    station_id  uuid,                          -- NULL: visible to the office roles only
    assignee_id uuid,
    payload     text NOT NULL,
    UNIQUE (entity, entity_id)
);
CREATE INDEX changes_by_station ON changes (station_id, seq);
CREATE INDEX changes_by_assignee ON changes (assignee_id, seq) WHERE assignee_id IS NOT NULL;

-- The last change number given out: one row.
CREATE TABLE feed_counter (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    n        bigint NOT NULL
);
INSERT INTO feed_counter (only_row, n) VALUES (true, 0);

-- Every hotline call, including the ones that need no visit.
CREATE TABLE calls (
    id            uuid PRIMARY KEY,
    received_at   timestamptz NOT NULL,
    dispatcher_id uuid NOT NULL REFERENCES users (id),
    caller_name   text NOT NULL,
    phone         text NOT NULL,
    household_id  uuid REFERENCES households (id),
    description   text NOT NULL,
    outcome       text NOT NULL,
    work_order_id uuid REFERENCES work_orders (id)
);
CREATE INDEX calls_by_time ON calls (received_at);
CREATE INDEX calls_by_household ON calls (household_id, received_at) WHERE household_id IS NOT NULL;
CREATE INDEX calls_by_order ON calls (work_order_id, received_at) WHERE work_order_id IS NOT NULL;

-- 调度日志: written by dispatchers, kept.
CREATE TABLE dispatch_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL,
    author_id uuid NOT NULL REFERENCES users (id),
    text      text NOT NULL
);
CREATE INDEX dispatch_log_by_time ON dispatch_log (at);

-- Settings the admin edits; `city_profile` holds the CityProfile as JSON.
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- One row per stored report, filled in the transaction that stores the report.
CREATE TABLE report_facts (
    report_id             uuid PRIMARY KEY REFERENCES reports (id),
    kind                  text NOT NULL,
    station_id            uuid NOT NULL,
    author_id             uuid NOT NULL,
    household_id          uuid NOT NULL,
    work_order_id         uuid,
    amends                uuid,
    created_at            timestamptz NOT NULL,
    received_at           timestamptz NOT NULL,
    satisfaction          text,
    lowest_c              double precision,
    outdoor_c             double precision,
    excused               boolean NOT NULL DEFAULT false,
    billed_area_m2        double precision,
    arrived_on_time       boolean,
    fixed_in_time         boolean,
    area_within_tolerance boolean,
    superseded            boolean NOT NULL DEFAULT false -- an amendment counts in its place
);
CREATE INDEX report_facts_by_time ON report_facts (received_at);
CREATE INDEX report_facts_by_amends ON report_facts (amends) WHERE amends IS NOT NULL;

CREATE TABLE report_violations (
    report_id   uuid NOT NULL REFERENCES reports (id),
    violation   text NOT NULL,
    station_id  uuid NOT NULL,
    author_id   uuid NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (report_id, violation)
);
CREATE INDEX report_violations_by_time ON report_violations (received_at);

-- The KPI counts of the reports received in one hour (unix time / 3600), by station and author.
CREATE TABLE kpi_hours (
    hour                    bigint NOT NULL,
    station_id              uuid NOT NULL,
    author_id               uuid NOT NULL,
    repairs_with_deadline   bigint NOT NULL,
    repairs_arrived_on_time bigint NOT NULL,
    repairs_fixed_in_time   bigint NOT NULL,
    checks_compliant        bigint NOT NULL,
    checks_non_compliant    bigint NOT NULL,
    checks_excused          bigint NOT NULL,
    checks_undecided        bigint NOT NULL,
    area_remeasurements     bigint NOT NULL,
    area_outside_tolerance  bigint NOT NULL,
    satisfied               bigint NOT NULL,
    fairly_satisfied        bigint NOT NULL,
    dissatisfied            bigint NOT NULL,
    PRIMARY KEY (hour, station_id, author_id)
);

CREATE TABLE kpi_hour_refunds (
    hour           bigint NOT NULL,
    station_id     uuid NOT NULL,
    author_id      uuid NOT NULL,
    tier           text NOT NULL,
    checks         bigint NOT NULL,
    billed_area_m2 double precision NOT NULL,
    PRIMARY KEY (hour, station_id, author_id, tier)
);

CREATE TABLE kpi_hour_violations (
    hour       bigint NOT NULL,
    station_id uuid NOT NULL,
    author_id  uuid NOT NULL,
    violation  text NOT NULL,
    count      bigint NOT NULL,
    PRIMARY KEY (hour, station_id, author_id, violation)
);

-- Households whose latest temperature check is non-compliant (not excused).
CREATE TABLE waiting_checks (
    household_id uuid PRIMARY KEY,
    station_id   uuid NOT NULL,
    report_id    uuid NOT NULL,
    received_at  timestamptz NOT NULL,
    lowest_c     double precision NOT NULL
);

-- Readable work-order numbers: each station's orders per day (China's day, YYYY-MM-DD).
CREATE TABLE order_numbers (
    station_id uuid NOT NULL,
    day        text NOT NULL,
    last       bigint NOT NULL,
    PRIMARY KEY (station_id, day)
);

-- The audit trail (审计日志, issue 13), append-only: these triggers refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,           -- the server's clock
    actor_id   uuid NOT NULL REFERENCES users (id),
    device_id  uuid NOT NULL,                  -- the device whose token made the call
    action     text NOT NULL,                  -- AuditAction, snake_case
    subject_id uuid,                           -- the user, device or order acted on
    detail     text NOT NULL                   -- what changed, JSON
);
CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE INDEX audit_log_by_action ON audit_log (action, at, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, at, id);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the audit log is append-only: its entries cannot be changed';
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: its entries cannot be deleted';
END $$;
CREATE TRIGGER audit_log_is_immutable BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_is_kept BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
