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
