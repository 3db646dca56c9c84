//! `support.levels` and `support.watcher`: the defaults follow the procedure, a type may
//! override them, mistakes name their key and line; `ayuda sla` prints the whole plan.

use ayuda::Config;
use std::process::Command;

fn config(yaml: &str) -> Config {
    Config::parse(yaml).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn levels_and_watcher_are_configured_and_overridden_per_type() {
    let c = config(
        "support:
  watcher:
    interval: 10s
    warn_before: 30m
  levels:
    1: {roles: [operations-manager]}
    2: {name: {es: Nivel 2, en: Level 2}, roles: [head-of-technology]}
    3: {roles: [executive-vp, technical-team]}
  types:
    - id: business
      label: Business
      warn_before: 2h
      levels:
        2: {roles: [vp-marketing-business]}
      sla: {any: {target: 24h, contacts: [{role: vp-marketing-business}]}}
    - id: technical
      label: Tech
      sla: {any: {target: 2h, contacts: [{role: operations-manager}]}}
",
    );
    let s = &c.support;
    assert_eq!(s.watcher.interval.0.as_secs(), 10);
    assert_eq!(s.warn_before("technical").as_secs(), 30 * 60);
    assert_eq!(s.warn_before("business").as_secs(), 2 * 3600);
    assert_eq!(s.max_warn_before().as_secs(), 2 * 3600);
    assert_eq!(
        s.level("business", 2).unwrap().roles,
        ["vp-marketing-business"]
    );
    assert_eq!(
        s.level("technical", 2).unwrap().roles,
        ["head-of-technology"]
    );
    assert_eq!(
        s.level("business", 3).unwrap().roles.len(),
        2,
        "not overridden"
    );
}

#[test]
fn level_and_watcher_mistakes_name_key_and_line() {
    let cases = [
        (
            "support:\n  levels:\n    1: {roles: [operations-manager]}\n    2: {roles: [cto]}\n    3: {roles: [technical-team]}\n",
            "support.levels.2.roles[0]",
            ":4",
        ),
        (
            "support:\n  levels:\n    1: {roles: [operations-manager]}\n    2: {roles: [head-of-technology]}\n    4: {roles: [technical-team]}\n",
            "support.levels.4",
            ":5",
        ),
        (
            "support:\n  levels:\n    1: {roles: [operations-manager]}\n    2: {roles: []}\n    3: {roles: [technical-team]}\n",
            "support.levels.2.roles",
            ":4",
        ),
        (
            "support:\n  levels:\n    1: {roles: [operations-manager]}\n",
            "level 2 is missing",
            ":2",
        ),
        (
            "support:\n  watcher:\n    interval: 0s\n",
            "support.watcher.interval",
            ":3",
        ),
        (
            "support:\n  watcher:\n    warn_before: 30d\n",
            "support.watcher.warn_before",
            ":3",
        ),
        ("support:\n  watcher:\n    every: 30s\n", "every", ":3"),
        (
            "support:\n  types:\n    - id: a\n      label: A\n      levels:\n        3: {roles: [nobody]}\n      sla: {any: {target: 2h, contacts: [{role: operations-manager}]}}\n",
            "support.types[0].levels.3.roles[0]",
            ":6",
        ),
    ];
    for (yaml, key, line) in cases {
        let err = Config::parse(yaml).expect_err(yaml).to_string();
        assert!(err.contains(key), "{yaml} → {err}");
        assert!(err.contains(&format!("ayuda.yaml{line}")), "{yaml} → {err}");
    }
}

/// `ayuda sla --json` keeps the contract's fields and adds the plan: reception, reminder,
/// warning (warn_before earlier), breach, each naming who is told; and levels 1 to 3.
#[test]
fn sla_prints_the_whole_plan() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("ayuda.yaml"),
        "support:\n  watcher:\n    warn_before: 1h\n",
    )
    .unwrap();
    let sla = |json: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ayuda"));
        cmd.args(["sla", "--type", "technical", "--at", "2026-03-07T10:00:00Z"])
            .arg("--root")
            .arg(root.path());
        cmd.arg(if json { "--json" } else { "--plan" });
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let v: serde_json::Value = serde_json::from_str(&sla(true)).unwrap();
    assert_eq!(v["first_response_target"], "2026-03-08T10:00:00+00:00");
    assert_eq!(v["contacts"][1]["role"], "head-of-technology");
    let plan: Vec<(String, String, String)> = v["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["at"].as_str().unwrap().to_string(),
                s["event"].as_str().unwrap().to_string(),
                s["notify"][0]["email"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let step = |at: &str, event: &str, who: &str| {
        (
            format!("2026-03-0{at}:00:00+00:00"),
            event.to_string(),
            format!("{who}@example.org"),
        )
    };
    assert_eq!(
        plan,
        [
            step("7T10", "ticket.created", "operations-manager"),
            step("8T09", "ticket.target_warning", "operations-manager"),
            step("8T10", "ticket.contact_notified", "head-of-technology"),
            step("8T10", "ticket.breached", "head-of-technology"),
        ]
    );
    assert_eq!(v["levels"][2]["notify"][1]["role"], "technical-team");
    let text = sla(false);
    assert!(
        text.contains("level 3  Level 3 · VP and technical team"),
        "{text}"
    );
    assert!(text.contains("ticket.breached"), "{text}");
}

/// `ayuda sla --locale` names roles and levels in that language; the default is the site's
/// default locale, and a locale the site does not have is an error naming the site's locales.
#[test]
fn sla_names_the_plan_in_the_asked_locale() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("ayuda.yaml"),
        "locales: [es, en]\ndefault_locale: es\n",
    )
    .unwrap();
    let sla = |locale: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ayuda"));
        cmd.args([
            "sla",
            "--type",
            "technical",
            "--at",
            "2026-03-07T10:00:00Z",
            "--plan",
        ])
        .arg("--root")
        .arg(root.path());
        if let Some(l) = locale {
            cmd.args(["--locale", l]);
        }
        cmd.output().unwrap()
    };
    let text = |out: std::process::Output| {
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let es = text(sla(None));
    assert!(es.contains("Nivel 3 · VP y equipo técnico"), "{es}");
    let en = text(sla(Some("en")));
    assert!(en.contains("Level 3 · VP and technical team"), "{en}");
    let fr = sla(Some("fr"));
    assert!(!fr.status.success());
    let err = String::from_utf8_lossy(&fr.stderr);
    assert!(
        err.contains("--locale fr") && err.contains("es, en"),
        "{err}"
    );
}

/// Without `--plan`, `ayuda sla` prints the contract's JSON as it always did (pretty), with the
/// plan inside: tooling that parses it keeps working.
#[test]
fn sla_without_flags_prints_the_contract_json() {
    let root = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ayuda"))
        .args(["sla", "--type", "technical", "--at", "2026-03-07T10:00:00Z"])
        .arg("--root")
        .arg(root.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "type",
        "received",
        "time_zone",
        "business_hours",
        "first_response_target",
        "first_response_breach",
        "contacts",
        "plan",
        "levels",
    ] {
        assert!(v.get(key).is_some(), "{key} missing: {v}");
    }
}
