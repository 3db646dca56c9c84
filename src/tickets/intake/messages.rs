//! Messages partners read (field errors, refusals, SLA hints) in es, en and pt.
//!
//! They live here rather than in the theme's i18n files because the API answers in the partner's
//! language even when no site was built; theme strings with the same key (`ticket_error_<code>`)
//! override them on the HTML pages.

/// Languages with message tables; anything else falls back to English.
pub const LANGUAGES: [&str; 3] = ["es", "en", "pt"];

/// A message code with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    Required,
    TooShort(usize),
    TooLong(usize),
    Email,
    UnknownType,
    UnknownLocale,
    BadPage,
    TooManyItems(usize),
    TooFast,
    FormExpired,
    MissingKey,
    BadKey,
    RateLimited(u64),
    TooLarge(usize),
    Origin,
    Rejected,
    OneLine,
    Characters,
    Unsupported,
    Unavailable,
    Confirm,
    /// More files than `support.attachments.max_files`.
    TooManyFiles(usize),
    /// A file over `max_file_bytes`.
    FileTooLarge(usize),
    /// The files together over `max_total_bytes`.
    FilesTooLarge(usize),
    /// A file whose extension is not allowed or whose content does not match it.
    FileType,
    /// Files cannot be kept when the form is sent back: attach them again.
    AttachAgain,
}

impl Msg {
    /// Every message, with sample parameters: for tests that read them all.
    pub fn examples() -> [Msg; 26] {
        [
            Msg::Required,
            Msg::TooShort(3),
            Msg::TooLong(9),
            Msg::Email,
            Msg::UnknownType,
            Msg::UnknownLocale,
            Msg::BadPage,
            Msg::TooManyItems(2),
            Msg::TooFast,
            Msg::FormExpired,
            Msg::MissingKey,
            Msg::BadKey,
            Msg::RateLimited(5),
            Msg::TooLarge(65536),
            Msg::Origin,
            Msg::Rejected,
            Msg::OneLine,
            Msg::Characters,
            Msg::Unsupported,
            Msg::Unavailable,
            Msg::Confirm,
            Msg::TooManyFiles(5),
            Msg::FileTooLarge(10 * 1024 * 1024),
            Msg::FilesTooLarge(20 * 1024 * 1024),
            Msg::FileType,
            Msg::AttachAgain,
        ]
    }

