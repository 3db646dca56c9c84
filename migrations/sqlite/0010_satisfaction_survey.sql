-- The satisfaction survey (issue 15): one answer per ticket, given once it is closed. The
-- answer is also a `rate` event in ticket_events, so the ticket's history and deliveries see it.
CREATE TABLE IF NOT EXISTS ticket_surveys (
    -- The primary key is what makes the answer one per ticket.
    ticket_seq INTEGER PRIMARY KEY REFERENCES tickets (seq),
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT,
    answered_ms INTEGER NOT NULL,
    event_id INTEGER NOT NULL REFERENCES ticket_events (id)
);
CREATE INDEX IF NOT EXISTS ticket_surveys_answered ON ticket_surveys (answered_ms);
