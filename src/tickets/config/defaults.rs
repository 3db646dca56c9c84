//! The defaults: the support procedure's escalation matrix with example.org role addresses.

use super::*;

fn labels(es: &str, en: &str, pt: &str) -> Localized {
    Localized::PerLocale(BTreeMap::from([
        ("es".to_string(), es.to_string()),
        ("en".to_string(), en.to_string()),
        ("pt".to_string(), pt.to_string()),
    ]))
}

fn step(role: &str, due: Option<i64>) -> ChainStep {
    ChainStep {
        role: role.into(),
        due: due.map(Dur::hours),
    }
}

/// The procedure's escalation matrix: 2–3 business hours becomes target 2 h, breach 3 h.
fn default_types() -> Vec<RequestType> {
    let business_2_3 = |role: &str| SlaRule {
        target: Dur::hours(2),
        breach: Some(Dur::hours(3)),
        clock: Clock::Business,
        contacts: vec![step(role, None)],
    };
    vec![
        RequestType {
            id: "operations".into(),
            label: labels(
                "Dudas y operaciones del día a día",
                "Day-to-day operations questions",
                "Dúvidas e operações do dia a dia",
            ),
            levels: BTreeMap::new(),
            warn_before: None,
            sla: SlaRules {
                any: Some(business_2_3("operations-manager")),
                ..Default::default()
            },
        },
        RequestType {
            id: "technical".into(),
            label: labels(
                "Error o pregunta técnica",
                "Technical error or question",
                "Erro ou pergunta técnica",
            ),
            levels: BTreeMap::new(),
            warn_before: None,
            sla: SlaRules {
                business_hours: Some(business_2_3("operations-manager")),
                outside_business_hours: Some(SlaRule {
                    target: Dur::hours(24),
                    breach: None,
                    clock: Clock::Calendar,
                    contacts: vec![
                        step("operations-manager", None),
                        step("head-of-technology", Some(48)),
                    ],
                }),
                any: None,
            },
        },
        RequestType {
            id: "business".into(),
            label: labels(
                "Preguntas de marketing y negocio",
                "Marketing and business questions",
                "Perguntas de marketing e negócios",
            ),
            levels: BTreeMap::new(),
            warn_before: None,
            sla: SlaRules {
                any: Some(SlaRule {
                    target: Dur::hours(24),
                    breach: None,
                    clock: Clock::Calendar,
                    contacts: vec![step("vp-marketing-business", None)],
                }),
                ..Default::default()
            },
        },
    ]
}

fn role(es: &str, en: &str, pt: &str, email: &str) -> ContactRole {
    ContactRole {
        name: Some(labels(es, en, pt)),
        email: Some(email.into()),
        slack: None,
    }
}

fn default_contacts() -> BTreeMap<String, ContactRole> {
    BTreeMap::from([
        (
            "operations-manager".into(),
            role(
                "Gerente de operaciones",
                "Operations manager",
                "Gerente de operações",
                "operations-manager@example.org",
            ),
        ),
        (
            "head-of-technology".into(),
            role(
                "Jefe de tecnología",
                "Head of technology",
                "Chefe de tecnologia",
                "head-of-technology@example.org",
            ),
        ),
        (
            "executive-vp".into(),
            role(
                "VP (nivel ejecutivo)",
                "Executive VP",
                "VP (nível executivo)",
                "executive-vp@example.org",
            ),
        ),
        (
            "technical-team".into(),
            role(
                "Equipo técnico",
                "Technical team",
                "Equipe técnica",
                "technical-team@example.org",
            ),
        ),
        (
            "vp-marketing-business".into(),
            role(
                "VP de marketing y negocio",
                "VP marketing and business",
                "VP de marketing e negócios",
                "vp-marketing-business@example.org",
            ),
        ),
    ])
}

/// The procedure's levels: the ticket administrator and first line (operations manager), then
/// level 2 with the head of technology, then the VP and the technical team.
fn default_levels() -> BTreeMap<u8, Level> {
    let level = |name: Localized, roles: &[&str]| Level {
        name: Some(name),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    };
    BTreeMap::from([
        (
            1,
            level(
                labels(
                    "Nivel 1 · administración de tickets y primera línea",
                    "Level 1 · ticket administration and first line",
                    "Nível 1 · administração de tickets e primeira linha",
                ),
                &["operations-manager"],
            ),
        ),
        (
            2,
            level(
                labels(
                    "Nivel 2 · jefe de tecnología",
                    "Level 2 · head of technology",
                    "Nível 2 · chefe de tecnologia",
                ),
                &["head-of-technology"],
            ),
        ),
        (
            3,
            level(
                labels(
                    "Nivel 3 · VP y equipo técnico",
                    "Level 3 · VP and technical team",
                    "Nível 3 · VP e equipe técnica",
                ),
                &["executive-vp", "technical-team"],
            ),
        ),
    ])
}

impl Default for SupportConfig {
    fn default() -> Self {
        SupportConfig {
            enabled: true,
            time_zone: "UTC".into(),
            business_hours: WeekHours::default(),
            holidays: Vec::new(),
            partner_key_required: true,
            types: default_types(),
            contacts: default_contacts(),
            levels: default_levels(),
            watcher: WatcherConfig::default(),
            auto_close_after: Dur(jiff::SignedDuration::from_hours(5 * 24)),
            targets: vec![TargetConfig {
                path: Some("deliveries.jsonl".into()),
                ..TargetConfig::of(TargetKind::Jsonl)
            }],
            limits: Limits::default(),
            form: FormGuard::default(),
            deliveries: DeliveryPolicy::default(),
            secret_env: "AYUDA_TICKETS_SECRET".into(),
            links: Default::default(),
            events_api: Default::default(),
            partner_email: Default::default(),
            attachments: Default::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_match_the_matrix() {
        let c = SupportConfig::default();
        c.validate().unwrap();
        let tech = c.request_type("technical").unwrap();
        let inside = tech.sla.rule(true).unwrap();
        assert_eq!(inside.target.0, SignedDuration::from_hours(2));
        assert_eq!(inside.breach(), SignedDuration::from_hours(3));
        assert_eq!(inside.clock, Clock::Business);
        let outside = tech.sla.rule(false).unwrap();
        assert_eq!(outside.breach(), SignedDuration::from_hours(24));
        assert_eq!(outside.contacts[1].role, "head-of-technology");
        for r in c.contacts.values() {
            assert!(r.email.as_deref().unwrap().ends_with("@example.org"));
        }
    }
}

#[cfg(test)]
mod auto_close_tests {
    use super::*;

    #[test]
    fn auto_close_after_defaults_to_five_days_and_reads_days() {
        assert_eq!(
            SupportConfig::default().auto_close_after.0,
            SignedDuration::from_hours(120)
        );
        let c = crate::Config::parse("support:\n  auto_close_after: 3d\n").unwrap();
        assert_eq!(c.support.auto_close_after.0, SignedDuration::from_hours(72));
        let c = crate::Config::parse("support:\n  auto_close_after: 2d 12h\n").unwrap();
        assert_eq!(c.support.auto_close_after.0, SignedDuration::from_hours(60));
        for bad in ["soon", "10m", "91d", "1mo"] {
            let yaml = format!("support:\n  auto_close_after: {bad}\n");
            let e = crate::Config::parse(&yaml).unwrap_err().to_string();
            assert!(e.contains("support.auto_close_after"), "{bad}: {e}");
        }
    }
}
