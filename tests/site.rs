//! The site build, fixture by fixture: what a writer puts in content/ and what readers get.

mod common;

use common::*;

#[test]
fn a_folder_of_markdown_builds_without_configuration() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("content/Guides");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Install.md"), "# Install ayuda\n\nRun it.\n").unwrap();
    let built = build_into_temp(root.path(), false);
    assert!(built.report.errors.is_empty(), "{:?}", built.report.errors);
    assert_eq!(built.report.articles, 1);
    let page = built.read("site/en/articles/install/index.html");
    assert!(page.contains("Install ayuda"));
    assert!(built.has("site/en/categories/guides/index.html"));
    assert!(built.has("site/index.html"));
}

#[test]
fn plain_fixture_renders_markdown_links_and_assets() {
    let built = build_into_temp(&fixture("plain"), false);
    assert!(built.report.errors.is_empty(), "{:?}", built.report.errors);
    // A file without front matter or heading takes its file name, with a warning.
    assert!(built.warning_codes().contains(&"missing-title"));
    let page = built.read("site/en/articles/first-steps/index.html");
    // Relative .md link with anchor, and a legacy help-center URL, both become canonical links.
    assert!(
        page.contains("href=\"/en/articles/faq/#billing-questions\""),
        "{page}"
    );
    assert!(page.contains("href=\"/en/articles/faq/\""), "{page}");
    // Images (Markdown and raw HTML) point at the copied file.
    assert!(
        page.contains("src=\"/files/Getting%20Started/Basics/img/diagram.png\""),
        "{page}"
    );
    assert!(built.has("site/files/Getting Started/Basics/img/diagram.png"));
    // Callouts and template-like text.
    assert!(page.contains("callout callout-tip"));
    assert!(page.contains("{{Value1}}"));
    let faq = built.read("site/en/articles/faq/index.html");
    assert!(faq.contains("id=\"billing-questions\""));
    assert!(faq.contains("id=\"billing-questions-1\""));
    // Categories and sections from folders.
    assert!(built.has("site/en/categories/getting-started/basics/index.html"));
    // Short id links redirect.
    let redirect = built.read("site/en/a/42/index.html");
    assert!(redirect.contains("url=/en/articles/faq/"));
}

#[test]
fn multi_locale_site_links_translations() {
    let built = build_into_temp(&fixture("multi"), false);
    assert!(built.report.errors.is_empty(), "{:?}", built.report.errors);
    assert_eq!(
        built.report.locales["es"], 1,
        "drafts and archived are left out"
    );
    assert_eq!(built.report.locales["en"], 1);
    assert_eq!(built.report.locales["pt"], 1);
    assert!(!built.has("site/es/articles/borrador/index.html"));
    let es = built.read("site/es/articles/como-abrir-un-ticket/index.html");
    for (lang, url) in [
        (
            "es",
            "https://help.example.org/es/articles/como-abrir-un-ticket/",
        ),
        (
            "en",
            "https://help.example.org/en/articles/how-to-open-a-ticket/",
        ),
        (
            "pt",
            "https://help.example.org/pt/articles/como-abrir-um-chamado/",
        ),
        (
            "x-default",
            "https://help.example.org/es/articles/como-abrir-un-ticket/",
        ),
    ] {
        let link = format!("hreflang=\"{lang}\" href=\"{url}\"");
        assert!(es.contains(&link), "missing {link}");
    }
    assert!(es.contains("<link rel=\"canonical\" href=\"https://help.example.org/es/articles/como-abrir-un-ticket/\">"));
    assert!(es.contains("\"@type\":\"BreadcrumbList\""));
    assert!(es.contains("\"dateModified\":\"2024-01-08T19:15:40.782Z\""));
    // A link to a draft is a warning, not a broken page.
    assert!(built.warning_codes().contains(&"link-to-unpublished"));
    // Emoji callouts (VTEX style).
    let pt = built.read("site/pt/articles/como-abrir-um-chamado/index.html");
    assert!(pt.contains("callout callout-info"));
    // Folder metadata names the section per locale.
    let en_section = built.read("site/en/categories/soporte/index.html");
    assert!(en_section.contains("Support"), "{en_section}");
    // Redirects: legacy slug, alias and short id, as pages and in _redirects.
    let redirects = built.read("site/_redirects");
    assert!(
        redirects
            .contains("/es/articles/planes-de-soporte/ /es/articles/como-abrir-un-ticket/ 301")
    );
    assert!(redirects.contains("/viejo/abrir/ /es/articles/como-abrir-un-ticket/ 301"));
    assert!(redirects.contains("/pt/a/open-ticket/ /pt/articles/como-abrir-um-chamado/ 301"));
    assert!(built.has("site/es/articles/planes-de-soporte/index.html"));
    // Sitemap alternates, feed, robots.
    let sitemap = built.read("site/sitemap.xml");
    assert!(sitemap.contains("hreflang=\"x-default\""));
    assert!(
        built
            .read("site/en/feed.xml")
            .contains("<title>How to open a ticket</title>")
    );
    assert!(
        built
            .read("site/robots.txt")
            .contains("Sitemap: https://help.example.org/sitemap.xml")
    );
}

