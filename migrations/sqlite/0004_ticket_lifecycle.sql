-- The ticket lifecycle (issue 14): level, assignee and first response on the ticket, every
-- change an event in an append-only table, and delivery jobs per event.
ALTER TABLE tickets ADD COLUMN level INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tickets ADD COLUMN assignee TEXT;
-- Set by the first acknowledgement; "SLA met" when it is at or before first_response_breach_ms.
ALTER TABLE tickets ADD COLUMN first_response_ms INTEGER;
CREATE INDEX IF NOT EXISTS tickets_level ON tickets (level);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE IF NOT EXISTS ticket_events (
    id INTEGER PRIMARY KEY,
    ticket_seq INTEGER NOT NULL REFERENCES tickets (seq),
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    -- ack, assign, escalate, resolve, close, reopen, note
    action TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    from_level INTEGER NOT NULL,
    to_level INTEGER NOT NULL,
    assignee TEXT,
    note TEXT,
    -- 1 when the partner may see the note.
    public INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ticket_events_ticket ON ticket_events (ticket_seq, id);

-- A job now delivers one event of a ticket: event_id 0 is the ticket's reception
-- (ticket.created), any other value a row of ticket_events. The unique key gains the event,
-- which SQLite can only do by rebuilding the table.
CREATE TABLE jobs_by_event (
    id INTEGER PRIMARY KEY,
    ticket_seq INTEGER NOT NULL REFERENCES tickets (seq),
    event_id INTEGER NOT NULL DEFAULT 0,
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    lease_until_ms INTEGER,
    last_error TEXT,
    updated_ms INTEGER NOT NULL,
    UNIQUE (ticket_seq, event_id, target)
);
INSERT INTO jobs_by_event (id, ticket_seq, event_id, target, state, attempts, next_attempt_ms,
                           lease_until_ms, last_error, updated_ms)
    SELECT id, ticket_seq, 0, target, state, attempts, next_attempt_ms, lease_until_ms,
           last_error, updated_ms
    FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_by_event RENAME TO jobs;
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, next_attempt_ms);
CREATE INDEX IF NOT EXISTS jobs_target_due ON jobs (target, state, next_attempt_ms);
