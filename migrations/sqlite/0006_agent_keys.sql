-- Agent keys (issue 14): tools report ticket changes to POST /api/tickets/{id}/events with
-- `Authorization: Bearer KEY`. Keys are 256-bit random values, so their SHA-256 is stored (a
-- slow hash adds nothing to a key nobody can guess) and looked up directly.
CREATE TABLE IF NOT EXISTS agent_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    -- hex SHA-256 of the key
    hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
-- One active key per agent name.
CREATE UNIQUE INDEX IF NOT EXISTS agent_keys_active ON agent_keys (name) WHERE revoked_ms IS NULL;
