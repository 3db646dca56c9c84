//! Report figures on a queue filled with known tickets at chosen instants, in Europe/Madrid
//! across the DST change of 2026-03-29.

use super::text::{render_csv, render_text};
use super::*;
use crate::tickets::escalation::lifecycle::{Action, Change};
use crate::tickets::store::{SqlStore, TicketStore};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn day(s: &str) -> Date {
    s.parse().unwrap()
}

fn change(action: Action, actor: &str) -> Change {
    Change {
        action,
        actor: actor.into(),
        to: None,
        level: None,
        note: None,
        public: false,
    }
}

fn madrid() -> TimeZone {
    TimeZone::get("Europe/Madrid").unwrap()
}

/// 2026-03-23 (Monday of ISO week 13) to 2026-04-05 (Sunday of week 14).
const PERIOD: (&str, &str) = ("2026-03-23", "2026-04-05");
const NOW: &str = "2026-04-05T22:00:00Z";

/// Stores a ticket of `kind` received at `created` whose first response breaches `hours` later.
async fn receive(store: &SqlStore, kind: &str, created: &str, hours: i64) -> String {
    let mut t = crate::tickets::store::tests::ticket(0);
    t.kind = kind.into();
    t.created = at(created);
    t.deadlines.first_response_target = t.created;
    t.deadlines.first_response_breach = t.created + jiff::SignedDuration::from_hours(hours);
    store.insert(t, vec![]).await.unwrap().id
}

async fn act(store: &SqlStore, id: &str, c: Change, when: &str) {
    store.change(id.into(), c, vec![], at(when)).await.unwrap();
}

/// Acknowledges, resolves (as `agent`) and closes ticket `id` an hour apart from `when`.
async fn close(store: &SqlStore, id: &str, agent: &str, when: &str) {
    let mut t = at(when);
    for action in [Action::Ack, Action::Resolve, Action::Close] {
        store
            .change(id.into(), change(action, agent), vec![], t)
            .await
            .unwrap();
        t += jiff::SignedDuration::from_hours(1);
    }
}

/// The partner rates closed ticket `id` with `score` at `when`.
async fn rate(store: &SqlStore, id: &str, score: u8, when: &str) {
    let answer = crate::tickets::store::SurveyAnswer {
        score,
        comment: None,
        at: at(when),
    };
    store.rate(id.into(), answer, vec![]).await.unwrap();
}

