//! Issue 12: real help centers build as they are. One fixture per item under tests/fixtures,
//! each the smallest tree that showed the problem in a real knowledge base.

mod common;

use common::*;

/// Builds fixture `name`, which must have no errors.
fn build_ok(name: &str) -> Built {
    let built = build_into_temp(&fixture(name), false);
    assert!(built.report.errors.is_empty(), "{:#?}", built.report.errors);
    built
}

/// Builds fixture `name`, which must have no errors and no warnings.
fn build_clean(name: &str) -> Built {
    let built = build_ok(name);
    assert!(
        built.report.warnings.is_empty(),
        "{:#?}",
        built.report.warnings
    );
    built
}

/// The article of a page, without the history panel (it quotes commit subjects, which may say
/// anything, and the fixtures are in this repository's history).
fn article_body(html: &str) -> &str {
    html.split("class=\"prose\"")
        .nth(1)
        .and_then(|body| body.split("class=\"history\"").next())
        .expect("article body")
}

fn error_codes(built: &Built) -> Vec<&str> {
    built.report.errors.iter().map(|d| d.code).collect()
}

#[test]
fn same_file_name_in_two_folders_builds_with_qualified_slugs() {
    let built = build_ok("same-file-name");
    assert_eq!(built.report.articles, 4);
    // Every colliding default slug is qualified by its folder path, whatever the file order.
    let guides = built.read("site/en/articles/guides-overview/index.html");
    assert!(
        guides.contains("href=\"/en/articles/reference-overview/\""),
        "{guides}"
    );
    assert!(built.has("site/en/articles/reference-overview/index.html"));
    assert!(built.has("site/en/articles/reference-api-deep-overview/index.html"));
    assert!(!built.has("site/en/articles/overview/index.html"));
    let start = built.read("site/en/articles/index-of-all/index.html");
    assert!(start.contains("href=\"/en/articles/reference-api-deep-overview/\""));
    assert!(
        !built.warning_codes().contains(&"link-to-unpublished"),
        "{:?}",
        built.report.warnings
    );
}

#[test]
fn explicit_slug_collisions_stay_errors() {
    let built = build_into_temp(&fixture("slug-conflict"), false);
    assert_eq!(error_codes(&built), ["url-conflict"]);
}

#[test]
fn path_placeholder_keeps_every_folder_depth() {
    let built = build_ok("path-permalink");
    assert!(built.has("site/en/reference/api/deep/limits/index.html"));
    assert!(built.has("site/en/top/index.html"));
    let guide = built.read("site/en/guides/limits/index.html");
    assert!(
        guide.contains("href=\"/en/reference/api/deep/limits/\""),
        "{guide}"
    );
}

#[test]
fn root_absolute_links_resolve_against_the_content_root() {
    let built = build_clean("root-links");
    let page = built.read("site/en/articles/a/index.html");
    for (written, url) in [
        ("/sub/b.md", "/en/articles/b/"),
        ("/sub/b.md#setup", "/en/articles/b/#setup"),
        ("/help/sub/b.md", "/en/articles/b/"),
        ("/sub/b", "/en/articles/b/"),
        ("/sub/b/", "/en/articles/b/"),
        ("/help/sub/folder/", "/en/articles/folder/"),
        ("/en/articles/b/", "/en/articles/b/"),
    ] {
        assert!(
            page.contains(&format!("href=\"{url}\"")),
            "{written} should become {url}: {page}"
        );
    }
    assert!(!page.contains("href=\"/sub/"), "{page}");
    assert!(page.contains("src=\"/files/img/logo.png\""), "{page}");
    assert!(page.contains("href=\"/files/img/logo.png\""), "{page}");
    assert!(built.has("site/files/img/logo.png"));
    // Hugo-style page-relative links, and `index.md` named after its folder.
    let install = built.read("site/en/articles/install/index.html");
    assert!(
        install.contains("href=\"/en/articles/other-page/\""),
        "{install}"
    );
    let other = built.read("site/en/articles/other-page/index.html");
    assert!(other.contains("href=\"/en/articles/install/\""), "{other}");
}

