-- The SLA watcher (issue 14): what it has handled, the events it records once each, and the
-- lease that lets one process of several sharing the queue run it.
ALTER TABLE ticket_contacts ADD COLUMN watched_ms BIGINT;
ALTER TABLE tickets ADD COLUMN warn_watched_ms BIGINT;
ALTER TABLE tickets ADD COLUMN breach_watched_ms BIGINT;
ALTER TABLE tickets ADD COLUMN breached_ms BIGINT;

-- Who a watcher event notifies: a JSON list of {role, name, email, slack}.
ALTER TABLE ticket_events ADD COLUMN notified TEXT;
-- What a watcher event is about; unique per ticket, so a restart or a second watcher can never
-- record it twice.
ALTER TABLE ticket_events ADD COLUMN watch_key TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS ticket_events_watch ON ticket_events (ticket_seq, watch_key)
    WHERE watch_key IS NOT NULL;

CREATE INDEX IF NOT EXISTS ticket_contacts_watch ON ticket_contacts (notify_at_ms)
    WHERE watched_ms IS NULL AND position > 0;
CREATE INDEX IF NOT EXISTS tickets_warn_watch ON tickets (first_response_target_ms)
    WHERE warn_watched_ms IS NULL;
CREATE INDEX IF NOT EXISTS tickets_breach_watch ON tickets (first_response_breach_ms)
    WHERE breach_watched_ms IS NULL;

-- Leases of singleton tasks: one row per task, held by `holder` until `expires_ms`, renewed
-- each tick and taken over once it has expired.
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
