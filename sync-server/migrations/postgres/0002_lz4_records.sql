-- Stored records (reports, households, work orders, the feed's payloads) are JSON of a few KB,
-- which PostgreSQL compresses when a row passes ~2 KB. Its default method, pglz, was the
-- largest single cost of storing a push (14 % of PostgreSQL's CPU in W4_20_devices); lz4
-- compresses as well for JSON at a fraction of the CPU. Photos and signature images are
-- JPEG/PNG already: they are stored without trying to compress them again.
-- A PostgreSQL built without lz4 keeps pglz (a notice says so); rows already stored keep
-- theirs either way (only new values use the new method).
DO $$
BEGIN
    ALTER TABLE reports ALTER COLUMN record SET COMPRESSION lz4;
    ALTER TABLE households ALTER COLUMN record SET COMPRESSION lz4;
    ALTER TABLE work_orders ALTER COLUMN record SET COMPRESSION lz4;
    ALTER TABLE changes ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4: stored records stay compressed with pglz';
END $$;

ALTER TABLE blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
ALTER TABLE blob_parts ALTER COLUMN bytes SET STORAGE EXTERNAL;
