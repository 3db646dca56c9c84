//! Relevance report: MRR@10 and recall@5 per set, corpus and locale over
//! tests/relevance/queries.yaml, then the worst queries of each set.
//! Run: `cargo run --release --example eval_search`.

#[path = "../tests/relevance/eval.rs"]
mod eval;

fn main() {
    let e = eval::evaluate();
    print!("{}", eval::table(&e));
}
