//! Tests of the configuration's loading and checks.

use super::*;

#[test]
fn empty_config_is_default() {
    let c = Config::parse("").unwrap();
    assert_eq!(c.permalink, "/{locale}/articles/{slug}/");
    assert_eq!(c.default_locale(), "en");
}

#[test]
fn unknown_key_names_key_and_line() {
    let err = Config::parse("title: Help\nbase_url: https://help.example.org\ncolour: red\n")
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("colour"), "{msg}");
    assert!(msg.contains(":3"), "{msg}");
}

#[test]
fn bad_value_names_key_and_line() {
    let err = Config::parse("title: Help\nbase_url: help.example.org\n").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("ayuda.yaml:2"), "{msg}");
    assert!(msg.contains("base_url"), "{msg}");
}

#[test]
fn locales_accept_codes_and_objects() {
    let c = Config::parse(
        "default_locale: es\nlocales:\n  - es\n  - {code: pt, name: Português (Brasil)}\n",
    )
    .unwrap();
    let ls = c.configured_locales();
    assert_eq!(ls[0].name, "Español");
    assert_eq!(ls[1].name, "Português (Brasil)");
    assert_eq!(c.default_locale(), "es");
}

#[test]
fn default_locale_must_be_listed() {
    let err = Config::parse("default_locale: fr\nlocales: [es, en]\n").unwrap_err();
    assert!(err.to_string().contains("default_locale"));
}

#[test]
fn saved_configuration_reads_back_the_same() {
    let c = Config::parse(
        "title: {es: Ayuda, en: Help}\nbase_url: https://help.example.org\ndefault_locale: es\nlocales: [es, {code: en, name: English}]\nlegacy_article_urls: ['https://old.example.org/a/{id}']\n",
    )
    .unwrap();
    let text = crate::yaml::to_string(&c).unwrap();
    let back = Config::parse(&text).unwrap();
    assert_eq!(back.title("en"), "Help");
    assert_eq!(back.configured_locales(), c.configured_locales());
    assert_eq!(back.legacy_article_urls, c.legacy_article_urls);
    assert_eq!(
        crate::yaml::to_string(&back).unwrap(),
        text,
        "saving is stable"
    );
}

#[test]
fn server_settings_are_checked_with_key_and_line() {
    let err = Config::parse("title: Help\nserver:\n  header_timeout_seconds: 0\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("server.header_timeout_seconds"), "{err}");
    assert!(err.contains("ayuda.yaml:3"), "{err}");
    let err = Config::parse("server:\n  trusted_proxies: [10.0.0.0/8, proxy.example.org]\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("proxy.example.org"), "{err}");
    let ok = Config::parse("server:\n  trusted_proxies: [10.0.0.0/8, 192.0.2.1]\n").unwrap();
    assert_eq!(ok.server.proxy_networks().unwrap().len(), 2);
}

#[test]
fn values_that_would_break_the_service_name_key_and_line() {
    let cases = [
        (
            "support:\n  deliveries:\n    concurrency: 18446744073709551615\n",
            "support.deliveries.concurrency",
            3,
        ),
        (
            "support:\n  deliveries:\n    concurrency: 0\n",
            "support.deliveries.concurrency",
            3,
        ),
        (
            "title: Help\nsearch:\n  title_boost: .nan\n",
            "search.title_boost",
            3,
        ),
        (
            "search:\n  max_token_length: 0\n",
            "search.max_token_length",
            2,
        ),
        (
            "search:\n  synonyms:\n    es:\n      - [factura, boleta]\n      - [solo]\n",
            "search.synonyms.es[1]",
            5,
        ),
        (
            "support:\n  limits:\n    subject_min: 10\n    subject_max: 5\n",
            "support.limits.subject_min",
            3,
        ),
        (
            "support:\n  limits:\n    name_max: 0\n",
            "support.limits.name_max",
            3,
        ),
        (
            "support:\n  form:\n    max_age_hours: 18446744073709551615\n",
            "support.form.max_age_hours",
            3,
        ),
        (
            "support:\n  form:\n    min_fill_seconds: 18446744073709551615\n",
            "support.form.min_fill_seconds",
            3,
        ),
        (
            "support:\n  deliveries:\n    backoff_initial: 10m\n    backoff_max: 1m\n",
            "support.deliveries.backoff_max",
            4,
        ),
        (
            "support:\n  targets:\n    - {kind: jsonl, path: ../../etc/cron.d/x}\n",
            "support.targets[0].path",
            3,
        ),
        (
            "support:\n  targets:\n    - kind: jsonl\n      path: /var/log/x.jsonl\n",
            "support.targets[0].path",
            4,
        ),
    ];
    for (yaml, key, line) in cases {
        let msg = Config::parse(yaml).expect_err(yaml).to_string();
        assert!(msg.contains(key), "{yaml}: {msg}");
        assert!(
            msg.starts_with(&format!("ayuda.yaml:{line}:")),
            "{yaml}: {msg}"
        );
    }
}

#[test]
fn shape_errors_say_what_the_key_accepts() {
    let cases = [
        ("title: [Help, Ayuda]\n", "title", "one text per locale"),
        ("locales:\n  - [es]\n", "locales", "locale code"),
        (
            "support:\n  business_hours:\n    monday: {from: 9}\n",
            "support.business_hours.monday",
            "09:00-18:00",
        ),
        (
            "support:\n  deliveries: {timeout: 5x}\n",
            "support.deliveries.timeout",
            "`2h`, `90m`",
        ),
    ];
    for (yaml, key, accepts) in cases {
        let msg = Config::parse(yaml).expect_err(yaml).to_string();
        assert!(!msg.contains("untagged"), "{yaml}: {msg}");
        assert!(msg.contains(accepts), "{yaml}: {msg}");
        assert!(msg.contains(key), "{yaml}: {msg}");
    }
}

#[test]
fn title_per_locale() {
    let c = Config::parse("title: {es: Ayuda, en: Help}\ndefault_locale: es\n").unwrap();
    assert_eq!(c.title("en"), "Help");
    assert_eq!(c.title("pt"), "Ayuda");
}
