//! Issue 13, item 5: "Was this article helpful?" over HTTP against the real `ayuda serve`:
//! the form post without JavaScript (303 back to the article), JSON, field errors in the page's
//! language, the guards, the database and `/metrics`.

mod common;

use common::server::Server;

const ARTICLE: &str = "/es/articles/contrasena/";

fn form(s: &Server, body: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let body = body.to_string();
    s.send_full(None, |c| {
        c.post(format!("{}/api/feedback", s.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", s.base.clone())
            .body(body)
    })
}

fn json(s: &Server, body: serde_json::Value) -> (u16, String) {
    s.send(|c| c.post(format!("{}/api/feedback", s.base)).json(&body))
}

/// The votes in the data folder's database.
fn stored(s: &Server) -> Vec<(String, String, i64, String)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        use ayuda::feedback::store::{FeedbackStore, SqlFeedback};
        let store = SqlFeedback::open(&s.path("data")).await.unwrap();
        store
            .votes(None)
            .await
            .unwrap()
            .into_iter()
            .map(|v| {
                let v = v.vote;
                (v.article, v.locale, i64::from(v.helpful), v.comment)
            })
            .collect()
    })
}

#[test]
fn article_pages_ask_and_a_plain_form_post_goes_back_with_thanks() {
    let s = Server::start(&[]);
    let page = s.wait_for(ARTICLE, |st, _| st == 200);
    assert!(page.contains("action=\"/api/feedback\""), "{page}");
    assert!(page.contains("name=\"article\" value=\"contrasena\""));
    assert!(page.contains("¿Te resultó útil este artículo?"));
    assert!(page.contains("id=\"feedback-thanks\""));
    let (status, headers, _) = form(
        &s,
        "article=contrasena&locale=es&page=%2Fes%2Farticles%2Fcontrasena%2F&helpful=no&comment=Falta+el+paso+2&website=",
    );
    assert_eq!(status, 303);
    assert_eq!(
        headers["location"],
        "/es/articles/contrasena/#feedback-thanks"
    );
    assert_eq!(
        stored(&s),
        vec![(
            "contrasena".into(),
            "es".into(),
            0,
            "Falta el paso 2".into()
        )]
    );
    let (_, metrics) = s.get("/metrics");
    assert!(
        metrics.contains("ayuda_feedback_total{helpful=\"no\",locale=\"es\"} 1")
            || metrics.contains("ayuda_feedback_total{locale=\"es\",helpful=\"no\"} 1"),
        "{metrics}"
    );
}

#[test]
fn json_votes_and_field_errors_in_the_page_language() {
    let s = Server::start(&[]);
    s.wait_for(ARTICLE, |st, _| st == 200);
    let (status, body) = json(
        &s,
        serde_json::json!({"article": "password", "locale": "en", "helpful": true}),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = json(
        &s,
        serde_json::json!({"article": "", "locale": "es", "helpful": "quizás", "comment": "x".repeat(1001)}),
    );
    assert_eq!(status, 422, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["errors"]["article"], "Este campo es obligatorio.");
    assert_eq!(v["errors"]["helpful"], "Elige sí o no.");
    assert_eq!(
        v["errors"]["comment"],
        "Escribe como máximo 1000 caracteres."
    );
    // A form post with errors gets a page, in Spanish, with the way back.
    let (status, _, page) = form(
        &s,
        "article=contrasena&locale=es&page=%2Fes%2Farticles%2Fcontrasena%2F",
    );
    assert_eq!(status, 422);
    assert!(page.contains("Este campo es obligatorio."), "{page}");
    assert!(page.contains("href=\"/es/articles/contrasena/\""), "{page}");
    // Without a page to return to, a themed thank-you page.
    let (status, _, page) = form(&s, "article=contrasena&locale=es&helpful=yes");
    assert_eq!(status, 200);
    assert!(page.contains("Gracias por tu opinión"), "{page}");
    // Another site's return address is not followed.
    let (status, _, page) = form(
        &s,
        "article=contrasena&locale=es&helpful=yes&page=%2F%2Fevil.example%2F",
    );
    assert_eq!(status, 200);
    assert!(!page.contains("evil.example"), "{page}");
    assert_eq!(stored(&s).len(), 3, "only the valid votes are kept");
}

#[test]
fn votes_are_guarded_like_the_ticket_form() {
    let s = Server::start_with(&common::server::Start {
        env: &[("AYUDA_TICKETS_RATE_LIMIT", "3")],
        ..Default::default()
    });
    s.wait_for(ARTICLE, |st, _| st == 200);
    // Another site's page may not post votes.
    let (status, _) = s.send(|c| {
        c.post(format!("{}/api/feedback", s.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", "https://evil.example")
            .body("article=contrasena&locale=es&helpful=no")
    });
    assert_eq!(status, 403);
    // Bodies past the limit are refused before they are read.
    let (status, _) = json(
        &s,
        serde_json::json!({"article": "a", "locale": "es", "helpful": "no", "comment": "x".repeat(20_000)}),
    );
    assert_eq!(status, 413);
    // The honeypot.
    let (status, _) = json(
        &s,
        serde_json::json!({"article": "a", "locale": "es", "helpful": "no", "website": "spam"}),
    );
    assert_eq!(status, 400);
    // Per client: the fourth request of the minute waits.
    let (status, headers, _) = form(&s, "article=contrasena&locale=es&helpful=yes");
    assert_eq!(status, 429);
    assert!(headers.contains_key("retry-after"));
    assert!(stored(&s).is_empty());
    // No client address, no user agent: the table has no place for them.
    let db = std::fs::read(s.path("data/tickets.sqlite")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains("127.0.0.1"));
}