#[test]
fn unresolved_root_absolute_links_are_reported_at_their_line() {
    let built = build_into_temp(&fixture("root-links-broken"), false);
    let found: Vec<(&str, Option<usize>, bool)> = built
        .report
        .errors
        .iter()
        .map(|d| (d.code, d.line, true))
        .chain(
            built
                .report
                .warnings
                .iter()
                .map(|d| (d.code, d.line, false)),
        )
        .collect();
    assert_eq!(
        found,
        [
            ("broken-link", Some(3), true),
            // `root_links: {/admin/: error}` raises it.
            ("unresolved-link", Some(5), true),
            // The host may serve it: a warning.
            ("unresolved-link", Some(4), false),
        ],
        "{:#?}",
        built.report
    );
}

#[test]
fn missing_title_comes_from_the_first_heading_and_drafts_only_warn() {
    let built = build_ok("title-from-heading");
    let page = built.read("site/en/articles/reset/index.html");
    assert!(page.contains("<title>Reset your password"), "{page}");
    // The draft stub is not published and its missing title is a warning only.
    assert_eq!(built.report.articles, 1);
    let warned: Vec<_> = built
        .report
        .warnings
        .iter()
        .filter(|d| d.code == "missing-title")
        .map(|d| d.file.as_str())
        .collect();
    assert_eq!(warned, ["content/stub.md"]);
}

#[test]
fn lenient_numbers_booleans_and_other_tools_key_names_are_read() {
    let built = build_ok("lenient-front-matter");
    // `draft: "True"` is a draft; `"false"` and `no` are not.
    assert_eq!(built.report.articles, 2);
    // Zendesk's `updated_at` is the update date.
    let page = built.read("site/en/articles/zendesk/index.html");
    assert!(page.contains("datetime=\"2023-05-01T10:00:00Z\""), "{page}");
    // `sidebar_position: 2.0` orders before `weight: "551"`.
    let section = built.read("site/en/categories/guides/index.html");
    let (docs, zendesk) = (
        section.find("Docusaurus page").expect("listed"),
        section.find("Exported from Zendesk").expect("listed"),
    );
    assert!(docs < zendesk, "{section}");
}

#[test]
fn front_matter_short_titles_and_orders_from_other_tools() {
    let (fm, diags) = ayuda::content::frontmatter::parse(
        "title: T\nweight: \"551\"\nlinkTitle: Short\ncreated_at: 2021-02-03\n",
        "a.md",
        2,
    )
    .expect("parses");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(fm.order, Some(551));
    assert_eq!(fm.short_title.as_deref(), Some("Short"));
    assert!(fm.created.is_some());
    let (fm, _) = ayuda::content::frontmatter::parse(
        "title: T\nsidebar_label: S\nsidebar_position: 3\n",
        "a.md",
        2,
    )
    .expect("parses");
    assert_eq!((fm.order, fm.short_title.as_deref()), (Some(3), Some("S")));
    let (_, diags) =
        ayuda::content::frontmatter::parse("title: T\nweight: heavy\n", "a.md", 2).expect("parses");
    assert_eq!(diags[0].code, "bad-front-matter");
}

#[test]
fn aliases_without_a_trailing_slash_are_directory_pages() {
    // `/docs` and `/docs/native`: written as files, the second needed the first to be a folder.
    let built = build_ok("nested-aliases");
    let docs = built.read("site/docs/index.html");
    assert!(docs.contains("url=/en/articles/docs/"), "{docs}");
    let native = built.read("site/docs/native/index.html");
    assert!(native.contains("url=/en/articles/native/"), "{native}");
    assert!(
        built
            .read("site/_redirects")
            .contains("/docs/native/ /en/articles/native/")
    );
}