#[test]
fn drafts_flag_includes_drafts_and_archived() {
    let built = build_into_temp(&fixture("multi"), true);
    assert_eq!(built.report.locales["es"], 3);
    assert!(built.has("site/es/articles/borrador/index.html"));
}

#[test]
fn every_problem_is_reported_with_its_file_line() {
    let built = build_into_temp(&fixture("errors"), false);
    let find = |file: &str, code: &str| {
        built
            .report
            .errors
            .iter()
            .find(|d| d.file.ends_with(file) && d.code == code)
            .unwrap_or_else(|| panic!("no {code} in {file}: {:#?}", built.report.errors))
            .clone()
    };
    let yaml = find("yaml-roto.md", "yaml-syntax");
    assert!(yaml.line.unwrap_or(0) >= 4, "{yaml:?}");
    assert_eq!(find("sin-titulo.md", "missing-title").line, Some(1));
    assert_eq!(find("fecha-mala.md", "bad-date").line, Some(4));
    assert_eq!(find("locale-raro.md", "unknown-locale").line, Some(4));
    assert_eq!(find("uno.md", "duplicate-id").line, Some(3));
    assert_eq!(find("uno.md", "url-conflict").line, Some(4));
    let link = find("enlaces.md", "broken-link");
    assert_eq!((link.line, link.column), (Some(8), Some(5)));
    assert_eq!(find("enlaces.md", "missing-file").line, Some(10));
    // A broken anchor is reported as a warning: the page exists.
    assert!(
        built
            .report
            .warnings
            .iter()
            .any(|d| d.code == "broken-anchor" && d.line == Some(8))
    );
    // Nothing is written when there are errors.
    assert!(!built.has("site/index.html"));
}

#[test]
fn output_is_byte_identical_across_builds() {
    let a = build_into_temp(&fixture("multi"), false);
    let b = build_into_temp(&fixture("multi"), false);
    let files = |root: &std::path::Path| {
        let mut v: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(root.join("site"))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(root).unwrap().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (fa, fb) = (files(a.out.path()), files(b.out.path()));
    assert!(fa.len() > 10);
    assert_eq!(fa.len(), fb.len());
    for ((na, ba), (nb, bb)) in fa.iter().zip(fb.iter()) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between builds");
    }
}

#[test]
fn example_content_builds_with_no_errors_and_no_warnings() {
    let built = build_into_temp(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), false);
    assert!(built.report.errors.is_empty(), "{:#?}", built.report.errors);
    assert!(
        built.report.warnings.is_empty(),
        "{:#?}",
        built.report.warnings
    );
    for l in ["es", "en", "pt"] {
        assert!(
            built.report.locales[l] >= 12,
            "{l}: {:?}",
            built.report.locales
        );
        assert!(built.has(&format!("site/{l}/index.html")));
    }
}

#[test]
fn arduino_corpus_builds_cleanly() {
    let Some(corpus) = corpus("arduino-help-center/content") else {
        return;
    };
    let root = root_with_content(
        &corpus,
        "default_locale: en\nlegacy_article_urls:\n  - https://support.arduino.cc/hc/en-us/articles/{id}\n",
    );
    let built = build_into_temp(root.path(), false);
    assert!(built.report.errors.is_empty(), "{:#?}", built.report.errors);
    // 414 files, 4 of them drafts.
    assert_eq!(built.report.articles, 410);
    // Every published article has a page (by its short id link).
    let redirects = built.read("site/_redirects");
    assert_eq!(redirects.matches("/en/a/").count(), 410);
    // Links to ids of the corpus are resolved; ids outside it are counted warnings.
    let unknown = built
        .warning_codes()
        .iter()
        .filter(|c| **c == "unknown-article-id")
        .count();
    assert!(unknown <= 5, "{unknown} unknown ids");
    let page = built.read("site/en/articles/track-your-order/index.html");
    assert!(!page.contains("support.arduino.cc/hc/en-us/articles/5340909969948"));
    assert!(page.contains("callout callout-note") || page.contains("<h2"));
}

