-- "Was this article helpful?" votes. No client address, no user agent: only what the partner
-- chose to send (issue 13).
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    article TEXT NOT NULL,
    locale TEXT NOT NULL,
    -- 1 yes, 0 no.
    helpful INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created_ms);
CREATE INDEX IF NOT EXISTS feedback_article ON feedback (article, locale);
