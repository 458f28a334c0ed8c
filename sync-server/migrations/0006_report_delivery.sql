-- A report's author and who delivered it (issue 13). Tablets are shared within a crew, so a
-- crew member's report may name as its author the caller or a crew mate of the same station
-- who has logged in on the device that delivers it; the server must know who logged in where.

-- Every user who has logged in on each device (a device row keeps only its latest user).
CREATE TABLE device_users (
    device_id TEXT NOT NULL,
    user_id   TEXT NOT NULL REFERENCES users(id),
    first_at  TEXT NOT NULL,                 -- the first login of this user on this device
    PRIMARY KEY (device_id, user_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO device_users (device_id, user_id, first_at)
    SELECT id, user_id, created_at FROM devices;

-- Kept by the database itself, so every way a login is recorded keeps it. (Not `INSERT OR
-- IGNORE`: inside a trigger the outer statement's conflict policy wins, and an upsert's is ABORT.)
CREATE TRIGGER device_users_on_login AFTER INSERT ON devices BEGIN
    INSERT INTO device_users (device_id, user_id, first_at)
        SELECT NEW.id, NEW.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE NOT EXISTS (SELECT 1 FROM device_users WHERE device_id = NEW.id AND user_id = NEW.user_id);
END;
CREATE TRIGGER device_users_on_login_again AFTER UPDATE OF user_id, token_hash ON devices BEGIN
    INSERT INTO device_users (device_id, user_id, first_at)
        SELECT NEW.id, NEW.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
        WHERE NOT EXISTS (SELECT 1 FROM device_users WHERE device_id = NEW.id AND user_id = NEW.user_id);
END;

-- The user whose token delivered each report (`device_id` is the device); NULL for reports
-- received before this migration. The KPIs keep crediting the report's author.
ALTER TABLE reports ADD COLUMN delivered_by TEXT REFERENCES users(id);
