//! Relevance floors: the judged queries of tests/relevance/queries.yaml must keep finding their
//! articles. Corpora come from ../shared/corpora and are skipped (with the reason printed) when
//! absent. Full report: `cargo run --release --example eval_search`.

#[path = "relevance/eval.rs"]
mod eval;

/// Floors per locale: (MRR@10, recall@5). Measured values are in docs/search.md; floors sit a
/// little below them so a real regression fails, not a tie reordering.
const FLOORS: &[(&str, f64, f64)] = &[("es", 0.93, 0.95), ("pt", 0.93, 0.95), ("en", 0.90, 0.92)];

#[test]
fn judged_queries_keep_their_ranking() {
    let queries = eval::load_queries();
    assert!(queries.len() >= 60, "at least 60 judged queries");
    let e = eval::evaluate();
    println!("{}", eval::table(&e));
    for (scope, q, top) in &e.misses {
        println!("miss {scope}: {q:?} -> {top:?}");
    }
    if e.by_locale.is_empty() {
        println!("skipped: no corpus available ({:?})", e.skipped);
        return;
    }
    for (locale, mrr, recall) in FLOORS {
        if let Some(f) = e.by_locale.get(*locale) {
            assert!(
                f.mrr_at_10 >= *mrr,
                "{locale}: MRR@10 {:.3} < {mrr}",
                f.mrr_at_10
            );
            assert!(
                f.recall_at_5 >= *recall,
                "{locale}: recall@5 {:.3} < {recall}",
                f.recall_at_5
            );
        }
    }
}
