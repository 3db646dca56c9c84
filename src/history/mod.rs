//! Article history: revisions from git when the content is in a checkout, front matter otherwise.
