//! ayuda: a multi-locale, searchable help center built from Markdown, and the small service
//! behind it (search queries and the ticket form feeding an escalation queue).
//!
//! Data flows one way: files → [`content`] (the article library) → [`render`] (HTML) →
//! [`site`] (pages, feeds, redirects, search indexes written to `dist/`). The [`server`] reads
//! the output and the ticket queue, never the content folder (except in writer mode).

pub mod config;
pub mod content;
pub mod diag;
pub mod feedback;
pub mod history;
pub mod i18n;
pub mod private;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod server;
pub mod site;
pub mod tickets;
pub mod util;
pub mod yaml;

pub use config::Config;
pub use diag::{Diagnostic, Diagnostics};
