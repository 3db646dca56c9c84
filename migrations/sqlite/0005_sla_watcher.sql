-- The SLA watcher (issue 14): what it has handled, the events it records once each, and the
-- lease that lets one process of several sharing the queue run it.

-- When the watcher handled a chain contact's notify_at (notified, or skipped because the
-- ticket was answered). NULL: still to look at.
ALTER TABLE ticket_contacts ADD COLUMN watched_ms INTEGER;
-- The same for the first-response warning and the breach of a ticket.
ALTER TABLE tickets ADD COLUMN warn_watched_ms INTEGER;
ALTER TABLE tickets ADD COLUMN breach_watched_ms INTEGER;
-- When the watcher recorded the breach (ticket.breached); NULL when there was none.
ALTER TABLE tickets ADD COLUMN breached_ms INTEGER;

-- Who a watcher event notifies: a JSON list of {role, name, email, slack}.
ALTER TABLE ticket_events ADD COLUMN notified TEXT;
-- What a watcher event is about (`reminded:1`, `target_warning`, `breached`); unique per
-- ticket, so a restart or a second watcher can never record it twice.
ALTER TABLE ticket_events ADD COLUMN watch_key TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS ticket_events_watch ON ticket_events (ticket_seq, watch_key)
    WHERE watch_key IS NOT NULL;

-- What each tick looks for, indexed on the instant it becomes due and holding only what is
-- still to look at (the first contact is told by the reception itself).
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
    expires_ms INTEGER NOT NULL
);

-- A queue upgraded to this version does not announce what fell due before the watcher
-- existed: those times are marked handled (the breach still shows in --breached and /metrics).
UPDATE ticket_contacts SET watched_ms = notify_at_ms
    WHERE notify_at_ms <= CAST(strftime('%s', 'now') AS INTEGER) * 1000;
UPDATE tickets SET warn_watched_ms = first_response_target_ms
    WHERE first_response_target_ms <= CAST(strftime('%s', 'now') AS INTEGER) * 1000;
UPDATE tickets SET breach_watched_ms = first_response_breach_ms
    WHERE first_response_breach_ms <= CAST(strftime('%s', 'now') AS INTEGER) * 1000;
