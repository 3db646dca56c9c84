//! Versioned articles (issue 6): history from git, dates and versions on pages, what's new, and
//! redirects for every URL an article ever had. Each test builds a throwaway git repository.

use ayuda::site::{BuildOptions, BuildReport, build};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A site in a temporary git repository, committed step by step with chosen authors and dates.
struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("site");
        std::fs::create_dir_all(&root).expect("mkdir");
        let repo = Repo { _dir: dir, root };
        repo.git(
            &["init", "-q", "-b", "main"],
            "nobody",
            "2020-01-01T00:00:00Z",
        );
        repo.write(
            "ayuda.yaml",
            "title: Help\nbase_url: https://help.example.org\ndefault_locale: en\n",
        );
        // Templates that print what the history gives the article page.
        repo.write(
            "templates/article.html",
            "<h1>{{ article.title }}</h1>\n<p class=updated>updated {{ article.updated }} ({{ article.updated_iso }})</p>\n<p class=created>created {{ article.created }}</p>\n<p class=version>version {{ article.version }}</p>\n<p class=revisions>revisions {{ article.revisions }}</p>\n<ol>{% for h in article.history %}<li>{{ h.date }} | {{ h.author }} | {{ h.summary }}</li>\n{% endfor %}</ol>\n",
        );
        repo.write(
            "templates/whats_new.html",
            "<h1>{{ page.title }}</h1>\n<ul>{% for c in changes %}<li>{{ c.kind }} | {{ c.title }} | {{ c.url }} | {{ c.date }} | {{ c.summary }}</li>\n{% endfor %}</ul>\n",
        );
        repo
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    /// Runs git in the site root, isolated from the machine's configuration.
    fn git(&self, args: &[&str], author: &str, date: &str) -> String {
        git_in(&self.root, args, author, date)
    }

    /// `git mv`, creating the destination folder first.
    fn mv(&self, from: &str, to: &str, author: &str, date: &str) {
        std::fs::create_dir_all(self.path(to).parent().expect("parent")).expect("mkdir");
        self.git(&["mv", from, to], author, date);
    }

    fn commit(&self, author: &str, date: &str, message: &str) {
        self.git(&["add", "-A"], author, date);
        self.git(&["commit", "-q", "-m", message], author, date);
    }

    fn build(&self) -> (BuildReport, PathBuf) {
        build_at(&self.root)
    }
}

fn git_in(dir: &Path, args: &[&str], author: &str, date: &str) -> String {
    let email = format!("{}@example.org", author.to_lowercase().replace(' ', "."));
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", &format!("user.name={author}")])
        .args(["-c", &format!("user.email={email}")])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", author)
        .env("GIT_AUTHOR_EMAIL", &email)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", author)
        .env("GIT_COMMITTER_EMAIL", &email)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn build_at(root: &Path) -> (BuildReport, PathBuf) {
    let out = root.join("dist");
    let report = build(&BuildOptions {
        root: root.to_path_buf(),
        out: Some(out.clone()),
        ..Default::default()
    })
    .expect("build runs");
    assert!(report.errors.is_empty(), "errors: {:#?}", report.errors);
    (report, out.join("site"))
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn article(title: &str, extra: &str, body: &str) -> String {
    format!("---\ntitle: {title}\n{extra}---\n\n{body}\n")
}

/// The first warning with `code`, panicking with all warnings when there is none.
fn warning<'a>(report: &'a BuildReport, code: &str) -> &'a ayuda::diag::Diagnostic {
    report
        .warnings
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| panic!("no {code} in {:#?}", report.warnings))
}

fn codes(report: &BuildReport) -> Vec<&'static str> {
    report.warnings.iter().map(|d| d.code).collect()
}

