//! The one place that touches the YAML library.
//!
//! serde_yaml is archived upstream; keeping every call behind this module means a maintained
//! fork is a one-line swap in Cargo.toml and here.

use regex::Regex;
use serde::de::DeserializeOwned;
use std::sync::LazyLock;

/// A parsed YAML value, for callers that keep unknown keys.
pub type Value = serde_yaml::Value;
/// A YAML mapping.
pub type Mapping = serde_yaml::Mapping;

/// A YAML error with the position (1-based, relative to the parsed text) when the parser knows it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// What went wrong, without the position.
    pub message: String,
    /// 1-based line in the parsed text.
    pub line: Option<usize>,
    /// 1-based column in the parsed text.
    pub column: Option<usize>,
}

/// ` at line L column C` in the parser's messages.
static POSITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r" at line (\d+) column (\d+)").expect("valid regex"));

impl From<serde_yaml::Error> for YamlError {
    fn from(err: serde_yaml::Error) -> Self {
        let location = err.location();
        let text = err.to_string();
        let mut line = location.as_ref().map(|l| l.line());
        let mut column = location.as_ref().map(|l| l.column());
        // libyaml notices an unclosed quote or bracket where the text ends, often lines later
        // (the closing `---` of front matter); its context ("while scanning a quoted scalar at
        // line L column C") names where the writer opened it, which is the line to fix.
        if let Some((_, context)) = text.split_once(", while ")
            && (context.contains("quoted scalar") || context.contains("flow"))
            && let Some(c) = POSITION.captures(context)
        {
            line = c[1].parse().ok().or(line);
            column = c[2].parse().ok().or(column);
        }
        // The positions are reported separately; the words of the context stay.
        let message = POSITION.replace_all(&text, "").into_owned();
        YamlError {
            message,
            line,
            column,
        }
    }
}

/// Parses YAML text into `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml::from_str(text).map_err(YamlError::from)
}

/// Converts an already parsed value into `T`.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, YamlError> {
    serde_yaml::from_value(value).map_err(YamlError::from)
}

/// Serializes `value` as YAML text.
pub fn to_string<T: serde::Serialize>(value: &T) -> Result<String, YamlError> {
    serde_yaml::to_string(value).map_err(YamlError::from)
}

/// Converts a YAML value into JSON, for templates and JSON output.
pub fn to_json(value: &Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Finds the 1-based line of a top-level `key:` in YAML text, for diagnostics on a key whose
/// value is wrong (the parser only reports syntax positions).
pub fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_carries_one_based_line() {
        let err = from_str::<Value>("a: 1\nb: [\n").unwrap_err();
        assert!(err.line.is_some());
        assert!(err.line.unwrap() >= 2, "{err:?}");
    }

    #[test]
    fn unclosed_quotes_and_brackets_are_placed_where_they_open() {
        // libyaml notices both at the end of the text; the writer must fix the opening line.
        let err = from_str::<Value>("a: 1\nb: \"open\nc: 2\nd: 3\n").unwrap_err();
        assert_eq!((err.line, err.column), (Some(2), Some(4)), "{err:?}");
        let err = from_str::<Value>("a: 1\nb: [x\nc: 2\n").unwrap_err();
        assert_eq!(err.line, Some(2), "{err:?}");
        assert!(!err.message.contains(" at line "), "{}", err.message);
        assert!(
            err.message.contains("while"),
            "the context stays: {}",
            err.message
        );
    }

    #[test]
    fn key_line_finds_top_level_keys() {
        let text = "title: x\n  nested: y\ndate: 2020\n";
        assert_eq!(key_line(text, "date"), Some(3));
        assert_eq!(key_line(text, "nested"), None);
    }
}
