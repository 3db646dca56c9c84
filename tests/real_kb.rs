//! Issue 12: real help centers build as they are. One fixture per item under tests/fixtures,
//! each the smallest tree that showed the problem in a real knowledge base.

mod common;

use common::*;

fn error_codes(built: &Built) -> Vec<&str> {
    built.report.errors.iter().map(|d| d.code).collect()
}

#[test]
fn same_file_name_in_two_folders_builds_with_qualified_slugs() {
    let built = build_into_temp(&fixture("same-file-name"), false);
    assert!(built.report.errors.is_empty(), "{:#?}", built.report.errors);
    assert_eq!(built.report.articles, 4);
    // Every colliding default slug is qualified by its folder path, whatever the file order.
    let guides = built.read("site/en/articles/guides-overview/index.html");
    assert!(
        guides.contains("href=\"/en/articles/reference-overview/\""),
        "{guides}"
    );
    assert!(built.has("site/en/articles/reference-overview/index.html"));
    assert!(built.has("site/en/articles/reference-api-deep-overview/index.html"));
    assert!(!built.has("site/en/articles/overview/index.html"));
    let start = built.read("site/en/articles/index-of-all/index.html");
    assert!(start.contains("href=\"/en/articles/reference-api-deep-overview/\""));
    assert!(
        !built.warning_codes().contains(&"link-to-unpublished"),
        "{:?}",
        built.report.warnings
    );
}

#[test]
fn explicit_slug_collisions_stay_errors() {
    let built = build_into_temp(&fixture("slug-conflict"), false);
    assert_eq!(error_codes(&built), ["url-conflict"]);
}

#[test]
fn path_placeholder_keeps_every_folder_depth() {
    let built = build_into_temp(&fixture("path-permalink"), false);
    assert!(built.report.errors.is_empty(), "{:#?}", built.report.errors);
    assert!(built.has("site/en/reference/api/deep/limits/index.html"));
    assert!(built.has("site/en/top/index.html"));
    let guide = built.read("site/en/guides/limits/index.html");
    assert!(
        guide.contains("href=\"/en/reference/api/deep/limits/\""),
        "{guide}"
    );
}
