-- A work order's signed reports are looked up by the order: its detail links them, and a
-- move to "done" asks whether one exists (rules::status::needs_note).
CREATE INDEX reports_work_order ON reports (work_order_id, created_at);