#[test]
fn section_index_files_are_the_listing_pages_metadata_and_intro() {
    let built = build_clean("section-index");
    assert_eq!(built.report.articles, 2, "_index.md files are not articles");
    let category = built.read("site/en/categories/billing/index.html");
    assert!(
        category.contains("<h1>Billing and payments</h1>"),
        "{category}"
    );
    assert!(
        category.contains("Invoices, cards and refunds."),
        "{category}"
    );
    assert!(category.contains("<strong>paying</strong>"), "{category}");
    let section = built.read("site/en/categories/billing/invoices/index.html");
    assert!(section.contains("<h1>Your invoices</h1>"), "{section}");
    assert!(section.contains("Where invoices are"), "{section}");
}

#[test]
fn check_lists_the_files_it_skips() {
    let report = ayuda::site::check(&ayuda::site::BuildOptions {
        root: fixture("section-index"),
        ..Default::default()
    })
    .expect("checks");
    assert_eq!(report.skipped, ["content/billing/_partial-note.md"]);
}

#[test]
fn symlinked_folders_are_followed_inside_the_content_folder_once() {
    let built = build_ok("symlinked-folders");
    // `current` → `.versions/v2` is read; `twice` → `current` is the same file, read once.
    assert_eq!(built.report.articles, 2, "{:#?}", built.report.warnings);
    assert!(built.has("site/en/articles/setup/index.html"));
    let start = built.read("site/en/articles/start/index.html");
    assert!(start.contains("href=\"/en/articles/setup/\""), "{start}");
    // The loop and the link out of the content folder are warnings naming the link.
    let mut warned: Vec<(&str, &str)> = built
        .report
        .warnings
        .iter()
        .map(|d| (d.code, d.file.as_str()))
        .collect();
    warned.sort();
    assert_eq!(
        warned,
        [
            ("symlink", "content/loop/back"),
            ("symlink", "content/outside"),
        ],
        "{:#?}",
        built.report.warnings
    );
}

#[test]
fn a_body_that_opens_with_the_title_shows_it_once() {
    let built = build_ok("title-once");
    // The removed heading's id stays a link target.
    assert!(
        !built.warning_codes().contains(&"broken-anchor"),
        "{:#?}",
        built.report.warnings
    );
    let same = built.read("site/en/articles/same/index.html");
    assert_eq!(
        same.matches("Reset your password</h1>").count(),
        1,
        "{same}"
    );
    // When they differ, the page shows the body's heading and <title> the front matter's.
    let differs = built.read("site/en/articles/differs/index.html");
    assert_eq!(differs.matches("<h1").count(), 1, "{differs}");
    assert!(
        differs.contains(">Change your email address</h1>"),
        "{differs}"
    );
    assert!(differs.contains("<title>Change email (short)"), "{differs}");
}

#[test]
fn links_with_any_uri_scheme_are_not_local_files() {
    let built = build_clean("uri-schemes");
    let page = built.read("site/en/articles/contact/index.html");
    assert!(page.contains("href=\"sms:+15550100\""), "{page}");
    assert!(
        page.contains("href=\"skype:support.example?call\""),
        "{page}"
    );
}

#[test]
fn heading_ids_match_github_and_markdown_it_anchor_ids_are_aliases() {
    let built = build_clean("heading-ids");
    let page = built.read("site/en/articles/page/index.html");
    assert!(page.contains("id=\"a----b\""), "{page}");
    assert!(page.contains("id=\"its-quoted----really\""), "{page}");
    // The old id lands on the same heading.
    assert!(page.contains("id=\"title-(legacy)\""), "{page}");
}

#[test]
fn footnotes_render_at_the_end_as_github_does() {
    let built = build_ok("footnotes");
    let page = built.read("site/en/articles/page/index.html");
    let last = page.find("Last paragraph.").expect("body");
    let first_note = page.find("The source of the first claim.").expect("note");
    let second_note = page.find("Another source.").expect("note");
    assert!(last < first_note && first_note < second_note, "{page}");
    assert!(page.contains("class=\"footnotes\""), "{page}");
}

