//! Relevance floors: the judged queries of tests/relevance/queries.yaml must keep finding their
//! articles. Corpora come from ../shared/corpora (and the project's content/) and are skipped
//! (with the reason printed) when absent. Full report: `cargo run --release --example eval_search`.

#[path = "relevance/eval.rs"]
mod eval;

/// Floors per locale for the keyword set: (MRR@10, recall@5). Measured values are in
/// docs/search.md; floors sit a little below them so a real regression fails, not a tie
/// reordering.
const KEYWORD_FLOORS: &[(&str, f64, f64)] =
    &[("es", 0.93, 0.95), ("pt", 0.93, 0.95), ("en", 0.90, 0.92)];

/// Floors per locale for the natural-language questions (issue 13's targets).
const QUESTION_FLOORS: &[(&str, f64, f64)] =
    &[("es", 0.80, 0.80), ("pt", 0.80, 0.80), ("en", 0.80, 0.80)];

/// How far the typo, accent-less and as-you-type variants may fall below the clean questions.
const VARIANT_MARGIN: f64 = 0.05;

/// What falls below a floor in one set and locale.
fn below_floor(
    e: &eval::Evaluation,
    set: &str,
    locale: &str,
    mrr: f64,
    recall: f64,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(f) = e.get(set, locale) {
        if f.mrr_at_10 < mrr {
            out.push(format!(
                "{set}/{locale}: MRR@10 {:.3} < {mrr:.3}",
                f.mrr_at_10
            ));
        }
        if f.recall_at_5 < recall {
            out.push(format!(
                "{set}/{locale}: recall@5 {:.3} < {recall:.3}",
                f.recall_at_5
            ));
        }
    }
    out
}

#[test]
fn judged_queries_keep_their_ranking() {
    let queries = eval::load_queries();
    assert!(queries.len() >= 60, "at least 60 judged queries");
    for locale in ["es", "pt", "en"] {
        let n = queries
            .iter()
            .filter(|q| q.set == "questions" && q.locale == locale)
            .count();
        assert!(n >= 40, "{locale}: {n} questions, at least 40 wanted");
    }
    let e = eval::evaluate();
    println!("{}", eval::table(&e));
    if e.by_locale.is_empty() {
        println!("skipped: no corpus available ({:?})", e.skipped);
        return;
    }
    let mut failures = Vec::new();
    let mut check = |set: &str, locale: &str, mrr: f64, recall: f64| {
        failures.extend(below_floor(&e, set, locale, mrr, recall));
    };
    for (locale, mrr, recall) in KEYWORD_FLOORS {
        check("keywords", locale, *mrr, *recall);
    }
    for (locale, mrr, recall) in QUESTION_FLOORS {
        check("questions", locale, *mrr, *recall);
        let Some(clean) = e.get("questions", locale).cloned() else {
            continue;
        };
        for variant in ["questions+typo", "questions+noaccents", "questions+typing"] {
            check(
                variant,
                locale,
                clean.mrr_at_10 - VARIANT_MARGIN,
                clean.recall_at_5 - VARIANT_MARGIN,
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
