-- Readable work-order numbers (和平-1202-007, hearth_core::rules::order_number): the count of
-- each station's orders per day, taken in the transaction that stores an order, and the
-- number itself as a column, so a dispatcher can find an order by the number a caller reads.

CREATE TABLE order_numbers (
    station_id TEXT NOT NULL,
    day        TEXT NOT NULL,   -- the day in China (UTC+8), YYYY-MM-DD
    last       INTEGER NOT NULL,
    PRIMARY KEY (station_id, day)
) WITHOUT ROWID;

ALTER TABLE work_orders ADD COLUMN number TEXT GENERATED ALWAYS AS (json_extract(record, '$.number')) VIRTUAL;
CREATE INDEX work_orders_by_number ON work_orders (number) WHERE number IS NOT NULL;
