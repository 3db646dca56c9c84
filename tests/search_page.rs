//! The results page tells the truth (issue 13 item 4): which words matched, the query as
//! corrected for typos with a way back to the exact words, and the language switcher keeping
//! the query. The fixture under tests/fixtures/search_page (es, en, pt, default theme) is built
//! once and served through the router.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ayuda::server::{AppState, LoadedSite, router};
use std::path::Path;
use std::sync::OnceLock;
use tower::ServiceExt;

/// The fixture built once for all tests.
fn built() -> &'static common::Built {
    static BUILT: OnceLock<common::Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let built = common::build_into_temp(&common::fixture("search_page"), false);
        assert!(built.report.errors.is_empty(), "{:?}", built.report.errors);
        built
    })
}

/// The results page for `uri`, from a router over the fixture.
async fn page(uri: &str) -> String {
    let data = tempfile::tempdir().expect("temp");
    let app = router(AppState::new(
        LoadedSite::open(built().out.path()),
        data.path(),
    ));
    let res = app
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK, "{uri}");
    let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
        .await
        .expect("body");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The text of the first element of `class` on the page, tags removed and spaces collapsed.
fn text_of(html: &str, class: &str) -> Option<String> {
    let at = html.find(&format!("class=\"{class}\""))?;
    let start = at + html[at..].find('>')? + 1;
    let end = start + html[start..].find("</p>")?;
    let mut out = String::new();
    let mut in_tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    Some(out.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Asserts the text of the first element of `class` on the page of `uri`.
fn assert_says(html: &str, class: &str, expected: &str, uri: &str) {
    assert_eq!(text_of(html, class).as_deref(), Some(expected), "{uri}");
}

#[tokio::test]
async fn some_words_matched_names_the_words_found_and_missing_in_each_language() {
    for (uri, message) in [
        (
            "/search?q=tarjeta+impresora&locale=es",
            "Resultados para algunas de tus palabras: tarjeta. Ningún artículo contiene: impresora",
        ),
        (
            "/search?q=card+printer&locale=en",
            "Results for some of your words: card. No article contains: printer",
        ),
        (
            "/search?q=cart%C3%A3o+impressora&locale=pt",
            "Resultados para algumas das suas palavras: cartão. Nenhum artigo contém: impressora",
        ),
    ] {
        let html = page(uri).await;
        assert_says(&html, "search-partial", message, uri);
        assert!(html.contains("<s class=\"word-missing\">"), "{uri}");
        assert!(!html.contains("class=\"search-corrected\""), "{uri}");
    }
}

#[tokio::test]
async fn words_held_by_different_articles_are_each_found_and_each_hit_says_what_it_lacks() {
    // "envío" is in the shipping article, "tarjeta" in the card one: no article holds both.
    let html = page("/search?q=env%C3%ADo+tarjeta&locale=es").await;
    assert_eq!(
        text_of(&html, "search-partial").as_deref(),
        Some("Resultados para algunas de tus palabras: envío, tarjeta"),
        "words are shown as typed, accents kept"
    );
    let missing: Vec<String> = html
        .match_indices("class=\"hit-missing\"")
        .filter_map(|(i, _)| text_of(&html[i..], "hit-missing"))
        .collect();
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(missing.contains(&"No incluye: tarjeta".to_string()));
    assert!(missing.contains(&"No incluye: envío".to_string()));
}

#[tokio::test]
async fn every_word_matched_says_nothing_about_words() {
    let html = page("/search?q=tarjeta+de+cr%C3%A9dito&locale=es").await;
    assert!(html.contains("Pagar con tarjeta de crédito"), "{html}");
    for class in ["search-partial", "search-corrected", "hit-missing"] {
        assert!(!html.contains(&format!("class=\"{class}\"")), "{class}");
    }
}

#[tokio::test]
async fn a_corrected_query_is_shown_with_a_link_to_the_exact_words() {
    for (uri, shown, instead, exact) in [
        (
            "/search?q=tarjta+de+credito&locale=es",
            "Mostrando resultados para tarjeta de credito",
            "Buscar en su lugar tarjta de credito",
            "/search?q=tarjta+de+credito&amp;locale=es&amp;exact=1",
        ),
        (
            "/search?q=crdit+card&locale=en",
            "Showing results for credit card",
            "Search instead for crdit card",
            "/search?q=crdit+card&amp;locale=en&amp;exact=1",
        ),
        (
            "/search?q=pagamneto+cart%C3%A3o&locale=pt",
            "Mostrando resultados para pagamento cartão",
            "Em vez disso, pesquisar por pagamneto cartão",
            "/search?q=pagamneto+cart%C3%A3o&amp;locale=pt&amp;exact=1",
        ),
        // The word being typed, when nothing completes it, is read as its correction too.
        (
            "/search?q=pagar+tarjta&locale=es",
            "Mostrando resultados para pagar tarjeta",
            "Buscar en su lugar pagar tarjta",
            "/search?q=pagar+tarjta&amp;locale=es&amp;exact=1",
        ),
    ] {
        let html = page(uri).await;
        assert_says(&html, "search-corrected", shown, uri);
        assert_says(&html, "search-instead", instead, uri);
        assert!(html.contains(&format!("<a href=\"{exact}\">")), "{uri}");
        let first = html.find("class=\"hit-title\"").map(|i| &html[i..i + 120]);
        assert!(
            first.is_some_and(|h| h.contains("Pagar") || h.contains("Pay")),
            "the corrected search finds the card article first: {first:?}"
        );
    }
}

#[tokio::test]
async fn search_instead_searches_the_words_as_typed() {
    let html = page("/search?q=tarjta+de+credito&locale=es&exact=1").await;
    assert!(!html.contains("class=\"search-corrected\""), "{html}");
    assert_eq!(
        text_of(&html, "search-partial").as_deref(),
        Some("Resultados para algunas de tus palabras: credito. Ningún artículo contiene: tarjta")
    );
    // Filters and pages keep searching the exact words.
    assert!(html.contains("&amp;exact=1"), "{html}");
}

#[tokio::test]
async fn a_query_spelled_right_is_not_corrected() {
    for uri in [
        "/search?q=tarjeta&locale=es",
        "/search?q=credit+card&locale=en",
        "/search?q=pagamento&locale=pt",
    ] {
        let html = page(uri).await;
        assert!(!html.contains("class=\"search-corrected\""), "{uri}");
    }
}

#[tokio::test]
async fn the_corrected_query_is_escaped() {
    let html = page("/search?q=tarjta+%3Ci%3Ex&locale=es").await;
    let shown = text_of(&html, "search-corrected").unwrap_or_default();
    assert!(shown.contains("tarjeta &lt;i&gt;x"), "{shown}");
    assert!(!html.contains("<i>x"), "{html}");
}

#[tokio::test]
async fn the_language_switcher_keeps_the_query() {
    let html = page("/search?q=tarjeta+cr%C3%A9dito&locale=es").await;
    for l in ["en", "pt"] {
        let link =
            format!("href=\"/search?q=tarjeta+cr%C3%A9dito&amp;locale={l}\" hreflang=\"{l}\"");
        assert!(html.contains(&link), "{link}\n{html}");
    }
    // The exact-words search stays exact in the other language.
    let html = page("/search?q=crdit&locale=en&exact=1").await;
    assert!(
        html.contains("href=\"/search?q=crdit&amp;locale=es&amp;exact=1\""),
        "{html}"
    );
    // Other pages still lead to each locale's home.
    assert!(Path::new(&built().out.path().join("site/es/index.html")).is_file());
}

/// The search box's placeholder in a built page.
fn placeholder(html: &str) -> Option<&str> {
    let at = html.find("placeholder=\"")? + "placeholder=\"".len();
    Some(&html[at..at + html[at..].find('"')?])
}

#[test]
fn the_search_box_example_finds_something_in_each_locale() {
    // The theme's examples ("abrir un ticket"…) are in no title of this fixture: each locale
    // shows its shortest title instead, which finds its article.
    for (locale, expected) in [
        ("es", "Busca artículos, por ejemplo: Envíos y entregas"),
        ("en", "Search articles, e.g. Pay by credit card"),
        ("pt", "Pesquise artigos, por exemplo: Envios e entregas"),
    ] {
        let html = built().read(&format!("site/{locale}/index.html"));
        assert_eq!(placeholder(&html), Some(expected), "{locale}");
    }
    assert!(
        !built()
            .warning_codes()
            .contains(&"placeholder-finds-nothing")
    );
}

#[test]
fn a_configured_example_that_finds_nothing_is_a_warning_at_its_line() {
    let root = tempfile::tempdir().expect("temp dir");
    let content = common::fixture("search_page").join("content");
    let config = format!(
        "base_url: https://help.example.org\ncontent_dir: {}\nlocales: [es, en, pt]\nsearch:\n  placeholder:\n    es: pago rechazado\n    en: printer toner\n",
        content.display()
    );
    std::fs::write(root.path().join("ayuda.yaml"), config).expect("write config");
    let built = common::build_into_temp(root.path(), false);
    let found: Vec<_> = built
        .report
        .warnings
        .iter()
        .filter(|d| d.code == "placeholder-finds-nothing")
        .collect();
    assert_eq!(found.len(), 1, "{:?}", built.report.warnings);
    assert_eq!(found[0].file, "ayuda.yaml");
    assert_eq!(found[0].line, Some(7), "{:?}", found[0]);
    assert!(found[0].message.contains("search.placeholder.en"));
    // Configured examples are shown as written.
    assert_eq!(
        placeholder(&built.read("site/es/index.html")),
        Some("Busca artículos, por ejemplo: pago rechazado")
    );
}
