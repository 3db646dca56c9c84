-- Searches counted by the service (issue 16): with several instances on one database their
-- counts add up here instead of in each instance's DATA/search-gaps.json and
-- DATA/search-opens.json. kind: 'gap' (no result) or 'answered'; opened: answered searches
-- followed by an opened article. The one-machine setup keeps the files, and this stays empty.
CREATE TABLE IF NOT EXISTS search_counts (
    kind TEXT NOT NULL,
    locale TEXT NOT NULL,
    query TEXT NOT NULL,
    count INTEGER NOT NULL,
    opened INTEGER NOT NULL DEFAULT 0,
    last_ms INTEGER NOT NULL,
    PRIMARY KEY (kind, locale, query)
);