/// The story of a small help center: authors, edits, a move between sections, a slug change,
/// a deletion, and an article with explicit front-matter dates.
fn story() -> Repo {
    let r = Repo::new();
    // These tests look at the commits themselves, which pages show only when asked.
    r.write(
        "ayuda.yaml",
        "title: Help\nbase_url: https://help.example.org\ndefault_locale: en\nhistory:\n  show_commits: true\n",
    );
    r.write(
        "content/getting-started/install.md",
        &article("Install", "", "Download it."),
    );
    r.write(
        "content/getting-started/old-name.md",
        &article("Billing", "", "Invoices are monthly."),
    );
    r.write(
        "content/faq/remove-me.md",
        &article("Obsolete", "", "Soon gone."),
    );
    r.commit("Ana Pérez", "2023-01-10T10:00:00Z", "Add first articles");
    r.write(
        "content/getting-started/install.md",
        &article("Install", "", "Download it, then run it."),
    );
    r.commit("Bruno Silva", "2023-03-05T10:00:00Z", "Fix install steps");
    r.mv(
        "content/getting-started/old-name.md",
        "content/account/billing.md",
        "Carla",
        "2023-06-01T10:00:00Z",
    );
    r.commit("Carla", "2023-06-01T10:00:00Z", "Move billing to Account");
    r.write(
        "content/getting-started/install.md",
        &article(
            "Install",
            "slug: installation\n",
            "Download it, then run it.",
        ),
    );
    r.commit("Ana Pérez", "2023-07-01T10:00:00Z", "Rename install slug");
    r.git(
        &["rm", "-q", "content/faq/remove-me.md"],
        "Bruno Silva",
        "2023-08-01T10:00:00Z",
    );
    r.write(
        "content/faq/explicit.md",
        &article(
            "Explicit",
            "createdAt: 2019-05-02T00:00:00Z\nupdatedAt: 2020-01-01T00:00:00Z\nversion: \"3.1\"\n",
            "Dates from front matter.",
        ),
    );
    r.commit(
        "Bruno Silva",
        "2023-08-01T10:00:00Z",
        "Remove obsolete, add explicit",
    );
    r
}

#[test]
fn pages_show_git_dates_versions_and_history() {
    let r = story();
    let (report, site) = r.build();
    assert!(
        !codes(&report).contains(&"shallow-history"),
        "{:?}",
        report.warnings
    );

    let install = read(site.join("en/articles/installation/index.html"));
    assert!(
        install.contains("updated July 1, 2023 (2023-07-01T10:00:00Z)"),
        "{install}"
    );
    assert!(install.contains("created January 10, 2023"), "{install}");
    assert!(install.contains("version 3"), "{install}");
    assert!(install.contains("revisions 3"), "{install}");
    let history: Vec<&str> = install
        .lines()
        .filter(|l| l.starts_with("<li>") || l.starts_with("<ol><li>"))
        .collect();
    assert_eq!(history.len(), 3, "{install}");
    assert!(history[0].contains("July 1, 2023 | Ana Pérez | Rename install slug"));
    assert!(history[1].contains("March 5, 2023 | Bruno Silva | Fix install steps"));
    assert!(history[2].contains("January 10, 2023 | Ana Pérez | Add first articles"));

    // A pure move is a revision but not an update.
    let billing = read(site.join("en/articles/billing/index.html"));
    assert!(billing.contains("revisions 2"), "{billing}");
    assert!(
        billing.contains("Carla | Move billing to Account"),
        "{billing}"
    );
    assert!(billing.contains("updated January 10, 2023"), "{billing}");

    // Front matter wins over git.
    let explicit = read(site.join("en/articles/explicit/index.html"));
    assert!(explicit.contains("updated January 1, 2020"), "{explicit}");
    assert!(explicit.contains("created May 2, 2019"), "{explicit}");
    assert!(explicit.contains("version 3.1"), "{explicit}");
    assert!(explicit.contains("revisions 1"), "{explicit}");

    // The deleted article is gone.
    assert!(!site.join("en/articles/remove-me/index.html").exists());
}

