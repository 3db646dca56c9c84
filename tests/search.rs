//! Search, end to end: the fixture site under tests/fixtures/search is built into a temp folder,
//! then searched through the library and through the service's router.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ayuda::search::{Engine, SearchRequest, SearchResults};
use ayuda::server::{AppState, LoadedSite, router};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tower::ServiceExt;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search")
}

/// The fixture built once for all tests.
fn dist() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        let out = tempfile::tempdir().expect("temp dir").keep();
        let report = ayuda::site::build(&ayuda::site::BuildOptions {
            root: fixture(),
            out: Some(out.clone()),
            ..Default::default()
        })
        .expect("build");
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        out
    })
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::open(dist()).expect("open indexes"))
}

fn search(q: &str) -> SearchResults {
    search_in(q, "es", None)
}

fn search_in(q: &str, locale: &str, category: Option<&str>) -> SearchResults {
    engine()
        .search(&SearchRequest {
            query: q.into(),
            locale: Some(locale.into()),
            category: category.map(str::to_string),
            ..Default::default()
        })
        .expect("search")
}

fn ids(r: &SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn one_index_per_locale() {
    for l in ["es", "en"] {
        assert!(dist().join("search").join(l).join("meta.json").is_file());
    }
    assert_eq!(search_in("password", "en", None).hits[0].locale, "en");
}

#[test]
fn accentless_query_finds_accented_article() {
    assert_eq!(ids(&search("facturacion electronica"))[0], "facturacion");
    assert_eq!(ids(&search("contrasena"))[0], "contrasena");
}

#[test]
fn typos_are_forgiven_and_rank_below_exact_matches() {
    assert_eq!(ids(&search("contraseña olvidde"))[0], "contrasena");
    assert_eq!(ids(&search("facturacoin"))[0], "facturacion");
    assert_eq!(ids(&search("tarjta"))[0], "pagos-tarjeta");
    // Three letters: no typo tolerance ("pgo" is not "pago").
    assert_eq!(search("pgo ").total, 0);
}

#[test]
fn last_word_is_completed() {
    assert_eq!(ids(&search("factur"))[0], "facturacion");
    assert_eq!(ids(&search("restablecer contra"))[0], "contrasena");
}

#[test]
fn quoted_phrase_must_appear_in_order() {
    let r = search("\"no se aprueba\"");
    assert_eq!(
        ids(&r),
        ["pagos-tarjeta"],
        "facturacion says 'se aprueba' without 'no'"
    );
}

#[test]
fn all_words_first_then_any_word() {
    let r = search("tarjeta gateway");
    assert_eq!(r.matched, "all");
    let r = search("tarjeta zzzqqq");
    assert_eq!(r.matched, "any");
    assert_eq!(ids(&r)[0], "pagos-tarjeta");
}

#[test]
fn category_filter_and_counts() {
    let r = search_in("pedido", "es", None);
    let pagos = r
        .categories
        .iter()
        .find(|c| c.key == "pagos")
        .expect("pagos");
    assert_eq!(pagos.name, "Pagos");
    assert!(r.categories.iter().any(|c| c.key == "logistica"));
    let filtered = search_in("pedido", "es", Some("logistica"));
    assert_eq!(ids(&filtered), ["envios"]);
    assert_eq!(filtered.total, 1);
    // Counts describe the whole query, not the filtered page.
    assert_eq!(filtered.categories, r.categories);
}

#[test]
fn snippet_is_highlighted_and_escaped() {
    let r = search("credenciales");
    let hit = &r.hits[0];
    assert!(
        hit.snippet.contains("<mark>credenciales</mark>"),
        "{}",
        hit.snippet
    );
    let r = search("olvide");
    assert!(r.hits[0].snippet.contains("&laquo;") || r.hits[0].snippet.contains("«"));
}

#[test]
fn link_points_to_the_heading_that_matched() {
    let r = search("credenciales gateway");
    assert!(
        r.hits[0].url.ends_with("#errores-frecuentes"),
        "{}",
        r.hits[0].url
    );
    let r = search("cuenta bloqueada");
    assert!(
        r.hits[0].url.ends_with("#cuenta-bloqueada"),
        "{}",
        r.hits[0].url
    );
}

#[test]
fn pagination_and_total() {
    let first = engine()
        .search(&SearchRequest {
            query: "el".into(),
            locale: Some("es".into()),
            limit: Some(2),
            page: Some(1),
            ..Default::default()
        })
        .expect("search");
    assert!(first.total >= 3);
    assert_eq!(first.hits.len(), 2);
    assert_eq!(first.pages, first.total.div_ceil(2));
    let second = engine()
        .search(&SearchRequest {
            query: "el".into(),
            locale: Some("es".into()),
            limit: Some(2),
            page: Some(2),
            ..Default::default()
        })
        .expect("search");
    assert!(
        second
            .hits
            .iter()
            .all(|h| !ids(&first).contains(&h.id.as_str()))
    );
}

#[test]
fn some_word_matches_rank_after_every_word_matches() {
    let q = "pedido con envío gratis";
    // Only the shipping article holds every word; the invoicing one holds "pedido". One ranked
    // retrieval returns both, the article holding every word first.
    let results = engine()
        .search(&SearchRequest {
            query: q.into(),
            locale: Some("es".into()),
            limit: Some(5),
            ..Default::default()
        })
        .expect("search");
    let got = ids(&results);
    assert_eq!(got.first(), Some(&"envios"), "{got:?}");
    assert!(got.contains(&"facturacion"), "{got:?}");
    assert_eq!(
        got.len(),
        got.iter().collect::<BTreeSet<_>>().len(),
        "{got:?}"
    );
    assert_eq!(results.matched, "all");
    assert!(results.total >= got.len());
}

#[test]
fn nonsense_input_is_never_an_error() {
    for q in ["", "\"", "AND OR", "title:(", "***", "🙂"] {
        let _ = search(q);
    }
}

fn state(data: &Path) -> AppState {
    AppState::new(LoadedSite::open(dist()), data)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 10 << 20)
        .await
        .expect("body");
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn http_routes() {
    let data = tempfile::tempdir().expect("temp");
    let app = router(state(data.path()));

    let (s, _, body) = get(&app, "/api/search?q=contrasena&locale=es&limit=abc").await;
    assert_eq!(s, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["hits"][0]["id"], "contrasena");
    assert!(v["total"].as_u64() >= Some(1));

    let (s, _, body) = get(&app, "/api/suggest?q=restablecer%20contra&locale=es").await;
    assert_eq!(s, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let hit = &v["hits"][0];
    assert_eq!(hit["id"], "contrasena");
    for key in ["title", "url", "snippet", "category"] {
        assert!(hit.get(key).is_some(), "{key}");
    }
    // A sentence, as the ticket form sends it: the article holding every word comes first,
    // articles holding some of them follow.
    let (_, _, body) = get(
        &app,
        "/api/suggest?q=pedido%20con%20env%C3%ADo%20gratis&locale=es",
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let got: Vec<&str> = v["hits"]
        .as_array()
        .map(|a| a.iter().filter_map(|h| h["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(got.first(), Some(&"envios"), "{body}");
    assert!(got.contains(&"facturacion"), "{body}");

    let (s, _, html) = get(&app, "/search?q=tarjeta&locale=es").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Configuración de pagos con tarjeta"),
        "{html}"
    );
    assert!(html.contains("<mark>"), "{html}");

    let (s, _, body) = get(&app, "/healthz").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("ok"));

    let (s, headers, _) = get(&app, "/es/").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(headers["cache-control"], "public, max-age=300");

    let (s, _, _) = get(&app, "/es/no-such-page/").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (_, _, text) = get(&app, "/metrics").await;
    assert!(text.contains("ayuda_http_requests_total{"), "{text}");
    assert!(
        text.contains("ayuda_search_duration_seconds_bucket"),
        "{text}"
    );
}

#[tokio::test]
async fn zero_result_queries_are_counted_and_recorded() {
    let data = tempfile::tempdir().expect("temp");
    let st = state(data.path());
    let app = router(st.clone());
    for _ in 0..2 {
        get(&app, "/api/search?q=Impresora%20%20XYZZY&locale=es").await;
    }
    get(&app, "/search?q=qwertyuiop&locale=es").await;
    // Suggestions are partial input: not recorded.
    get(&app, "/api/suggest?q=zzzzzz&locale=es").await;
    assert_eq!(
        st.metrics
            .counter("ayuda_search_zero_results_total", &[("locale", "es")]),
        4
    );
    st.gaps.flush().expect("flush");
    let report = ayuda::search::gaps::report(data.path(), 10);
    let es = &report["es"];
    assert_eq!(es.len(), 2);
    assert!(
        es.iter()
            .any(|(q, g)| q == "impresora xyzzy" && g.count == 1),
        "the same client asking twice counts once: {es:?}"
    );
}

/// A small site with `search.synonyms` and front matter `keywords:`, built into a temp folder.
fn vocabulary_site() -> (tempfile::TempDir, ayuda::site::BuildReport) {
    let root = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let p = root.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "ayuda.yaml",
        "title: Ayuda\nbase_url: https://help.example.org\nlocales: [es]\nsearch:\n  synonyms:\n    es:\n      - [factura, boleta, recibo]\n      - {from: nf, to: [nota fiscal]}\n      - [zzqxw, qqzxw]\n",
    );
    write(
        "content/es/facturas.md",
        "---\ntitle: Descargar tus facturas\nid: facturas\n---\n\nEn el panel, abre Facturación y descarga la factura del mes.\n",
    );
    write(
        "content/es/fiscal.md",
        "---\ntitle: Documentos para la contabilidad\nid: fiscal\n---\n\nCada venta emite una nota fiscal electrónica que llega por correo.\n",
    );
    write(
        "content/es/notas.md",
        "---\ntitle: Notas del equipo\nid: notas\n---\n\nUna nota interna sobre el régimen fiscal del equipo.\n",
    );
    write(
        "content/es/portabilidad.md",
        "---\ntitle: Traer tus líneas de otro operador\nid: portabilidad\nkeywords: migrar numeros, portar\n---\n\nEl cambio de operador conserva tus líneas.\n",
    );
    let out = root.path().join("dist");
    let report = ayuda::site::build(&ayuda::site::BuildOptions {
        root: root.path().to_path_buf(),
        out: Some(out),
        ..Default::default()
    })
    .expect("build");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    (root, report)
}

fn first_id(engine: &Engine, q: &str) -> Option<String> {
    let r = engine
        .search(&SearchRequest {
            query: q.into(),
            locale: Some("es".into()),
            ..Default::default()
        })
        .expect("search");
    r.hits.first().map(|h| h.id.clone())
}

#[test]
fn synonyms_find_articles_that_hold_only_the_other_word() {
    let (root, _) = vocabulary_site();
    let engine = Engine::open(&root.path().join("dist")).expect("open");
    // Two-way: "boleta" is in no article; it stands for "factura".
    assert_eq!(first_id(&engine, "boleta ").as_deref(), Some("facturas"));
    assert_eq!(
        first_id(&engine, "recibos del mes ").as_deref(),
        Some("facturas")
    );
    // One-way rewrite to a phrase: "nf" finds "nota fiscal" in order, not "nota … fiscal".
    assert_eq!(first_id(&engine, "nf ").as_deref(), Some("fiscal"));
    let r = engine
        .search(&SearchRequest {
            query: "nf ".into(),
            locale: Some("es".into()),
            ..Default::default()
        })
        .expect("search");
    assert!(!ids(&r).contains(&"notas"), "{:?}", ids(&r));
    // The word itself still ranks first where it is written.
    assert_eq!(first_id(&engine, "factura ").as_deref(), Some("facturas"));
}

#[test]
fn front_matter_keywords_are_searched_but_not_shown() {
    let (root, report) = vocabulary_site();
    let engine = Engine::open(&root.path().join("dist")).expect("open");
    assert_eq!(
        first_id(&engine, "migrar ").as_deref(),
        Some("portabilidad")
    );
    assert_eq!(
        first_id(&engine, "portar ").as_deref(),
        Some("portabilidad")
    );
    let page = std::fs::read_to_string(
        root.path()
            .join("dist/site/es/articles/portabilidad/index.html"),
    )
    .expect("article page");
    assert!(page.contains("Traer tus líneas"), "the page is the article");
    assert!(
        !page.contains("migrar"),
        "keywords are not shown on the page"
    );
    assert!(report.articles >= 4);
}

#[test]
fn a_synonym_entry_no_article_matches_is_a_warning_with_its_line() {
    let (_root, report) = vocabulary_site();
    let unused: Vec<_> = report
        .warnings
        .iter()
        .filter(|d| d.code == "unused-synonym")
        .collect();
    assert_eq!(unused.len(), 1, "{:?}", report.warnings);
    assert_eq!(unused[0].file, "ayuda.yaml");
    assert_eq!(unused[0].line, Some(9), "{:?}", unused[0]);
    assert!(unused[0].message.contains("search.synonyms.es[2]"));
}

/// `ayuda search … | head` ends quietly when the reader closes the pipe, as other command-line
/// tools do, instead of panicking in `println!` ("failed printing to stdout").
#[test]
fn search_output_into_a_closed_pipe_is_not_a_panic() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ayuda"))
        .args(["search", "contraseña", "--dist"])
        .arg(dist())
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run ayuda search");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

/// `ayuda search --json` answers like `/api/search`: the contract's `total` and `hits`, plus
/// what the results page tells the partner (`partial`, `matched_words`, `missing_words`, and
/// `corrected` when a typo was corrected), so tools see the same truth.
#[test]
fn the_cli_json_says_when_only_some_words_matched() {
    let run = |q: &str| -> serde_json::Value {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ayuda"))
            .args(["search", q, "--locale", "es", "--json", "--dist"])
            .arg(dist())
            .output()
            .expect("run ayuda search");
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice(&out.stdout).expect("JSON on stdout")
    };
    let v = run("contraseña zzzqqxw");
    assert!(v["total"].as_u64().unwrap_or(0) > 0, "{v}");
    assert!(
        v["hits"][0]["id"].is_string() && v["hits"][0]["score"].is_number(),
        "{v}"
    );
    assert_eq!(v["partial"], true, "{v}");
    assert_eq!(v["missing_words"], serde_json::json!(["zzzqqxw"]), "{v}");
    assert_eq!(run("contraseña")["partial"], false);
}
