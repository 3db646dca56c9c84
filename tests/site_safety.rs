//! Content is semi-trusted (pull request previews build it): whatever its front matter says,
//! a build writes and deletes nothing outside its output folder and never panics.

mod common;

use ayuda::site::{BuildOptions, build, check};
use common::*;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// Every file below `dir`, with symlinks not followed.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect()
}

/// A sentinel folder with the output nested a few levels down, so that a value climbing out of
/// the output lands inside the sentinel where the test sees it.
struct Sentinel {
    dir: tempfile::TempDir,
}

impl Sentinel {
    fn new() -> Sentinel {
        Sentinel {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("a/b/c/out")
    }

    /// Files in the sentinel that are neither in the output nor in `allowed`.
    fn strays(&self, allowed: &Path) -> Vec<PathBuf> {
        let out = self.out();
        files_below(self.dir.path())
            .into_iter()
            .filter(|p| !p.starts_with(&out) && !p.starts_with(allowed))
            .collect()
    }
}

#[test]
fn front_matter_paths_that_leave_the_output_are_refused_at_their_line() {
    let sentinel = Sentinel::new();
    let options = BuildOptions {
        root: fixture("unsafe-paths"),
        out: Some(sentinel.out()),
        ..Default::default()
    };
    let report = build(&options).unwrap();
    let strays = sentinel.strays(&fixture("unsafe-paths"));
    assert!(strays.is_empty(), "written outside the output: {strays:?}");
    let unsafe_paths: Vec<_> = report
        .errors
        .iter()
        .filter(|d| d.code == "unsafe-path")
        .map(|d| (d.file.as_str(), d.line))
        .collect();
    for (file, line) in [
        ("content/locale.md", 3),
        ("content/alias.md", 3),
        ("content/id.md", 3),
        ("content/encoded.md", 3),
    ] {
        assert!(
            unsafe_paths.contains(&(file, Some(line))),
            "no unsafe-path error at {file}:{line}: {:?}",
            report.errors
        );
    }
    // `ayuda check` finds the same problems without writing.
    let checked = check(&options).unwrap();
    assert_eq!(checked.errors, report.errors);
}

/// Pieces hostile values are made of: climbing, separators, encodings, control characters.
fn hostile_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("..".to_string()),
        Just("/".to_string()),
        Just("\\".to_string()),
        Just("%2e%2e".to_string()),
        Just("%2f".to_string()),
        Just("%00".to_string()),
        Just(".".to_string()),
        Just("\0".to_string()),
        Just("C:".to_string()),
        Just("~".to_string()),
        Just("//".to_string()),
        Just("\u{202e}".to_string()),
        Just("es".to_string()),
        Just("victim".to_string()),
        "[a-z]{1,6}",
    ]
}

fn hostile_value() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_piece(), 1..8).prop_map(|v| v.concat())
}

const KEYS: [&str; 8] = [
    "locale",
    "id",
    "slug",
    "aliases",
    "legacySlug",
    "category",
    "section",
    "slugEN",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Generated hostile front matter and folder names never make a build write outside its
    /// output folder, and never make it panic.
    #[test]
    fn hostile_front_matter_never_escapes_the_output(
        values in prop::collection::vec((0..KEYS.len(), hostile_value()), 1..6),
        folder in hostile_value(),
        with_locales in any::<bool>(),
        permalink in 0..3usize,
    ) {
        let sentinel = Sentinel::new();
        let root = sentinel.dir.path().join("root");
        let content = root.join("content");
        std::fs::create_dir_all(&content).unwrap();
        let mut config = String::from("base_url: https://help.example.org\n");
        if with_locales {
            config.push_str("locales: [en, es]\n");
        }
        config.push_str(match permalink {
            0 => "",
            1 => "permalink: /{locale}/{category}/{section}/{id}/\n",
            _ => "permalink: /../../{id}/{slug}/\n",
        });
        std::fs::write(root.join("ayuda.yaml"), config).unwrap();
        let mut front = String::from("---\ntitle: Hostile\n");
        for (k, v) in &values {
            let quoted = serde_json::to_string(v).unwrap();
            front.push_str(&format!("{}: {quoted}\n", KEYS[*k]));
        }
        front.push_str("---\nBody [link](x.md) ![img](../../../etc/passwd)\n");
        std::fs::write(content.join("hostile.md"), &front).unwrap();
        // A folder name from the same pieces (when the file system takes it).
        let safe_folder: String = folder.chars().filter(|c| *c != '/' && *c != '\0').collect();
        if !safe_folder.is_empty() && safe_folder != "." && safe_folder != ".." {
            let dir = content.join(&safe_folder);
            if std::fs::create_dir_all(&dir).is_ok() {
                let _ = std::fs::write(dir.join("nested.md"), &front);
            }
        }
        std::fs::write(content.join("fine.md"), "# Fine\n\nText.\n").unwrap();
        let options = BuildOptions {
            root: root.clone(),
            out: Some(sentinel.out()),
            ..Default::default()
        };
        let _ = check(&options);
        let _ = build(&options);
        let strays = sentinel.strays(&root);
        prop_assert!(strays.is_empty(), "written outside the output: {strays:?}\n{front}");
    }
}

