//! Build-time indexing: one tantivy index per locale, written with a single writer thread.

use super::schema::{self, Fields};
use super::{IndexSettings, SETTINGS_FILE, SearchConfig, SearchDoc, analyzers, dictionary};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tantivy::schema::Facet;
use tantivy::{Directory, Index, TantivyDocument};

/// Writes one index per locale under `dir/<locale>/`, plus `dir/settings.json`.
///
/// `default_locale` is the locale a query naming none searches.
pub fn write_indexes(
    dir: &Path,
    docs: &[SearchDoc],
    config: &SearchConfig,
    default_locale: &str,
) -> std::io::Result<()> {
    let mut by_locale: BTreeMap<&str, Vec<&SearchDoc>> = BTreeMap::new();
    for d in docs {
        by_locale.entry(d.locale.as_str()).or_default().push(d);
    }
    for locale in by_locale.keys() {
        locale_dir(dir, locale)?;
    }
    std::fs::create_dir_all(dir)?;
    let mut settings = IndexSettings {
        config: config.clone(),
        locales: BTreeMap::new(),
        default_locale: default_locale.to_string(),
    };
    for locale in by_locale.keys() {
        settings.locales.insert(
            locale.to_string(),
            analyzers::language_of(locale).to_string(),
        );
    }
    // Locales are independent indexes: each gets a thread of its own (tantivy's writer adds one
    // more), so no locale waits for another one to finish.
    std::thread::scope(|scope| {
        let jobs: Vec<_> = by_locale
            .iter()
            .map(|(locale, docs)| {
                scope.spawn(move || {
                    write_locale(
                        &locale_dir(dir, locale)?,
                        analyzers::language_of(locale),
                        docs,
                        config,
                    )
                })
            })
            .collect();
        jobs.into_iter().try_for_each(|job| {
            job.join().unwrap_or_else(|_| {
                Err(tantivy::TantivyError::SystemError(
                    "the indexing thread panicked".into(),
                ))
            })
        })
    })
    .map_err(std::io::Error::other)?;
    if !settings.locales.contains_key(default_locale)
        && let Some(first) = settings.locales.keys().next()
    {
        settings.default_locale = first.clone();
    }
    let json = serde_json::to_vec_pretty(&settings).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(SETTINGS_FILE), json)
}

/// The folder of a locale's index below `dir`. Locales come from content: one that is not a
/// single safe path segment is refused, so no index is written or deleted outside `dir`.
fn locale_dir(dir: &Path, locale: &str) -> std::io::Result<PathBuf> {
    match crate::util::segment_problem(locale) {
        None => Ok(dir.join(locale)),
        Some(why) => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "refusing the search index of locale `{}`: it {why}",
                locale.escape_debug()
            ),
        )),
    }
}

/// Writes the index of one locale into a fresh folder beside `dir`, then puts it in place, so a
/// rebuild never fails on the previous index and a reader never sees a half-written one.
fn write_locale(
    dir: &Path,
    language: &str,
    docs: &[&SearchDoc],
    config: &SearchConfig,
) -> tantivy::Result<()> {
    let name = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let fresh = dir.with_file_name(format!(".{name}.new-{}", std::process::id()));
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh)?;
    }
    std::fs::create_dir_all(&fresh)?;
    write_locale_into(&fresh, language, docs, config)?;
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::rename(&fresh, dir)?;
    Ok(())
}

