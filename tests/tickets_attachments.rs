//! Attachments of the ticket form: `multipart/form-data` posts with files checked against
//! `support.attachments` (count, sizes, type by extension and content) in the same round as the
//! other fields, stored under the data folder with generated names, and downloaded through the
//! signed links every delivery carries.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ayuda::tickets::escalation::links::AttachmentLink;
use common::tickets::{
    Site, form_body, form_fields, form_post, fresh_token, get_page, only_ticket, send,
    send_and_follow, site,
};

const LIMITS: &str = "  form: {min_fill_seconds: 0}\n  limits: {rate_limit_per_minute: 1000}\n  attachments: {max_files: 2, max_file_bytes: 4096, max_total_bytes: 6144}\n";

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

/// Files of a post: (file name, bytes).
type Files<'a> = &'a [(&'a str, &'a [u8])];

const BOUNDARY: &str = "ayudaTestBoundary7MA4YWxk";

/// A browser's multipart post of the ticket form: text `fields`, then `files` in the
/// `attachments` field.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Request<Body> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    Request::post("/api/tickets")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("host", "help.example.org")
        .header("origin", "https://help.example.org")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .unwrap()
}

/// A valid form with `files`, posted with a fresh token.
async fn post_files(s: &Site, files: &[(&str, &[u8])]) -> Request<Body> {
    let token = fresh_token(s).await;
    multipart(&form_fields(&s.key, &token, ""), files)
}

/// The path and query of an absolute link of the site.
fn local(url: &str) -> String {
    url.strip_prefix("https://help.example.org")
        .unwrap_or(url)
        .to_string()
}

#[tokio::test]
async fn files_are_stored_under_the_reference_with_generated_names() {
    let s = site(LIMITS).await;
    let files: [(&str, &[u8]); 2] = [
        ("../../../etc/Captura de pantalla.PNG", PNG),
        ("C:\\logs\\error.log", b"GET /player 500\n"),
    ];
    let (status, headers, page) = send(&s, post_files(&s, &files).await).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/tickets/thanks")
    );
    let view = only_ticket(&s).await;
    let a = &view.ticket.attachments;
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0].name.as_str(), a[0].content_type.as_str(), a[0].size),
        ("Captura de pantalla.PNG", "image/png", PNG.len() as u64)
    );
    assert_eq!(a[1].name, "error.log");
    assert_eq!(a[1].content_type, "text/plain; charset=utf-8");
    let folder = s.dir.path().join("data/attachments").join(&view.id);
    for f in a {
        assert!(
            f.file.starts_with(['1', '2']) && !f.file.contains("Captura") && !f.file.contains('/'),
            "a generated name: {}",
            f.file
        );
        assert!(folder.join(&f.file).is_file(), "{}", f.file);
    }
    assert_eq!(std::fs::read(folder.join(&a[0].file)).unwrap(), PNG);
    assert!(
        !s.dir.path().join("etc").exists(),
        "nothing outside the folder"
    );
    let staging = s.dir.path().join("data/attachments/.incoming");
    let left = std::fs::read_dir(&staging).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "the staging folder is emptied");
}

