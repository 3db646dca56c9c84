//! The partner's status page `GET /tickets/status?id=REF&sig=…`, its lookup form (reference and
//! partner key), and the partner's confirmation of a resolved ticket ("It's solved" closes it,
//! "Still a problem" reopens it with a public comment).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ayuda::tickets::escalation::lifecycle::Action;
use common::tickets::{
    change, field, form, get_page, json_post, open_ticket, query_of, send, site, ticket,
    view_of as status_of,
};

#[tokio::test]
async fn the_signed_page_shows_status_level_and_public_notes_only() {
    let s = site("").await;
    let (id, path) = open_ticket(&s).await;
    change(&s, &id, Action::Ack, None, false).await;
    change(
        &s,
        &id,
        Action::Note,
        Some("Revisamos el reproductor"),
        true,
    )
    .await;
    change(
        &s,
        &id,
        Action::Note,
        Some("interno: cliente difícil"),
        false,
    )
    .await;
    let (status, headers, page) = get_page(&s, &path).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains(&id), "{page}");
    assert!(
        page.contains("Respondido"),
        "status in words, Spanish: {page}"
    );
    assert!(page.contains("Nivel 1"), "level in words: {page}");
    assert!(page.contains("Revisamos el reproductor"), "{page}");
    assert!(
        !page.contains("cliente difícil"),
        "internal notes stay internal"
    );
    assert!(
        !page.contains("operations-manager"),
        "no agent names: {page}"
    );
    assert!(!page.contains("<script"), "works without JavaScript");
    common::tickets::assert_private(&headers);
    // A resolved ticket offers the confirmation; before that, it does not.
    assert!(!page.contains("/tickets/status/confirm"), "{page}");
}

#[tokio::test]
async fn a_tampered_or_foreign_signature_is_refused() {
    let s = site("").await;
    let (id, path) = open_ticket(&s).await;
    let (other, other_path) = open_ticket(&s).await;
    let q = query_of(&other_path);
    let sig = field(&q, "sig");
    for bad in [
        format!("/tickets/status?id={id}&sig={sig}"),
        format!("/tickets/status?id={other}&sig={}", &sig[..sig.len() - 2]),
        format!("/tickets/status?id={other}&sig=zz"),
    ] {
        let (status, _, page) = get_page(&s, &bad).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{bad}: {page}");
        assert!(!page.contains("El video no carga"), "{page}");
    }
    // An action link's signature (another purpose) is no status link.
    assert_eq!(get_page(&s, &path).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_lookup_form_leads_to_the_signed_page_and_refuses_alike() {
    let s = site("").await;
    let (id, path) = open_ticket(&s).await;
    let (status, headers, page) = get_page(&s, "/tickets/status").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("name=\"reference\"") && page.contains("name=\"partner_key\""));
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );

    let fields = [("reference", id.as_str()), ("partner_key", s.key.as_str())];
    let (status, headers, _) = send(&s, form("/tickets/status", &fields)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], path.as_str());

    let wrong = [("reference", id.as_str()), ("partner_key", "ayk_wrong")];
    let unknown = [("reference", "T-0000-00"), ("partner_key", s.key.as_str())];
    let (a_status, _, a) = send(&s, form("/tickets/status", &wrong)).await;
    let (b_status, _, b) = send(&s, form("/tickets/status", &unknown)).await;
    assert_eq!(a_status, b_status);
    assert_eq!(a_status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.replace(&id, "REF"),
        b.replace("T-0000-00", "REF"),
        "same answer for a wrong key and an unknown ticket"
    );
    assert!(!a.contains("El video no carga"));
}

/// The status page's confirmation form fields for `path` with `answer`.
fn confirm(path: &str, answer: &str, comment: &str) -> Request<Body> {
    let q = query_of(path);
    let fields = [
        ("id", field(&q, "id")),
        ("sig", field(&q, "sig")),
        ("answer", answer),
        ("comment", comment),
    ];
    form("/tickets/status/confirm", &fields)
}

