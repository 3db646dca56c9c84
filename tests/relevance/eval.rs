//! Relevance evaluation shared by `tests/relevance.rs` (floors) and `examples/eval_search.rs`
//! (report): builds each corpus into a temp folder, runs the judged queries, computes MRR@10 and
//! recall@5 per locale.

#![allow(dead_code)]

use ayuda::search::{Engine, SearchRequest};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One judged query of `tests/relevance/queries.yaml`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Judged {
    pub corpus: String,
    pub locale: String,
    pub query: String,
    pub relevant: Vec<serde_json::Value>,
}

impl Judged {
    pub fn relevant_ids(&self) -> Vec<String> {
        self.relevant
            .iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    }
}

/// Figures of one locale (or corpus/locale).
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub queries: usize,
    pub mrr_at_10: f64,
    pub recall_at_5: f64,
}

/// The outcome of an evaluation.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Key: `corpus/locale`.
    pub by_corpus_locale: BTreeMap<String, Figures>,
    pub by_locale: BTreeMap<String, Figures>,
    /// Queries whose relevant article is not in the top 5: (corpus/locale, query, top ids).
    pub misses: Vec<(String, String, Vec<String>)>,
    /// Corpora skipped, with the reason.
    pub skipped: Vec<String>,
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Corpus name → (content folder, locales, default locale).
fn corpora() -> Vec<(&'static str, PathBuf, &'static [&'static str], &'static str)> {
    let shared = repo().join("../shared/corpora");
    vec![
        (
            "vtex",
            shared.join("vtex-help-center/docs"),
            &["es", "en", "pt"],
            "es",
        ),
        (
            "arduino",
            shared.join("arduino-help-center/content"),
            &["en"],
            "en",
        ),
        ("example", repo().join("content"), &[], ""),
    ]
}

/// Builds a corpus into a temp folder and opens its indexes.
pub fn build_corpus(
    content: &Path,
    locales: &[&str],
    default_locale: &str,
) -> Result<(tempfile::TempDir, Engine), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = tmp.path().join("root");
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    let content = content.canonicalize().map_err(|e| e.to_string())?;
    let mut yaml = format!(
        "base_url: https://help.example.org\ncontent_dir: {}\n",
        content.display()
    );
    if !locales.is_empty() {
        yaml.push_str(&format!(
            "default_locale: {default_locale}\nlocales: [{}]\n",
            locales.join(", ")
        ));
    }
    std::fs::write(root.join("ayuda.yaml"), yaml).map_err(|e| e.to_string())?;
    let out = tmp.path().join("dist");
    let report = ayuda::site::build(&ayuda::site::BuildOptions {
        root: root.clone(),
        out: Some(out.clone()),
        ..Default::default()
    })
    .map_err(|e| e.to_string())?;
    if !report.errors.is_empty() {
        return Err(format!("build errors: {:?}", report.errors.first()));
    }
    let engine = Engine::open(&out).map_err(|e| e.to_string())?;
    Ok((tmp, engine))
}

pub fn load_queries() -> Vec<Judged> {
    let path = repo().join("tests/relevance/queries.yaml");
    let text = std::fs::read_to_string(&path).expect("queries.yaml");
    ayuda::yaml::from_str(&text).expect("queries.yaml parses")
}

/// Runs every judged query whose corpus is available.
pub fn evaluate() -> Evaluation {
    let queries = load_queries();
    let mut eval = Evaluation::default();
    let mut sums: BTreeMap<String, (usize, f64, f64)> = BTreeMap::new();
    let mut locale_sums: BTreeMap<String, (usize, f64, f64)> = BTreeMap::new();
    for (name, content, locales, default_locale) in corpora() {
        let judged: Vec<&Judged> = queries.iter().filter(|q| q.corpus == name).collect();
        if judged.is_empty() {
            continue;
        }
        if !content.is_dir() {
            eval.skipped
                .push(format!("{name}: {} is absent", content.display()));
            continue;
        }
        let (_tmp, engine) = match build_corpus(&content, locales, default_locale) {
            Ok(x) => x,
            Err(e) => {
                eval.skipped.push(format!("{name}: {e}"));
                continue;
            }
        };
        for q in judged {
            let results = engine
                .search(&SearchRequest {
                    query: q.query.clone(),
                    locale: Some(q.locale.clone()),
                    limit: Some(10),
                    no_snippets: true,
                    ..Default::default()
                })
                .expect("search");
            let ids: Vec<String> = results.hits.iter().map(|h| h.id.clone()).collect();
            let relevant = q.relevant_ids();
            let rr = ids
                .iter()
                .position(|id| relevant.contains(id))
                .map_or(0.0, |p| 1.0 / (p as f64 + 1.0));
            let found = relevant
                .iter()
                .filter(|r| ids.iter().take(5).any(|id| id == *r))
                .count();
            let recall = found as f64 / relevant.len().max(1) as f64;
            let key = format!("{name}/{}", q.locale);
            if recall < 1.0 {
                eval.misses.push((
                    key.clone(),
                    q.query.clone(),
                    ids.iter().take(5).cloned().collect(),
                ));
            }
            for (map, k) in [(&mut sums, key), (&mut locale_sums, q.locale.clone())] {
                let e = map.entry(k).or_default();
                e.0 += 1;
                e.1 += rr;
                e.2 += recall;
            }
        }
    }
    let figures = |m: BTreeMap<String, (usize, f64, f64)>| {
        m.into_iter()
            .map(|(k, (n, rr, rec))| {
                (
                    k,
                    Figures {
                        queries: n,
                        mrr_at_10: rr / n as f64,
                        recall_at_5: rec / n as f64,
                    },
                )
            })
            .collect()
    };
    eval.by_corpus_locale = figures(sums);
    eval.by_locale = figures(locale_sums);
    eval
}

/// A printable table of the figures.
pub fn table(eval: &Evaluation) -> String {
    let mut out = String::from("scope            queries  MRR@10  recall@5\n");
    for (k, f) in eval.by_corpus_locale.iter().chain(&eval.by_locale) {
        out.push_str(&format!(
            "{k:<16} {:>7}  {:>6.3}  {:>8.3}\n",
            f.queries, f.mrr_at_10, f.recall_at_5
        ));
    }
    for s in &eval.skipped {
        out.push_str(&format!("skipped {s}\n"));
    }
    out
}
