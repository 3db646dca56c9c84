//! One word for a ticket per language, the same on the theme's buttons and labels, in the
//! messages partners read, and in the example articles: an article that says "Abrir un ticket"
//! leads to a button that says so too, not "Abrir una solicitud" (issue 15).

use ayuda::tickets::messages::Msg;
use std::path::Path;

/// The words the project does not use for a ticket, per language ("ticket" is the word).
const OTHER_WORDS: [(&str, &[&str]); 2] =
    [("es", &["solicitud"]), ("pt", &["chamado", "solicitaç"])];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `file:line: text` for every line of `text` holding one of `words` (any case).
fn hits(file: &str, text: &str, words: &[&str]) -> Vec<String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.to_lowercase();
            words.iter().any(|w| l.contains(w))
        })
        .map(|(i, l)| format!("{file}:{}: {}", i + 1, l.trim()))
        .collect()
}

#[test]
fn labels_messages_and_example_articles_say_ticket() {
    let mut found = Vec::new();
    for (lang, words) in OTHER_WORDS {
        let content = root().join("content").join(lang);
        for entry in walkdir::WalkDir::new(&content).sort_by_file_name() {
            let entry = entry.unwrap();
            let path = entry.path();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if entry.file_type().is_file() && ["md", "yaml", "yml"].contains(&ext) {
                let text = std::fs::read_to_string(path).unwrap();
                let rel = path.strip_prefix(root()).unwrap().display().to_string();
                found.extend(hits(&rel, &text, words));
            }
        }
        let i18n = format!("themes/default/i18n/{lang}.yaml");
        let text = std::fs::read_to_string(root().join(&i18n)).unwrap();
        found.extend(hits(&i18n, &text, words));
        for m in Msg::examples() {
            found.extend(hits(&format!("Msg::{m:?} ({lang})"), &m.text(lang), words));
        }
    }
    assert!(
        found.is_empty(),
        "say \"ticket\" (see docs/templates.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_open_ticket_button_says_what_the_articles_say() {
    for lang in ["es", "en", "pt"] {
        let i18n = std::fs::read_to_string(root().join(format!("themes/default/i18n/{lang}.yaml")))
            .unwrap();
        let label = i18n
            .lines()
            .find_map(|l| l.strip_prefix("open_ticket:"))
            .map(|v| v.trim().trim_matches('"').to_lowercase())
            .unwrap_or_else(|| panic!("{lang}.yaml has no open_ticket"));
        let mut articles = String::new();
        for entry in walkdir::WalkDir::new(root().join("content").join(lang)) {
            let entry = entry.unwrap();
            if entry.path().extension().is_some_and(|e| e == "md") {
                articles.push_str(
                    &std::fs::read_to_string(entry.path())
                        .unwrap()
                        .to_lowercase(),
                );
            }
        }
        assert!(
            articles.contains(&label),
            "{lang}: no example article says the button's words \"{label}\""
        );
    }
}
