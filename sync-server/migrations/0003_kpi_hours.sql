-- KPIs read hourly sums kept up to date by each push, instead of covering indexes over every
-- report's facts: a push then writes each report's facts once, in arrival order, and a KPI
-- page over a million reports adds up a few thousand rows.

DROP INDEX report_facts_by_kind;
DROP INDEX report_facts_by_satisfaction;
DROP INDEX report_facts_by_household;

-- 1: an amendment arrived for this report; the amendment counts in its place.
ALTER TABLE report_facts ADD COLUMN superseded INTEGER NOT NULL DEFAULT 0;

-- The KPI counts of the reports received in one hour (unix time / 3600), by station and author,
-- judged with the city profile in force (a changed profile rebuilds them).
CREATE TABLE kpi_hours (
    hour                    INTEGER NOT NULL,
    station_id              TEXT NOT NULL,
    author_id               TEXT NOT NULL,
    repairs_with_deadline   INTEGER NOT NULL,
    repairs_arrived_on_time INTEGER NOT NULL,
    repairs_fixed_in_time   INTEGER NOT NULL,
    checks_compliant        INTEGER NOT NULL,
    checks_non_compliant    INTEGER NOT NULL,
    checks_excused          INTEGER NOT NULL,
    checks_undecided        INTEGER NOT NULL,
    area_remeasurements     INTEGER NOT NULL,
    area_outside_tolerance  INTEGER NOT NULL,
    satisfied               INTEGER NOT NULL,
    fairly_satisfied        INTEGER NOT NULL,
    dissatisfied            INTEGER NOT NULL,
    PRIMARY KEY (hour, station_id, author_id)
) WITHOUT ROWID;

-- The refund tiers of the same hours: non-compliant checks and their billed area per tier.
CREATE TABLE kpi_hour_refunds (
    hour           INTEGER NOT NULL,
    station_id     TEXT NOT NULL,
    author_id      TEXT NOT NULL,
    tier           TEXT NOT NULL,
    checks         INTEGER NOT NULL,
    billed_area_m2 REAL NOT NULL,
    PRIMARY KEY (hour, station_id, author_id, tier)
) WITHOUT ROWID;

-- The violations found in the same hours, by type.
CREATE TABLE kpi_hour_violations (
    hour       INTEGER NOT NULL,
    station_id TEXT NOT NULL,
    author_id  TEXT NOT NULL,
    violation  TEXT NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (hour, station_id, author_id, violation)
) WITHOUT ROWID;

-- Households whose latest temperature check is non-compliant (not excused): the console's
-- "waiting for a repair or follow-up" list starts here.
CREATE TABLE waiting_checks (
    household_id TEXT PRIMARY KEY,
    station_id   TEXT NOT NULL,
    report_id    TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    lowest_c     REAL NOT NULL
) WITHOUT ROWID;
