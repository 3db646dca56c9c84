//! The partner hears back by mail (`support.partner_email`): at reception, on the team's public
//! notes (private ones send nothing), on resolution with links to the status page, on
//! auto-close; Reply-To the team, one thread per ticket, the ticket's language, exactly one
//! mail per event even when the SMTP relay was down. An in-process SMTP sink receives them.

mod common;

use axum::http::StatusCode;
use ayuda::tickets::TicketsState;
use ayuda::tickets::escalation::lifecycle::Action;
use ayuda::tickets::escalation::watcher::Watcher;
use common::smtp::{Mail, Sink};
use common::tickets::{Site, get_page, json_post, send, view_of};

/// A site whose team mail and partner mails go to `sink`, deliveries retried within 50 ms.
async fn mail_site(sink: &Sink) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "title: Centro de ayuda\nbase_url: https://help.example.org\nlocales: [es, en, pt]\ndefault_locale: es\nsupport:\n  time_zone: America/Bogota\n  partner_key_required: false\n  targets:\n    - {{kind: jsonl, path: out.jsonl}}\n    - {{id: team-mail, kind: email, smtp_host: 127.0.0.1, smtp_port: {}, smtp_security: none, from: help-center@example.org, to: [desk@example.org]}}\n  partner_email:\n    enabled: true\n    reply_to: support@example.org\n  deliveries: {{backoff_initial: 10ms, backoff_max: 50ms, timeout: 2s}}\n",
        sink.port
    );
    let config = ayuda::Config::parse(&yaml).unwrap();
    let data = dir.path().join("data");
    let state = TicketsState::open(&config, &data, None).await.unwrap();
    state.spawn_worker();
    Site {
        dir,
        state,
        key: String::new(),
    }
}

