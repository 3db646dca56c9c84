//! Issue 13, item 6: `ayuda report content` on real data: a served help center receives
//! searches, opens, votes and a ticket; the report lists them per locale by impact, with the
//! articles' source files.

mod common;

use common::server::Server;
use std::process::Command;

fn ayuda(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ayuda"))
        .args(args)
        .output()
        .expect("run ayuda")
}

#[cfg(unix)]
#[test]
fn the_content_report_lists_what_writers_should_fix_first() {
    let mut s = Server::start(&[]);
    s.wait_for("/es/articles/contrasena/", |st, _| st == 200);
    // Two clients find nothing for one query; a search whose result is opened; one whose
    // results nobody opens.
    for from in ["127.0.0.2", "127.0.0.3"] {
        s.send_from(Some(from.parse().unwrap()), |c| {
            c.get(format!("{}/search?q=reembolso+doble&locale=es", s.base))
        });
    }
    s.get("/search?q=contrase%C3%B1a&locale=es");
    s.get("/search?q=facturas&locale=es");
    let (status, _) = s.send(|c| {
        c.post(format!("{}/api/search/opened", s.base))
            .json(&serde_json::json!({"q": "facturas", "locale": "es"}))
    });
    assert_eq!(status, 204);
    for (helpful, comment) in [
        ("no", "No dice qué hacer si no llega el correo"),
        ("no", ""),
        ("yes", ""),
    ] {
        let (status, body) = s.send(|c| {
            c.post(format!("{}/api/feedback", s.base))
                .json(&serde_json::json!({
                    "article": "contrasena", "locale": "es", "helpful": helpful, "comment": comment
                }))
        });
        assert_eq!(status, 201, "{body}");
    }
    s.terminate(std::time::Duration::from_secs(10), "report test");

    // A ticket sent after opening a suggested article (as the form records it).
    let data = s.path("data");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use ayuda::tickets::calendar::{Calendar, deadlines};
        use ayuda::tickets::store::{SqlStore, Ticket, TicketStore};
        let config = ayuda::tickets::SupportConfig::default();
        let cal = Calendar::from_config(&config).unwrap();
        let now = jiff::Timestamp::now();
        let store = SqlStore::open(&data).await.unwrap();
        store
            .insert(
                Ticket {
                    id: String::new(),
                    kind: "technical".into(),
                    status: "received".into(),
                    created: now,
                    locale: "es".into(),
                    name: "Ana".into(),
                    email: "ana@partner.example.org".into(),
                    partner: "Partner TV".into(),
                    partner_key: None,
                    subject: "No puedo cambiar la contraseña".into(),
                    description: "El correo de cambio nunca llega.".into(),
                    page: String::new(),
                    suggested: vec!["contrasena".into(), "facturas".into()],
                    opened: vec!["contrasena".into()],
                    time_zone: "UTC".into(),
                    deadlines: deadlines(&config, &cal, "technical", now).unwrap(),
                    cc: Vec::new(),
                    partner_time_zone: None,
                    progress: Default::default(),
                    attachments: Vec::new(),
                },
                Vec::new(),
            )
            .await
            .unwrap();
    });
    let root = s.dir.path().to_str().unwrap().to_string();
    assert!(ayuda(&["build", "--root", &root]).status.success());

    let out = ayuda(&["report", "content", "--root", &root, "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let es = r["locales"]["es"].as_array().unwrap();
    let kinds: Vec<(&str, u64)> = es
        .iter()
        .map(|i| (i["kind"].as_str().unwrap(), i["impact"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("no_results", 2),
            ("unhelpful", 2),
            ("not_opened", 1),
            ("opened_before_ticket", 1)
        ],
        "{es:#?}"
    );
    assert_eq!(es[0]["query"], "reembolso doble");
    assert_eq!(es[1]["article"]["file"], "content/es/guia/contrasena.md");
    assert_eq!(es[1]["yes"], 1);
    assert_eq!(
        es[1]["comments"],
        serde_json::json!(["No dice qué hacer si no llega el correo"])
    );
    assert_eq!(es[2]["query"], "contraseña", "facturas was opened");
    assert_eq!(es[3]["article"]["title"], "Cambiar la contraseña");

    let text = ayuda(&["report", "content", "--root", &root]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("voted not helpful"), "{text}");
    assert!(text.contains("content/es/guia/contrasena.md"), "{text}");
    // --since a date after everything leaves the votes and tickets out.
    let later = ayuda(&[
        "report",
        "content",
        "--root",
        &root,
        "--json",
        "--since",
        "2999-01-01",
    ]);
    let later: serde_json::Value = serde_json::from_slice(&later.stdout).unwrap();
    assert_eq!(later["locales"], serde_json::json!({}));
    // The old name of the search part still answers.
    assert!(
        ayuda(&["search-report", "--data", data.to_str().unwrap()])
            .status
            .success()
    );
}