#[test]
fn attribute_lists_are_applied_or_dropped_never_shown() {
    let built = build_ok("attribute-lists");
    let html = built.read("site/en/articles/page/index.html");
    assert!(!html.contains("content=\"{."), "description: {html}");
    let page = article_body(&html);
    for leak in ["{.", "{width", "width=\u{201d}", "style="] {
        assert!(!page.contains(leak), "{leak} leaks: {page}");
    }
    assert!(page.contains("<ul class=\"multi-col-list\">"), "{page}");
    assert!(page.contains("<table class=\"table-regular\">"), "{page}");
    assert!(
        page.contains("<img src=\"/files/wide.png\" alt=\"Wide\" width=\"100%\" />"),
        "{page}"
    );
    assert!(
        page.contains("class=\"external\">Store</a> next."),
        "{page}"
    );
    let dropped: Vec<_> = built
        .report
        .warnings
        .iter()
        .map(|d| (d.code, d.line))
        .collect();
    assert_eq!(
        dropped,
        [("attribute-list", Some(11))],
        "{:#?}",
        built.report.warnings
    );
}

#[test]
fn hugo_shortcodes_and_docusaurus_admonitions_never_show_as_text() {
    let built = build_ok("shortcodes");
    // One warning per file and shortcode name, at its first line.
    let warned: Vec<_> = built
        .report
        .warnings
        .iter()
        .map(|d| (d.code, d.line))
        .collect();
    assert_eq!(
        warned,
        [
            ("unsupported-shortcode", Some(4)),
            ("unsupported-shortcode", Some(12)),
        ],
        "{:#?}",
        built.report.warnings
    );
    let hugo = built.read("site/en/articles/hugo/index.html");
    let body = article_body(&hugo);
    assert!(!body.contains("{{<") && !body.contains("{{%"), "{body}");
    assert!(body.contains("<code>{{&lt; note &gt;}}</code>"), "{body}");
    assert!(body.contains("callout callout-warning"), "{body}");
    // `relref` is a link to the article, resolved and checked like any other.
    assert!(body.contains("href=\"/en/articles/docusaurus/\""), "{body}");
    let docusaurus = built.read("site/en/articles/docusaurus/index.html");
    assert!(docusaurus.contains("callout callout-tip"), "{docusaurus}");
    assert!(!docusaurus.contains(":::"), "{docusaurus}");
}

#[test]
fn legacy_article_urls_take_slug_locale_and_wildcards() {
    let built = build_clean("legacy-wildcards");
    let page = built.read("site/en/articles/source/index.html");
    assert!(
        page.contains("href=\"/en/articles/target/#setup\""),
        "{page}"
    );
    assert!(page.contains("href=\"/en/articles/target/\""), "{page}");
}

/// The README's diagnostics table, as (code, severity).
fn documented_codes() -> std::collections::BTreeMap<String, String> {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .expect("README.md");
    let row = regex::Regex::new(r"(?m)^\| `([a-z-]+)` \| (error|warning|error or warning) \|")
        .expect("regex");
    row.captures_iter(&readme)
        .map(|c| (c[1].to_string(), c[2].to_string()))
        .collect()
}