/// The queue of the module's scenario and its report.
async fn scenario() -> TicketReport {
    let dir = tempfile::tempdir().unwrap();
    let store = SqlStore::open(dir.path()).await.unwrap();
    // A: Monday 09:00 CET, answered by ana after 1 h (met), then resolved and closed.
    let a = receive(&store, "technical", "2026-03-23T08:00:00Z", 3).await;
    act(
        &store,
        &a,
        change(Action::Ack, "ana"),
        "2026-03-23T09:00:00Z",
    )
    .await;
    act(
        &store,
        &a,
        change(Action::Resolve, "ana"),
        "2026-03-23T10:00:00Z",
    )
    .await;
    act(
        &store,
        &a,
        change(Action::Close, "ana"),
        "2026-03-24T10:00:00Z",
    )
    .await;
    // B: answered by bruno after 4 h, past its 3 h breach; a later ack by ana does not count.
    let b = receive(&store, "technical", "2026-03-24T08:00:00Z", 3).await;
    act(
        &store,
        &b,
        change(Action::Ack, "bruno"),
        "2026-03-24T12:00:00Z",
    )
    .await;
    let mut assign = change(Action::Assign, "ana");
    assign.to = Some("ana".into());
    act(&store, &b, assign, "2026-03-24T13:00:00Z").await;
    // C: 00:30 CEST on Monday 30 March (still Sunday 29 at a fixed +01:00): week 14.
    let c = receive(&store, "business", "2026-03-29T22:30:00Z", 24).await;
    act(
        &store,
        &c,
        change(Action::Ack, "ana"),
        "2026-03-30T00:30:00Z",
    )
    .await;
    // D: 01:30 CET on Sunday 29 March, before the change; never answered, past breach.
    receive(&store, "business", "2026-03-29T00:30:00Z", 24).await;
    // E: 23:30 CEST on Sunday 5 April, the last day; unanswered, breach still ahead.
    receive(&store, "technical", "2026-04-05T21:30:00Z", 3).await;
    // F: 00:30 CEST on Monday 6 April (still 5 April in UTC): outside the period.
    receive(&store, "technical", "2026-04-05T22:30:00Z", 3).await;
    // G: before the period, escalated to level 2 and still open.
    let g = receive(&store, "business", "2026-03-20T10:00:00Z", 24).await;
    let mut up = change(Action::Escalate, "ops");
    up.level = Some(2);
    act(&store, &g, up, "2026-03-20T11:00:00Z").await;
    // Survey answers count on the day they are given: A rated 4 (resolved by ana); H, received
    // before the period and resolved by carla, rated 2 in it; I rated after the period.
    rate(&store, &a, 4, "2026-03-25T09:00:00Z").await;
    let h = receive(&store, "business", "2026-03-16T10:00:00Z", 24).await;
    close(&store, &h, "carla", "2026-03-17T10:00:00Z").await;
    rate(&store, &h, 2, "2026-03-31T09:00:00Z").await;
    let i = receive(&store, "technical", "2026-03-16T11:00:00Z", 24).await;
    close(&store, &i, "ana", "2026-03-17T11:00:00Z").await;
    rate(&store, &i, 1, "2026-04-05T22:30:00Z").await;

    let tz = madrid();
    let days = (day(PERIOD.0), day(PERIOD.1));
    cli::report(&store.pool, &tz, "Europe/Madrid", days, at(NOW))
        .await
        .unwrap()
}

fn sla(met: u64, breached: u64, pending: u64) -> SlaCount {
    SlaCount {
        met,
        breached,
        pending,
    }
}

#[tokio::test]
async fn figures_of_a_known_queue_across_a_dst_change() {
    let r = scenario().await;
    let per_day: Vec<(String, u64)> = r
        .received_per_day
        .iter()
        .filter(|d| d.tickets > 0)
        .map(|d| (d.date.to_string(), d.tickets))
        .collect();
    assert_eq!(
        per_day,
        [
            ("2026-03-23".into(), 1),
            ("2026-03-24".into(), 1),
            ("2026-03-29".into(), 1),
            ("2026-03-30".into(), 1),
            ("2026-04-05".into(), 1),
        ]
    );
    assert_eq!(
        r.received_per_day.len(),
        14,
        "days without tickets are listed"
    );

    let weeks: Vec<&str> = r.weeks.iter().map(|w| w.week.as_str()).collect();
    assert_eq!(weeks, ["2026-W13", "2026-W14"]);
    let (w13, w14) = (&r.weeks[0], &r.weeks[1]);
    assert_eq!(w13.total, sla(1, 2, 0));
    assert_eq!(w13.by_type["technical"], sla(1, 1, 0));
    assert_eq!(w13.by_type["business"], sla(0, 1, 0));
    assert_eq!(w13.by_agent["ana"], sla(1, 0, 0));
    assert_eq!(w13.by_agent["bruno"], sla(0, 1, 0));
    assert_eq!(w13.unanswered, sla(0, 1, 0));
    assert_eq!(w14.total, sla(1, 0, 1));
    assert_eq!(w14.by_type["business"], sla(1, 0, 0));
    assert_eq!(w14.by_type["technical"], sla(0, 0, 1));
    assert_eq!(w14.by_agent.len(), 1);
    assert_eq!(w14.by_agent["ana"], sla(1, 0, 0));
    assert_eq!(w14.unanswered, sla(0, 0, 1));

    // Answered after 1 h, 4 h and 2 h: nearest-rank median 2 h, p90 4 h.
    let all = &r.first_response.overall;
    assert_eq!(
        (all.answered, all.median_seconds, all.p90_seconds),
        (3, Some(7200), Some(14_400))
    );
    let tech = &r.first_response.by_type["technical"];
    assert_eq!(
        (tech.answered, tech.median_seconds, tech.p90_seconds),
        (2, Some(3600), Some(14_400))
    );
    assert_eq!(
        r.first_response.by_type["business"].median_seconds,
        Some(7200)
    );

    let open: Vec<(u8, i64)> = r
        .open_by_level
        .iter()
        .map(|l| (l.level, l.tickets))
        .collect();
    assert_eq!(open, [(1, 5), (2, 1)], "the closed ticket is not open");
    let scores = |average, count| Scores {
        average: Some(average),
        count,
    };
    let sat = &r.satisfaction;
    assert_eq!(sat.overall, scores(3.0, 2), "answers given in the period");
    assert_eq!(sat.by_type["technical"], scores(4.0, 1));
    assert_eq!(sat.by_type["business"], scores(2.0, 1));
    assert_eq!(
        sat.by_agent["ana"],
        scores(4.0, 1),
        "the agent who resolved"
    );
    assert_eq!(sat.by_agent["carla"], scores(2.0, 1));
    assert_eq!((sat.by_type.len(), sat.by_agent.len()), (2, 2));
}

