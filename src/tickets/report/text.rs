//! The report as a text table (the default) and as CSV (`--csv`).
//!
//! The CSV is one table in long form, `table,period,group,metric,value`, so every section fits
//! one sheet and a pivot table rebuilds any view: `received_per_day` (period = day),
//! `sla_week_total`, `sla_week_type`, `sla_week_agent` (period = ISO week, group = type or
//! agent, metric = met/breached/pending), `first_response` (group = `all` or a type, metric =
//! answered/median_seconds/p90_seconds), `open_by_level` (group = level), and `satisfaction` (no group), `satisfaction_type`
//! and `satisfaction_agent` (metric = average/count).

use super::{Scores, SlaCount, TicketReport, Times};

/// What the report shows for an agent when a ticket has none (unanswered tickets).
pub const UNANSWERED: &str = "(unanswered)";

/// `1h 05m`, `12m`, `45s`, `2d 03h`; `—` when absent.
pub fn duration(secs: Option<i64>) -> String {
    let Some(s) = secs else {
        return "—".into();
    };
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, m) => format!("{m}m"),
        (0, h, m) => format!("{h}h {m:02}m"),
        (d, h, _) => format!("{d}d {h:02}h"),
    }
}

/// Survey scores as text: `4.5 / 5 (2 answers)`.
pub fn scores(s: &Scores) -> String {
    match (s.average, s.count) {
        (Some(avg), 1) => format!("{avg:.1} / 5 (1 answer)"),
        (Some(avg), n) => format!("{avg:.1} / 5 ({n} answers)"),
        _ => "— (no survey answers in the period)".into(),
    }
}

fn sla_line(out: &mut String, week: &str, group: &str, c: &SlaCount) {
    out.push_str(&format!(
        "  {week:<9} {group:<28} {:>5} {:>9} {:>8}\n",
        c.met, c.breached, c.pending
    ));
}

fn times_line(out: &mut String, group: &str, t: &Times) {
    out.push_str(&format!(
        "  {group:<28} {:>8} {:>9} {:>9}\n",
        t.answered,
        duration(t.median_seconds),
        duration(t.p90_seconds)
    ));
}

/// The report as the administrator reads it in a terminal.
pub fn render_text(r: &TicketReport) -> String {
    let mut out = format!(
        "Tickets from {} to {} (days in {})\n\nReceived per day\n",
        r.from, r.to, r.time_zone
    );
    for d in &r.received_per_day {
        out.push_str(&format!(
            "  {} {}  {:>5}\n",
            d.date,
            d.date.strftime("%a"),
            d.tickets
        ));
    }
    out.push_str("\nFirst-response SLA per ISO week\n");
    out.push_str(&format!(
        "  {:<9} {:<28} {:>5} {:>9} {:>8}\n",
        "week", "", "met", "breached", "pending"
    ));
    for w in &r.weeks {
        sla_line(&mut out, &w.week, "all", &w.total);
        for (k, c) in &w.by_type {
            sla_line(&mut out, "", &format!("type {k}"), c);
        }
        for (k, c) in &w.by_agent {
            sla_line(&mut out, "", &format!("agent {k}"), c);
        }
        if w.unanswered != SlaCount::default() {
            sla_line(&mut out, "", &format!("agent {UNANSWERED}"), &w.unanswered);
        }
    }
    out.push_str("\nFirst-response time (reception to first acknowledgement)\n");
    out.push_str(&format!(
        "  {:<28} {:>8} {:>9} {:>9}\n",
        "", "answered", "median", "p90"
    ));
    times_line(&mut out, "all", &r.first_response.overall);
    for (k, t) in &r.first_response.by_type {
        times_line(&mut out, &format!("type {k}"), t);
    }
    out.push_str("\nOpen tickets by level (not closed)\n");
    if r.open_by_level.is_empty() {
        out.push_str("  none\n");
    }
    for l in &r.open_by_level {
        out.push_str(&format!("  level {}  {:>5}\n", l.level, l.tickets));
    }
    let sat = &r.satisfaction;
    out.push_str(&format!("\nSatisfaction  {}\n", scores(&sat.overall)));
    for (k, s) in &sat.by_type {
        out.push_str(&format!("  type {k:<23} {}\n", scores(s)));
    }
    for (k, s) in &sat.by_agent {
        out.push_str(&format!("  agent {k:<22} {}\n", scores(s)));
    }
    out
}

/// One CSV field: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-`
/// or `@` gets a `'` so a spreadsheet does not run a name as a formula.
fn field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

struct Csv(String);

impl Csv {
    fn row(&mut self, table: &str, period: &str, group: &str, metric: &str, value: String) {
        let cells = [table, period, group, metric, &value].map(field);
        self.0.push_str(&cells.join(","));
        self.0.push_str("\r\n");
    }

    fn sla(&mut self, table: &str, week: &str, group: &str, c: &SlaCount) {
        for (metric, v) in [
            ("met", c.met),
            ("breached", c.breached),
            ("pending", c.pending),
        ] {
            self.row(table, week, group, metric, v.to_string());
        }
    }

    fn scores(&mut self, table: &str, group: &str, s: &Scores) {
        let avg = s.average.map_or(String::new(), |a| format!("{a:.2}"));
        self.row(table, "", group, "average", avg);
        self.row(table, "", group, "count", s.count.to_string());
    }

    fn times(&mut self, group: &str, t: &Times) {
        let opt = |v: Option<i64>| v.map_or(String::new(), |v| v.to_string());
        self.row(
            "first_response",
            "",
            group,
            "answered",
            t.answered.to_string(),
        );
        self.row(
            "first_response",
            "",
            group,
            "median_seconds",
            opt(t.median_seconds),
        );
        self.row(
            "first_response",
            "",
            group,
            "p90_seconds",
            opt(t.p90_seconds),
        );
    }
}

/// The report as one long CSV table (RFC 4180, CRLF line ends); absent values are empty.
pub fn render_csv(r: &TicketReport) -> String {
    let mut csv = Csv(String::new());
    csv.row("table", "period", "group", "metric", "value".into());
    for d in &r.received_per_day {
        let day = d.date.to_string();
        csv.row(
            "received_per_day",
            &day,
            "",
            "tickets",
            d.tickets.to_string(),
        );
    }
    for w in &r.weeks {
        csv.sla("sla_week_total", &w.week, "", &w.total);
        for (k, c) in &w.by_type {
            csv.sla("sla_week_type", &w.week, k, c);
        }
        for (k, c) in &w.by_agent {
            csv.sla("sla_week_agent", &w.week, k, c);
        }
        if w.unanswered != SlaCount::default() {
            csv.sla("sla_week_agent", &w.week, UNANSWERED, &w.unanswered);
        }
    }
    csv.times("all", &r.first_response.overall);
    for (k, t) in &r.first_response.by_type {
        csv.times(k, t);
    }
    for l in &r.open_by_level {
        let level = l.level.to_string();
        csv.row(
            "open_by_level",
            "",
            &level,
            "tickets",
            l.tickets.to_string(),
        );
    }
    let sat = &r.satisfaction;
    csv.scores("satisfaction", "", &sat.overall);
    for (k, s) in &sat.by_type {
        csv.scores("satisfaction_type", k, s);
    }
    for (k, s) in &sat.by_agent {
        csv.scores("satisfaction_agent", k, s);
    }
    csv.0
}
