-- The board's order (issue 12): what must be reached first at the top, across pages. Overdue
-- arrivals first, then late completions, then emergency, then urgent, then the rest, each by
-- the next deadline: the arrival deadline until the crew is on site, then the completion
-- deadline. "Overdue" depends on the clock, so the board reads three index ranges split at
-- "now" (storage/sqlite/console/board.rs), each already in its order: a page costs its own
-- rows, not a sort of every open order.

-- The arrival deadline while the crew is not on site yet (no arrival deadline: 1e9, last).
ALTER TABLE work_orders ADD COLUMN arrive_key REAL GENERATED ALWAYS AS (
    CASE WHEN json_extract(record, '$.status') IN ('new', 'assigned', 'en_route')
         THEN coalesce(julianday(json_extract(record, '$.arrive_by')), 1e9) ELSE 1e9 END) VIRTUAL;
-- The deadline to reach next: the arrival's until on site, then the completion's.
ALTER TABLE work_orders ADD COLUMN next_key REAL GENERATED ALWAYS AS (
    CASE WHEN arrive_key < 1e9 THEN arrive_key ELSE due_key END) VIRTUAL;
-- 0 emergency, 1 urgent, 2 the rest.
ALTER TABLE work_orders ADD COLUMN priority_rank INTEGER GENERATED ALWAYS AS (
    CASE json_extract(record, '$.priority') WHEN 'emergency' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END) VIRTUAL;

-- Overdue arrivals: arrive_key < now, in arrival order.
CREATE INDEX work_orders_board_arrival ON work_orders
    (is_open, arrive_key, reported_key, id, station_id, assignee_id, kind, status);
-- Late completions (the arrival not overdue): due_key < now, in completion order.
CREATE INDEX work_orders_board_late ON work_orders
    (is_open, due_key, arrive_key, reported_key, id, station_id, assignee_id, kind, status);
-- The rest: by priority, then the next deadline.
CREATE INDEX work_orders_board_rest ON work_orders
    (is_open, priority_rank, next_key, reported_key, id, arrive_key, due_key, station_id, assignee_id, kind, status);

-- A household's calls of the last days (shown at intake), and the calls attached to an order
-- as repeats of it (重复来电, shown on the board).
CREATE INDEX calls_by_household ON calls (household_id, received_at) WHERE household_id IS NOT NULL;
CREATE INDEX calls_by_order ON calls (work_order_id, received_at) WHERE work_order_id IS NOT NULL;
