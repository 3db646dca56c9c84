//! Unit tests of the Markdown renderer.
use super::*;

struct Fake;
impl Resolver for Fake {
    fn link(&self, dest: &str) -> Resolution {
        match dest {
            "other.md" => Resolution::Internal {
                url: "/en/articles/other/".into(),
                target: None,
                anchor: None,
            },
            "other.md#setup" => Resolution::Internal {
                url: "/en/articles/other/#setup".into(),
                target: Some(3),
                anchor: Some("setup".into()),
            },
            "missing.md" => Resolution::Broken {
                code: "broken-link",
                message: "no such article".into(),
                error: true,
            },
            _ => Resolution::Keep,
        }
    }
    fn asset(&self, src: &str) -> Resolution {
        Resolution::Asset {
            url: format!("/files/{src}"),
        }
    }
}

const LABELS: Labels = Labels {
    callouts: ["Nota", "Consejo", "Importante", "Advertencia", "Precaución"],
    code: "Código",
};

fn r(md: &str) -> Rendered {
    render(md, "a.md", 3, &Fake, &LABELS, true)
}

#[test]
fn headings_get_deduplicated_github_ids_and_toc() {
    let out = r("## Setup\n\n## Setup\n\n### Fine tuning {#tune .x}\n");
    assert!(out.html.contains("<h2 id=\"setup\">"), "{}", out.html);
    assert!(out.html.contains("<h2 id=\"setup-1\">"));
    assert!(out.html.contains("id=\"tune\""));
    assert!(out.html.contains("class=\"x\""));
    assert_eq!(out.toc.len(), 3);
    assert_eq!(out.toc[2].text, "Fine tuning");
}

#[test]
fn extensions_render() {
    let out = r(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ \"quoted\"\n\n- [x] done\n\nNote[^1].\n\n[^1]: Foot.\n",
    );
    assert!(out.html.contains("<table>"));
    assert!(out.html.contains("<del>old</del>"));
    assert!(out.html.contains("“quoted”"));
    assert!(out.html.contains("checkbox"));
    assert!(out.html.contains("footnote"));
}

#[test]
fn github_alerts_become_localized_callouts() {
    let out = r("> [!WARNING]\n> Careful.\n");
    assert!(out.html.contains("<div class=\"callout callout-warning\" role=\"note\"><p class=\"callout-title\">Advertencia</p>"), "{}", out.html);
    assert!(out.html.contains("Careful."));
}

#[test]
fn emoji_blockquotes_become_callouts() {
    let out = r("> ⚠️ Do not do this.\n");
    assert!(
        out.html
            .contains("<blockquote class=\"callout callout-warning\">"),
        "{}",
        out.html
    );
}

#[test]
fn links_are_rewritten_and_broken_ones_reported_with_file_lines() {
    let out = r("Intro\n\nSee [x](other.md) and [y](missing.md).\n");
    assert!(out.html.contains("href=\"/en/articles/other/\""));
    assert_eq!(out.diagnostics.len(), 1);
    let d = &out.diagnostics[0];
    assert_eq!((d.line, d.column), (Some(6), Some(23)));
    assert_eq!(d.file, "a.md");
}

#[test]
fn anchors_are_checked() {
    let out = r("## Here\n\n[ok](#here) [bad](#nowhere) [far](other.md#setup)\n");
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(out.diagnostics[0].code, "broken-anchor");
    assert_eq!(out.anchor_checks.len(), 1);
    assert_eq!(out.anchor_checks[0].target, Some(3));
}

#[test]
fn raw_html_anchors_are_targets() {
    let out = r("[a](#udev)\n\n<a id=\"udev\"></a>\n\n## Udev\n");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    assert!(out.html.contains("<h2 id=\"udev-1\">"), "{}", out.html);
}

#[test]
fn images_and_raw_html_sources_are_resolved() {
    let out = r("![a](img/a.png)\n\n<img src=\"img/b.png\" width=\"3\">\n");
    assert!(out.html.contains("src=\"/files/img/a.png\""));
    assert!(out.html.contains("src=\"/files/img/b.png\""));
    assert_eq!(out.assets.len(), 2);
}

#[test]
fn template_syntax_is_printed_not_evaluated() {
    let out = r("Use `{{Value1}}` and {{ticket_id}} and {% raw %}.\n");
    assert!(out.html.contains("{{Value1}}"));
    assert!(out.html.contains("{{ticket_id}}"));
    assert!(out.html.contains("{% raw %}"));
}

#[test]
fn attribute_lists_after_links_are_dropped() {
    let out = r("[Store](https://example.org){.link-external} next\n");
    assert!(!out.html.contains("{.link-external}"), "{}", out.html);
    assert!(out.html.contains("</a> next"));
}

#[test]
fn sections_split_text_at_headings() {
    let out = r("Intro text.\n\n## Billing\n\nPay here.\n");
    assert_eq!(out.sections.len(), 2);
    assert_eq!(out.sections[1].anchor, "billing");
    assert_eq!(out.sections[1].heading, "Billing");
    assert_eq!(out.sections[1].text, "Pay here.");
    assert_eq!(out.summary, "Intro text.");
    let out = r("See [the form](x), then **save**.\n\n- one\n- two\n");
    assert_eq!(out.sections[0].text, "See the form, then save. one two");
}