/// Builds `root` into `out`.
fn build_at(root: &Path, out: &Path) -> ayuda::site::BuildReport {
    build(&BuildOptions {
        root: root.to_path_buf(),
        out: Some(out.to_path_buf()),
        ..Default::default()
    })
    .unwrap()
}

/// Every file of a folder with its bytes, for comparing outputs.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = files_below(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(dir).unwrap().to_path_buf(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// A site root in a temporary folder with one article per (file name, text).
fn site_with(articles: &[(&str, &str)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("content")).unwrap();
    std::fs::write(
        root.path().join("ayuda.yaml"),
        "base_url: https://help.example.org\n",
    )
    .unwrap();
    for (name, text) in articles {
        std::fs::write(root.path().join("content").join(name), text).unwrap();
    }
    root
}

#[test]
fn an_alias_that_is_a_file_and_a_folder_is_a_content_error_at_its_line() {
    let out = tempfile::tempdir().unwrap();
    let report = build_at(&fixture("alias-file-folder"), out.path());
    let conflict = report
        .errors
        .iter()
        .find(|d| d.code == "url-conflict")
        .unwrap_or_else(|| panic!("no url-conflict: {:?}", report.errors));
    assert_eq!(conflict.file, "content/native.md");
    assert_eq!(conflict.line, Some(3));
    assert!(
        conflict.message.contains("/docs.html/native"),
        "{}",
        conflict.message
    );
    assert!(
        files_below(out.path()).is_empty(),
        "a build with errors writes nothing"
    );
}

#[test]
fn a_build_that_fails_while_writing_leaves_the_previous_output() {
    let root = site_with(&[
        ("one.md", "# One\n\nText.\n"),
        ("two.md", "# Two\n\nText.\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let options = BuildOptions {
        root: root.path().to_path_buf(),
        out: Some(out.path().to_path_buf()),
        ..Default::default()
    };
    let first = build(&options).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let before = snapshot(out.path());
    // The article changes, and an alias needs a theme asset to be a folder: only the writer
    // finds that out.
    std::fs::write(
        root.path().join("content/one.md"),
        "---\ntitle: One, changed\naliases: [/assets/ayuda.css/old]\n---\nNew text.\n",
    )
    .unwrap();
    let err = match build(&options) {
        Err(e) => e.to_string(),
        Ok(r) => panic!("the build succeeded: {:?}", r.errors),
    };
    assert!(err.contains("assets/ayuda.css"), "{err}");
    assert_eq!(snapshot(out.path()), before, "the previous output changed");
    // The command line reports it under its own code, with the path, not as configuration.
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_ayuda"))
        .arg("build")
        .arg("--root")
        .arg(root.path())
        .arg("--out")
        .arg(out.path())
        .arg("--json")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    let error = &json["errors"][0];
    assert_eq!(error["code"], "output", "{json}");
    assert!(
        error["file"]
            .as_str()
            .unwrap()
            .ends_with("site/assets/ayuda.css"),
        "{json}"
    );
    assert_eq!(cli.status.code(), Some(1));
    assert_eq!(snapshot(out.path()), before, "the previous output changed");
}

#[test]
fn symlinks_out_of_the_content_folder_are_never_published() {
    let outside = tempfile::tempdir().unwrap();
    let secret = "root:x:0:0:SECRET-LINE";
    std::fs::write(outside.path().join("passwd"), secret).unwrap();
    std::fs::write(
        outside.path().join("stolen.md"),
        format!("# Stolen\n\n{secret}\n"),
    )
    .unwrap();
    let root = site_with(&[("a.md", "# A\n\n[file](leak.txt) ![img](etc/passwd)\n")]);
    let content = root.path().join("content");
    std::os::unix::fs::symlink(outside.path().join("passwd"), content.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path(), content.join("etc")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("stolen.md"), content.join("stolen.md"))
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let report = build_at(root.path(), out.path());
    let codes: Vec<(&str, &str)> = report
        .errors
        .iter()
        .chain(&report.warnings)
        .map(|d| (d.file.as_str(), d.code))
        .collect();
    assert!(
        codes.contains(&("content/a.md", "unsafe-path")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("content/stolen.md", "symlink")),
        "{codes:?}"
    );
    for (path, bytes) in snapshot(out.path()) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("SECRET-LINE"),
            "{} publishes the linked file",
            path.display()
        );
    }
    // Without the leaking links the site builds, and a link inside the folder is followed.
    std::fs::remove_file(content.join("leak.txt")).unwrap();
    std::fs::write(content.join("real.txt"), "inside").unwrap();
    std::os::unix::fs::symlink(content.join("real.txt"), content.join("leak.txt")).unwrap();
    std::fs::write(content.join("a.md"), "# A\n\n[file](leak.txt)\n").unwrap();
    let report = build_at(root.path(), out.path());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        std::fs::read_to_string(out.path().join("site/files/leak.txt")).unwrap(),
        "inside"
    );
}