#[tokio::test]
async fn every_delivery_links_the_files_through_a_signed_download() {
    let s = site(LIMITS).await;
    let files: [(&str, &[u8]); 1] = [("captura (1) ñ.png", PNG)];
    let (status, _, page) = send(&s, post_files(&s, &files).await).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let view = only_ticket(&s).await;
    let deliverer = &s.state.inner().deliverer;
    let body = deliverer.event(&view.ticket, None);
    let url = body["attachments"][0]["url"]
        .as_str()
        .expect("a download link");
    assert_eq!(body["attachments"][0]["name"], "captura (1) ñ.png");
    assert!(
        url.starts_with("https://help.example.org/tickets/attachment?ticket="),
        "{url}"
    );
    // The same links on a retry (Zendesk refuses an idempotency key with another body).
    assert_eq!(
        deliverer.event(&view.ticket, None)["attachments"],
        body["attachments"]
    );
    let links = deliverer.attachment_links(&view.ticket);
    let zendesk = ayuda::tickets::deliver::zendesk::create_body(&view.ticket, &links);
    let comment = zendesk["ticket"]["comment"]["body"].as_str().unwrap();
    assert!(
        comment.contains(&format!("- captura (1) ñ.png: {url}")),
        "{comment}"
    );
    let slack = ayuda::tickets::deliver::attachments_block(&links).unwrap();
    let text = slack["elements"][0]["text"].as_str().unwrap();
    assert_eq!(text, format!("Attachments: <{url}|captura (1) ñ.png>"));

    let (status, headers, got) = get_page(&s, &local(url)).await;
    assert_eq!(status, StatusCode::OK);
    // (get_page reads the body as text: the PNG's first byte comes back replaced.)
    assert_eq!(got, String::from_utf8_lossy(PNG));
    assert_eq!(headers["content-length"], PNG.len().to_string().as_str());
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"captura__1___.png\"; filename*=UTF-8''captura%20%281%29%20%C3%B1%2Epng"),
        "{disposition}"
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store")
    );

    // Through the service's security headers, the download keeps its own stricter policy.
    use tower::ServiceExt;
    let app = ayuda::tickets::router(s.state.clone()).layer(axum::middleware::from_fn_with_state(
        std::sync::Arc::new(ayuda::server::headers::SecurityHeaders::default()),
        ayuda::server::headers::add,
    ));
    let req = Request::get(local(url)).body(Body::empty()).unwrap();
    let resp = app.oneshot(req).await.unwrap();
    let h = resp.headers();
    assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
}

