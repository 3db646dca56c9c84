//! Hugo shortcodes (`{{< note >}}…{{< /note >}}`, `{{% notice tip %}}`, `{{< ref "x.md" >}}`)
//! and Docusaurus admonitions (`:::note … :::`), read from the Markdown source before it is
//! parsed: admonitions become GitHub alerts (localized callouts), `ref`/`relref` the path they
//! name (a checked link), and any other shortcode renders nothing, with one
//! `unsupported-shortcode` warning per file and name. Code blocks are left as written.

use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// The warning code of a shortcode ayuda does not render.
pub const UNSUPPORTED_SHORTCODE: &str = "unsupported-shortcode";

static SHORTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{([<%])\s*(/?)\s*([A-Za-z][\w.-]*)\s*((?:[^}]|\}[^}])*?)\s*[>%]\}\}")
        .expect("valid regex")
});
static COMMENTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\{\{([<%])/\*(.*?)\*/([>%])\}\}").expect("valid regex"));
static ADMONITION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\s*):::\s*([A-Za-z]+)\b.*$").expect("valid regex"));

/// A Markdown body with its shortcodes expanded, and what to warn about.
#[derive(Debug, Default, PartialEq)]
pub struct Expanded {
    pub text: String,
    /// (1-based line of the body, message) of each unsupported shortcode, once per name.
    pub warnings: Vec<(usize, String)>,
}

/// The GitHub alert kind of an admonition name (and its first argument for `notice`/`hint`).
fn alert_kind(name: &str, args: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    let kind = if matches!(
        name.as_str(),
        "notice" | "hint" | "alert" | "callout" | "admonition"
    ) {
        args.split_whitespace()
            .next()
            .map(|a| a.trim_matches(['"', '\'']).to_ascii_lowercase())
            .unwrap_or_else(|| "note".into())
    } else {
        name
    };
    Some(match kind.as_str() {
        "note" | "info" | "information" => "NOTE",
        "tip" | "hint" | "success" => "TIP",
        "important" => "IMPORTANT",
        "warning" | "warn" | "caution" => "WARNING",
        "danger" | "error" => "CAUTION",
        _ => return None,
    })
}

/// Expands the shortcodes and admonitions of `body` (see the module documentation).
pub fn expand(body: &str) -> Expanded {
    if !body.contains("{{") && !body.contains(":::") {
        return Expanded {
            text: body.to_string(),
            warnings: Vec::new(),
        };
    }
    let mut out = Expanded::default();
    let mut warned: BTreeSet<String> = BTreeSet::new();
    let mut fence: Option<String> = None;
    // Open callouts: their lines are quoted (`> `).
    let mut quoting = 0usize;
    for (n, line) in body.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        if let Some(f) = &fence {
            if trimmed.starts_with(f.as_str()) {
                fence = None;
            }
            push_quoted(&mut out.text, line, quoting);
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(trimmed[..3].to_string());
            push_quoted(&mut out.text, line, quoting);
            continue;
        }
        // Docusaurus: `:::note Title` opens, `:::` closes.
        if let Some(c) = ADMONITION.captures(line.trim_end())
            && let Some(kind) = alert_kind(&c[2], "")
        {
            push_quoted(&mut out.text, &format!("> [!{kind}]\n"), quoting);
            quoting += 1;
            continue;
        }
        if quoting > 0 && line.trim() == ":::" {
            quoting -= 1;
            push_quoted(&mut out.text, "\n", quoting);
            continue;
        }
        // An admonition shortcode alone on its line opens or closes a callout (the line count
        // stays the same, so diagnostics keep their lines).
        let whole_line = SHORTCODE
            .captures(line.trim())
            .filter(|c| c.get(0).is_some_and(|m| m.len() == line.trim().len()));
        if let Some(c) = &whole_line
            && let Some(kind) = alert_kind(&c[3], c.get(4).map_or("", |m| m.as_str()))
        {
            if c[2].is_empty() {
                push_quoted(&mut out.text, &format!("> [!{kind}]\n"), quoting);
                quoting += 1;
            } else {
                quoting = quoting.saturating_sub(1);
                push_quoted(&mut out.text, "\n", quoting);
            }
            continue;
        }
        let mut text = String::with_capacity(line.len());
        let mut last = 0;
        for c in SHORTCODE.captures_iter(line) {
            let (Some(whole), Some(name)) = (c.get(0), c.get(3)) else {
                continue;
            };
            if in_code_span(&line[..whole.start()]) || COMMENTED.is_match(whole.as_str()) {
                continue;
            }
            text.push_str(&line[last..whole.start()]);
            last = whole.end();
            let closing = !c[2].is_empty();
            let args = c.get(4).map_or("", |m| m.as_str());
            let name = name.as_str();
            match name {
                "ref" | "relref" if !closing => {
                    let target = args.split_whitespace().next().unwrap_or("");
                    text.push_str(target.trim_matches(['"', '\'']));
                }
                // An admonition inside a line keeps its text, without the callout.
                _ if alert_kind(name, args).is_some() => {}
                _ => {
                    if !closing && warned.insert(name.to_string()) {
                        out.warnings.push((
                            n + 1,
                            format!(
                                "the Hugo shortcode `{name}` is not supported and renders nothing; replace it with Markdown"
                            ),
                        ));
                    }
                }
            }
        }
        text.push_str(&line[last..]);
        let text = COMMENTED.replace_all(&text, "{{$1$2$3}}");
        push_quoted(&mut out.text, &text, quoting);
    }
    out
}

/// Appends `line` inside `depth` block quotes.
fn push_quoted(out: &mut String, line: &str, depth: usize) {
    for _ in 0..depth {
        out.push_str("> ");
    }
    out.push_str(line);
}

/// True when `before` leaves an inline code span open (an odd number of backticks).
fn in_code_span(before: &str) -> bool {
    before.matches('`').count() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admonitions_become_alerts_and_unknown_shortcodes_vanish() {
        let e = expand(
            "{{<legacynotice>}}\n\n{{< note >}}\nKeep it.\n{{< /note >}}\n\nAfter {{< legacynotice >}} and {{Value1}}.\n",
        );
        assert_eq!(
            e.text,
            "\n\n> [!NOTE]\n> Keep it.\n\n\nAfter  and {{Value1}}.\n"
        );
        assert_eq!(e.warnings.len(), 1);
        assert_eq!(e.warnings[0].0, 1);
    }

    #[test]
    fn docusaurus_admonitions_refs_and_code_stay_right() {
        let e = expand(
            ":::tip Pro tip\nUse it.\n:::\n\nSee [x]({{< relref \"other.md\" >}}).\n\n```\n{{< note >}}\n```\n",
        );
        assert_eq!(
            e.text,
            "> [!TIP]\n> Use it.\n\n\nSee [x](other.md).\n\n```\n{{< note >}}\n```\n"
        );
        assert!(e.warnings.is_empty());
    }
}