/// Opens a ticket in `locale` from zone `tz`: its reference.
async fn open(s: &Site, locale: &str, tz: &str) -> String {
    let mut t = common::tickets::ticket();
    t["locale"] = locale.into();
    t["tz"] = tz.into();
    t["partner"] = "Partner TV".into();
    t["cc"] = "lead@partner.example.org".into();
    let (status, _, body) = send(s, json_post(&t, None)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Applies `action` as an agent would (`ayuda tickets`), with the targets the CLI picks.
async fn act(s: &Site, id: &str, action: Action, note: Option<&str>, public: bool) {
    let change = common::tickets::agent_change(action, note, public);
    let targets = ayuda::tickets::deliver::targets_for(&s.state.inner().config, &change);
    s.state
        .inner()
        .store
        .change(id.to_string(), change, targets, jiff::Timestamp::now())
        .await
        .unwrap();
}

/// Applies `action` with a public `note` and returns the partner's `n`-th mail, threaded
/// under the reception: its subject and text.
async fn public_reply(
    s: &Site,
    sink: &Sink,
    id: &str,
    action: Action,
    note: &str,
    n: usize,
) -> (String, String) {
    act(s, id, action, Some(note), true).await;
    let mail = partner_mails(sink, n).await.swap_remove(n - 1);
    for header in ["in-reply-to", "references"] {
        assert_eq!(
            mail.header(header),
            Some(format!("<{id}.partner@ayuda.tickets>")),
            "{header}"
        );
    }
    (
        mail.header("subject").unwrap_or_default(),
        mail.part("text/plain"),
    )
}

/// The mails sent to the partner (not the team's).
fn to_partner(mails: &[Mail]) -> Vec<Mail> {
    mails
        .iter()
        .filter(|m| m.rcpt.iter().any(|r| r == "ana@partner.example.org"))
        .cloned()
        .collect()
}

/// Waits until the partner got `n` mails; returns them.
async fn partner_mails(sink: &Sink, n: usize) -> Vec<Mail> {
    for _ in 0..400 {
        let got = to_partner(&sink.mails());
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the partner got {:#?}", to_partner(&sink.mails()));
}

#[tokio::test]
async fn the_partner_gets_a_threaded_mail_at_reception_on_public_notes_and_on_resolution() {
    let sink = Sink::start().await;
    let s = mail_site(&sink).await;
    let id = open(&s, "es", "Europe/Madrid").await;
    let received = &partner_mails(&sink, 1).await[0];
    assert_eq!(received.from, "help-center@example.org");
    // The form's CC is copied: a recipient and a header.
    assert_eq!(
        received.rcpt,
        ["ana@partner.example.org", "lead@partner.example.org"]
    );
    assert_eq!(
        received.header("cc").as_deref(),
        Some("lead@partner.example.org")
    );
    assert_eq!(
        received.header("reply-to").as_deref(),
        Some("support@example.org")
    );
    assert_eq!(
        received.header("message-id"),
        Some(format!("<{id}.partner@ayuda.tickets>"))
    );
    assert_eq!(
        received.header("subject"),
        Some(format!("[{id}] Recibimos tu ticket: El video no carga"))
    );
    assert!(
        received
            .header("content-type")
            .unwrap()
            .starts_with("multipart/alternative"),
        "{}",
        received.raw
    );
    let text = received.part("text/plain");
    assert!(
        text.contains(&format!("Número de referencia: {id}")),
        "{text}"
    );
    assert!(text.contains("Tipo: Error o pregunta técnica"), "{text}");
    // The promised first response, in the partner's zone and language.
    assert!(text.contains("(Europe/Madrid)"), "{text}");
    assert!(
        text.contains("Primera respuesta") && text.contains(" a las "),
        "{text}"
    );
    let status_url = text
        .lines()
        .find(|l| l.starts_with("https://help.example.org/tickets/status?id="))
        .unwrap_or_else(|| panic!("no status link: {text}"))
        .to_string();
    let (code, _, page) = get_page(
        &s,
        status_url.trim_start_matches("https://help.example.org"),
    )
    .await;
    assert_eq!(code, StatusCode::OK, "{page}");
    let html = received.part("text/html");
    assert!(html.contains(&format!("<td>{id}</td>")), "{html}");
    assert!(html.contains("<html lang=\"es\">"), "{html}");

    // A private note sends nothing; a public one is mailed, threaded under the reception.
    act(
        &s,
        &id,
        Action::Note,
        Some("Revisar los registros internos"),
        false,
    )
    .await;
    let (subject, text) = public_reply(
        &s,
        &sink,
        &id,
        Action::Ack,
        "Estamos revisando el reproductor.",
        2,
    )
    .await;
    assert_eq!(
        subject,
        format!("[{id}] Nueva respuesta del equipo de soporte: El video no carga")
    );
    assert!(text.contains("Estamos revisando el reproductor."), "{text}");
    assert!(!text.contains("registros internos"), "{text}");

    let (subject, text) = public_reply(
        &s,
        &sink,
        &id,
        Action::Resolve,
        "Actualizamos el reproductor a la versión 3.2.",
        3,
    )
    .await;
    assert_eq!(
        subject,
        format!("[{id}] Tu ticket está resuelto: El video no carga")
    );
    assert!(
        text.contains("Lo que se hizo:\nActualizamos el reproductor a la versión 3.2."),
        "{text}"
    );
    assert!(text.contains("Si no respondes en 5 días"), "{text}");
    for label in ["- Está resuelto: ", "- Sigue el problema: "] {
        let url = text
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .unwrap_or_else(|| panic!("no `{label}` link: {text}"));
        // A browser sends no fragment.
        let url = url.split('#').next().unwrap();
        let (code, _, page) =
            get_page(&s, url.trim_start_matches("https://help.example.org")).await;
        assert_eq!(code, StatusCode::OK, "{page}");
        // Opening the link changes nothing: the page asks.
        assert!(page.contains("/tickets/status/confirm"), "{page}");
    }
    let view = view_of(&s, &id).await;
    assert_eq!(view.status, "resolved");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(to_partner(&sink.mails()).len(), 3, "one mail per event");
}

#[tokio::test]
async fn auto_close_mails_the_partner_in_the_tickets_language() {
    let sink = Sink::start().await;
    let s = mail_site(&sink).await;
    let id = open(&s, "pt", "America/Sao_Paulo").await;
    act(&s, &id, Action::Ack, None, false).await;
    act(&s, &id, Action::Resolve, None, false).await;
    partner_mails(&sink, 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let inner = s.state.inner();
    let watcher = Watcher::new(
        inner.store.clone(),
        inner.config.clone(),
        inner.deliverer.target_ids(),
    );
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(6 * 24);
    let tick = watcher.tick(later).await.unwrap();
    assert!(
        tick.recorded
            .iter()
            .any(|(t, e)| *t == id && e == "ticket.closed"),
        "{tick:?}"
    );
    // The close is due at the watcher's (future) clock: deliver it at that time.
    let jobs = inner
        .store
        .claim(
            later,
            jiff::SignedDuration::from_secs(60),
            "partner_email".into(),
            10,
        )
        .await
        .unwrap();
    let close: Vec<_> = jobs
        .iter()
        .filter(|j| j.event.as_ref().is_some_and(|e| e.action == Action::Close))
        .collect();
    assert_eq!(close.len(), 1, "{jobs:?}");
    inner
        .deliverer
        .deliver(close[0], inner.store.as_ref())
        .await
        .unwrap();
    let mails = partner_mails(&sink, 3).await;
    let subjects: Vec<String> = mails.iter().filter_map(|m| m.header("subject")).collect();
    assert_eq!(
        subjects,
        [
            format!("[{id}] Recebemos seu ticket: El video no carga"),
            format!("[{id}] Seu ticket está resolvido: El video no carga"),
            format!("[{id}] Seu ticket foi fechado: El video no carga"),
        ]
    );
    let text = mails[2].part("text/plain");
    assert!(text.contains("há 5 dias"), "{text}");
    assert!(
        text.contains("https://help.example.org/pt/tickets/new/"),
        "{text}"
    );
    assert!(
        !text.contains("(America/Sao_Paulo)"),
        "only the reception promises a time: {text}"
    );
    // The closing mail asks for the satisfaction survey; its link opens the survey's form.
    let survey = text
        .split_whitespace()
        .find(|w| w.contains("/tickets/survey?"))
        .unwrap_or_else(|| panic!("no survey link: {text}"));
    let (code, _, page) = get_page(&s, survey.trim_start_matches("https://help.example.org")).await;
    assert_eq!(code, StatusCode::OK, "{page}");
    assert!(page.contains(r#"name="score""#), "{page}");
    let html = mails[2].part("text/html");
    assert!(html.contains("/tickets/survey?"), "{html}");
}

#[tokio::test]
async fn a_relay_down_then_up_delivers_each_mail_exactly_once() {
    let sink = Sink::start().await;
    sink.set_down(true);
    let s = mail_site(&sink).await;
    let id = open(&s, "en", "").await;
    // The relay refuses: the job is retried, nothing is lost.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(sink.mails().is_empty());
    let view = view_of(&s, &id).await;
    let job = view
        .deliveries
        .iter()
        .find(|d| d.target == "partner_email")
        .expect("a partner_email job");
    assert_eq!(job.state, "pending", "{job:?}");
    assert!(job.attempts >= 2, "{job:?}");
    sink.set_down(false);
    let mails = partner_mails(&sink, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(to_partner(&sink.mails()).len(), 1, "{mails:#?}");
    assert_eq!(
        mails[0].header("subject"),
        Some(format!("[{id}] We received your ticket: El video no carga"))
    );
    // Without the partner's zone, the calendar's.
    assert!(mails[0].part("text/plain").contains("(America/Bogota)"));
}

/// A site's own `templates/email/partner.txt` replaces the theme's, as any template does; the
/// site's title signs the mails.
#[tokio::test]
async fn a_site_overrides_the_mail_template() {
    let sink = Sink::start().await;
    let root = common::root_with_content(
        &common::fixture("serve").join("content"),
        "title: {es: Ayuda de ejemplo, en: Example help}\nlocales: [es, en]\ndefault_locale: es\n",
    );
    let templates = root.path().join("templates/email");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("partner.txt"),
        "Ticket {{ mail.ticket.id }} ({{ mail.kind }}) · {{ site.title }}\n",
    )
    .unwrap();
    let built = common::build_into_temp(root.path(), false);
    let yaml = std::fs::read_to_string(root.path().join("ayuda.yaml")).unwrap();
    let config = ayuda::Config::parse(&format!(
        "{yaml}support:\n  partner_key_required: false\n  targets:\n    - {{kind: email, smtp_host: 127.0.0.1, smtp_port: {}, smtp_security: none, from: help-center@example.org}}\n  partner_email: {{enabled: true, reply_to: support@example.org}}\n",
        sink.port
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = TicketsState::open(&config, &dir.path().join("data"), Some(built.out.path()))
        .await
        .unwrap();
    state.spawn_worker();
    let s = Site {
        dir,
        state,
        key: String::new(),
    };
    let id = open(&s, "es", "").await;
    let mail = &partner_mails(&sink, 1).await[0];
    assert_eq!(
        mail.part("text/plain"),
        format!("Ticket {id} (received) · Ayuda de ejemplo")
    );
    // The HTML part is still the theme's.
    assert!(mail.part("text/html").contains("<p>Ayuda de ejemplo</p>"));
}
