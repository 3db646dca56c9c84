//! The form's optional CC field: a few addresses, checked with the other fields in one round,
//! kept in the draft of a refused form, stored with the ticket, shown on the thank-you page and
//! to the team.

mod common;

use axum::http::StatusCode;
use common::tickets::*;

#[tokio::test]
async fn a_wrong_cc_comes_back_with_the_other_errors_and_keeps_what_was_typed() {
    let (s, _built) = themed_site("  form: {min_fill_seconds: 0}\n").await;
    let token = fresh_token(&s).await;
    let fields = with(
        with(form_fields(&s.key, &token, ""), "subject", "ab"),
        "cc",
        "lead@partner.example.org, not-an-address",
    );
    let req = form_post(&encode(&fields), Some("https://help.example.org"));
    let (status, location, page_status, _, page) = send_and_follow(&s, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(location.starts_with("/tickets/form?"), "{location}");
    assert_eq!(page_status, StatusCode::OK);
    assert!(page.contains("id=\"ticket-cc\""), "{page}");
    assert!(
        page.contains("value=\"lead@partner.example.org, not-an-address\""),
        "the draft keeps the CC: {page}"
    );
    assert!(
        page.contains("Escribe una dirección de correo válida"),
        "{page}"
    );
    assert!(
        page.contains("al menos 3"),
        "the subject's error in the same round: {page}"
    );
    assert_eq!(count(&s).await, 0);

    // Fixed: stored with the ticket, shown on the thank-you page.
    let fields = with(
        form_fields(&s.key, &token, ""),
        "cc",
        "lead@partner.example.org; ops@partner.example.org",
    );
    let (status, headers, body) = send(
        &s,
        form_post(&encode(&fields), Some("https://help.example.org")),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let thanks = headers["location"].to_str().unwrap().to_string();
    let (_, _, page) = get_page(&s, &thanks).await;
    assert!(
        page.contains("lead@partner.example.org, ops@partner.example.org"),
        "{page}"
    );
    let view = only_ticket(&s).await;
    assert_eq!(
        view.ticket.cc,
        ["lead@partner.example.org", "ops@partner.example.org"]
    );
    // The team sees the copies: webhook and JSONL bodies carry the ticket with them.
    let body = s.state.inner().deliverer.event(&view.ticket, None);
    assert_eq!(
        body["ticket"]["cc"],
        serde_json::json!(["lead@partner.example.org", "ops@partner.example.org"])
    );
}

#[tokio::test]
async fn the_api_takes_cc_as_a_list_and_refuses_too_many() {
    let s = site("  partner_key_required: false\n").await;
    let mut t = ticket();
    t["partner"] = "Partner TV".into();
    t["cc"] = serde_json::json!([
        "a@partner.example.org",
        "b@partner.example.org",
        "c@partner.example.org",
        "d@partner.example.org",
        "e@partner.example.org",
        "f@partner.example.org"
    ]);
    let (status, _, body) = send(&s, json_post(&t, None)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("\"cc\":\"Como máximo 5"), "{body}");
    t["cc"] = serde_json::json!(["a@partner.example.org"]);
    let (status, _, body) = send(&s, json_post(&t, None)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(only_ticket(&s).await.ticket.cc, ["a@partner.example.org"]);
}