#[test]
fn satisfaction_without_answers_is_empty_not_zero() {
    let days = (day("2026-03-23"), day("2026-03-23"));
    let r = compute(&[], &[], vec![], &madrid(), "Europe/Madrid", days, at(NOW));
    assert_eq!(r.satisfaction, Satisfaction::default());
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["satisfaction"]["average"].is_null());
    assert_eq!(json["satisfaction"]["count"], 0);
    assert!(render_text(&r).contains("Satisfaction  — (no survey answers in the period)"));
    assert!(render_csv(&r).contains("satisfaction,,,average,\r\nsatisfaction,,,count,0"));
}

#[tokio::test]
async fn json_csv_and_text_carry_the_figures() {
    let r = scenario().await;
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["time_zone"], "Europe/Madrid");
    assert_eq!(json["from"], "2026-03-23");
    assert_eq!(json["weeks"][0]["by_agent"]["bruno"]["breached"], 1);
    assert_eq!(json["first_response"]["overall"]["p90_seconds"], 14_400);
    assert_eq!(json["satisfaction"]["average"], 3.0);
    assert_eq!(json["satisfaction"]["count"], 2);
    assert_eq!(json["satisfaction"]["by_agent"]["carla"]["average"], 2.0);

    let csv = render_csv(&r);
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], "table,period,group,metric,value");
    for line in [
        "received_per_day,2026-03-30,,tickets,1",
        "sla_week_total,2026-W13,,breached,2",
        "sla_week_type,2026-W14,technical,pending,1",
        "sla_week_agent,2026-W13,ana,met,1",
        "sla_week_agent,2026-W13,(unanswered),breached,1",
        "first_response,,all,median_seconds,7200",
        "open_by_level,,2,tickets,1",
        "satisfaction,,,average,3.00",
        "satisfaction,,,count,2",
        "satisfaction_type,,business,average,2.00",
        "satisfaction_agent,,ana,count,1",
    ] {
        assert!(lines.contains(&line), "{line} missing from\n{csv}");
    }
    assert!(
        lines
            .iter()
            .all(|l| l.is_empty() || l.split(',').count() == 5)
    );

    let text = render_text(&r);
    assert!(text.contains("2026-03-30 Mon      1"), "{text}");
    assert!(text.contains("agent bruno"), "{text}");
    assert!(text.contains("2h 00m"), "{text}");
    assert!(text.contains("Satisfaction  3.0 / 5 (2 answers)"), "{text}");
    assert!(text.contains("agent carla"), "{text}");
}

