//! Relevance evaluation shared by `tests/relevance.rs` (floors) and `examples/eval_search.rs`
//! (report): builds each corpus into a temp folder, runs the judged queries, computes MRR@10 and
//! recall@5 per set and locale. The `questions` set is also run as partners mistype it: with a
//! typo, without accents, and as typed (the last word cut short).

#![allow(dead_code)]

use ayuda::search::{Engine, SearchRequest};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One judged query of `tests/relevance/queries.yaml`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Judged {
    /// `keywords` (the default) or `questions`.
    #[serde(default = "keywords")]
    pub set: String,
    pub corpus: String,
    pub locale: String,
    pub query: String,
    pub relevant: Vec<serde_json::Value>,
}

fn keywords() -> String {
    "keywords".to_string()
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

/// How a query of the `questions` set is altered before it is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Clean,
    /// The longest word (5 letters or more) with its 2nd and 3rd letters swapped.
    Typo,
    /// Accents removed.
    Accentless,
    /// The last word cut to two thirds (at least 3 letters), as while typing.
    Typing,
}

impl Variant {
    pub const ALL: [Variant; 4] = [
        Variant::Clean,
        Variant::Typo,
        Variant::Accentless,
        Variant::Typing,
    ];

    pub fn suffix(self) -> &'static str {
        match self {
            Variant::Clean => "",
            Variant::Typo => "+typo",
            Variant::Accentless => "+noaccents",
            Variant::Typing => "+typing",
        }
    }

    /// The altered query text.
    pub fn apply(self, query: &str) -> String {
        match self {
            Variant::Clean => query.to_string(),
            Variant::Accentless => deunicode::deunicode(query),
            Variant::Typo => {
                let mut words: Vec<Vec<char>> =
                    query.split(' ').map(|w| w.chars().collect()).collect();
                let longest = words
                    .iter()
                    .enumerate()
                    .filter(|(_, w)| w.len() >= 5 && w.iter().all(|c| c.is_alphabetic()))
                    .max_by_key(|(i, w)| (w.len(), usize::MAX - i))
                    .map(|(i, _)| i);
                if let Some(i) = longest {
                    words[i].swap(1, 2);
                }
                words
                    .iter()
                    .map(|w| w.iter().collect::<String>())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            Variant::Typing => {
                let trimmed = query.trim_end_matches(['?', ' ']);
                let (head, last) = trimmed.rsplit_once(' ').unwrap_or(("", trimmed));
                let chars: Vec<char> = last.chars().collect();
                let keep = (chars.len() * 2).div_ceil(3).max(3).min(chars.len());
                let cut: String = chars[..keep].iter().collect();
                if head.is_empty() {
                    cut
                } else {
                    format!("{head} {cut}")
                }
            }
        }
    }
}

/// Figures of one scope.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub queries: usize,
    pub mrr_at_10: f64,
    pub recall_at_5: f64,
}

/// One query's outcome.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `set/corpus/locale`.
    pub scope: String,
    pub query: String,
    /// 1-based rank of the first relevant article in the top 10.
    pub rank: Option<usize>,
    pub recall: f64,
    pub top: Vec<String>,
}

/// The outcome of an evaluation.
#[derive(Debug, Default)]
pub struct Evaluation {
    /// Key: `set/corpus/locale` (the set carries the variant suffix, e.g. `questions+typo`).
    pub by_corpus_locale: BTreeMap<String, Figures>,
    /// Key: `set/locale`.
    pub by_locale: BTreeMap<String, Figures>,
    /// Clean queries whose relevant articles are not all in the top 5.
    pub misses: Vec<(String, String, Vec<String>)>,
    /// Every clean query, for the worst-queries report.
    pub outcomes: Vec<Outcome>,
    /// Corpora skipped, with the reason.
    pub skipped: Vec<String>,
}