#[test]
fn vtex_corpus_links_translations_and_hides_drafts() {
    let Some(corpus) = corpus("vtex-help-center/docs") else {
        return;
    };
    let root = root_with_content(&corpus, "default_locale: es\nlocales: [es, en, pt]\n");
    let built = build_into_temp(root.path(), false);
    assert!(built.report.errors.is_empty(), "{:#?}", built.report.errors);
    // Archived and draft entries are left out (see the corpus SOURCE.md table).
    assert!(built.report.articles < 135);
    let es = built.read("site/es/articles/como-funciona-el-soporte-de-vtex/index.html");
    assert!(es.contains("hreflang=\"pt\""));
    assert!(es.contains("hreflang=\"en\""));
    // legacySlug redirect.
    assert!(
        built
            .read("site/_redirects")
            .contains("/es/articles/planes-de-soporte/")
    );
    assert!(!built.has("site/en/articles/why-was-the-marketplace-order-not-integrated/index.html"));
}

#[test]
fn building_twice_into_the_same_folder_replaces_the_output() {
    let out = tempfile::tempdir().unwrap();
    let opts = ayuda::site::BuildOptions {
        root: fixture("multi"),
        out: Some(out.path().to_path_buf()),
        ..Default::default()
    };
    let first = ayuda::site::build(&opts).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    // A stale file from an older build disappears; the search index is rebuilt in place.
    std::fs::write(out.path().join("site/es/stale.html"), "old").unwrap();
    let second = ayuda::site::build(&opts).unwrap();
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    assert_eq!(first.pages, second.pages);
    assert!(!out.path().join("site/es/stale.html").exists());
    assert!(out.path().join("search/es/meta.json").is_file());
}

#[test]
fn articles_list_their_section_with_previous_and_next() {
    let built = build_into_temp(&fixture("section-nav"), false);
    assert!(built.report.errors.is_empty(), "{:?}", built.report.errors);
    // Section order: `order` first, then title (Actualizar before Borrar); other sections stay out.
    let page = built.read("site/es/articles/configurar/index.html");
    let nav_start = page.find("class=\"section-nav\"").expect("section list");
    let nav = &page[nav_start..];
    let nav = &nav[..nav.find("</nav>").expect("section list closes")];
    let order: Vec<usize> = ["descargar", "configurar", "actualizar", "borrar"]
        .iter()
        .map(|s| {
            nav.find(&format!("/es/articles/{s}/"))
                .unwrap_or_else(|| panic!("{s} listed: {nav}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{nav}");
    assert!(!nav.contains("/es/articles/buscar/"), "{nav}");
    assert!(nav.contains("Artículos en esta sección"), "{nav}");
    assert!(
        nav.contains("<a href=\"/es/articles/configurar/\" aria-current=\"page\">"),
        "{nav}"
    );
    // Previous and next within the section, in Spanish.
    assert!(
        page.contains("rel=\"prev\" href=\"/es/articles/descargar/\""),
        "{page}"
    );
    assert!(
        page.contains("rel=\"next\" href=\"/es/articles/actualizar/\""),
        "{page}"
    );
    assert!(
        page.contains("Anterior") && page.contains("Siguiente"),
        "{page}"
    );
    // The first has no previous, the last no next.
    let first = built.read("site/es/articles/descargar/index.html");
    assert!(!first.contains("rel=\"prev\""), "{first}");
    let last = built.read("site/es/articles/borrar/index.html");
    assert!(!last.contains("rel=\"next\""), "{last}");
    // The sitemap lists category, section and what's-new pages besides articles.
    let sitemap = built.read("site/sitemap.xml");
    for url in [
        "https://help.example.org/es/categories/guias/",
        "https://help.example.org/es/categories/guias/instalacion/",
        "https://help.example.org/es/categories/guias/uso/",
        "https://help.example.org/es/whats-new/",
        "https://help.example.org/es/articles/buscar/",
    ] {
        assert!(
            sitemap.contains(&format!("<loc>{url}</loc>")),
            "{url} missing: {sitemap}"
        );
    }
}
