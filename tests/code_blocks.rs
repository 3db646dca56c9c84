//! Issue 12 item 18: code blocks are highlighted at build time with CSS classes (the pages run
//! under a strict Content-Security-Policy, so no inline styles), can be scrolled with the
//! keyboard, and codes such as `PLAY-404` stay on one line in table cells.

mod common;

use common::*;

fn page() -> String {
    let built = build_into_temp(&fixture("code-blocks"), false);
    assert!(built.report.errors.is_empty(), "{:#?}", built.report.errors);
    built.read("site/en/articles/page/index.html")
}

/// The `<pre>…</pre>` whose `<code>` has class `language-{lang}`.
fn block<'a>(html: &'a str, lang: &str) -> &'a str {
    let at = html
        .find(&format!("<code class=\"language-{lang}"))
        .unwrap_or_else(|| panic!("no {lang} block in {html}"));
    let start = html[..at].rfind("<pre").expect("pre before code");
    let end = at + html[at..].find("</pre>").expect("pre closed");
    &html[start..end]
}

#[test]
fn known_languages_are_highlighted_with_classes() {
    let html = page();
    let rust = block(&html, "rust");
    assert!(rust.contains("class=\"language-rust hl\""), "{rust}");
    assert!(rust.contains("<span class=\"hl-"), "{rust}");
    assert!(
        rust.contains("hl-keyword") || rust.contains("hl-storage"),
        "{rust}"
    );
    assert!(rust.contains("hl-comment"), "{rust}");
    // Text is still escaped inside the spans.
    assert!(rust.contains("&lt;not found&gt;"), "{rust}");
    let json = block(&html, "json");
    assert!(json.contains("hl-string"), "{json}");
    assert!(json.contains("hl-constant"), "{json}");
}

#[test]
fn unknown_or_missing_languages_stay_escaped() {
    let html = page();
    let unknown = block(&html, "klingon");
    assert!(!unknown.contains("hl-"), "{unknown}");
    assert!(unknown.contains("&lt;script&gt;alert("), "{unknown}");
    assert!(!unknown.contains("<script>"), "{unknown}");
    assert!(
        html.contains("plain &lt;b&gt;text&lt;/b&gt; &amp; more"),
        "{html}"
    );
}

#[test]
fn code_blocks_are_focusable_named_regions_without_inline_styles() {
    let html = page();
    let body = html.split("class=\"prose\"").nth(1).expect("article body");
    assert!(
        !body.contains("style="),
        "inline styles break the CSP: {body}"
    );
    assert!(!body.contains("<style"), "{body}");
    let pres: Vec<&str> = body.split("<pre").skip(1).collect();
    assert_eq!(pres.len(), 4, "{body}");
    for pre in pres {
        let tag = &pre[..pre.find('>').expect("tag closed")];
        assert!(tag.contains("tabindex=\"0\""), "{tag}");
        assert!(tag.contains("role=\"region\""), "{tag}");
        assert!(tag.contains("aria-label=\"Code"), "{tag}");
    }
    assert!(body.contains("aria-label=\"Code: Rust\""), "{body}");
}

#[test]
fn hyphenated_codes_in_table_cells_do_not_break() {
    let html = page();
    assert!(
        html.contains("<td><span class=\"nowrap\">PLAY-404</span></td>"),
        "{html}"
    );
    // Prose outside tables is left alone.
    assert!(!html.contains("<p><span class=\"nowrap\">"), "{html}");
    let css = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static/ayuda.css"),
    )
    .expect("theme css");
    assert!(
        css.contains(".prose td .nowrap"),
        "the theme keeps them on one line"
    );
}

#[test]
fn spanish_pages_name_code_blocks_in_spanish() {
    let root = root_with_content(
        &fixture("code-blocks").join("content"),
        "default_locale: es\n",
    );
    let built = build_into_temp(root.path(), false);
    assert!(built.report.errors.is_empty(), "{:#?}", built.report.errors);
    let html = built.read("site/es/articles/page/index.html");
    assert!(html.contains("aria-label=\"Código: Rust\""), "{html}");
    assert!(html.contains("data-copied-label=\"Copiado\""), "{html}");
}
