-- Ids that ticketing tools gave a ticket (a Monday item, a Zendesk ticket), one per ticket and
-- target: the later lifecycle deliveries of that target update the same record.
CREATE TABLE IF NOT EXISTS ticket_external_ids (
    ticket_seq INTEGER NOT NULL REFERENCES tickets (seq),
    target TEXT NOT NULL,
    external_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (ticket_seq, target)
);
