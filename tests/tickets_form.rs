//! The ticket form as a partner meets it: every error in one round, nothing typed lost on a
//! refusal, post/redirect/get to a draft page, and an honest thank-you page.

mod common;

use axum::http::StatusCode;
use common::tickets::*;

/// The message of `field` in a JSON answer's `errors` ("" when absent).
fn error_of(body: &str, field: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["errors"][field].as_str().unwrap_or("").to_string()
}

/// A key with the site's key id and a wrong secret.
fn wrong_secret(s: &Site) -> String {
    let (prefix, _) = s.key.rsplit_once('_').unwrap();
    format!("{prefix}_wrong")
}

#[tokio::test]
async fn a_wrong_key_and_a_short_subject_are_reported_together() {
    // Bad keys cost 5 requests each: room for three.
    let s = site("  limits: {rate_limit_per_minute: 100}\n").await;
    let mut t = ticket();
    t["subject"] = "ab".into();
    let (status, headers, body) = send(&s, json_post(&t, Some(&wrong_secret(&s)))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(headers.contains_key("www-authenticate"));
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        error_of(&body, "partner_key").contains("no es válida"),
        "{body}"
    );
    assert!(error_of(&body, "subject").contains("al menos 3"), "{body}");
    assert_eq!(
        v["errors"].as_object().unwrap().len(),
        2,
        "no partner error: {body}"
    );
    // An unknown key id answers exactly the same: the answer does not tell which ids exist.
    let (status, _, unknown) = send(&s, json_post(&t, Some("ayk_ZZZZZZZZ_wrong"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown, body);
    // A missing key too comes with the field errors.
    let (status, _, body) = send(&s, json_post(&t, None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(error_of(&body, "partner_key").contains("Falta"), "{body}");
    assert!(!error_of(&body, "subject").is_empty(), "{body}");
    assert_eq!(count(&s).await, 0);
}

/// Posts `fields` as a browser form and follows the 303 to the draft page: its location, status,
/// headers and body.
async fn post_and_follow(
    s: &Site,
    fields: &[(&str, &str)],
    accept_language: Option<&str>,
) -> (String, StatusCode, axum::http::HeaderMap, String) {
    let mut req = form_post(&encode(fields), Some("https://help.example.org"));
    if let Some(l) = accept_language {
        req.headers_mut()
            .insert("accept-language", l.parse().unwrap());
    }
    let (status, location, page_status, headers, page) = send_and_follow(s, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    (location, page_status, headers, page)
}

#[tokio::test]
async fn form_errors_redirect_to_a_draft_page_that_keeps_the_values() {
    let s = site("  form: {min_fill_seconds: 0}\n").await;
    let token = fresh_token(&s).await;
    let bad = wrong_secret(&s);
    let fields = with(form_fields(&bad, &token, ""), "subject", "ab");
    let (location, status, headers, page) = post_and_follow(&s, &fields, None).await;
    // No partner data in the address: only a random draft id and the locale.
    assert!(location.starts_with("/tickets/form?"), "{location}");
    for typed in ["Ana", "ana", "partner", "ab&", "D%C3%B3nde", "wrong"] {
        assert!(!location.contains(typed), "{typed} in {location}");
    }
    let draft = location
        .split("draft=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    assert!(draft.len() >= 22, "an unguessable id: {draft}");
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );
    assert!(page.contains("no es válida"), "key error: {page}");
    assert!(
        page.contains("al menos 3"),
        "subject error in the same round: {page}"
    );
    assert!(
        page.contains("¿Dónde descargo el reporte mensual"),
        "{page}"
    );
    assert!(!page.contains(&bad), "the key is not echoed: {page}");
    // Back or reload: the same page again, by GET.
    let (status, _, again) = get_page(&s, &location).await;
    assert_eq!(
        (status, again.contains("¿Dónde descargo")),
        (StatusCode::OK, true)
    );
    // Another id shows nothing: the empty form of the locale.
    let (status, headers, _) =
        get_page(&s, "/tickets/form?draft=AAAAAAAAAAAAAAAAAAAAAA&locale=es").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/es/tickets/new/");
    // Fixed and sent from the draft page: the ticket is stored and the draft forgotten.
    let fixed = with(form_fields(&s.key, &token, ""), "draft", draft);
    let (status, headers, body) = send(
        &s,
        form_post(&encode(&fixed), Some("https://help.example.org")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/tickets/thanks?")
    );
    assert_eq!(count(&s).await, 1);
    let (status, _, _) = get_page(&s, &location).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the draft is gone after the ticket is stored"
    );
}

#[tokio::test]
async fn a_rate_limited_form_keeps_the_text_in_the_partner_language() {
    let s = site("  form: {min_fill_seconds: 0}\n  limits: {rate_limit_per_minute: 1}\n").await;
    let (status, _, _) = send(&s, json_post(&ticket(), Some(&s.key))).await;
    assert_eq!(status, StatusCode::CREATED);
    let token = fresh_token(&s).await;
    let fields = form_fields(&s.key, &token, "");
    let (_, status, _, page) = post_and_follow(&s, &fields, Some("en-US,en;q=0.9")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("¿Dónde descargo el reporte mensual"),
        "{page}"
    );
    assert!(
        page.contains("Inténtalo de nuevo en"),
        "in the form's language: {page}"
    );
    assert!(!page.contains("Too many"), "{page}");
    // Programs keep their JSON 429.
    let (status, headers, body) = send(&s, json_post(&ticket(), Some(&s.key))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key("retry-after"));
    assert!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["code"] == "rate_limited");
    assert_eq!(count(&s).await, 1);
}

#[tokio::test]
async fn a_storage_failure_keeps_the_text_in_the_partner_language() {
    let s = site("  form: {min_fill_seconds: 0}\n").await;
    // The queue breaks under the running service.
    let pool = ayuda::tickets::store::open_pool(&s.dir.path().join("data"))
        .await
        .unwrap();
    sqlx::query("ALTER TABLE tickets RENAME TO tickets_gone")
        .execute(pool.pool())
        .await
        .unwrap();
    let token = fresh_token(&s).await;
    let fields = with(form_fields(&s.key, &token, ""), "locale", "pt");
    let (_, status, _, page) = post_and_follow(&s, &fields, Some("es")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("¿Dónde descargo el reporte mensual"),
        "{page}"
    );
    assert!(page.contains("Não conseguimos registrar"), "{page}");
    let (status, _, body) = send(&s, json_post(&ticket(), Some(&s.key))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("\"code\":\"unavailable\""), "{body}");
}

#[tokio::test]
async fn the_thank_you_page_names_target_breach_and_email_honestly() {
    let (s, _built) = themed_site("  form: {min_fill_seconds: 0}\n").await;
    let location = send_valid_form(&s).await;
    let (status, _, page) = get_page(&s, &location).await;
    assert_eq!(status, StatusCode::OK);
    let view = only_ticket(&s).await;
    let d = &view.ticket.deadlines;
    assert!(
        d.first_response_target < d.first_response_breach,
        "operations: 2 h then 3 h"
    );
    // Both instants, in the partner's zone (the form's tz), with the hour a person reads.
    let madrid = jiff::tz::TimeZone::get("Europe/Madrid").unwrap();
    for (label, at) in [
        ("Primera respuesta prevista", d.first_response_target),
        ("A más tardar", d.first_response_breach),
    ] {
        let iso = ayuda::tickets::calendar::rfc3339(at, &madrid);
        assert!(page.contains(label), "{label}: {page}");
        assert!(
            page.contains(&format!("datetime=\"{iso}\"")),
            "{iso}: {page}"
        );
        let z = at.to_zoned(madrid.clone());
        let hour = format!("{:02}:{:02}", z.hour(), z.minute());
        assert!(page.contains(&hour), "{label} at {hour}: {page}");
    }
    assert!(
        !page.contains("Primera respuesta, a más tardar"),
        "the target is not the breach"
    );
    // The address the answer goes to, and no invitation to open another ticket.
    assert!(page.contains("ana@partner.example.org"), "{page}");
    assert!(
        !page.contains("href=\"/es/tickets/new/\" class=\"button\"")
            && !page.contains("class=\"need-help\""),
        "{page}"
    );
}
