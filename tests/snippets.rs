//! Snippets (issue 13 item 4): the passage with the most distinct matched words, marked and
//! escaped; never a lone word cut from the end of a section, a heading alone, or an in-page
//! table of contents. The fixture under tests/fixtures/snippets is built once.

mod common;

use ayuda::search::{Engine, Hit, SearchRequest};
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static BUILT: OnceLock<(common::Built, Engine)> = OnceLock::new();
    &BUILT
        .get_or_init(|| {
            let built = common::build_into_temp(&common::fixture("snippets"), false);
            assert!(built.report.errors.is_empty(), "{:?}", built.report.errors);
            let engine = Engine::open(built.out.path()).expect("open indexes");
            (built, engine)
        })
        .1
}

/// The hit for article `id` when searching `q`.
fn hit(q: &str, id: &str) -> Hit {
    let r = engine()
        .search(&SearchRequest {
            query: q.into(),
            locale: Some("es".into()),
            ..Default::default()
        })
        .expect("search");
    r.hits
        .into_iter()
        .find(|h| h.id == id)
        .unwrap_or_else(|| panic!("{id} not found for {q:?}"))
}

/// Asserts that `snippet` holds `needle` (or, with `holds` false, does not).
fn assert_snippet(snippet: &str, needle: &str, holds: bool) {
    assert_eq!(snippet.contains(needle), holds, "{needle:?} in {snippet}");
}

/// The snippet's words, tags removed.
fn words(snippet: &str) -> usize {
    snippet
        .replace("<mark>", "")
        .replace("</mark>", "")
        .split_whitespace()
        .count()
}

#[test]
fn a_match_at_the_end_of_a_section_comes_with_the_text_before_it() {
    let h = hit("reembolsos", "devoluciones");
    assert_snippet(&h.snippet, "<mark>Reembolsos</mark>", true);
    assert!(words(&h.snippet) >= 12, "a lone word: {}", h.snippet);
}

#[test]
fn a_heading_only_match_shows_the_text_under_the_heading() {
    let h = hit("reclamos", "garantia");
    assert!(h.url.ends_with("#reclamos"), "{}", h.url);
    assert!(
        h.snippet
            .starts_with("Escribe al equipo con el número de pedido"),
        "the text the link leads to, not the heading alone nor the intro: {}",
        h.snippet
    );
}

#[test]
fn an_in_page_table_of_contents_is_never_the_snippet() {
    let h = hit("plazos costos seguimiento", "envios");
    assert_snippet(&h.snippet, "En esta página", false);
    assert!(words(&h.snippet) >= 8, "{}", h.snippet);
}

#[test]
fn the_passage_with_the_most_distinct_words_wins_over_repetition() {
    let h = hit("tarjeta rechazada", "pagos");
    assert_snippet(
        &h.snippet,
        "<mark>tarjeta</mark> fue <mark>rechazada</mark>",
        true,
    );
}

#[test]
fn snippets_escape_the_text_and_mark_the_matches() {
    let h = hit("cargo", "pagos");
    assert_snippet(
        &h.snippet,
        "&lt;b&gt;tarjeta&lt;/b&gt; &amp; <mark>cargo</mark>",
        true,
    );
    let without_marks = h.snippet.replace("<mark>", "").replace("</mark>", "");
    assert_snippet(&without_marks, "<", false);
}
