//! SLA deadlines from the business calendar: table cases (weekends, holidays, both DST
//! transitions in two zones) and properties (never before reception, monotonic).

use ayuda::Config;
use ayuda::tickets::calendar::{Calendar, deadlines, sla_json};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

fn config(yaml: &str) -> Config {
    Config::parse(yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn ny() -> Config {
    config("support:\n  time_zone: America/New_York\n  holidays: ['2026-12-25', '01-01']\n")
}

fn madrid() -> Config {
    config("support:\n  time_zone: Europe/Madrid\n")
}

/// A 24/7 business calendar, so business hours equal elapsed hours across DST.
fn always(tz: &str) -> Config {
    let day = "00:00-24:00";
    config(&format!(
        "support:\n  time_zone: {tz}\n  business_hours: {{monday: '{day}', tuesday: '{day}', wednesday: '{day}', thursday: '{day}', friday: '{day}', saturday: '{day}', sunday: '{day}'}}\n"
    ))
}

fn sunday_only(tz: &str, range: &str) -> Config {
    config(&format!(
        "support:\n  time_zone: {tz}\n  business_hours: {{monday: closed, tuesday: closed, wednesday: closed, thursday: closed, friday: closed, sunday: '{range}'}}\n"
    ))
}

fn sla(c: &Config, kind: &str, at: &str) -> serde_json::Value {
    let cal = Calendar::from_config(&c.support).unwrap();
    let at: Timestamp = at.parse().unwrap();
    let d = deadlines(&c.support, &cal, kind, at).unwrap();
    sla_json(kind, &cal, &d)
}

#[test]
fn deadline_table() {
    // (case, config, type, received, business hours?, target, breach)
    let cases: Vec<(&str, Config, &str, &str, bool, &str, &str)> = vec![
        (
            "Friday late afternoon rolls to Monday (and over the spring DST change)",
            ny(),
            "technical",
            "2026-03-06T17:00:00-05:00",
            true,
            "2026-03-09T10:00:00-04:00",
            "2026-03-09T11:00:00-04:00",
        ),
        (
            "Friday at closing time is outside business hours",
            ny(),
            "technical",
            "2026-03-06T18:00:00-05:00",
            false,
            "2026-03-07T18:00:00-05:00",
            "2026-03-07T18:00:00-05:00",
        ),
        (
            "opening minute is inside",
            ny(),
            "operations",
            "2026-03-10T09:00:00-04:00",
            true,
            "2026-03-10T11:00:00-04:00",
            "2026-03-10T12:00:00-04:00",
        ),
        (
            "holiday eve skips the holiday and the weekend",
            ny(),
            "technical",
            "2026-12-24T17:30:00-05:00",
            true,
            "2026-12-28T10:30:00-05:00",
            "2026-12-28T11:30:00-05:00",
        ),
        (
            "yearly holiday (01-01) on a Friday",
            ny(),
            "operations",
            "2027-01-01T10:00:00-05:00",
            false,
            "2027-01-04T11:00:00-05:00",
            "2027-01-04T12:00:00-05:00",
        ),
        (
            "Saturday technical: 24 calendar hours across spring DST",
            ny(),
            "technical",
            "2026-03-07T10:00:00-05:00",
            false,
            "2026-03-08T11:00:00-04:00",
            "2026-03-08T11:00:00-04:00",
        ),
        (
            "Saturday operations waits for Monday's opening",
            ny(),
            "operations",
            "2026-03-07T10:00:00-05:00",
            false,
            "2026-03-09T11:00:00-04:00",
            "2026-03-09T12:00:00-04:00",
        ),
        (
            "business any time: 24 calendar hours",
            ny(),
            "business",
            "2026-03-10T12:00:00-04:00",
            true,
            "2026-03-11T12:00:00-04:00",
            "2026-03-11T12:00:00-04:00",
        ),
        (
            "New York fall back: 24 calendar hours",
            ny(),
            "technical",
            "2026-10-31T12:00:00-04:00",
            false,
            "2026-11-01T11:00:00-05:00",
            "2026-11-01T11:00:00-05:00",
        ),
        (
            "New York spring forward, business clock 24/7",
            always("America/New_York"),
            "technical",
            "2026-03-08T01:30:00-05:00",
            true,
            "2026-03-08T04:30:00-04:00",
            "2026-03-08T05:30:00-04:00",
        ),
        (
            "New York fall back, business clock 24/7",
            always("America/New_York"),
            "technical",
            "2026-11-01T00:30:00-04:00",
            true,
            "2026-11-01T01:30:00-05:00",
            "2026-11-01T02:30:00-05:00",
        ),
        // 02:30 does not exist that night: the day opens at 03:30 and offers 1.5 h, the rest
        // comes the next Sunday.
        (
            "opening inside the DST gap moves forward by the gap",
            sunday_only("America/New_York", "02:30-05:00"),
            "operations",
            "2026-03-08T00:00:00-05:00",
            false,
            "2026-03-15T03:00:00-04:00",
            "2026-03-15T04:00:00-04:00",
        ),
        (
            "hours across the DST overlap count the repeated hour",
            sunday_only("America/New_York", "01:00-03:00"),
            "operations",
            "2026-11-01T00:00:00-04:00",
            false,
            "2026-11-01T02:00:00-05:00",
            "2026-11-01T03:00:00-05:00",
        ),
        (
            "Madrid spring forward: 24 calendar hours",
            madrid(),
            "technical",
            "2026-03-28T12:00:00+01:00",
            false,
            "2026-03-29T13:00:00+02:00",
            "2026-03-29T13:00:00+02:00",
        ),
        (
            "Madrid fall back: 24 calendar hours",
            madrid(),
            "technical",
            "2026-10-24T12:00:00+02:00",
            false,
            "2026-10-25T11:00:00+01:00",
            "2026-10-25T11:00:00+01:00",
        ),
        (
            "Madrid Friday afternoon to Monday after fall back",
            madrid(),
            "technical",
            "2026-10-23T17:00:00+02:00",
            true,
            "2026-10-26T10:00:00+01:00",
            "2026-10-26T11:00:00+01:00",
        ),
        (
            "Madrid spring forward, business clock 24/7",
            always("Europe/Madrid"),
            "operations",
            "2026-03-29T01:30:00+01:00",
            true,
            "2026-03-29T04:30:00+02:00",
            "2026-03-29T05:30:00+02:00",
        ),
        (
            "Madrid fall back, business clock 24/7",
            always("Europe/Madrid"),
            "operations",
            "2026-10-25T01:30:00+02:00",
            true,
            "2026-10-25T02:30:00+01:00",
            "2026-10-25T03:30:00+01:00",
        ),
    ];
    for (name, c, kind, at, inside, target, breach) in cases {
        let v = sla(&c, kind, at);
        assert_eq!(v["business_hours"], inside, "{name}: {v}");
        assert_eq!(v["first_response_target"], target, "{name}: {v}");
        assert_eq!(v["first_response_breach"], breach, "{name}: {v}");
    }
}

#[test]
fn contact_chain_outside_business_hours() {
    let v = sla(&ny(), "technical", "2026-03-07T10:00:00-05:00");
    assert_eq!(v["time_zone"], "America/New_York");
    assert_eq!(v["received"], "2026-03-07T10:00:00-05:00");
    let contacts = v["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(contacts[0]["role"], "operations-manager");
    assert_eq!(contacts[0]["due"], "2026-03-08T11:00:00-04:00");
    assert_eq!(contacts[1]["role"], "head-of-technology");
    assert_eq!(contacts[1]["notify_at"], "2026-03-08T11:00:00-04:00");
    assert_eq!(contacts[1]["due"], "2026-03-09T11:00:00-04:00");
}

#[test]
fn configuration_mistakes_name_key_and_line() {
    let cases = [
        (
            "support:\n  time_zone: Mars/Olympus\n",
            "support.time_zone",
            ":2",
        ),
        (
            "title: x\nsupport:\n  business_hours:\n    monday: '18:00-09:00'\n",
            "support.business_hours.monday",
            ":4",
        ),
        (
            "support:\n  holidays:\n    - 2026-12-25\n    - Christmas\n",
            "support.holidays[1]",
            ":4",
        ),
        (
            "support:\n  types:\n    - id: technical\n      label: Tech\n      sla:\n        any:\n          target: 2h\n          contacts: [{role: cto}]\n",
            "support.types[0].sla.any.contacts[0].role",
            ":8",
        ),
        (
            "support:\n  types:\n    - id: technical\n      label: Tech\n      sla:\n        any:\n          target: 3h\n          breach: 2h\n          contacts: [{role: operations-manager}]\n",
            "breach",
            ":8",
        ),
        (
            "support:\n  targets:\n    - kind: webhook\n",
            "support.targets[0].url_env",
            ":3",
        ),
        (
            "support:\n  limits:\n    rate_limit: 5\n",
            "rate_limit",
            ":3",
        ),
        (
            "support:\n  types:\n    - id: a\n      label: A\n      sla: {any: {target: soon, contacts: []}}\n",
            "soon",
            ":5",
        ),
    ];
    for (yaml, key, line) in cases {
        let err = Config::parse(yaml).expect_err(yaml).to_string();
        assert!(err.contains(key), "{yaml} → {err}");
        assert!(err.contains(&format!("ayuda.yaml{line}")), "{yaml} → {err}");
    }
}

fn instant() -> impl Strategy<Value = Timestamp> {
    // 2020-01-01 .. 2030-01-01
    (1_577_836_800i64..1_893_456_000i64).prop_map(|s| Timestamp::from_second(s).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn deadlines_never_before_reception(t in instant(), zone in 0usize..3, kind in 0usize..3) {
        let c = [ny(), madrid(), always("America/New_York")][zone].clone();
        let cal = Calendar::from_config(&c.support).unwrap();
        let kind = ["operations", "technical", "business"][kind];
        let d = deadlines(&c.support, &cal, kind, t).unwrap();
        prop_assert!(d.first_response_target >= t);
        prop_assert!(d.first_response_breach >= d.first_response_target);
        for contact in &d.contacts {
            prop_assert!(contact.due >= t && contact.notify_at >= t && contact.due >= contact.notify_at);
        }
    }

    #[test]
    fn deadlines_monotonic_in_reception(t in instant(), gap in 0i64..(14 * 86_400), zone in 0usize..2, kind in 0usize..3) {
        let c = [ny(), madrid()][zone].clone();
        let cal = Calendar::from_config(&c.support).unwrap();
        let kind = ["operations", "technical", "business"][kind];
        let later = t.checked_add(SignedDuration::from_secs(gap)).unwrap();
        let a = deadlines(&c.support, &cal, kind, t).unwrap();
        let b = deadlines(&c.support, &cal, kind, later).unwrap();
        // The matrix switches rules at opening and closing time for `technical` (2 business
        // hours inside, 24 calendar hours outside), so monotonicity holds within one rule.
        if a.business_hours == b.business_hours || kind != "technical" {
            prop_assert!(a.first_response_target <= b.first_response_target, "{a:?} {b:?}");
            prop_assert!(a.first_response_breach <= b.first_response_breach);
        }
    }

    #[test]
    fn business_time_adds_up(t in instant(), h1 in 0i64..40, h2 in 0i64..40) {
        let c = ny();
        let cal = Calendar::from_config(&c.support).unwrap();
        let (lo, hi) = (h1.min(h2), h1.max(h2));
        let a = cal.add_business(t, SignedDuration::from_hours(lo)).unwrap();
        let b = cal.add_business(t, SignedDuration::from_hours(hi)).unwrap();
        prop_assert!(a >= t && b >= a);
        // Adding in two steps lands where adding at once does.
        let step = cal.add_business(a, SignedDuration::from_hours(hi - lo)).unwrap();
        if hi > lo {
            prop_assert_eq!(step, b);
        }
    }
}
