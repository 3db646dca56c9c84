//! The words of the satisfaction survey, in es, en and pt.

use serde_json::{Value, json};

/// The labels of the page (`survey.labels` in `ticket_survey.html`); `score_1`…`score_5` name
/// the scores in words, so the radio group never relies on stars or numbers alone.
pub(super) fn labels(lang: &str) -> Value {
    match lang {
        "es" => json!({
            "title": "Encuesta de satisfacción", "reference": "Referencia", "subject": "Asunto",
            "intro": "El ticket está cerrado. ¿Cómo valoras la ayuda que recibiste?",
            "legend": "Tu valoración",
            "score_1": "Muy insatisfecho", "score_2": "Insatisfecho", "score_3": "Ni satisfecho ni insatisfecho",
            "score_4": "Satisfecho", "score_5": "Muy satisfecho",
            "comment": "Comentario (opcional)", "submit": "Enviar respuesta",
            "one_answer": "Se guarda una sola respuesta por ticket.",
            "thanks": "¡Gracias por tu respuesta!", "your_answer": "Tu respuesta",
            "your_comment": "Tu comentario", "of_five": "de 5",
            "status_link": "Ver el estado del ticket",
        }),
        "pt" => json!({
            "title": "Pesquisa de satisfação", "reference": "Referência", "subject": "Assunto",
            "intro": "O ticket está fechado. Como você avalia a ajuda que recebeu?",
            "legend": "Sua avaliação",
            "score_1": "Muito insatisfeito", "score_2": "Insatisfeito", "score_3": "Nem satisfeito nem insatisfeito",
            "score_4": "Satisfeito", "score_5": "Muito satisfeito",
            "comment": "Comentário (opcional)", "submit": "Enviar resposta",
            "one_answer": "Guardamos uma só resposta por ticket.",
            "thanks": "Obrigado pela sua resposta!", "your_answer": "Sua resposta",
            "your_comment": "Seu comentário", "of_five": "de 5",
            "status_link": "Ver o estado do ticket",
        }),
        _ => json!({
            "title": "Satisfaction survey", "reference": "Reference", "subject": "Subject",
            "intro": "The ticket is closed. How would you rate the help you received?",
            "legend": "Your rating",
            "score_1": "Very dissatisfied", "score_2": "Dissatisfied", "score_3": "Neither satisfied nor dissatisfied",
            "score_4": "Satisfied", "score_5": "Very satisfied",
            "comment": "Comment (optional)", "submit": "Send answer",
            "one_answer": "One answer is kept per ticket.",
            "thanks": "Thank you for your answer!", "your_answer": "Your answer",
            "your_comment": "Your comment", "of_five": "of 5",
            "status_link": "See the ticket's status",
        }),
    }
}

/// The score in words (`Satisfecho`), from the labels.
pub(super) fn score_label(lang: &str, score: u8) -> String {
    labels(lang)[format!("score_{score}")]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Why the survey cannot be answered (yet, or again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Why {
    /// A signature that does not match.
    Tampered,
    Expired,
    /// The ticket is not closed; the status label is given with it.
    NotClosed,
    /// The survey was answered already.
    Answered,
    /// The score is missing or not 1 to 5.
    Score,
    /// The comment is longer than the limit.
    CommentTooLong,
}

/// The message of `why` (`status` is the ticket's status in words, for [`Why::NotClosed`]).
pub(super) fn message(lang: &str, why: Why, status: &str, max_comment: usize) -> String {
    match (lang, why) {
        ("es", Why::Tampered) => "Este enlace de la encuesta está incompleto o fue modificado. Ábrelo de nuevo desde el correo o desde la página de estado del ticket.".into(),
        ("pt", Why::Tampered) => "Este link da pesquisa está incompleto ou foi modificado. Abra-o novamente a partir do e-mail ou da página de estado do ticket.".into(),
        (_, Why::Tampered) => "This survey link is incomplete or was changed. Open it again from the email or from the ticket's status page.".into(),
        ("es", Why::Expired) => "Este enlace de la encuesta caducó. La página de estado del ticket ofrece uno nuevo.".into(),
        ("pt", Why::Expired) => "Este link da pesquisa expirou. A página de estado do ticket oferece um novo.".into(),
        (_, Why::Expired) => "This survey link has expired. The ticket's status page offers a new one.".into(),
        ("es", Why::NotClosed) => format!("La encuesta se abre cuando el ticket está cerrado; ahora está en estado «{status}»."),
        ("pt", Why::NotClosed) => format!("A pesquisa abre quando o ticket está fechado; agora ele está no estado «{status}»."),
        (_, Why::NotClosed) => format!("The survey opens once the ticket is closed; it is {status} now."),
        ("es", Why::Answered) => "Ya respondiste esta encuesta: se guarda una sola respuesta por ticket, y la tuya está abajo.".into(),
        ("pt", Why::Answered) => "Você já respondeu a esta pesquisa: guardamos uma só resposta por ticket, e a sua está abaixo.".into(),
        (_, Why::Answered) => "You answered this survey already: one answer is kept per ticket, and yours is below.".into(),
        ("es", Why::Score) => "Elige una valoración del 1 (muy insatisfecho) al 5 (muy satisfecho).".into(),
        ("pt", Why::Score) => "Escolha uma avaliação de 1 (muito insatisfeito) a 5 (muito satisfeito).".into(),
        (_, Why::Score) => "Choose a rating from 1 (very dissatisfied) to 5 (very satisfied).".into(),
        ("es", Why::CommentTooLong) => format!("El comentario admite como máximo {max_comment} caracteres."),
        ("pt", Why::CommentTooLong) => format!("O comentário aceita no máximo {max_comment} caracteres."),
        (_, Why::CommentTooLong) => format!("The comment takes at most {max_comment} characters."),
    }
}