#[tokio::test]
async fn its_solved_closes_a_resolved_ticket_as_the_partner() {
    let s = site("").await;
    let (id, path) = open_ticket(&s).await;
    change(&s, &id, Action::Ack, None, false).await;
    // Before resolution the confirmation changes nothing.
    let (status, _, _) = send(&s, confirm(&path, "solved", "")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(status_of(&s, &id).await.status, "acknowledged");

    change(&s, &id, Action::Resolve, None, false).await;
    let (_, _, page) = get_page(&s, &path).await;
    assert!(page.contains("/tickets/status/confirm"), "{page}");
    assert!(page.contains("value=\"solved\"") && page.contains("value=\"reopen\""));
    // Opening the page again (GET) changes nothing.
    assert_eq!(status_of(&s, &id).await.status, "resolved");

    let (status, headers, _) = send(&s, confirm(&path, "solved", "")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], path.as_str());
    let v = status_of(&s, &id).await;
    assert_eq!(v.status, "closed");
    let last = v.events.last().unwrap();
    assert_eq!(
        (last.action, last.actor.as_str()),
        (Action::Close, "partner")
    );
    let (_, _, page) = get_page(&s, &path).await;
    assert!(page.contains("Cerrado"), "{page}");
    // Confirmed is final for the partner: a crafted "still a problem" on a closed ticket
    // changes nothing (agents may still reopen it).
    let (status, _, page) = send(&s, confirm(&path, "reopen", "otra vez")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert_eq!(status_of(&s, &id).await.status, "closed");
}

#[tokio::test]
async fn the_page_speaks_the_tickets_language() {
    let s = site("").await;
    let mut t = ticket();
    t["locale"] = "pt".into();
    let (status, _, body) = send(&s, json_post(&t, Some(&s.key))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let url = v["status_url"].as_str().unwrap();
    let path = url.strip_prefix("https://help.example.org").unwrap();
    // The browser's language does not matter: the ticket's does.
    let req = Request::get(path)
        .header("accept-language", "en")
        .body(Body::empty())
        .unwrap();
    let (status, _, page) = send(&s, req).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Estado do seu ticket") && page.contains("Recebido"),
        "{page}"
    );
    assert!(page.contains("<html lang=\"pt\""), "{page}");
    // The lookup form follows the browser.
    let req = Request::get("/tickets/status")
        .header("accept-language", "en")
        .body(Body::empty())
        .unwrap();
    let (_, _, page) = send(&s, req).await;
    assert!(
        page.contains("Look up a ticket") && page.contains("Company key"),
        "{page}"
    );
}

#[tokio::test]
async fn still_a_problem_reopens_with_a_public_comment() {
    let s = site("").await;
    let (id, path) = open_ticket(&s).await;
    change(&s, &id, Action::Ack, None, false).await;
    change(&s, &id, Action::Resolve, None, false).await;
    let (status, _, _) = send(&s, confirm(&path, "reopen", "Sigue fallando en Android")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let v = status_of(&s, &id).await;
    assert_eq!(v.status, "reopened");
    let last = v.events.last().unwrap();
    assert_eq!(last.actor, "partner");
    assert_eq!(last.note.as_deref(), Some("Sigue fallando en Android"));
    assert!(last.public, "the partner's comment is a public note");
    let (_, _, page) = get_page(&s, &path).await;
    assert!(page.contains("Sigue fallando en Android"), "{page}");
}

#[tokio::test]
async fn a_confirmation_needs_the_signature_and_the_sites_origin() {
    let s = site("").await;
    let (id, path) = open_ticket(&s).await;
    change(&s, &id, Action::Ack, None, false).await;
    change(&s, &id, Action::Resolve, None, false).await;
    let forged = path.replace("sig=", "sig=00");
    assert_eq!(
        send(&s, confirm(&forged, "solved", "")).await.0,
        StatusCode::FORBIDDEN
    );
    let mut cross = confirm(&path, "solved", "");
    cross
        .headers_mut()
        .insert("origin", "https://evil.example.net".parse().unwrap());
    cross
        .headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(send(&s, cross).await.0, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&s, &id).await.status, "resolved");
}

#[tokio::test]
async fn the_themed_thank_you_page_links_to_the_themed_status_page() {
    let (s, _built) = common::tickets::themed_site("  form: {min_fill_seconds: 0}\n").await;
    let thanks = common::tickets::send_valid_form(&s).await;
    let (status, _, page) = get_page(&s, &thanks).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let href = page
        .split("class=\"ticket-status-link\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a status link on the thank-you page: {page}"))
        .replace("&amp;", "&");
    let (status, headers, page) = get_page(&s, &href).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("Estado de tu ticket") && page.contains("Reporte mensual"),
        "{page}"
    );
    assert!(
        page.contains("<meta name=\"robots\" content=\"noindex\">"),
        "{page}"
    );
    assert_eq!(
        headers["referrer-policy"], "same-origin",
        "the signed address never reaches another site"
    );
    let (status, _, page) = get_page(&s, "/tickets/status").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("id=\"lookup-key\""), "{page}");
}
