//! The report as one self-contained HTML page (`--html FILE`): no script, no external file,
//! charts drawn here as inline SVG (`role="img"` with a `<title>` and `<desc>`), each beside a
//! table of the same figures for screen readers and copying.

use super::text::{UNANSWERED, duration, scores};
use super::{SlaCount, TicketReport, Week};
use crate::util::escape_html as esc;
use std::fmt::Write;

/// Chart height in SVG units (the bars' area).
const CHART_H: u64 = 160;
/// Room under the bars for labels and above for the scale.
const PAD: u64 = 24;

/// The page's styles: in its `<style>` element for a file, at [`super::http::STYLE_PATH`] when
/// the service serves it (its Content-Security-Policy allows no inline style).
pub const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;\
padding:1rem;color:#1a1a1a;background:#fff}h1{font-size:1.6rem}h2{font-size:1.25rem;\
margin-top:2rem}.chart{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}\
svg{max-width:100%;height:auto;border:1px solid #ccc}table{border-collapse:collapse}\
th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}th:first-child,\
td:first-child{text-align:left}.received{fill:#1f5fa8}.met{fill:#1d7a35}\
.breached{fill:#b3261e}.axis{font-size:11px;fill:#1a1a1a}.legend span{padding:0 .4rem;\
color:#fff}.legend .met{background:#1d7a35}.legend .breached{background:#b3261e}";

/// The bar height of `v` on a scale whose top is `max`.
fn height(v: u64, max: u64) -> u64 {
    (v * CHART_H).checked_div(max).unwrap_or(0)
}

/// Opens an SVG chart `id` of `width` units with its accessible name and description.
fn svg_open(out: &mut String, id: &str, width: u64, title: &str, desc: &str, max: u64) {
    let total = CHART_H + 2 * PAD;
    let _ = write!(
        out,
        "<svg role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {width} {total}\" \
         width=\"{width}\" height=\"{total}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>\
         <text class=\"axis\" x=\"2\" y=\"{}\">{max}</text>\
         <line x1=\"0\" x2=\"{width}\" y1=\"{}\" y2=\"{}\" stroke=\"#888\"/>",
        esc(title),
        esc(desc),
        PAD - 6,
        PAD + CHART_H,
        PAD + CHART_H,
    );
}

fn bar(out: &mut String, class: &str, x: u64, w: u64, v: u64, max: u64) {
    let h = height(v, max);
    let _ = write!(
        out,
        "<rect class=\"bar {class}\" x=\"{x}\" y=\"{}\" width=\"{w}\" height=\"{h}\"/>",
        PAD + CHART_H - h
    );
}

fn label(out: &mut String, x: u64, text: &str) {
    let _ = write!(
        out,
        "<text class=\"axis\" x=\"{x}\" y=\"{}\">{}</text>",
        PAD + CHART_H + 16,
        esc(text)
    );
}

fn per_day_chart(r: &TicketReport, out: &mut String) {
    let max = r
        .received_per_day
        .iter()
        .map(|d| d.tickets)
        .max()
        .unwrap_or(0);
    let step = 14;
    let width = (r.received_per_day.len() as u64 * step).max(200) + 8;
    let total: u64 = r.received_per_day.iter().map(|d| d.tickets).sum();
    let desc = format!(
        "{total} tickets in {} days, at most {max} a day; the table beside lists every day.",
        r.received_per_day.len()
    );
    svg_open(
        out,
        "per-day",
        width,
        "Tickets received per day",
        &desc,
        max,
    );
    for (i, d) in r.received_per_day.iter().enumerate() {
        bar(
            out,
            "received",
            4 + i as u64 * step,
            step - 3,
            d.tickets,
            max,
        );
    }
    if let (Some(first), Some(last)) = (r.received_per_day.first(), r.received_per_day.last()) {
        label(out, 4, &first.date.to_string());
        label(out, width.saturating_sub(72), &last.date.to_string());
    }
    out.push_str("</svg><table><caption>Tickets received per day</caption><thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Tickets</th></tr></thead><tbody>");
    for d in &r.received_per_day {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{} {}</th><td>{}</td></tr>",
            d.date,
            d.date.strftime("%a"),
            d.tickets
        );
    }
    out.push_str("</tbody></table>");
}

fn per_week_chart(r: &TicketReport, out: &mut String) {
    let max = r
        .weeks
        .iter()
        .map(|w| w.total.met.max(w.total.breached))
        .max()
        .unwrap_or(0);
    let step = 48;
    let width = (r.weeks.len() as u64 * step).max(200) + 8;
    let (met, breached) = r
        .weeks
        .iter()
        .fold((0, 0), |(m, b), w| (m + w.total.met, b + w.total.breached));
    let desc = format!(
        "{met} tickets answered within the SLA and {breached} breached over {} ISO weeks; \
         the table beside lists every week.",
        r.weeks.len()
    );
    svg_open(
        out,
        "per-week",
        width,
        "First-response SLA met and breached per ISO week",
        &desc,
        max,
    );
    for (i, w) in r.weeks.iter().enumerate() {
        let x = 4 + i as u64 * step;
        bar(out, "met", x, 18, w.total.met, max);
        bar(out, "breached", x + 20, 18, w.total.breached, max);
        label(out, x, w.week.split_once('-').map_or(&w.week, |(_, wk)| wk));
    }
    out.push_str("</svg><table><caption>First-response SLA per ISO week</caption><thead><tr><th scope=\"col\">Week</th><th scope=\"col\">Met</th><th scope=\"col\">Breached</th><th scope=\"col\">Pending</th></tr></thead><tbody>");
    for w in &r.weeks {
        sla_row(out, &w.week, &w.total);
    }
    out.push_str("</tbody></table>");
}

fn sla_row(out: &mut String, name: &str, c: &SlaCount) {
    let _ = write!(
        out,
        "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(name),
        c.met,
        c.breached,
        c.pending
    );
}

/// The per-type and per-agent table of one week.
fn week_detail(out: &mut String, w: &Week) {
    let _ = write!(
        out,
        "<table><caption>{}</caption><thead><tr><th scope=\"col\">Type or agent</th><th scope=\"col\">Met</th><th scope=\"col\">Breached</th><th scope=\"col\">Pending</th></tr></thead><tbody>",
        esc(&w.week)
    );
    for (k, c) in &w.by_type {
        sla_row(out, &format!("type {k}"), c);
    }
    for (k, c) in &w.by_agent {
        sla_row(out, &format!("agent {k}"), c);
    }
    if w.unanswered != SlaCount::default() {
        sla_row(out, &format!("agent {UNANSWERED}"), &w.unanswered);
    }
    out.push_str("</tbody></table>");
}

/// Where the page takes its styles from.
#[derive(Debug, Clone, Copy)]
pub enum Styles<'a> {
    /// In a `<style>` element: the file stands alone.
    Inline,
    /// A stylesheet at this path of the same site.
    Linked(&'a str),
}

/// The whole page.
pub fn render_html(r: &TicketReport, styles: Styles<'_>) -> String {
    let title = format!("Tickets from {} to {}", r.from, r.to);
    let styles = match styles {
        Styles::Inline => format!("<style>{STYLE}</style>"),
        Styles::Linked(href) => format!("<link rel=\"stylesheet\" href=\"{}\">", esc(href)),
    };
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title>{styles}</head><body><main><h1>{t}</h1>\
         <p>Days and ISO weeks in {zone}; made {generated}.</p>",
        t = esc(&title),
        zone = esc(&r.time_zone),
        generated = r.generated,
    );
    out.push_str("<h2>Tickets received per day</h2><div class=\"chart\">");
    per_day_chart(r, &mut out);
    out.push_str("</div><h2>First-response SLA per ISO week</h2>\
        <p class=\"legend\"><span class=\"met\">met</span> <span class=\"breached\">breached</span></p>\
        <div class=\"chart\">");
    per_week_chart(r, &mut out);
    out.push_str("</div><h2>Per request type and agent</h2><div class=\"chart\">");
    for w in &r.weeks {
        week_detail(&mut out, w);
    }
    out.push_str("</div><h2>First-response time</h2><table><caption>Reception to first acknowledgement (nearest-rank percentiles)</caption><thead><tr><th scope=\"col\"></th><th scope=\"col\">Answered</th><th scope=\"col\">Median</th><th scope=\"col\">p90</th></tr></thead><tbody>");
    let times = std::iter::once(("all".to_string(), &r.first_response.overall)).chain(
        r.first_response
            .by_type
            .iter()
            .map(|(k, t)| (format!("type {k}"), t)),
    );
    for (name, t) in times {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&name),
            t.answered,
            duration(t.median_seconds),
            duration(t.p90_seconds)
        );
    }
    out.push_str("</tbody></table><h2>Open tickets by level</h2><table><thead><tr><th scope=\"col\">Level</th><th scope=\"col\">Tickets not closed</th></tr></thead><tbody>");
    for l in &r.open_by_level {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            l.level, l.tickets
        );
    }
    let sat = &r.satisfaction;
    let _ = write!(
        out,
        "</tbody></table><h2>Satisfaction</h2><p>{}</p>",
        esc(&scores(&sat.overall))
    );
    if sat.overall.count > 0 {
        out.push_str("<table><caption>Survey answers given in the period (1 to 5)</caption><thead><tr><th scope=\"col\"></th><th scope=\"col\">Average</th><th scope=\"col\">Answers</th></tr></thead><tbody>");
        let rows = sat.by_type.iter().map(|(k, s)| (format!("type {k}"), s));
        let rows = rows.chain(sat.by_agent.iter().map(|(k, s)| (format!("agent {k}"), s)));
        for (name, s) in rows {
            let avg = s.average.map_or("—".to_string(), |a| format!("{a:.1}"));
            let _ = write!(
                out,
                "<tr><th scope=\"row\">{}</th><td>{avg}</td><td>{}</td></tr>",
                esc(&name),
                s.count
            );
        }
        out.push_str("</tbody></table>");
    }
    out.push_str("</main></body></html>\n");
    out
}
