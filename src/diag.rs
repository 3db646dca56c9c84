//! Diagnostics: every problem of a build, with where it is and how to fix it.

use serde::Serialize;
use std::fmt;

/// How serious a diagnostic is: errors fail a build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in the content or configuration, located in a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    /// Path relative to the site root, with `/` separators.
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    #[serde(skip)]
    pub severity: Severity,
    /// A stable code such as `broken-link`, for tooling and for searching the docs.
    pub code: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Diagnostic {
    /// An error in `file`.
    pub fn error(file: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line: None,
            column: None,
            severity: Severity::Error,
            code,
            message: message.into(),
        }
    }

    /// A warning in `file`.
    pub fn warning(
        file: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, code, message)
        }
    }

    /// Sets the 1-based line (and column when known).
    pub fn at(mut self, line: Option<usize>, column: Option<usize>) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {kind}[{}]: {}", self.code, self.message)
    }
}

/// Errors and warnings collected over a whole build.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Diagnostics {
    pub warnings: Vec<Diagnostic>,
    pub errors: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds one diagnostic to the right list.
    pub fn push(&mut self, d: Diagnostic) {
        if d.is_error() {
            self.errors.push(d);
        } else {
            self.warnings.push(d);
        }
    }

    /// Adds many.
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        for d in ds {
            self.push(d);
        }
    }

    /// Sorts both lists by file and position so output is deterministic.
    pub fn sort(&mut self) {
        self.errors.sort();
        self.errors.dedup();
        self.warnings.sort();
        self.warnings.dedup();
    }

    /// True when there is at least one error.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// Converts a byte offset in `text` into a 1-based (line, column), column counted in characters.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 8), (3, 1));
    }

    #[test]
    fn display_is_file_line_column() {
        let d =
            Diagnostic::error("content/a.md", "missing-title", "add a title").at(Some(2), Some(1));
        assert_eq!(
            d.to_string(),
            "content/a.md:2:1: error[missing-title]: add a title"
        );
    }
}
