//! `ayuda serve` in writer mode, end to end: the real binary serving a temporary copy of
//! tests/fixtures/serve while the test edits, adds, breaks, fixes, renames and deletes files.

mod common;

use common::server::Server;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Overrides the theme's base.html in the site's `templates/`, with the first `from` replaced
/// by `to`.
fn override_base_template(s: &Server, from: &str, to: &str) {
    let templates = s.path("templates");
    std::fs::create_dir_all(&templates).expect("mkdir");
    let base = include_str!("../themes/default/templates/base.html");
    let edited = base.replacen(from, to, 1);
    assert_ne!(edited, base, "base.html has {from}");
    write(&templates.join("base.html"), &edited);
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write file");
}

const PAGE: &str = "/es/articles/primeros-pasos/";

#[test]
fn pages_carry_the_live_script_and_the_endpoints_answer() {
    let s = Server::start(&[]);
    let body = s.wait_for(PAGE, |st, _| st == 200);
    assert!(
        body.contains("/_ayuda/live.js"),
        "writer pages load live.js"
    );
    let (st, js) = s.get("/_ayuda/live.js");
    assert_eq!(st, 200);
    assert!(js.contains("/_ayuda/events"));
    let status = s.status();
    assert_eq!(status["ok"], true);
    assert!(status["build"].as_u64().unwrap_or(0) >= 1);
}

#[test]
fn editing_an_article_changes_its_page_listings_and_search() {
    let s = Server::start(&[]);
    s.wait_for(PAGE, |st, _| st == 200);
    let file = s.path("content/es/guia/primeros-pasos.md");
    let text = std::fs::read_to_string(&file).expect("read");
    write(
        &file,
        &text
            .replace("Texto original", "Texto editado ZAFIRO")
            .replace("title: Primeros pasos", "title: Primeros pasos rápidos"),
    );
    s.wait_for(PAGE, |st, b| st == 200 && b.contains("ZAFIRO"));
    // The section listing shows the new title, the English translation is unchanged.
    s.wait_for("/es/", |_, b| b.contains("Primeros pasos rápidos"));
    let (_, en) = s.get("/en/articles/first-steps/");
    assert!(en.contains("Original text"));
    // The search index follows.
    s.wait_for("/api/search?q=zafiro&locale=es", |st, b| {
        st == 200 && b.contains("primeros-pasos")
    });
    // So does the dictionary of typo corrections and completions.
    for query in ["zafirro", "zafi"] {
        let (status, body) = s.get(&format!("/api/search?q={query}&locale=es"));
        assert_eq!(status, 200);
        assert!(body.contains("primeros-pasos"), "{query}: {body}");
    }
}

#[test]
fn adding_and_deleting_articles_update_pages_and_listings() {
    let s = Server::start(&[]);
    s.wait_for(PAGE, |st, _| st == 200);
    write(
        &s.path("content/es/guia/nuevo.md"),
        "---\ntitle: Artículo nuevo\nid: nuevo\nlocale: es\n---\n\nRecién creado.\n",
    );
    s.wait_for("/es/articles/nuevo/", |st, b| {
        st == 200 && b.contains("Recién creado")
    });
    s.wait_for("/es/", |_, b| b.contains("/es/articles/nuevo/"));

    std::fs::remove_file(s.path("content/es/guia/facturas.md")).expect("delete");
    s.wait_for("/es/articles/facturas/", |st, _| st == 404);
    let listing = s.wait_for("/es/", |_, b| !b.contains("/es/articles/facturas/"));
    assert!(listing.contains("/es/articles/nuevo/"));
    // The translation no longer links to the deleted page.
    s.wait_for("/en/articles/invoices/", |_, b| {
        !b.contains("/es/articles/facturas/")
    });
}

#[test]
fn renaming_an_article_leaves_a_redirect() {
    let s = Server::start(&[]);
    s.wait_for("/es/articles/contrasena/", |st, _| st == 200);
    std::fs::rename(
        s.path("content/es/guia/contrasena.md"),
        s.path("content/es/guia/nueva-contrasena.md"),
    )
    .expect("rename");
    s.wait_for("/es/articles/nueva-contrasena/", |st, b| {
        st == 200 && b.contains("Cómo cambiar la contraseña")
    });
    let old = s.wait_for("/es/articles/contrasena/", |st, b| {
        st == 200 && b.contains("http-equiv=\"refresh\"")
    });
    assert!(old.contains("/es/articles/nueva-contrasena/"));
}

