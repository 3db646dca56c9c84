//! A small metrics registry rendered in the Prometheus text format at `/metrics`. Other parts of
//! the service (tickets, deliveries) add their own counters with [`Metrics::describe`] and
//! [`Metrics::inc`].

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// A duration in milliseconds rounded to 2 decimals, for logs (`0.82`, not
/// `0.8188219999999999`).
pub fn millis(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

/// Label pairs, sorted by name.
type Labels = Vec<(String, String)>;

/// Upper bounds (seconds) of histogram buckets: fine below 10 ms where search lives.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Family {
    help: String,
    kind: &'static str,
    counters: BTreeMap<Labels, u64>,
    histograms: BTreeMap<Labels, Histogram>,
}

/// Counters and histograms by metric name.
#[derive(Default)]
pub struct Metrics {
    families: Mutex<BTreeMap<String, Family>>,
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    let mut l: Labels = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    l.sort();
    l
}

impl Metrics {
    /// A registry with the service's own metrics described.
    pub fn new() -> Metrics {
        let m = Metrics::default();
        m.describe(
            "ayuda_http_requests_total",
            "counter",
            "HTTP requests by route, method and status.",
        );
        m.describe(
            "ayuda_http_request_duration_seconds",
            "histogram",
            "HTTP request latency by route.",
        );
        m.describe(
            "ayuda_search_duration_seconds",
            "histogram",
            "Time spent in the search engine per query, by locale.",
        );
        m.describe(
            "ayuda_search_zero_results_total",
            "counter",
            "Searches that found nothing, by locale (content gaps).",
        );
        m
    }

    /// Declares a metric's type (`counter` or `histogram`) and help text.
    pub fn describe(&self, name: &str, kind: &'static str, help: &str) {
        if let Ok(mut f) = self.families.lock() {
            let fam = f.entry(name.to_string()).or_default();
            fam.kind = kind;
            fam.help = help.to_string();
        }
    }

    /// Adds one to a counter.
    pub fn inc(&self, name: &str, pairs: &[(&str, &str)]) {
        self.add(name, pairs, 1);
    }

    /// Adds `n` to a counter.
    pub fn add(&self, name: &str, pairs: &[(&str, &str)], n: u64) {
        if let Ok(mut f) = self.families.lock() {
            let fam = f.entry(name.to_string()).or_default();
            if fam.kind.is_empty() {
                fam.kind = "counter";
            }
            *fam.counters.entry(labels(pairs)).or_default() += n;
        }
    }

    /// Records one observation (seconds) in a histogram.
    pub fn observe(&self, name: &str, pairs: &[(&str, &str)], seconds: f64) {
        if let Ok(mut f) = self.families.lock() {
            let fam = f.entry(name.to_string()).or_default();
            fam.kind = "histogram";
            let h = fam.histograms.entry(labels(pairs)).or_default();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if seconds <= *bound {
                    h.counts[i] += 1;
                }
            }
            h.sum += seconds;
            h.count += 1;
        }
    }

    /// The current value of a counter (tests, health pages).
    pub fn counter(&self, name: &str, pairs: &[(&str, &str)]) -> u64 {
        self.families
            .lock()
            .ok()
            .and_then(|f| {
                f.get(name)
                    .and_then(|fam| fam.counters.get(&labels(pairs)).copied())
            })
            .unwrap_or(0)
    }

    /// Everything in the Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let Ok(families) = self.families.lock() else {
            return out;
        };
        for (name, fam) in families.iter() {
            let kind = if fam.kind.is_empty() {
                "counter"
            } else {
                fam.kind
            };
            let _ = writeln!(out, "# HELP {name} {}", fam.help);
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (l, v) in &fam.counters {
                let _ = writeln!(out, "{name}{} {v}", fmt_labels(l, None));
            }
            for (l, h) in &fam.histograms {
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let le = bound.to_string();
                    let _ = writeln!(
                        out,
                        "{name}_bucket{} {}",
                        fmt_labels(l, Some(&le)),
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "{name}_bucket{} {}",
                    fmt_labels(l, Some("+Inf")),
                    h.count
                );
                let _ = writeln!(out, "{name}_sum{} {}", fmt_labels(l, None), h.sum);
                let _ = writeln!(out, "{name}_count{} {}", fmt_labels(l, None), h.count);
            }
        }
        out
    }
}

