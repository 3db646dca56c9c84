-- What several service instances on one database must share (issue 16): partner keys and
-- service settings. Kept in step with migrations/postgres (same numbering); the embedded,
-- one-machine setup keeps DATA/partners.json and DATA/secret.key, and these tables stay empty.
CREATE TABLE IF NOT EXISTS partner_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    key_id TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);
CREATE UNIQUE INDEX IF NOT EXISTS partner_keys_active ON partner_keys (name)
    WHERE revoked_ms IS NULL;

CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