#[test]
fn every_old_url_redirects_to_the_current_page() {
    let r = story();
    let (_, site) = r.build();
    let redirects = read(site.join("_redirects"));
    for line in [
        // slug change in front matter
        "/en/articles/install/ /en/articles/installation/ 301",
        // file rename and move between sections
        "/en/articles/old-name/ /en/articles/billing/ 301",
        // the id derived from the old path
        "/en/a/getting-started-old-name/ /en/articles/billing/ 301",
        // the permanent short link
        "/en/a/account-billing/ /en/articles/billing/ 301",
    ] {
        assert!(
            redirects.lines().any(|l| l == line),
            "missing `{line}` in\n{redirects}"
        );
    }
    assert!(!redirects.contains("remove-me"), "{redirects}");
    let page = read(site.join("en/articles/install/index.html"));
    assert!(page.contains("url=/en/articles/installation/"), "{page}");
    let page = read(site.join("en/articles/old-name/index.html"));
    assert!(page.contains("url=/en/articles/billing/"), "{page}");
}

#[test]
fn whats_new_lists_latest_changes_with_a_feed() {
    let r = story();
    let (_, site) = r.build();
    let page = read(site.join("en/whats-new/index.html"));
    let items: Vec<&str> = page.lines().filter(|l| l.contains(" | ")).collect();
    assert_eq!(items.len(), 3, "{page}");
    // Newest first. Billing's move in June is not an update; Explicit's front matter says 2020.
    assert!(
        items[0].ends_with(
            "updated | Install | /en/articles/installation/ | July 1, 2023 | Rename install slug</li>"
        ),
        "{page}"
    );
    assert!(
        items[1].ends_with(
            "added | Billing | /en/articles/billing/ | January 10, 2023 | Add first articles</li>"
        ),
        "{page}"
    );
    assert!(
        items[2].contains("added | Explicit | /en/articles/explicit/ | January 1, 2020"),
        "{page}"
    );
    let feed = read(site.join("en/whats-new.xml"));
    assert!(
        feed.contains("<link rel=\"self\" href=\"https://help.example.org/en/whats-new.xml\"/>"),
        "{feed}"
    );
    assert!(
        feed.contains("<summary>Rename install slug</summary>"),
        "{feed}"
    );
    assert!(feed.contains("<name>Ana Pérez</name>"), "{feed}");
    assert_eq!(feed.matches("<entry>").count(), 3, "{feed}");
}

#[test]
fn two_articles_fighting_over_an_old_url_are_diagnosed() {
    let r = Repo::new();
    r.write("content/one/faq.md", &article("FAQ one", "", "One."));
    r.commit("Ana", "2022-01-01T00:00:00Z", "Add FAQ one");
    r.mv(
        "content/one/faq.md",
        "content/one/first.md",
        "Ana",
        "2022-02-01T00:00:00Z",
    );
    r.commit("Ana", "2022-02-01T00:00:00Z", "Rename FAQ one");
    r.write("content/two/faq.md", &article("FAQ two", "", "Two."));
    r.commit("Bruno", "2022-03-01T00:00:00Z", "Add FAQ two");
    r.mv(
        "content/two/faq.md",
        "content/two/second.md",
        "Bruno",
        "2022-04-01T00:00:00Z",
    );
    r.commit("Bruno", "2022-04-01T00:00:00Z", "Rename FAQ two");
    let (report, site) = r.build();
    let conflict = warning(&report, "history-redirect-conflict");
    assert_eq!(conflict.file, "content/one/first.md");
    assert!(
        conflict.message.contains("/en/articles/faq/"),
        "{}",
        conflict.message
    );
    // The article that held the URL last gets it.
    let redirects = read(site.join("_redirects"));
    assert!(
        redirects
            .lines()
            .any(|l| l == "/en/articles/faq/ /en/articles/second/ 301"),
        "{redirects}"
    );
}