/// The delivery queue as gauges: depth, pending and dead jobs per target, and the age of the
/// oldest pending ticket per target (read from the queue at each scrape).
/// Configured `targets` without pending or dead jobs show as zeros.
pub fn render_queue(
    targets: &[String],
    stats: &[crate::tickets::store::TargetStats],
    now: jiff::Timestamp,
) -> String {
    let mut all: BTreeMap<&str, crate::tickets::store::TargetStats> = targets
        .iter()
        .map(|t| {
            let zero = crate::tickets::store::TargetStats {
                target: t.clone(),
                pending: 0,
                dead: 0,
                oldest_pending: None,
            };
            (t.as_str(), zero)
        })
        .collect();
    for s in stats {
        all.insert(&s.target, s.clone());
    }
    let stats: Vec<_> = all.into_values().collect();
    let mut out = String::new();
    let depth: i64 = stats.iter().map(|s| s.pending).sum();
    let _ = writeln!(
        out,
        "# HELP ayuda_queue_depth Delivery jobs pending, all targets.\n# TYPE ayuda_queue_depth gauge\nayuda_queue_depth {depth}"
    );
    let _ = writeln!(
        out,
        "# HELP ayuda_queue_jobs Delivery jobs pending or dead, by target.\n# TYPE ayuda_queue_jobs gauge"
    );
    for s in &stats {
        let t = escape_label(&s.target);
        let _ = writeln!(
            out,
            "ayuda_queue_jobs{{state=\"pending\",target=\"{t}\"}} {}",
            s.pending
        );
        let _ = writeln!(
            out,
            "ayuda_queue_jobs{{state=\"dead\",target=\"{t}\"}} {}",
            s.dead
        );
    }
    let _ = writeln!(
        out,
        "# HELP ayuda_queue_oldest_pending_seconds Age of the oldest ticket still pending, by target.\n# TYPE ayuda_queue_oldest_pending_seconds gauge"
    );
    for s in &stats {
        let age = s
            .oldest_pending
            .map_or(0.0, |t| now.duration_since(t).as_secs_f64().max(0.0));
        let _ = writeln!(
            out,
            "ayuda_queue_oldest_pending_seconds{{target=\"{}\"}} {age:.3}",
            escape_label(&s.target)
        );
    }
    out
}

/// Tickets by status and level, breached tickets, and unacknowledged tickets past their
/// first-response target (read from the queue at each scrape).
pub fn render_tickets(stats: &crate::tickets::store::TicketStats) -> String {
    let mut out = String::from(
        "# HELP ayuda_tickets Tickets by lifecycle status and support level.\n# TYPE ayuda_tickets gauge\n",
    );
    for (status, level, n) in &stats.by_status_level {
        let _ = writeln!(
            out,
            "ayuda_tickets{{level=\"{level}\",status=\"{}\"}} {n}",
            escape_label(status)
        );
    }
    let _ = writeln!(
        out,
        "# HELP ayuda_tickets_breached Tickets answered after, or unanswered past, their first-response breach time.\n# TYPE ayuda_tickets_breached gauge\nayuda_tickets_breached {}",
        stats.breached
    );
    let _ = writeln!(
        out,
        "# HELP ayuda_tickets_unacknowledged_past_target Tickets not acknowledged past their first-response target.\n# TYPE ayuda_tickets_unacknowledged_past_target gauge\nayuda_tickets_unacknowledged_past_target {}",
        stats.unacknowledged_past_target
    );
    let _ = writeln!(
        out,
        "# HELP ayuda_tickets_sla_met Tickets acknowledged at or before their first-response breach time.\n# TYPE ayuda_tickets_sla_met gauge\nayuda_tickets_sla_met {}",
        stats.sla_met
    );
    let _ = writeln!(
        out,
        "# HELP ayuda_tickets_first_response_seconds Reception to first acknowledgement of acknowledged tickets (sum/count: the mean; percentiles: ayuda report tickets).\n# TYPE ayuda_tickets_first_response_seconds summary\nayuda_tickets_first_response_seconds_sum {:.3}\nayuda_tickets_first_response_seconds_count {}",
        stats.first_response_seconds, stats.first_responses
    );
    out.push_str("# HELP ayuda_tickets_survey_answers Satisfaction survey answers by score (1 to 5).\n# TYPE ayuda_tickets_survey_answers gauge\n");
    for (score, n) in &stats.survey_answers {
        let _ = writeln!(out, "ayuda_tickets_survey_answers{{score=\"{score}\"}} {n}");
    }
    out
}

fn fmt_labels(l: &Labels, le: Option<&str>) -> String {
    let mut parts: Vec<String> = l
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(","))
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_are_rounded() {
        let d = std::time::Duration::from_nanos(818_821_999);
        assert_eq!(millis(d).to_string(), "818.82");
        assert_eq!(
            millis(std::time::Duration::from_nanos(818_822)).to_string(),
            "0.82"
        );
    }

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::new();
        m.inc("ayuda_search_zero_results_total", &[("locale", "es")]);
        m.observe("ayuda_search_duration_seconds", &[("locale", "es")], 0.0015);
        let text = m.render();
        assert!(text.contains("ayuda_search_zero_results_total{locale=\"es\"} 1"));
        assert!(
            text.contains("ayuda_search_duration_seconds_bucket{locale=\"es\",le=\"0.002\"} 1")
        );
        assert!(
            text.contains("ayuda_search_duration_seconds_bucket{locale=\"es\",le=\"0.001\"} 0")
        );
        assert!(text.contains("# TYPE ayuda_search_duration_seconds histogram"));
    }

    #[test]
    fn survey_answers_are_a_gauge_per_score() {
        let stats = crate::tickets::store::TicketStats {
            by_status_level: vec![("closed".into(), 1, 3)],
            breached: 0,
            unacknowledged_past_target: 0,
            sla_met: 3,
            first_responses: 3,
            first_response_seconds: 60.0,
            survey_answers: vec![(2, 1), (5, 2)],
        };
        let text = render_tickets(&stats);
        assert!(text.contains("# TYPE ayuda_tickets_survey_answers gauge\n"));
        assert!(text.contains("ayuda_tickets_survey_answers{score=\"2\"} 1\n"));
        assert!(text.contains("ayuda_tickets_survey_answers{score=\"5\"} 2\n"));
    }
}
