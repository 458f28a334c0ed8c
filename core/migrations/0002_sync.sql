-- Hearth device store, schema 2: what the sync client keeps.

-- Settings and sync state, one row per key: the server URL, the device token, the pull
-- cursor, the last success and the last error in words.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Photos and signature images taken on this device, until the server has them.
CREATE TABLE blobs (
    sha256      TEXT PRIMARY KEY,
    mime_type   TEXT NOT NULL,
    size_bytes  INTEGER NOT NULL,
    data        BLOB NOT NULL,
    uploaded_at TEXT
);

-- An entry the server refused for good (a conflict, a rule broken) stays, out of the push
-- queue, with the server's reason, so the technician and the office can see it.
ALTER TABLE outbox ADD COLUMN rejected_code TEXT;
ALTER TABLE outbox ADD COLUMN rejected_message TEXT;
