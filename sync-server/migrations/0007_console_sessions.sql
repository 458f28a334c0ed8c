-- Sessions: a token given to a web browser (the dispatchers' console) expires after an idle
-- time; a tablet's does not (it may be offline for weeks). Each token's last use is kept,
-- to the minute, for both: the console's idle limit and the office's "last contact".
ALTER TABLE devices ADD COLUMN console INTEGER NOT NULL DEFAULT 0;  -- 1: logged in from a browser
ALTER TABLE devices ADD COLUMN last_used_at TEXT;                   -- RFC 3339; NULL: never since this column

-- The console's tokens from before: the console named its browser 调度台浏览器 (…). They were
-- kept in the browser for good; they now expire like any console session, counted from the
-- browser's first login.
UPDATE devices SET console = 1, last_used_at = created_at WHERE name LIKE '调度台浏览器%';
