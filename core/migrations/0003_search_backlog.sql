-- The household search index may lag behind the table: a first pull stores households
-- without indexing them, and the index catches up in the background (store/households.rs).
-- This setting is the highest households.seq the index covers. Everything stored before
-- this version was indexed as it was written.
INSERT INTO settings (key, value)
SELECT 'search_indexed_seq', CAST(coalesce(max(seq), 0) AS TEXT) FROM households;
