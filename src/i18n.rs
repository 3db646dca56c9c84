//! Locale-aware formatting that templates cannot do themselves (Tera has no date filter).

use jiff::Timestamp;

const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];
const MONTHS_PT: [&str; 12] = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date as readers of `locale` write it: `8 de enero de 2024`, `January 8, 2024`.
pub fn format_date(ts: Timestamp, locale: &str) -> String {
    let d = ts.to_zoned(jiff::tz::TimeZone::UTC).date();
    let m = (d.month() - 1) as usize;
    match locale.split(['-', '_']).next().unwrap_or(locale) {
        "es" => format!("{} de {} de {}", d.day(), MONTHS_ES[m], d.year()),
        "pt" => format!("{} de {} de {}", d.day(), MONTHS_PT[m], d.year()),
        "en" => format!("{} {}, {}", MONTHS_EN[m], d.day(), d.year()),
        _ => d.to_string(),
    }
}

/// A date and time in a time zone, as readers of `locale` write it: `8 de enero de 2024, 14:30 (America/Bogota)`.
pub fn format_datetime(ts: Timestamp, tz: &jiff::tz::TimeZone, locale: &str) -> String {
    let z = ts.to_zoned(tz.clone());
    let date = format_date(
        z.datetime()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|u| u.timestamp())
            .unwrap_or(ts),
        locale,
    );
    let name = tz.iana_name().unwrap_or("UTC");
    format!("{date}, {:02}:{:02} ({name})", z.hour(), z.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_per_locale() {
        let ts: Timestamp = "2024-01-08T19:15:40Z".parse().unwrap();
        assert_eq!(format_date(ts, "es"), "8 de enero de 2024");
        assert_eq!(format_date(ts, "pt"), "8 de janeiro de 2024");
        assert_eq!(format_date(ts, "en"), "January 8, 2024");
        assert_eq!(format_date(ts, "de"), "2024-01-08");
    }

    #[test]
    fn datetime_in_zone() {
        let ts: Timestamp = "2024-01-08T19:15:40Z".parse().unwrap();
        let tz = jiff::tz::TimeZone::get("America/Bogota").unwrap();
        assert_eq!(
            format_datetime(ts, &tz, "es"),
            "8 de enero de 2024, 14:15 (America/Bogota)"
        );
    }
}