fn site_with_config(config: &str, articles: &[(&str, &str)]) -> tempfile::TempDir {
    let root = site_with(articles);
    std::fs::write(
        root.path().join("ayuda.yaml"),
        format!("base_url: https://help.example.org\n{config}"),
    )
    .unwrap();
    root
}

#[test]
fn an_article_over_the_size_limit_is_refused_before_it_is_parsed() {
    // One long line of `<` made `check` take gigabytes; the limit bounds what one article costs.
    let huge = format!("# Huge\n\n{}\n", "<".repeat(1100 * 1024));
    let root = site_with(&[("huge.md", &huge), ("fine.md", "# Fine\n\nText.\n")]);
    let report = check(&BuildOptions {
        root: root.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap();
    let too_large: Vec<_> = report
        .errors
        .iter()
        .filter(|d| d.code == "too-large")
        .collect();
    assert_eq!(too_large.len(), 1, "{:?}", report.errors);
    assert_eq!(too_large[0].file, "content/huge.md");
    assert!(too_large[0].message.contains("markdown.max_article_kb"));
    // The limit is configurable.
    let small = site_with_config(
        "markdown:\n  max_article_kb: 2\n",
        &[("big.md", &format!("# Big\n\n{}\n", "word ".repeat(500)))],
    );
    let report = check(&BuildOptions {
        root: small.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].code, "too-large");
}

const SCRIPTED: &str = "# Scripted\n\n<script>alert('raw')</script>\n\n[click](javascript:alert('md'))\n\n<a href=\"javascript:alert('html')\">x</a>\n";

#[test]
fn raw_html_is_trusted_by_default_and_scripts_are_reported() {
    let root = site_with(&[("s.md", SCRIPTED)]);
    let built = build_into_temp(root.path(), false);
    assert!(built.report.errors.is_empty(), "{:?}", built.report.errors);
    let warnings: Vec<_> = built
        .report
        .warnings
        .iter()
        .map(|d| (d.code, d.line))
        .collect();
    assert!(
        warnings.contains(&("script-in-html", Some(3))),
        "{warnings:?}"
    );
    assert!(
        warnings.contains(&("javascript-link", Some(5))),
        "{warnings:?}"
    );
    assert!(
        warnings.contains(&("javascript-link", Some(7))),
        "{warnings:?}"
    );
    let page = built.read("site/en/articles/s/index.html");
    assert!(page.contains("<script>alert('raw')</script>"), "{page}");
}

#[test]
fn raw_html_false_escapes_raw_html_and_makes_script_links_inert() {
    let root = site_with_config("markdown:\n  raw_html: false\n", &[("s.md", SCRIPTED)]);
    let built = build_into_temp(root.path(), false);
    assert!(built.report.errors.is_empty(), "{:?}", built.report.errors);
    assert!(built.warning_codes().contains(&"javascript-link"));
    let page = built.read("site/en/articles/s/index.html");
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("&lt;script&gt;alert"), "{page}");
    assert!(!page.contains("<a href=\"javascript:"), "{page}");
    assert!(page.contains("<a href=\"#\">click</a>"), "{page}");
}

#[test]
fn a_linked_file_whose_name_cannot_be_published_is_a_content_error() {
    let root = site_with(&[("a.md", "# A\n\n![img](back%5Cslash.png)\n")]);
    std::fs::write(root.path().join("content/back\\slash.png"), "png").unwrap();
    let report = check(&BuildOptions {
        root: root.path().to_path_buf(),
        ..Default::default()
    })
    .unwrap();
    let codes: Vec<_> = report.errors.iter().map(|d| (d.code, d.line)).collect();
    assert_eq!(codes, [("unsafe-path", Some(3))], "{:?}", report.errors);
}