#[tokio::test]
async fn download_links_are_checked_before_any_file_is_read() {
    let s = site(LIMITS).await;
    let (status, _, _) = send(&s, post_files(&s, &[("a.png", PNG)]).await).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let view = only_ticket(&s).await;
    let file = view.ticket.attachments[0].file.clone();
    let signer = &s.state.inner().links;
    let now = jiff::Timestamp::now();
    let week = jiff::SignedDuration::from_hours(168);
    let good = AttachmentLink::new(signer, &view.id, &file, now, week);
    assert_eq!(get_page(&s, &local(&good.url(""))).await.0, StatusCode::OK);
    let changed = AttachmentLink {
        file: "2-0000000000000000.png".into(),
        ..good.clone()
    };
    let truncated = AttachmentLink {
        sig: good.sig[..10].to_string(),
        ..good.clone()
    };
    for bad in [changed, truncated] {
        assert_eq!(get_page(&s, &bad.url("")).await.0, StatusCode::FORBIDDEN);
    }
    let old = now - jiff::SignedDuration::from_hours(200);
    let expired = AttachmentLink::new(signer, &view.id, &file, old, week);
    assert_eq!(get_page(&s, &expired.url("")).await.0, StatusCode::GONE);
    // Signed, but for a path or file the ticket does not record: nothing is read.
    for (ticket, file) in [
        (view.id.as_str(), "../../tickets.sqlite"),
        ("..", "secret.key"),
        (view.id.as_str(), "9-0000000000000000.png"),
    ] {
        let signed = AttachmentLink::new(signer, ticket, file, now, week);
        let (status, _, body) = get_page(&s, &signed.url("")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{ticket} {file}: {body}");
    }
}

#[tokio::test]
async fn file_errors_come_with_the_other_field_errors_in_the_partners_language() {
    let s = site(LIMITS).await;
    let big = vec![b'a'; 5000];
    let cases: [(Files, &str); 5] = [
        (
            &[("a.txt", &big)],
            "Cada archivo puede pesar como máximo 4 KB.",
        ),
        (
            &[("a.txt", &big[..3500]), ("b.txt", &big[..3500])],
            "Los archivos juntos pueden pesar como máximo 6 KB.",
        ),
        (
            &[("a.txt", b"a"), ("b.txt", b"b"), ("c.txt", b"c")],
            "Adjunta como máximo 2 archivos.",
        ),
        (
            &[("programa.exe", b"MZ\x90\0")],
            "Este tipo de archivo no se acepta",
        ),
        (
            &[("captura.png", b"<html><script>")],
            "Este tipo de archivo no se acepta",
        ),
    ];
    for (files, message) in cases {
        let token = fresh_token(&s).await;
        let mut fields = form_fields(&s.key, &token, "");
        fields.retain(|(k, _)| *k != "subject");
        fields.push(("subject", "ab"));
        let (status, location, page_status, _, page) =
            send_and_follow(&s, multipart(&fields, files)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{message}: {page}");
        assert!(location.starts_with("/tickets/form?draft="), "{location}");
        assert_eq!(page_status, StatusCode::OK);
        assert!(page.contains(message), "{message}: {page}");
        assert!(
            page.contains("Escribe al menos 3 caracteres."),
            "same round: {page}"
        );
        assert!(
            page.contains("Reporte mensual") || page.contains("Dónde descargo"),
            "kept"
        );
    }
    assert_eq!(common::tickets::count(&s).await, 0, "nothing stored");
    assert!(
        !s.dir
            .path()
            .join("data/attachments")
            .read_dir()
            .is_ok_and(|mut d| d.any(|e| e.unwrap().file_name() != ".incoming"))
    );
}

#[tokio::test]
async fn valid_files_sent_with_another_error_are_asked_for_again() {
    let s = site(LIMITS).await;
    let token = fresh_token(&s).await;
    let mut fields = form_fields(&s.key, &token, "");
    fields.retain(|(k, _)| *k != "email");
    fields.push(("email", "no-es-un-correo"));
    let (_, _, _, _, page) = send_and_follow(&s, multipart(&fields, &[("a.png", PNG)])).await;
    assert!(page.contains("Vuelve a adjuntar tus archivos"), "{page}");
    assert!(page.contains("dirección de correo válida"), "{page}");
    let staging = s.dir.path().join("data/attachments/.incoming");
    let left = std::fs::read_dir(&staging).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "nothing staged for a refused form");
}

#[tokio::test]
async fn only_the_form_with_files_may_send_more_than_the_body_limit() {
    let s = site(LIMITS).await;
    // 100 KB of description: over max_body_bytes (64 KB) as a plain form and as text of a
    // multipart form alike.
    let long = "a".repeat(100 * 1024);
    let token = fresh_token(&s).await;
    let mut fields = form_fields(&s.key, &token, "");
    fields.retain(|(k, _)| *k != "description");
    fields.push(("description", &long));
    let plain = form_post(
        &common::tickets::encode(&fields),
        Some("https://help.example.org"),
    );
    assert_eq!(send(&s, plain).await.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        send(&s, multipart(&fields, &[])).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    // A whole stream past twice the files' total limit is refused without reading it all.
    let huge = vec![b'a'; 200 * 1024];
    let r = send(&s, post_files(&s, &[("a.txt", &huge)]).await).await;
    assert_eq!(r.0, StatusCode::PAYLOAD_TOO_LARGE);
    // The files themselves, within their limits, pass where the plain form's limit would not.
    let body = form_body(&s.key, &fresh_token(&s).await, "");
    assert!(body.len() + 4000 > 4096);
    let r = send(&s, post_files(&s, &[("a.txt", &vec![b'b'; 4000])]).await).await;
    assert_eq!(r.0, StatusCode::SEE_OTHER, "{}", r.2);
}

/// The theme's form (here as the service renders it again after a refusal, from the same
/// template as the built page) posts files without JavaScript and shows their error.
#[tokio::test]
async fn the_themed_form_takes_files_without_javascript() {
    let (s, _built) = common::tickets::themed_site(LIMITS).await;
    let token = fresh_token(&s).await;
    let req = multipart(&form_fields(&s.key, &token, ""), &[("virus.exe", b"MZ")]);
    let (_, _, _, _, page) = send_and_follow(&s, req).await;
    assert!(page.contains("enctype=\"multipart/form-data\""), "{page}");
    assert!(
        page.contains("<label for=\"ticket-attachments\">Archivos adjuntos (opcional)</label>")
    );
    assert!(page.contains("accept=\".png,.jpg,.jpeg,.gif,.webp,.pdf,.txt,.log,.csv,.json\""));
    assert!(
        page.contains("hasta 2 archivos de 4 KB como máximo cada uno (PNG, JPG"),
        "{page}"
    );
    assert!(page.contains("id=\"ticket-attachments-error\""), "{page}");
    assert!(
        page.contains("<a href=\"#ticket-attachments\">Archivos adjuntos (opcional): Este tipo"),
        "{page}"
    );
}
