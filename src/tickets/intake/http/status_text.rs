//! The words of the partner's status page and lookup form, in es, en and pt.

use serde_json::{Value, json};

/// The labels of the page (`status.labels` in `ticket_status.html`).
pub(super) fn labels(lang: &str) -> Value {
    match lang {
        "es" => json!({
            "title": "Estado de tu ticket", "reference": "Referencia", "subject": "Asunto",
            "type": "Tipo", "status": "Estado", "level": "Nivel de atención",
            "created": "Recibido", "first_response_due": "Primera respuesta a más tardar",
            "first_response_at": "Primera respuesta", "updated": "Última novedad",
            "notes": "Mensajes del equipo", "no_notes": "Aún no hay mensajes del equipo.",
            "lookup_title": "Consultar un ticket",
            "lookup_intro": "Escribe la referencia del ticket (por ejemplo T-7K3M-Q9) y la clave de tu empresa.",
            "partner_key": "Clave de la empresa", "lookup_button": "Ver el estado",
            "confirm_title": "¿Se resolvió tu problema?",
            "confirm_intro": "El equipo marcó este ticket como resuelto. Si no respondes, se cerrará como resuelto.",
            "solved": "Está resuelto", "reopen": "Sigue el problema",
            "comment": "Qué sigue fallando (opcional)",
            "survey_title": "Encuesta de satisfacción",
            "survey_invite": "Cuéntanos cómo valoras la ayuda (1 minuto)",
            "survey_answered": "Tu valoración", "of_five": "de 5",
        }),
        "pt" => json!({
            "title": "Estado do seu ticket", "reference": "Referência", "subject": "Assunto",
            "type": "Tipo", "status": "Estado", "level": "Nível de atendimento",
            "created": "Recebido", "first_response_due": "Primeira resposta no máximo",
            "first_response_at": "Primeira resposta", "updated": "Última novidade",
            "notes": "Mensagens da equipe", "no_notes": "Ainda não há mensagens da equipe.",
            "lookup_title": "Consultar um ticket",
            "lookup_intro": "Digite a referência do ticket (por exemplo T-7K3M-Q9) e a chave da sua empresa.",
            "partner_key": "Chave da empresa", "lookup_button": "Ver o estado",
            "confirm_title": "Seu problema foi resolvido?",
            "confirm_intro": "A equipe marcou este ticket como resolvido. Se você não responder, ele será fechado como resolvido.",
            "solved": "Está resolvido", "reopen": "O problema continua",
            "comment": "O que continua falhando (opcional)",
            "survey_title": "Pesquisa de satisfação",
            "survey_invite": "Conte como você avalia a ajuda (1 minuto)",
            "survey_answered": "Sua avaliação", "of_five": "de 5",
        }),
        _ => json!({
            "title": "Your ticket's status", "reference": "Reference", "subject": "Subject",
            "type": "Type", "status": "Status", "level": "Support level",
            "created": "Received", "first_response_due": "First response at the latest",
            "first_response_at": "First response", "updated": "Latest update",
            "notes": "Messages from the team", "no_notes": "No messages from the team yet.",
            "lookup_title": "Look up a ticket",
            "lookup_intro": "Enter the ticket's reference (for example T-7K3M-Q9) and your company's key.",
            "partner_key": "Company key", "lookup_button": "See the status",
            "confirm_title": "Is your problem solved?",
            "confirm_intro": "The team marked this ticket resolved. Without an answer it closes as solved.",
            "solved": "It's solved", "reopen": "Still a problem",
            "comment": "What still fails (optional)",
            "survey_title": "Satisfaction survey",
            "survey_invite": "Tell us how you rate the help (1 minute)",
            "survey_answered": "Your rating", "of_five": "of 5",
        }),
    }
}

/// A level without a name in `support.levels`: "Nivel 2".
pub(super) fn level(lang: &str, n: u8) -> String {
    match lang {
        "es" => format!("Nivel {n}"),
        "pt" => format!("Nível {n}"),
        _ => format!("Level {n}"),
    }
}

/// The one answer of the lookup for an unknown ticket and a wrong key alike.
pub(super) fn lookup_refused(lang: &str) -> &'static str {
    match lang {
        "es" => "No encontramos un ticket con esa referencia y esa clave. Revisa ambas.",
        "pt" => "Não encontramos um ticket com essa referência e essa chave. Confira as duas.",
        _ => "No ticket matches that reference and key. Check both.",
    }
}

/// A status link that is not ours or was changed.
pub(super) fn link_refused(lang: &str) -> (&'static str, &'static str) {
    match lang {
        "es" => (
            "Enlace no válido",
            "Este enlace está incompleto o fue modificado. Ábrelo de nuevo desde la página de confirmación o consulta el ticket con su referencia y la clave de tu empresa.",
        ),
        "pt" => (
            "Link inválido",
            "Este link está incompleto ou foi modificado. Abra-o novamente a partir da página de confirmação ou consulte o ticket com a referência e a chave da sua empresa.",
        ),
        _ => (
            "Invalid link",
            "This link is incomplete or was changed. Open it again from the confirmation page, or look the ticket up with its reference and your company's key.",
        ),
    }
}

/// Why the confirmation changed nothing: the ticket is no longer resolved.
pub(super) fn not_resolved(lang: &str, status_label: &str) -> String {
    match lang {
        "es" => format!("No se cambió nada: el ticket está en estado «{status_label}»."),
        "pt" => format!("Nada foi alterado: o ticket está no estado «{status_label}»."),
        _ => format!("Nothing changed: the ticket is {status_label}."),
    }
}