    /// The stable code of the message (`required`), also the suffix of its theme i18n key.
    pub fn code(self) -> &'static str {
        match self {
            Msg::Required => "required",
            Msg::TooShort(_) => "too_short",
            Msg::TooLong(_) => "too_long",
            Msg::Email => "email",
            Msg::UnknownType => "unknown_type",
            Msg::UnknownLocale => "unknown_locale",
            Msg::BadPage => "bad_page",
            Msg::TooManyItems(_) => "too_many_items",
            Msg::TooFast => "too_fast",
            Msg::FormExpired => "form_expired",
            Msg::MissingKey => "missing_key",
            Msg::BadKey => "bad_key",
            Msg::RateLimited(_) => "rate_limited",
            Msg::TooLarge(_) => "too_large",
            Msg::Origin => "origin",
            Msg::Rejected => "rejected",
            Msg::OneLine => "one_line",
            Msg::Characters => "characters",
            Msg::Unsupported => "unsupported",
            Msg::Unavailable => "unavailable",
            Msg::Confirm => "confirm",
            Msg::TooManyFiles(_) => "too_many_files",
            Msg::FileTooLarge(_) => "file_too_large",
            Msg::FilesTooLarge(_) => "files_too_large",
            Msg::FileType => "file_type",
            Msg::AttachAgain => "attach_again",
        }
    }

    /// The message in `lang` (es, en, pt; English otherwise).
    pub fn text(self, lang: &str) -> String {
        let l = lang_of(lang);
        let pick = |es: &str, en: &str, pt: &str| -> String {
            match l {
                "es" => es.to_string(),
                "pt" => pt.to_string(),
                _ => en.to_string(),
            }
        };
        match self {
            Msg::Required => pick(
                "Este campo es obligatorio.",
                "This field is required.",
                "Este campo é obrigatório.",
            ),
            Msg::TooShort(n) => pick(
                &format!("Escribe al menos {n} caracteres."),
                &format!("Write at least {n} characters."),
                &format!("Escreva pelo menos {n} caracteres."),
            ),
            Msg::TooLong(n) => pick(
                &format!("Usa como máximo {n} caracteres."),
                &format!("Use at most {n} characters."),
                &format!("Use no máximo {n} caracteres."),
            ),
            Msg::Email => pick(
                "Escribe una dirección de correo válida, como nombre@empresa.com.",
                "Enter a valid email address, such as name@company.com.",
                "Informe um endereço de e-mail válido, como nome@empresa.com.",
            ),
            Msg::UnknownType => pick(
                "Elige un tipo de ticket de la lista.",
                "Choose a ticket type from the list.",
                "Escolha um tipo de ticket da lista.",
            ),
            Msg::UnknownLocale => pick(
                "Idioma no disponible.",
                "Language not available.",
                "Idioma não disponível.",
            ),
            Msg::BadPage => pick(
                "La página de origen no es una dirección válida.",
                "The page you came from is not a valid address.",
                "A página de origem não é um endereço válido.",
            ),
            Msg::TooManyItems(n) => pick(
                &format!("Como máximo {n} elementos."),
                &format!("At most {n} items."),
                &format!("No máximo {n} itens."),
            ),
            Msg::TooFast => pick(
                "Enviaste el formulario demasiado rápido. Revísalo y envíalo de nuevo.",
                "The form was sent too quickly. Please check it and send it again.",
                "O formulário foi enviado rápido demais. Revise-o e envie novamente.",
            ),
            Msg::FormExpired => pick(
                "El formulario caducó. Revisa tus datos y envíalo de nuevo.",
                "The form expired. Please check your details and send it again.",
                "O formulário expirou. Revise seus dados e envie novamente.",
            ),
            Msg::MissingKey => pick(
                "Falta la clave de partner. Escríbela tal como la recibiste del equipo de soporte.",
                "The partner key is missing. Enter it exactly as the support team gave it to you.",
                "Falta a chave de parceiro. Digite-a exatamente como recebeu da equipe de suporte.",
            ),
            Msg::BadKey => pick(
                "La clave de partner no es válida o fue revocada. Revísala o pide una nueva al equipo de soporte.",
                "The partner key is not valid or was revoked. Check it or ask the support team for a new one.",
                "A chave de parceiro não é válida ou foi revogada. Verifique-a ou peça uma nova à equipe de suporte.",
            ),
            Msg::RateLimited(s) => pick(
                &format!("Demasiados intentos. Inténtalo de nuevo en {s} s."),
                &format!("Too many requests. Try again in {s} s."),
                &format!("Tentativas demais. Tente novamente em {s} s."),
            ),
            Msg::TooLarge(n) => pick(
                &format!("El envío es demasiado grande (máximo {} KB).", n / 1024),
                &format!("The request is too large (at most {} KB).", n / 1024),
                &format!("O envio é grande demais (no máximo {} KB).", n / 1024),
            ),
            Msg::Origin => pick(
                "El formulario debe enviarse desde el centro de ayuda.",
                "The form must be sent from the help center.",
                "O formulário deve ser enviado a partir da central de ajuda.",
            ),
            Msg::Rejected => pick("Envío rechazado.", "Request rejected.", "Envio recusado."),
            Msg::OneLine => pick(
                "Escribe este campo en una sola línea.",
                "Write this field on a single line.",
                "Escreva este campo em uma única linha.",
            ),
            Msg::Characters => pick(
                "Quita los caracteres invisibles de control o de dirección del texto.",
                "Remove the invisible control or text-direction characters.",
                "Remova os caracteres invisíveis de controle ou de direção do texto.",
            ),
            Msg::Unsupported => pick(
                "Envía JSON o un formulario (application/x-www-form-urlencoded).",
                "Send JSON or a form (application/x-www-form-urlencoded).",
                "Envie JSON ou um formulário (application/x-www-form-urlencoded).",
            ),
            Msg::Confirm => pick(
                "Por seguridad, revisa el formulario y envíalo de nuevo.",
                "For your security, please check the form and send it again.",
                "Por segurança, revise o formulário e envie novamente.",
            ),
            Msg::Unavailable => pick(
                "No pudimos registrar tu ticket. Inténtalo de nuevo en unos minutos.",
                "We could not record your ticket. Please try again in a few minutes.",
                "Não conseguimos registrar seu ticket. Tente novamente em alguns minutos.",
            ),
            Msg::TooManyFiles(n) => pick(
                &format!("Adjunta como máximo {n} archivos."),
                &format!("Attach at most {n} files."),
                &format!("Anexe no máximo {n} arquivos."),
            ),
            Msg::FileTooLarge(n) => pick(
                &format!("Cada archivo puede pesar como máximo {}.", size(n)),
                &format!("Each file may be at most {}.", size(n)),
                &format!("Cada arquivo pode ter no máximo {}.", size(n)),
            ),
            Msg::FilesTooLarge(n) => pick(
                &format!("Los archivos juntos pueden pesar como máximo {}.", size(n)),
                &format!("The files together may be at most {}.", size(n)),
                &format!("Os arquivos juntos podem ter no máximo {}.", size(n)),
            ),
            Msg::FileType => pick(
                "Este tipo de archivo no se acepta, o su contenido no corresponde a su extensión. Usa uno de los tipos indicados.",
                "This type of file is not accepted, or its content does not match its extension. Use one of the types listed.",
                "Este tipo de arquivo não é aceito, ou o conteúdo não corresponde à extensão. Use um dos tipos indicados.",
            ),
            Msg::AttachAgain => pick(
                "Vuelve a adjuntar tus archivos: no se conservan cuando el formulario tiene errores.",
                "Attach your files again: they are not kept when the form has errors.",
                "Anexe seus arquivos novamente: eles não são mantidos quando o formulário tem erros.",
            ),
        }
    }
}