#[test]
fn a_new_slug_reaches_translations_listings_and_the_old_url() {
    let s = Server::start(&[]);
    s.wait_for(PAGE, |st, _| st == 200);
    let file = s.path("content/es/guia/primeros-pasos.md");
    let text = std::fs::read_to_string(&file).expect("read");
    write(
        &file,
        &text.replace("locale: es\n", "locale: es\nslug: comienzo\n"),
    );
    s.wait_for("/es/articles/comienzo/", |st, b| {
        st == 200 && b.contains("Texto original")
    });
    // The translation's locale switcher and the listings point at the new URL.
    s.wait_for("/en/articles/first-steps/", |_, b| {
        b.contains("/es/articles/comienzo/") && !b.contains(PAGE)
    });
    s.wait_for("/es/", |_, b| {
        b.contains("/es/articles/comienzo/") && !b.contains(PAGE)
    });
    s.wait_for(PAGE, |st, b| {
        st == 200 && b.contains("http-equiv=\"refresh\"")
    });
}

#[test]
fn a_new_id_leaves_the_old_translations() {
    let s = Server::start(&[]);
    let en = s.wait_for("/en/articles/first-steps/", |st, _| st == 200);
    assert!(
        en.contains(PAGE),
        "the translation links to the Spanish page"
    );
    let file = s.path("content/es/guia/primeros-pasos.md");
    let text = std::fs::read_to_string(&file).expect("read");
    write(
        &file,
        &text.replace("id: primeros-pasos", "id: otro-articulo"),
    );
    // Only the id changed: the English page no longer offers the Spanish one.
    s.wait_for("/en/articles/first-steps/", |_, b| !b.contains(PAGE));
    let (st, es) = s.get(PAGE);
    assert_eq!(st, 200);
    assert!(!es.contains("/en/articles/first-steps/"), "{es}");
}

#[test]
fn an_article_turned_draft_leaves_its_page_listings_and_translations() {
    let s = Server::start(&[]);
    s.wait_for("/es/articles/facturas/", |st, _| st == 200);
    let file = s.path("content/es/guia/facturas.md");
    let text = std::fs::read_to_string(&file).expect("read");
    write(
        &file,
        &text.replace("locale: es\n", "locale: es\nstatus: draft\n"),
    );
    s.wait_for("/es/articles/facturas/", |st, _| st == 404);
    s.wait_for("/es/", |_, b| !b.contains("/es/articles/facturas/"));
    s.wait_for("/en/articles/invoices/", |_, b| {
        !b.contains("/es/articles/facturas/")
    });
    // Published again, it comes back everywhere.
    write(&file, &text);
    s.wait_for("/es/articles/facturas/", |st, _| st == 200);
    s.wait_for("/en/articles/invoices/", |_, b| {
        b.contains("/es/articles/facturas/")
    });
}

#[test]
fn a_new_category_reaches_the_navigation_of_every_page_of_its_locale() {
    let s = Server::start(&[]);
    s.wait_for(PAGE, |st, _| st == 200);
    // A theme whose every page lists the categories of its locale.
    let nav = "<nav data-test-nav>{% for c in site.categories %}<a href=\"{{ c.url }}\">{{ c.count }}</a>{% endfor %}</nav>";
    override_base_template(&s, "<main", &format!("{nav}<main"));
    s.wait_for(PAGE, |_, b| b.contains("data-test-nav"));

    std::fs::create_dir_all(s.path("content/es/novedades")).expect("mkdir");
    write(
        &s.path("content/es/novedades/lanzamiento.md"),
        "---\ntitle: Lanzamiento\nid: lanzamiento\n---\n\nNuevo.\n",
    );
    // Pages of the locale that did not change themselves show the new category.
    s.wait_for("/es/articles/contrasena/", |_, b| {
        b.contains("/es/categories/novedades/")
    });
    s.wait_for("/es/", |_, b| b.contains("/es/categories/novedades/"));
    let (_, en) = s.get("/en/articles/password/");
    assert!(!en.contains("/es/categories/novedades/"));

    // A save that changes only text leaves the navigation as it is.
    let file = s.path("content/es/guia/contrasena.md");
    let text = std::fs::read_to_string(&file).expect("read");
    write(&file, &format!("{text}\nTexto AÑADIDO.\n"));
    let page = s.wait_for("/es/articles/contrasena/", |_, b| b.contains("AÑADIDO"));
    assert!(page.contains("/es/categories/novedades/"));
}

