//! Relevance report: MRR@10 and recall@5 per corpus and locale over tests/relevance/queries.yaml.
//! Run: `cargo run --release --example eval_search`.

#[path = "../tests/relevance/eval.rs"]
mod eval;

fn main() {
    let e = eval::evaluate();
    print!("{}", eval::table(&e));
    for (scope, q, top) in &e.misses {
        println!("miss {scope}: {q:?} -> top 5 {top:?}");
    }
}
