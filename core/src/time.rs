//! Time conventions: every instant is UTC, printed as RFC 3339 with a `Z`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Formats an instant as RFC 3339 in UTC (`2026-06-01T23:59:59Z`).
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Parses `--as-of`: a date means the end of that day in UTC (its last
/// microsecond, so the window `(T - 90 days, T]` contains the whole day);
/// an RFC 3339 instant is taken as given. A date is exactly `YYYY-MM-DD`, as
/// an instant's date is: chrono alone would also read `-1-1-1` (2 BC) or
/// `+10000-01-01`, which no RFC 3339 instant can print back.
pub fn parse_as_of(text: &str) -> Result<DateTime<Utc>, String> {
    let date_shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if let Some(d) = date_shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
    {
        let end = d
            .succ_opt()
            .and_then(|n| n.and_hms_opt(0, 0, 0))
            .map(|n: NaiveDateTime| n.and_utc() - chrono::Duration::microseconds(1));
        return end.ok_or_else(|| format!("`{text}`: date out of range"));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("`{text}` is neither a date (YYYY-MM-DD) nor an RFC 3339 instant"))
}

/// Serialises a time as [`rfc3339`] (`#[serde(serialize_with = ...)]`).
pub fn serde_rfc3339<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

/// Serialises an optional time as [`rfc3339`] or null.
pub fn serde_rfc3339_opt<S: serde::Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_means_the_end_of_that_day_utc() {
        let t = parse_as_of("2026-06-01").expect("date");
        assert_eq!(rfc3339(t), "2026-06-01T23:59:59.999999Z");
        let t = parse_as_of("2026-06-01T12:00:00+02:00").expect("instant");
        assert_eq!(rfc3339(t), "2026-06-01T10:00:00Z");
        assert!(parse_as_of("June 1st").is_err());
    }

    #[test]
    fn a_date_has_four_digits_of_year_and_two_of_month_and_day() {
        for text in ["-1-1-1", "+10000-01-01", "2026-6-1", " 2026-06-01"] {
            let e = parse_as_of(text).expect_err(text);
            assert!(e.contains(&format!("`{text}`")), "{e}");
        }
    }
}

#[cfg(test)]
mod prop;