#[test]
fn a_new_article_at_an_old_url_keeps_its_page() {
    let r = Repo::new();
    r.write("content/guide.md", &article("Guide", "", "Old."));
    r.commit("Ana", "2022-01-01T00:00:00Z", "Add guide");
    r.mv(
        "content/guide.md",
        "content/manual.md",
        "Ana",
        "2022-02-01T00:00:00Z",
    );
    r.commit("Ana", "2022-02-01T00:00:00Z", "Guide becomes manual");
    r.write("content/guide.md", &article("New guide", "", "New."));
    r.commit("Bruno", "2022-03-01T00:00:00Z", "A new guide");
    let (report, site) = r.build();
    assert!(
        report
            .warnings
            .iter()
            .all(|d| d.code != "history-redirect-conflict")
    );
    assert!(read(site.join("en/articles/guide/index.html")).contains("<h1>New guide</h1>"));
    assert!(read(site.join("en/articles/guide/index.html")).contains("revisions 1"));
    let manual = read(site.join("en/articles/manual/index.html"));
    assert!(manual.contains("revisions 2"), "{manual}");
    let redirects = read(site.join("_redirects"));
    assert!(
        !redirects
            .lines()
            .any(|l| l.starts_with("/en/articles/guide/ ")),
        "{redirects}"
    );
    // The old id link of the manual is now the new guide's short link.
    assert!(
        redirects
            .lines()
            .any(|l| l == "/en/a/guide/ /en/articles/guide/ 301"),
        "{redirects}"
    );
}

#[test]
fn a_shallow_clone_warns_and_still_builds() {
    let r = story();
    let clone_parent = tempfile::tempdir().expect("tempdir");
    let url = format!("file://{}", r.root.display());
    git_in(
        clone_parent.path(),
        &["clone", "-q", "--depth", "1", &url, "clone"],
        "ci",
        "2024-01-01T00:00:00Z",
    );
    let (report, site) = build_at(&clone_parent.path().join("clone"));
    let shallow = report
        .warnings
        .iter()
        .find(|d| d.code == "shallow-history")
        .unwrap_or_else(|| panic!("no shallow warning in {:#?}", report.warnings));
    assert_eq!(shallow.file, "content");
    assert!(
        shallow.message.contains("fetch-depth: 0"),
        "{}",
        shallow.message
    );
    let install = read(site.join("en/articles/installation/index.html"));
    assert!(install.contains("revisions 1"), "{install}");
}

#[test]
fn without_git_the_front_matter_is_the_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    std::fs::create_dir_all(root.join("content/es")).expect("mkdir");
    std::fs::write(root.join("ayuda.yaml"), "default_locale: es\n").expect("write");
    std::fs::write(
        root.join("content/es/planes.md"),
        article(
            "Planes",
            "author: Equipo\ncreatedAt: 2021-03-10T00:00:00Z\nupdatedAt: 2024-01-08T19:15:40Z\n",
            "Texto.",
        ),
    )
    .expect("write");
    std::fs::create_dir_all(root.join("templates")).expect("mkdir");
    std::fs::write(
        root.join("templates/article.html"),
        "{{ article.updated }}|{{ article.version }}|{{ article.revisions }}|{% for h in article.history %}{{ h.date }}/{{ h.author }}/{{ h.summary }};{% endfor %}",
    )
    .expect("write");
    let (report, site) = build_at(root);
    assert!(report.warnings.iter().all(|d| !d.code.contains("history")));
    let page = read(site.join("es/articles/planes/index.html"));
    assert_eq!(
        page,
        "8 de enero de 2024|2|2|8 de enero de 2024/Equipo/Actualizado;10 de marzo de 2021/Equipo/Publicado;"
    );
}

#[test]
fn old_versions_with_climbing_values_leave_no_redirect_outside_the_output() {
    let r = Repo::new();
    r.write(
        "content/guide.md",
        &article("Guide", "id: ../../../../escaped\n", "Text."),
    );
    r.commit("Ana", "2021-01-01T00:00:00Z", "Add the guide");
    r.write(
        "content/guide.md",
        &article("Guide", "id: guide\n", "Text."),
    );
    r.commit("Ana", "2021-02-01T00:00:00Z", "Fix the id");
    let (_, site) = r.build();
    let outside = r.root.parent().expect("parent").join("escaped");
    assert!(!outside.exists(), "{} was written", outside.display());
    assert!(!read(site.join("_redirects")).contains(".."));
}

