//! The words of the action confirmation page, in es, en and pt.

use crate::tickets::escalation::lifecycle::Action;

/// A status as agents read it (`acknowledged` → "Acknowledged").
pub(super) fn status(lang: &str, s: &str) -> String {
    let t = match (lang, s) {
        ("es", "received") => "Recibido",
        ("es", "acknowledged") => "Respondido (primera respuesta dada)",
        ("es", "in_progress") => "En curso",
        ("es", "resolved") => "Resuelto",
        ("es", "closed") => "Cerrado",
        ("es", "reopened") => "Reabierto",
        ("pt", "received") => "Recebido",
        ("pt", "acknowledged") => "Respondido (primeira resposta dada)",
        ("pt", "in_progress") => "Em andamento",
        ("pt", "resolved") => "Resolvido",
        ("pt", "closed") => "Fechado",
        ("pt", "reopened") => "Reaberto",
        (_, "received") => "Received",
        (_, "acknowledged") => "Acknowledged (first response given)",
        (_, "in_progress") => "In progress",
        (_, "resolved") => "Resolved",
        (_, "closed") => "Closed",
        (_, "reopened") => "Reopened",
        _ => return s.to_string(),
    };
    t.to_string()
}

/// The page title and button for `action`.
pub(super) fn title(lang: &str, action: Action) -> &'static str {
    match (lang, action) {
        ("es", Action::Ack) => "Confirmar la primera respuesta",
        ("es", Action::Escalate) => "Escalar el ticket",
        ("es", Action::Resolve) => "Marcar el ticket como resuelto",
        ("pt", Action::Ack) => "Confirmar a primeira resposta",
        ("pt", Action::Escalate) => "Escalar o ticket",
        ("pt", Action::Resolve) => "Marcar o ticket como resolvido",
        (_, Action::Ack) => "Acknowledge the ticket",
        (_, Action::Escalate) => "Escalate the ticket",
        (_, Action::Resolve) => "Resolve the ticket",
        _ => "",
    }
}

/// What confirming does, said before the button.
pub(super) fn effect(lang: &str, action: Action, level: u8) -> String {
    let next = level.saturating_add(1);
    match (lang, action) {
        ("es", Action::Ack) => "Se registrará la primera respuesta ahora (cuenta para el SLA) y el equipo recibirá el aviso.".into(),
        ("es", Action::Escalate) => format!("El ticket pasará del nivel {level} al nivel {next} y se avisará al nuevo nivel."),
        ("es", Action::Resolve) => "El ticket quedará resuelto; el cliente podrá confirmarlo.".into(),
        ("pt", Action::Ack) => "A primeira resposta será registrada agora (conta para o SLA) e a equipe será avisada.".into(),
        ("pt", Action::Escalate) => format!("O ticket passará do nível {level} ao nível {next} e o novo nível será avisado."),
        ("pt", Action::Resolve) => "O ticket ficará resolvido; o cliente poderá confirmá-lo.".into(),
        (_, Action::Ack) => "The first response is recorded now (it counts for the SLA) and the team is notified.".into(),
        (_, Action::Escalate) => format!("The ticket moves from level {level} to level {next} and the new level is notified."),
        (_, Action::Resolve) => "The ticket is marked resolved; the partner may confirm it.".into(),
        _ => String::new(),
    }
}

/// The confirmation after the change was recorded.
pub(super) fn done(lang: &str, action: Action, level: u8) -> String {
    match (lang, action) {
        ("es", Action::Ack) => "Listo: el ticket quedó respondido.".into(),
        ("es", Action::Escalate) => format!("Listo: el ticket está en el nivel {level}."),
        ("es", Action::Resolve) => "Listo: el ticket quedó resuelto.".into(),
        ("pt", Action::Ack) => "Pronto: o ticket foi respondido.".into(),
        ("pt", Action::Escalate) => format!("Pronto: o ticket está no nível {level}."),
        ("pt", Action::Resolve) => "Pronto: o ticket foi resolvido.".into(),
        (_, Action::Ack) => "Done: the ticket is acknowledged.".into(),
        (_, Action::Escalate) => format!("Done: the ticket is at level {level}."),
        (_, Action::Resolve) => "Done: the ticket is resolved.".into(),
        _ => String::new(),
    }
}

/// Why nothing changed: the ticket's state no longer allows the action.
pub(super) fn refused(lang: &str, status_label: &str) -> String {
    match lang {
        "es" => format!(
            "No se cambió nada: el ticket ya está en estado «{status_label}» y esta acción ya no corresponde."
        ),
        "pt" => format!(
            "Nada foi alterado: o ticket já está no estado «{status_label}» e esta ação não se aplica mais."
        ),
        _ => format!(
            "Nothing changed: the ticket is already {status_label}, so this action no longer applies."
        ),
    }
}

/// Labels of the page: reference, subject, status, acting as, the button.
pub(super) struct Labels {
    pub reference: &'static str,
    pub subject: &'static str,
    pub status: &'static str,
    pub actor: &'static str,
    pub level: &'static str,
    pub confirm: &'static str,
}

pub(super) fn labels(lang: &str) -> Labels {
    match lang {
        "es" => Labels {
            reference: "Referencia",
            subject: "Asunto",
            status: "Estado actual",
            actor: "Actúas como",
            level: "Nivel",
            confirm: "Confirmar",
        },
        "pt" => Labels {
            reference: "Referência",
            subject: "Assunto",
            status: "Estado atual",
            actor: "Você age como",
            level: "Nível",
            confirm: "Confirmar",
        },
        _ => Labels {
            reference: "Reference",
            subject: "Subject",
            status: "Current status",
            actor: "Acting as",
            level: "Level",
            confirm: "Confirm",
        },
    }
}

/// Titles of the refusals: an invalid or expired link, an unknown ticket.
pub(super) fn link_refused(lang: &str, expired: bool) -> (&'static str, &'static str) {
    match (lang, expired) {
        ("es", true) => (
            "El enlace venció",
            "Este enlace ya no es válido. Usa el enlace de un aviso más reciente o la línea de comandos (ayuda tickets).",
        ),
        ("es", false) => (
            "Enlace no válido",
            "Este enlace está incompleto o fue modificado. Ábrelo de nuevo desde el aviso original.",
        ),
        ("pt", true) => (
            "O link expirou",
            "Este link não é mais válido. Use o link de um aviso mais recente ou a linha de comando (ayuda tickets).",
        ),
        ("pt", false) => (
            "Link inválido",
            "Este link está incompleto ou foi modificado. Abra-o novamente a partir do aviso original.",
        ),
        (_, true) => (
            "The link has expired",
            "This link is no longer valid. Use the link of a more recent notification, or the command line (ayuda tickets).",
        ),
        (_, false) => (
            "Invalid link",
            "This link is incomplete or was changed. Open it again from the original notification.",
        ),
    }
}

pub(super) fn not_found(lang: &str) -> &'static str {
    match lang {
        "es" => "Ticket no encontrado",
        "pt" => "Ticket não encontrado",
        _ => "Ticket not found",
    }
}
