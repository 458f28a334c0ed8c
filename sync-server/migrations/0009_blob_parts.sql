-- Resumable blob uploads (issue 15): a photo sent in parts (PATCH /v1/blobs/{sha256}) is held
-- here, one row per part, until its bytes reach `total`; it is then assembled, hashed, and
-- only if it hashes to its address moved into `blobs` (storage/sqlite/blobs.rs). A partial
-- upload is never a blob. Uploads untouched for a day are deleted by the upkeep.
CREATE TABLE blob_uploads (
    sha256     TEXT PRIMARY KEY,
    total      INTEGER NOT NULL,                     -- Upload-Length: the whole blob's bytes
    held       INTEGER NOT NULL,                     -- bytes held so far: the next offset
    touched_at TEXT NOT NULL                         -- the last part's time, RFC 3339 UTC
);
CREATE INDEX blob_uploads_by_age ON blob_uploads (touched_at);

CREATE TABLE blob_parts (
    sha256 TEXT NOT NULL REFERENCES blob_uploads (sha256) ON DELETE CASCADE,
    start  INTEGER NOT NULL,                         -- the part's offset in the blob
    bytes  BLOB NOT NULL,
    PRIMARY KEY (sha256, start)
);
