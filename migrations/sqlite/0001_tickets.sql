-- The escalation queue: tickets, their contact chain, and one delivery job per target.
CREATE TABLE IF NOT EXISTS tickets (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    first_response_target_ms INTEGER NOT NULL,
    first_response_breach_ms INTEGER NOT NULL,
    partner TEXT NOT NULL,
    email TEXT NOT NULL,
    subject TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_created ON tickets (created_ms);
CREATE INDEX IF NOT EXISTS tickets_status ON tickets (status);

CREATE TABLE IF NOT EXISTS ticket_contacts (
    ticket_seq INTEGER NOT NULL REFERENCES tickets (seq),
    position INTEGER NOT NULL,
    role TEXT NOT NULL,
    notify_at_ms INTEGER NOT NULL,
    due_ms INTEGER NOT NULL,
    PRIMARY KEY (ticket_seq, position)
);

CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY,
    ticket_seq INTEGER NOT NULL REFERENCES tickets (seq),
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms INTEGER NOT NULL,
    -- Set while a worker holds the job; a job whose lease ran out is taken again.
    lease_until_ms INTEGER,
    last_error TEXT,
    updated_ms INTEGER NOT NULL,
    UNIQUE (ticket_seq, target)
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, next_attempt_ms);
