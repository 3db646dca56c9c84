//! The satisfaction survey of a closed ticket (`GET|POST /tickets/survey`): reached by a
//! signed link from the status page or the closing email, one answer per ticket, stored as a
//! `rate` event, and refused for tampered or expired links, open tickets, scores out of 1–5 and
//! cross-site posts.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ayuda::tickets::escalation::lifecycle::Action;
use ayuda::tickets::escalation::links::{SURVEY_VALID_FOR, SurveyLink};
use common::tickets::{Site, change, field, form, get_page, open_ticket, query_of, send, site};
use jiff::Timestamp;

/// A per-client limit that the tests sending many posts stay under (a forged link costs 5).
const ROOMY: &str = "  limits: {rate_limit_per_minute: 1000}\n";

/// A ticket resolved and closed by the team: its reference and status page path.
async fn closed_ticket(s: &Site) -> (String, String) {
    let (id, status_path) = open_ticket(s).await;
    for action in [Action::Ack, Action::Resolve, Action::Close] {
        change(s, &id, action, None, false).await;
    }
    (id, status_path)
}

/// The survey link the status page of a closed ticket offers.
async fn survey_link_of(s: &Site, status_path: &str) -> String {
    let (status, _, page) = get_page(s, status_path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let start = page
        .find("/tickets/survey?")
        .expect("the status page of a closed ticket links to the survey");
    let end = start + page[start..].find('"').unwrap();
    page[start..end].replace("&amp;", "&")
}

/// The survey form's post of `score` and `comment` for the link `path`.
fn answer(path: &str, score: &str, comment: &str) -> Request<Body> {
    let q = query_of(path);
    let fields = [
        ("id", field(&q, "id")),
        ("exp", field(&q, "exp")),
        ("sig", field(&q, "sig")),
        ("score", score),
        ("comment", comment),
    ];
    form("/tickets/survey", &fields)
}

async fn survey_of(s: &Site, id: &str) -> Option<ayuda::tickets::store::SurveyAnswer> {
    let store = &s.state.inner().store;
    store.get(id.to_string()).await.unwrap().unwrap().survey
}

#[tokio::test]
async fn a_closed_ticket_is_rated_once_through_its_signed_link() {
    let s = site("").await;
    let (id, status_path) = closed_ticket(&s).await;
    let link = survey_link_of(&s, &status_path).await;

    let (status, headers, page) = get_page(&s, &link).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("<fieldset><legend>Tu valoración</legend>"),
        "{page}"
    );
    assert!(
        page.contains("5 — Muy satisfecho"),
        "scores in words: {page}"
    );
    assert!(page.contains("1 — Muy insatisfecho"), "{page}");
    assert!(!page.contains("<script"), "works without JavaScript");
    common::tickets::assert_private(&headers);
    assert_eq!(survey_of(&s, &id).await, None, "GET stores nothing");

    let (status, headers, _) = send(&s, answer(&link, "4", "Rápido y claro")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], link.as_str(), "post/redirect/get");
    let stored = survey_of(&s, &id).await.expect("the answer is stored");
    assert_eq!(
        (stored.score, stored.comment.as_deref()),
        (4, Some("Rápido y claro"))
    );
    let view = s
        .state
        .inner()
        .store
        .get(id.clone())
        .await
        .unwrap()
        .unwrap();
    let last = view.events.last().unwrap();
    assert_eq!(
        (last.action, last.event.as_str()),
        (Action::Rate, "ticket.rated")
    );
    assert_eq!(last.note.as_deref(), Some("4/5\n\nRápido y claro"));
    assert!(!last.public, "the comment is not a public note");
    assert_eq!(view.status, "closed", "rating changes no status");
    assert!(
        view.deliveries.iter().any(|d| d.event == "ticket.rated"),
        "the rating is delivered like any event: {:?}",
        view.deliveries
    );

    let (status, _, page) = get_page(&s, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("¡Gracias por tu respuesta!"), "{page}");
    assert!(page.contains("4 de 5: Satisfecho"), "{page}");
    assert!(!page.contains("name=\"score\""), "no second form: {page}");
    let (_, _, page) = get_page(&s, &status_path).await;
    assert!(
        page.contains("Tu valoración: 4 de 5 (Satisfecho)"),
        "{page}"
    );
    assert!(!page.contains("/tickets/survey?"), "{page}");

    // A second answer is refused, with the first one shown, and changes nothing.
    let (status, _, page) = send(&s, answer(&link, "1", "otra")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("Ya respondiste esta encuesta"), "{page}");
    assert!(page.contains("4 de 5"), "{page}");
    assert_eq!(survey_of(&s, &id).await.unwrap().score, 4);
    let events = s.state.inner().store.get(id).await.unwrap().unwrap().events;
    assert_eq!(
        events.iter().filter(|e| e.action == Action::Rate).count(),
        1
    );
}

#[tokio::test]
async fn the_survey_waits_until_the_ticket_is_closed() {
    let s = site("").await;
    let (id, status_path) = open_ticket(&s).await;
    change(&s, &id, Action::Ack, None, false).await;
    change(&s, &id, Action::Resolve, None, false).await;
    let (_, _, page) = get_page(&s, &status_path).await;
    assert!(
        !page.contains("/tickets/survey?"),
        "resolved, not closed: {page}"
    );
    let link = SurveyLink::new(&s.state.inner().links, &id, Timestamp::now()).path();
    let (status, _, page) = get_page(&s, &link).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("cuando el ticket está cerrado"), "{page}");
    assert!(
        page.contains("Resuelto"),
        "names the status in words: {page}"
    );
    let (status, _, _) = send(&s, answer(&link, "5", "")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(survey_of(&s, &id).await, None);
}