#[test]
fn readers_see_the_summaries_writers_wrote_in_their_language_not_commits() {
    let r = Repo::new();
    r.write(
        "ayuda.yaml",
        "title: Ayuda\nbase_url: https://help.example.org\ndefault_locale: es\nlocales: [es, en]\n",
    );
    r.write("content/es/planes.md", &article("Planes", "", "Texto."));
    r.commit(
        "Ana Pérez",
        "2023-01-10T10:00:00Z",
        "Add plans page\n\nChangelog: Nueva página de planes.",
    );
    r.write(
        "content/es/planes.md",
        &article("Planes", "", "Texto nuevo."),
    );
    r.commit("Bruno Silva", "2023-03-05T10:00:00Z", "Fix typo in plans");
    r.write(
        "content/es/planes.md",
        &article("Planes", "", "Con precios."),
    );
    // A front-matter list of changes is what readers see of that article's history.
    r.write(
        "content/es/cuentas.md",
        &article(
            "Cuentas",
            "changes:\n  - date: 2024-02-01\n    summary: {es: Nuevo paso de verificación, en: New verification step}\n  - {date: 2023-12-01, summary: Primera versión}\n",
            "Texto.",
        ),
    );
    r.commit(
        "Bruno Silva",
        "2023-04-05T10:00:00Z",
        "Refactor pricing table\n\nChangelog: Prices table updated.\nChangelog-es: Tabla de precios actualizada.",
    );
    let (_, site) = r.build();
    let planes = read(site.join("es/articles/planes/index.html"));
    let cuentas = read(site.join("es/articles/cuentas/index.html"));
    let whats_new = read(site.join("es/whats-new/index.html"));
    for (page, line) in [
        (
            &planes,
            "<li>5 de abril de 2023 |  | Tabla de precios actualizada.</li>",
        ),
        (&planes, "<li>5 de marzo de 2023 |  | </li>"),
        (
            &planes,
            "<li>10 de enero de 2023 |  | Nueva página de planes.</li>",
        ),
        // A front-matter list of changes is what readers see of that article's history.
        (
            &cuentas,
            "<li>1 de febrero de 2024 |  | Nuevo paso de verificación</li>",
        ),
        (
            &cuentas,
            "<li>1 de diciembre de 2023 |  | Primera versión</li>",
        ),
        (
            &whats_new,
            "| /es/articles/planes/ | 5 de abril de 2023 | Tabla de precios actualizada.</li>",
        ),
        (
            &whats_new,
            "| /es/articles/cuentas/ | 5 de abril de 2023 | Nuevo paso de verificación</li>",
        ),
    ] {
        assert!(page.contains(line), "missing `{line}` in {page}");
    }
    let feed = read(site.join("es/whats-new.xml"));
    for page in [&planes, &cuentas, &whats_new, &feed] {
        for commit_text in [
            "Ana",
            "Bruno",
            "Refactor",
            "Fix typo",
            "Add plans",
            "Prices table",
        ] {
            assert!(!page.contains(commit_text), "{commit_text} shown: {page}");
        }
    }

    // Writers who want the commits on pages ask for them.
    r.write(
        "ayuda.yaml",
        "title: Ayuda\nbase_url: https://help.example.org\ndefault_locale: es\nlocales: [es, en]\nhistory:\n  show_commits: true\n",
    );
    let (_, site) = r.build();
    let planes = read(site.join("es/articles/planes/index.html"));
    assert!(
        planes.contains("<li>5 de marzo de 2023 | Bruno Silva | Fix typo in plans</li>"),
        "{planes}"
    );
}

#[test]
fn a_malformed_changes_list_is_a_warning_naming_the_file() {
    let r = Repo::new();
    r.write(
        "content/a.md",
        &article(
            "A",
            "changes:\n  - {summary: no date}\n  - {date: 2024-01-01, summary: Fine}\n",
            "Text.",
        ),
    );
    r.commit("Ana", "2024-01-02T00:00:00Z", "Add a");
    let (report, site) = r.build();
    assert_eq!(warning(&report, "bad-changes").file, "content/a.md");
    let page = read(site.join("en/articles/a/index.html"));
    assert!(page.contains("January 1, 2024 |  | Fine"), "{page}");
}
