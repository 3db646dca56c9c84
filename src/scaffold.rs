//! `ayuda new` and `ayuda init`: scaffolding for writers.

use crate::config::Config;
use crate::util::slugify;
use std::path::{Path, PathBuf};

/// Scaffolding that cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ScaffoldError + '_ {
    move |source| ScaffoldError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a new draft article and returns its path.
pub fn new_article(
    root: &Path,
    title: Option<&str>,
    locale: Option<&str>,
    category: Option<&str>,
    translate: Option<&str>,
) -> Result<PathBuf, ScaffoldError> {
    let _ = (root, title, locale, category, translate);
    Err(ScaffoldError::Usage(
        "`ayuda new` is not available yet".into(),
    ))
}

/// Creates a small working help center in `dir`.
pub fn init(dir: &Path) -> Result<(), ScaffoldError> {
    let _ = Config::default();
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let _ = slugify("");
    Err(ScaffoldError::Usage(
        "`ayuda init` is not available yet".into(),
    ))
}