#[tokio::test]
async fn tampered_foreign_and_expired_links_are_refused() {
    let s = site(ROOMY).await;
    let (id, _) = closed_ticket(&s).await;
    let (other, _) = closed_ticket(&s).await;
    let signer = &s.state.inner().links;
    let good = SurveyLink::new(signer, &id, Timestamp::now());
    let foreign = SurveyLink {
        id: other.clone(),
        ..good.clone()
    };
    let later = SurveyLink {
        exp: good.exp + 86_400,
        ..good.clone()
    };
    let truncated = SurveyLink {
        sig: good.sig[..good.sig.len() - 2].to_string(),
        ..good.clone()
    };
    for bad in [foreign, later, truncated] {
        let path = bad.path();
        let (status, _, page) = get_page(&s, &path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {page}");
        assert!(!page.contains("El video no carga"), "{page}");
        let (status, _, _) = send(&s, answer(&path, "5", "")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _, _) = get_page(&s, "/tickets/survey").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no link at all");
    let issued = Timestamp::now() - SURVEY_VALID_FOR - jiff::SignedDuration::from_secs(5);
    let expired = SurveyLink::new(signer, &id, issued).path();
    let (status, _, page) = get_page(&s, &expired).await;
    assert_eq!(status, StatusCode::GONE, "{page}");
    assert!(page.contains("caducó"), "{page}");
    let (status, _, _) = send(&s, answer(&expired, "5", "")).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(survey_of(&s, &id).await, None);
    assert_eq!(survey_of(&s, &other).await, None);
}

#[tokio::test]
async fn scores_out_of_range_are_refused_and_the_comment_is_kept() {
    let s = site(ROOMY).await;
    let (id, status_path) = closed_ticket(&s).await;
    let link = survey_link_of(&s, &status_path).await;
    for score in ["", "0", "6", "4.5", "-1", "cinco", "255", "260"] {
        let (status, _, page) = send(&s, answer(&link, score, "Tardó <b>mucho</b>")).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{score:?}: {page}"
        );
        assert!(page.contains("Elige una valoración del 1"), "{page}");
        assert!(
            page.contains("Tardó &lt;b&gt;mucho&lt;/b&gt;"),
            "kept, escaped: {page}"
        );
    }
    let long = "a".repeat(2001);
    let (status, _, page) = send(&s, answer(&link, "3", &long)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("como máximo 2000 caracteres"), "{page}");
    assert_eq!(survey_of(&s, &id).await, None);
    // Within range and limits, it is stored.
    let (status, _, _) = send(&s, answer(&link, "3", &long[..2000])).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(survey_of(&s, &id).await.unwrap().score, 3);
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let s = site("").await;
    let (id, status_path) = closed_ticket(&s).await;
    let link = survey_link_of(&s, &status_path).await;
    let mut req = answer(&link, "1", "");
    let h = req.headers_mut();
    h.insert("origin", "https://evil.example.org".parse().unwrap());
    h.insert("sec-fetch-site", "cross-site".parse().unwrap());
    let (status, _, _) = send(&s, req).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(survey_of(&s, &id).await, None);
}

#[tokio::test]
async fn the_survey_speaks_the_partners_language() {
    let s = site("").await;
    let mut t = common::tickets::ticket();
    t["locale"] = "pt".into();
    let (status, _, body) = send(&s, common::tickets::json_post(&t, Some(&s.key))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = v["id"].as_str().unwrap().to_string();
    for action in [Action::Ack, Action::Resolve, Action::Close] {
        change(&s, &id, action, None, false).await;
    }
    let link = SurveyLink::new(&s.state.inner().links, &id, Timestamp::now()).path();
    // The browser asks for English; the ticket was opened in Portuguese.
    let req = Request::get(&link)
        .header("accept-language", "en")
        .body(Body::empty())
        .unwrap();
    let (status, _, page) = send(&s, req).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Pesquisa de satisfação"), "{page}");
    assert!(page.contains("5 — Muito satisfeito"), "{page}");
    assert!(page.contains("lang=\"pt\""), "{page}");
}

/// The theme's pages: the status page of a closed ticket links to the themed survey, whose
/// radio group has a legend and labels in words, and which shows the answer once given.
#[tokio::test]
async fn the_themed_status_page_leads_to_the_themed_survey() {
    let (s, _built) = common::tickets::themed_site("").await;
    let (id, status_path) = closed_ticket(&s).await;
    let link = survey_link_of(&s, &status_path).await;
    let (status, _, page) = get_page(&s, &link).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("class=\"field survey-scores\""),
        "themed: {page}"
    );
    assert!(page.contains("<legend>Tu valoración</legend>"), "{page}");
    assert!(
        page.contains("<label for=\"survey-score-2\">2 — Insatisfecho</label>"),
        "{page}"
    );
    assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
    let (status, _, _) = send(&s, answer(&link, "5", "")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, page) = get_page(&s, &link).await;
    assert!(page.contains("5 de 5 — Muy satisfecho"), "{page}");
    let (_, _, page) = get_page(&s, &status_path).await;
    assert!(
        page.contains("<strong>5 de 5</strong> (Muy satisfecho)"),
        "{page}"
    );
    assert_eq!(survey_of(&s, &id).await.unwrap().score, 5);
}