/// A byte count for people: `10 MB`, `512 KB`.
pub fn size(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// The message table language for a locale code (`pt-BR` → `pt`; unknown → `en`).
pub fn lang_of(locale: &str) -> &'static str {
    match locale.split(['-', '_']).next().unwrap_or("") {
        "es" => "es",
        "pt" => "pt",
        _ => "en",
    }
}

/// The first supported language in an `Accept-Language` header.
pub fn from_accept_language(header: &str) -> Option<&'static str> {
    header
        .split(',')
        .filter_map(|part| part.split(';').next())
        .map(str::trim)
        .find_map(|tag| match tag.split(['-', '_']).next()? {
            "es" => Some("es"),
            "pt" => Some("pt"),
            "en" => Some("en"),
            _ => None,
        })
}

/// A human SLA hint for the form (`Respuesta en 2 h hábiles`).
pub fn sla_hint(lang: &str, hours_target: f64, business: bool, breach_hours: f64) -> String {
    let h = |x: f64| {
        if x.fract() == 0.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        }
    };
    let (t, b) = (h(hours_target), h(breach_hours));
    let range = if breach_hours > hours_target {
        format!("{t}–{b}")
    } else {
        t
    };
    match (lang_of(lang), business) {
        ("es", true) => format!("Primera respuesta en {range} h hábiles"),
        ("es", false) => format!("Primera respuesta en {range} h"),
        ("pt", true) => format!("Primeira resposta em {range} h úteis"),
        ("pt", false) => format!("Primeira resposta em {range} h"),
        (_, true) => format!("First response within {range} business hours"),
        (_, false) => format!("First response within {range} hours"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_exists_in_every_language() {
        for m in Msg::examples() {
            let es = m.text("es");
            let en = m.text("en");
            let pt = m.text("pt");
            assert!(!es.is_empty() && !en.is_empty() && !pt.is_empty());
            assert_ne!(es, en, "{m:?}");
            assert_ne!(pt, en, "{m:?}");
        }
    }

    #[test]
    fn accept_language_picks_first_supported() {
        assert_eq!(
            from_accept_language("fr-FR, pt-BR;q=0.8, en;q=0.5"),
            Some("pt")
        );
        assert_eq!(from_accept_language("de"), None);
    }
}
