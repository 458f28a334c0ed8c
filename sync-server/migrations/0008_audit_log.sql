-- The audit trail (审计日志, issue 13): every office action — a user added or disabled, a
-- device revoked, the thresholds changed, an order created (planned, from a call, a
-- follow-up), assigned, reassigned or cancelled — with who, when, from which device and
-- what changed. Written in the transaction of the action itself
-- (storage/sqlite/audit.rs). Append-only: no route changes or deletes a row, and these
-- triggers refuse UPDATE and DELETE to anyone writing the file, as the device store does
-- for signed reports.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,                        -- the server's clock, RFC 3339 UTC
    actor_id   TEXT NOT NULL REFERENCES users(id),
    device_id  TEXT NOT NULL,                        -- the device whose token made the call
    action     TEXT NOT NULL,                        -- AuditAction, snake_case
    subject_id TEXT,                                 -- the user, device or order acted on
    detail     TEXT NOT NULL                         -- what changed, JSON
);
CREATE INDEX audit_log_by_time ON audit_log (at, id);
CREATE INDEX audit_log_by_action ON audit_log (action, at, id);
CREATE INDEX audit_log_by_actor ON audit_log (actor_id, at, id);

CREATE TRIGGER audit_log_is_immutable BEFORE UPDATE ON audit_log BEGIN
    SELECT RAISE (ABORT, 'the audit log is append-only: its entries cannot be changed');
END;
CREATE TRIGGER audit_log_is_kept BEFORE DELETE ON audit_log BEGIN
    SELECT RAISE (ABORT, 'the audit log is append-only: its entries cannot be deleted');
END;