fn write_locale_into(
    dir: &Path,
    language: &str,
    docs: &[&SearchDoc],
    config: &SearchConfig,
) -> tantivy::Result<()> {
    // Built in memory, then written out without fsync: on ext4 an fsync waits for every page the
    // build has written before it (ordered data mode), which made a build into a new folder
    // wait a second for the disk. A build's output is reproducible; the swap into place keeps
    // readers from ever seeing a half-written index.
    let index = Index::create_in_ram(schema::build(language));
    let vocabulary = analyzers::register_counting(&index, language, config.max_token_length);
    let fields = Fields::from_schema(&index.schema())?;
    // One thread: the build already keeps both cores busy rendering, and one segment per locale
    // makes queries fastest without a merge step.
    let budget = config.writer_memory_mb.max(15) * 1_000_000;
    let mut writer = index.writer_with_num_threads(1, budget)?;
    for d in docs {
        writer.add_document(document(&fields, d))?;
    }
    writer.commit()?;
    // Joins the indexing threads: their analyzers have added their counts to the vocabulary.
    writer.wait_merging_threads()?;
    dictionary::write(dir, &dictionary::fold(&vocabulary, config.max_token_length))?;
    let directory = index.directory();
    let bookkeeping = ["meta.json", ".managed.json"].map(PathBuf::from);
    let files: BTreeSet<PathBuf> = directory
        .list_managed_files()
        .into_iter()
        .chain(bookkeeping)
        .collect();
    for path in files {
        // Whole files, checksum footers included.
        match directory.atomic_read(&path) {
            Ok(bytes) => std::fs::write(dir.join(&path), bytes)?,
            // Managed files include some a merge already removed.
            Err(tantivy::directory::error::OpenReadError::FileDoesNotExist(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The tantivy document of one article.
fn document(f: &Fields, d: &SearchDoc) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.id, &d.id);
    doc.add_text(f.url, &d.url);
    doc.add_text(f.locale, &d.locale);
    doc.add_text(f.category, &d.category);
    let key = if d.category.is_empty() {
        "_"
    } else {
        d.category.as_str()
    };
    doc.add_facet(f.category_facet, Facet::from_path([key]));
    doc.add_text(f.category_name, &d.category_name);
    doc.add_text(f.title, &d.title);
    doc.add_text(f.title_folded, &d.title);
    // Every section, empty parts included: the stored values line up by section.
    for s in d.sections.iter() {
        doc.add_text(f.anchors, &s.anchor);
        doc.add_text(f.headings, &s.heading);
        doc.add_text(f.body, &s.text);
    }
    let mut keywords = vec![d.description.as_str(), &d.section_name, &d.category_name];
    keywords.extend(d.tags.iter().map(String::as_str));
    keywords.extend(d.keywords.iter().map(String::as_str));
    for k in keywords.into_iter().filter(|k| !k.is_empty()) {
        doc.add_text(f.keywords, k);
    }
    doc.add_text(f.description, &d.description);
    if let Some(u) = &d.updated {
        doc.add_text(f.updated, u);
    }
    doc
}

/// Updates the index of one locale in place (`ayuda serve`): removes the articles with the
/// given ids and adds `docs`, in one commit. The locale index must exist under `dir/<locale>/`.
///
/// The words of the added articles are added to the locale's dictionary; the counts of removed
/// or replaced articles stay in it until the next full build, which only affects the order of
/// typo corrections and completions.
pub fn update_locale(
    dir: &Path,
    locale: &str,
    remove_ids: &[String],
    docs: &[&SearchDoc],
    config: &SearchConfig,
) -> tantivy::Result<()> {
    let locale_dir = locale_dir(dir, locale)?;
    let index = Index::open_in_dir(&locale_dir)?;
    let language = analyzers::language_of(locale);
    let vocabulary = analyzers::register_counting(&index, language, config.max_token_length);
    let fields = Fields::from_schema(&index.schema())?;
    let mut writer: tantivy::IndexWriter<TantivyDocument> =
        index.writer_with_num_threads(1, 15_000_000)?;
    for id in remove_ids {
        writer.delete_term(tantivy::Term::from_field_text(fields.id, id));
    }
    for d in docs {
        writer.add_document(document(&fields, d))?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let mut counts = dictionary::read(&locale_dir)?;
    for (word, n) in dictionary::fold(&vocabulary, config.max_token_length) {
        *counts.entry(word).or_default() += n;
    }
    dictionary::write(&locale_dir, &counts)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_locale_that_is_not_one_segment_gets_no_folder() {
        let dir = std::path::Path::new("/srv/out/search");
        for bad in ["../../victim", "..", "a/b", "", "x\\..\\y"] {
            assert!(super::locale_dir(dir, bad).is_err(), "{bad:?}");
        }
        assert_eq!(super::locale_dir(dir, "pt-BR").unwrap(), dir.join("pt-BR"));
    }
}