/// The diagnostic codes the source writes, with the severities it gives them ("any" when it
/// decides at run time).
fn codes_in_source() -> std::collections::BTreeMap<String, std::collections::BTreeSet<&'static str>>
{
    let patterns: [(&str, &'static str); 6] = [
        (
            r#"Diagnostic::error\(\s*(?:[^;]*?)"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)""#,
            "error",
        ),
        (
            r#"Diagnostic::warning\(\s*(?:[^;]*?)"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)""#,
            "warning",
        ),
        (
            r#"code:\s*(?:if [^{]*\{\s*)?"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)""#,
            "any",
        ),
        (
            r#"pub const [A-Z_]+: &str = "([a-z][a-z0-9]*(?:-[a-z0-9]+)*)""#,
            "any",
        ),
        (
            r#"warn\(\s*[a-z_.]+,\s*"([a-z][a-z0-9]*(?:-[a-z0-9]+)*)""#,
            "warning",
        ),
        // main.rs names the codes of failures that are not content diagnostics.
        (r#",\s*"(output|config)",?\s*\)"#, "error"),
    ];
    let patterns: Vec<(regex::Regex, &'static str)> = patterns
        .iter()
        .map(|(p, s)| (regex::Regex::new(p).expect("regex"), *s))
        .collect();
    let mut found: std::collections::BTreeMap<String, std::collections::BTreeSet<&'static str>> =
        Default::default();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in walkdir::WalkDir::new(src) {
        let entry = entry.expect("walk src");
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("read source");
        // Unit tests build diagnostics of their own.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (re, severity) in &patterns {
            for c in re.captures_iter(text) {
                found.entry(c[1].to_string()).or_default().insert(severity);
            }
        }
    }
    found
}

#[test]
fn the_readme_diagnostics_table_matches_the_code() {
    let documented = documented_codes();
    let found = codes_in_source();
    let undocumented: Vec<&String> = found
        .keys()
        .filter(|c| !documented.contains_key(*c))
        .collect();
    assert!(
        undocumented.is_empty(),
        "codes missing from the README table: {undocumented:?}"
    );
    let unused: Vec<&String> = documented
        .keys()
        .filter(|c| !found.contains_key(*c))
        .collect();
    assert!(
        unused.is_empty(),
        "README lists codes the code never writes: {unused:?}"
    );
    for (code, severities) in &found {
        let doc = &documented[code];
        for s in severities.iter().filter(|s| **s != "any") {
            assert!(
                doc.contains(s),
                "`{code}` is written as {s} but documented as {doc}"
            );
        }
    }
}

#[test]
fn undated_articles_take_their_file_date_in_feeds_never_1970() {
    // Outside git, as a fresh folder of Markdown is: the file's modification time dates it.
    let root = tempfile::tempdir().expect("temp dir");
    let content = root.path().join("content");
    std::fs::create_dir_all(&content).expect("content");
    for (name, secs) in [("older.md", 1_620_000_000u64), ("newer.md", 1_650_000_000)] {
        let path = content.join(name);
        std::fs::copy(fixture("undated/content").join(name), &path).expect("copy");
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(when))
            .expect("set mtime");
    }
    let built = build_into_temp(root.path(), false);
    assert!(built.report.errors.is_empty(), "{:#?}", built.report.errors);
    let feed = built.read("site/en/feed.xml");
    assert!(!feed.contains("1970"), "{feed}");
    let (newer, older) = (
        feed.find("<title>Newer</title>").expect("entry"),
        feed.find("<title>Older</title>").expect("entry"),
    );
    assert!(newer < older, "{feed}");
    assert!(
        feed.contains("<updated>2022-04-15T05:20:00Z</updated>"),
        "{feed}"
    );
    assert!(
        feed.contains("<updated>2021-05-03T00:00:00Z</updated>"),
        "{feed}"
    );
}

#[test]
fn broken_front_matter_is_its_own_error_at_its_line_and_still_a_link_target() {
    let built = build_into_temp(&fixture("broken-front-matter"), false);
    let errors: Vec<(&str, Option<usize>, &str)> = built
        .report
        .errors
        .iter()
        .map(|d| (d.file.as_str(), d.line, d.code))
        .collect();
    // Links to the article whose YAML fails still resolve (by its path, anchors included):
    // the only errors are its own, on the line of the unclosed quote, and a real broken link.
    assert_eq!(
        errors,
        vec![
            ("content/b-other.md", Some(5), "broken-link"),
            ("content/guides/setup.md", Some(3), "yaml-syntax"),
        ],
        "{:#?}",
        built.report.errors
    );
    assert!(
        built.report.warnings.is_empty(),
        "{:#?}",
        built.report.warnings
    );
}