impl Evaluation {
    /// Figures of one set (`keywords`, `questions`, `questions+typo`…) in one locale.
    pub fn get(&self, set: &str, locale: &str) -> Option<&Figures> {
        self.by_locale.get(&format!("{set}/{locale}"))
    }

    /// The `n` clean queries of a set ranked worst, per locale.
    pub fn worst(&self, set: &str, n: usize) -> Vec<&Outcome> {
        let mut out: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| o.scope.split('/').next() == Some(set))
            .filter(|o| o.recall < 1.0 || o.rank != Some(1))
            .collect();
        out.sort_by(|a, b| {
            let ra = a.rank.map_or(0.0, |r| 1.0 / r as f64);
            let rb = b.rank.map_or(0.0, |r| 1.0 / r as f64);
            ra.total_cmp(&rb).then(a.recall.total_cmp(&b.recall))
        });
        out.truncate(n);
        out
    }
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
        ("example", repo().join("content"), &["es", "en", "pt"], "es"),
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

/// Runs one query; returns (rank of the first relevant hit, recall@5, top 5 ids).
fn run(
    engine: &Engine,
    locale: &str,
    text: &str,
    relevant: &[String],
) -> (Option<usize>, f64, Vec<String>) {
    let results = engine
        .search(&SearchRequest {
            query: text.to_string(),
            locale: Some(locale.to_string()),
            limit: Some(10),
            no_snippets: true,
            ..Default::default()
        })
        .expect("search");
    let ids: Vec<String> = results.hits.iter().map(|h| h.id.clone()).collect();
    let rank = ids
        .iter()
        .position(|id| relevant.contains(id))
        .map(|p| p + 1);
    let found = relevant
        .iter()
        .filter(|r| ids.iter().take(5).any(|id| id == *r))
        .count();
    let recall = found as f64 / relevant.len().max(1) as f64;
    (rank, recall, ids.into_iter().take(5).collect())
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
            let relevant = q.relevant_ids();
            let variants: &[Variant] = if q.set == "questions" {
                &Variant::ALL
            } else {
                &[Variant::Clean]
            };
            for &variant in variants {
                let text = variant.apply(&q.query);
                let (rank, recall, top) = run(&engine, &q.locale, &text, &relevant);
                let rr = rank.map_or(0.0, |r| 1.0 / r as f64);
                let set = format!("{}{}", q.set, variant.suffix());
                let key = format!("{set}/{name}/{}", q.locale);
                if variant == Variant::Clean {
                    if recall < 1.0 {
                        eval.misses
                            .push((key.clone(), q.query.clone(), top.clone()));
                    }
                    eval.outcomes.push(Outcome {
                        scope: key.clone(),
                        query: q.query.clone(),
                        rank,
                        recall,
                        top,
                    });
                }
                for (map, k) in [
                    (&mut sums, key),
                    (&mut locale_sums, format!("{set}/{}", q.locale)),
                ] {
                    let e = map.entry(k).or_default();
                    e.0 += 1;
                    e.1 += rr;
                    e.2 += recall;
                }
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

/// A printable table of the figures, then the worst queries of each set.
pub fn table(eval: &Evaluation) -> String {
    let mut out = String::from("scope                             queries  MRR@10  recall@5\n");
    for (k, f) in eval.by_corpus_locale.iter().chain(&eval.by_locale) {
        out.push_str(&format!(
            "{k:<33} {:>7}  {:>6.3}  {:>8.3}\n",
            f.queries, f.mrr_at_10, f.recall_at_5
        ));
    }
    for set in ["keywords", "questions"] {
        out.push_str(&format!("worst {set}:\n"));
        for o in eval.worst(set, 12) {
            let rank = o.rank.map_or("-".to_string(), |r| r.to_string());
            out.push_str(&format!(
                "  rank {rank:>2}  {}: {:?} -> {:?}\n",
                o.scope, o.query, o.top
            ));
        }
    }
    for s in &eval.skipped {
        out.push_str(&format!("skipped {s}\n"));
    }
    out
}