#[tokio::test]
async fn html_draws_one_bar_per_day_and_two_per_week() {
    let r = scenario().await;
    let page = html::render_html(&r, html::Styles::Inline);
    assert_eq!(page.matches("class=\"bar received\"").count(), 14);
    assert_eq!(page.matches("class=\"bar met\"").count(), 2);
    assert_eq!(page.matches("class=\"bar breached\"").count(), 2);
    assert_eq!(page.matches("<svg role=\"img\"").count(), 2);
    assert_eq!(page.matches("<title id=").count(), 2);
    assert!(!page.contains("<script"), "no script in the page");
    assert!(
        !page.contains("http://") || !page.contains("src="),
        "nothing loaded"
    );
    assert!(!page.contains(" src="), "nothing loaded from elsewhere");
    // The tallest day (1 ticket) fills the chart; an empty day has no height.
    assert!(page.contains("height=\"160\"/>"));
    assert!(page.contains("height=\"0\"/>"));
    assert!(page.contains("3.0 / 5 (2 answers)"), "{page}");
    assert!(page.contains("<th scope=\"row\">agent carla</th><td>2.0</td><td>1</td>"));
}

#[test]
fn html_and_csv_escape_type_and_agent_names() {
    let t = ReportTicket {
        id: "T-1".into(),
        kind: "a<b>&\"c\"".into(),
        status: "acknowledged".into(),
        level: 1,
        created: at("2026-03-23T08:00:00Z"),
        first_response_breach: at("2026-03-23T11:00:00Z"),
        first_response_at: Some(at("2026-03-23T09:00:00Z")),
        agent: Some("=HYPERLINK(\"x\"),<script>".into()),
    };
    let days = (day("2026-03-23"), day("2026-03-23"));
    let r = compute(&[t], &[], vec![], &madrid(), "Europe/Madrid", days, at(NOW));
    let page = html::render_html(&r, html::Styles::Inline);
    assert!(
        !page.contains("<script>") && !page.contains("a<b>"),
        "{page}"
    );
    assert!(page.contains("a&lt;b&gt;&amp;&quot;c&quot;"));
    assert!(page.contains("&lt;script&gt;"));
    let csv = render_csv(&r);
    assert!(
        csv.contains("sla_week_agent,2026-W13,\"'=HYPERLINK(\"\"x\"\"),<script>\",met,1"),
        "{csv}"
    );
    assert!(
        csv.contains("sla_week_type,2026-W13,\"a<b>&\"\"c\"\"\",met,1"),
        "{csv}"
    );
}

#[test]
fn the_period_defaults_to_four_weeks_ending_today_in_the_zone() {
    let tz = madrid();
    // 23:30 UTC on 31 March is already 1 April in Madrid.
    let (from, to) = period(&tz, at("2026-03-31T23:30:00Z"), None, None).unwrap();
    assert_eq!((from, to), (day("2026-03-05"), day("2026-04-01")));
    let err = period(
        &tz,
        at(NOW),
        Some(day("2026-04-02")),
        Some(day("2026-04-01")),
    );
    assert_eq!(
        err.unwrap_err(),
        "--from 2026-04-02 is after --to 2026-04-01"
    );
    // The day of the change has 23 hours.
    let (start, end) = bounds(&tz, day("2026-03-29"), day("2026-03-29")).unwrap();
    assert_eq!(end.duration_since(start).as_hours(), 23);
}

#[test]
fn durations_read_in_the_largest_units() {
    use super::text::duration;
    assert_eq!(duration(None), "—");
    assert_eq!(duration(Some(45)), "45s");
    assert_eq!(duration(Some(720)), "12m");
    assert_eq!(duration(Some(3900)), "1h 05m");
    assert_eq!(duration(Some(2 * 86_400 + 3 * 3600)), "2d 03h");
}