#[test]
fn template_edits_re_render_pages() {
    let s = Server::start(&[]);
    s.wait_for(PAGE, |st, _| st == 200);
    let marker = "<!-- TEMPLATE-MARKER-42 -->";
    override_base_template(&s, "<head>", &format!("<head>{marker}"));
    s.wait_for(PAGE, |_, b| b.contains(marker));
    s.wait_for("/en/", |_, b| b.contains(marker));
}

#[test]
fn broken_front_matter_shows_in_status_and_keeps_the_last_good_build() {
    let s = Server::start(&[]);
    s.wait_for(PAGE, |st, _| st == 200);
    let file = s.path("content/es/guia/primeros-pasos.md");
    let good = std::fs::read_to_string(&file).expect("read");
    write(
        &file,
        &good.replace("title: Primeros pasos", "title: [Primeros"),
    );
    let start = Instant::now();
    let status = loop {
        let st = s.status();
        if st["ok"] == false {
            break st;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no error status");
        std::thread::sleep(Duration::from_millis(25));
    };
    let err = &status["errors"][0];
    assert_eq!(err["file"], "content/es/guia/primeros-pasos.md");
    // The line of the title, where the unclosed `[` opens (the parser notices it later).
    let title_line = good
        .lines()
        .position(|l| l.starts_with("title:"))
        .expect("a title line")
        + 1;
    assert_eq!(err["line"].as_u64(), Some(title_line as u64), "{err}");
    assert!(err["message"].as_str().is_some_and(|m| !m.is_empty()));
    // The last good page is still served.
    let (st, body) = s.get(PAGE);
    assert_eq!(st, 200);
    assert!(body.contains("Texto original"));

    write(&file, &good.replace("Texto original", "Texto arreglado"));
    s.wait_for(PAGE, |_, b| b.contains("Texto arreglado"));
    let status = s.status();
    assert_eq!(status["ok"], true);
    assert_eq!(status["errors"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_front_matter_error_leads_and_links_to_its_article_stay_good() {
    let s = Server::start(&[]);
    s.wait_for(PAGE, |st, _| st == 200);
    let broken = "content/es/guia/primeros-pasos.md";
    // Sorts before the broken file, links to it, and has a broken link of its own.
    let linking = "content/es/guia/aa-enlaces.md";
    write(
        &s.path(linking),
        "---\ntitle: Enlaces\n---\n\n[Primeros](primeros-pasos.md) y [roto](no-existe.md)\n",
    );
    wait_status(&s, |st| has_error_in(st, linking));
    let good = std::fs::read_to_string(s.path(broken)).expect("read");
    write(
        &s.path(broken),
        &good.replace("title: Primeros pasos", "title: \"Primeros pasos"),
    );
    wait_status(&s, |st| has_error_in(st, broken));
    let status = s.status();
    let errors = status["errors"].as_array().expect("errors");
    let title_line = good
        .lines()
        .position(|l| l.starts_with("title:"))
        .expect("a title line")
        + 1;
    assert_eq!(errors[0]["file"], broken, "{status}");
    assert_eq!(errors[0]["code"], "yaml-syntax", "{status}");
    assert_eq!(
        errors[0]["line"].as_u64(),
        Some(title_line as u64),
        "{status}"
    );
    // The link to the broken article still resolves: only the real broken link remains.
    assert_eq!(errors.len(), 2, "{status}");
    assert!(
        errors[1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no-existe.md")),
        "{status}"
    );
}

/// Polls the status until `ok(status)` holds; panics with the last one after 10 s.
fn wait_status(s: &Server, ok: impl Fn(&serde_json::Value) -> bool) {
    let start = Instant::now();
    loop {
        let st = s.status();
        if ok(&st) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "status: {st}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn has_error_in(status: &serde_json::Value, file: &str) -> bool {
    status["errors"]
        .as_array()
        .is_some_and(|e| e.iter().any(|d| d["file"] == file))
}

#[test]
fn a_save_made_while_another_article_is_broken_shows_once_it_is_fixed() {
    let s = Server::start(&[]);
    s.wait_for("/es/articles/contrasena/", |st, _| st == 200);
    let broken = "content/es/guia/primeros-pasos.md";
    let other = "content/es/guia/contrasena.md";
    let good = std::fs::read_to_string(s.path(broken)).expect("read");
    write(
        &s.path(broken),
        &good.replace("title: Primeros pasos", "title: [Primeros"),
    );
    wait_status(&s, |st| has_error_in(st, broken));
    // Save the other article twice: first with an error of its own, so the status shows the
    // build saw it, then valid with a new title, while the first one is still broken.
    let text = std::fs::read_to_string(s.path(other)).expect("read");
    let titled = text.replace("title: Cambiar la contraseña", "title: Contraseña NUEVA");
    write(&s.path(other), &format!("{titled}\n[roto](no-existe.md)\n"));
    wait_status(&s, |st| has_error_in(st, other));
    write(&s.path(other), &titled);
    wait_status(&s, |st| {
        !has_error_in(st, other) && has_error_in(st, broken)
    });
    // Fixing the broken one publishes the other's new title too.
    write(&s.path(broken), &good);
    wait_status(&s, |st| st["ok"] == true);
    s.wait_for("/es/articles/contrasena/", |_, b| {
        b.contains("Contraseña NUEVA")
    });
    s.wait_for("/es/", |_, b| b.contains("Contraseña NUEVA"));
}

#[test]
fn polling_watcher_sees_saves() {
    let s = Server::start(&["--poll"]);
    s.wait_for(PAGE, |st, _| st == 200);
    // Let the poller take its first snapshot (a save before it would be its baseline).
    std::thread::sleep(Duration::from_millis(1000));
    let file = s.path("content/es/guia/primeros-pasos.md");
    let text = std::fs::read_to_string(&file).expect("read");
    write(&file, &text.replace("Texto original", "Texto POLL"));
    s.wait_for(PAGE, |_, b| b.contains("Texto POLL"));
}

/// Opens `/_ayuda/events` as a page does, on a connection read with a 10 s timeout.
fn open_event_stream(s: &Server) -> std::net::TcpStream {
    use std::io::Write;
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        conn,
        "GET /_ayuda/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .expect("send");
    conn
}

#[test]
fn events_stream_announces_reloads() {
    use std::io::Read;
    let s = Server::start(&[]);
    s.wait_for(PAGE, |st, _| st == 200);
    let mut conn = open_event_stream(&s);
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    let mut edited = false;
    let start = Instant::now();
    while !seen.contains("event: reload") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no reload: {seen}"
        );
        let n = conn.read(&mut buf).expect("read events");
        assert!(n > 0, "stream closed");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        if !edited && seen.contains("event: hello") {
            let file = s.path("content/es/guia/primeros-pasos.md");
            let text = std::fs::read_to_string(&file).expect("read");
            write(&file, &text.replace("Texto original", "Texto SSE"));
            edited = true;
        }
    }
    assert!(
        seen.contains(PAGE),
        "the reload names the changed page: {seen}"
    );
}

#[cfg(unix)]
#[test]
fn stops_on_sigterm_while_a_page_listens_for_reloads() {
    use std::io::Read;
    let mut s = Server::start(&[]);
    s.wait_for(PAGE, |st, _| st == 200);
    let mut conn = open_event_stream(&s);
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("event: hello") {
        let n = conn.read(&mut buf).expect("read events");
        assert!(n > 0, "stream closed before hello: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    // An open page's event stream must not hold the graceful shutdown.
    let status = s.terminate(
        Duration::from_secs(10),
        "SIGTERM while an events stream was open",
    );
    assert!(status.success(), "ayuda serve exited with {status}");
}

#[test]
fn serve_refuses_a_folder_that_is_not_a_help_center_unless_root_names_it() {
    let empty = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ayuda"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(empty.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ayuda serve kept running in a folder with no ayuda.yaml and no content/");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--root"), "{stderr}");
    assert!(!empty.path().join("data").exists(), "data/ was created");
}
