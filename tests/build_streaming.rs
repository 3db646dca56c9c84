//! `ayuda build` drops each article's Markdown once rendered and its HTML once its page is
//! written (issue 17: memory that does not grow with the site). These tests prove that the
//! output is byte for byte what a build keeping everything in memory writes.

mod common;

use ayuda::site::{BuildOptions, Output, Site, build};
use std::collections::BTreeMap;
use std::path::Path;

/// Every file below `dir/site` and `dir/theme`, by relative path. (The search indexes are
/// written from the same documents either way; their files carry segment ids.)
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for top in ["site", "theme"] {
        for e in walkdir::WalkDir::new(dir.join(top)) {
            let e = e.expect("walk the output");
            if e.file_type().is_file() {
                let rel = e.path().strip_prefix(dir).expect("inside the output");
                let bytes = std::fs::read(e.path()).expect("read an output file");
                out.insert(rel.to_string_lossy().into_owned(), bytes);
            }
        }
    }
    out
}

/// Builds `root` with `ayuda build` and with a site that keeps its sources, and compares.
fn same_output_both_ways(root: &Path) {
    let streamed = tempfile::tempdir().expect("temp dir");
    let kept = tempfile::tempdir().expect("temp dir");
    let options = |out: &Path| BuildOptions {
        root: root.to_path_buf(),
        out: Some(out.to_path_buf()),
        ..Default::default()
    };
    let report = build(&options(streamed.path())).expect("build starts");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let site = Site::load(&options(kept.path())).expect("site loads");
    let pages = site
        .write(&Output::disk(kept.path().to_path_buf()))
        .expect("site writes");
    assert_eq!(report.pages, pages);
    let (a, b) = (files(streamed.path()), files(kept.path()));
    assert!(a.len() > report.articles, "{} files", a.len());
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the same files"
    );
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs between the two builds");
    }
}

#[test]
fn streaming_build_writes_the_example_help_center_unchanged() {
    same_output_both_ways(Path::new(env!("CARGO_MANIFEST_DIR")));
}

#[test]
fn streaming_build_writes_real_help_centers_unchanged() {
    let corpora = [
        ("arduino-help-center/content", "default_locale: en\n"),
        (
            "vtex-help-center/docs",
            "default_locale: es\nlocales: [es, en, pt]\n",
        ),
    ];
    for (content, config) in corpora {
        if let Some(content) = common::corpus(content) {
            let root = common::root_with_content(&content, config);
            same_output_both_ways(root.path());
        }
    }
}
