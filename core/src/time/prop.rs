//! `--as-of` properties: printed instants parse back to themselves, a date is
//! the last microsecond of its UTC day, and any text is an instant or an error
//! that quotes it.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SecondsFormat, Utc};
use proptest::prelude::*;

use super::{parse_as_of, rfc3339};
use crate::proptests::{cases, hostile_text};

/// What `--as-of` values are made of, for hostile text.
const TOKENS: &[&str] = &[
    "2026",
    "-",
    "06",
    "01",
    "T",
    "t",
    " ",
    ":",
    "23:59:59",
    "60",
    ".",
    "999999999",
    "Z",
    "z",
    "+",
    "+02:00",
    "-00:00",
    "+24:00",
    "9999",
    "0000",
    "+262143",
    "31",
    "12",
];

/// The first and last instants RFC 3339 can write (years 0000 to 9999).
const FIRST: i64 = -62_167_219_200;
const LAST: i64 = 253_402_300_799;

/// An instant RFC 3339 can write, to the nanosecond.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (FIRST..=LAST, 0..1_000_000_000u32)
        .prop_filter_map("in chrono's range", |(s, n)| DateTime::from_timestamp(s, n))
}

/// A day whose `YYYY-MM-DD` has four digits of year.
fn date() -> impl Strategy<Value = NaiveDate> {
    (0..=3_652_424i32).prop_filter_map("a date", |d| NaiveDate::from_num_days_from_ce_opt(d - 365))
}

/// Text shaped like a date or an instant with any digits in its fields (signs,
/// years past 9999, months 0 or 13, leap seconds, offsets past a day).
fn near_as_of() -> impl Strategy<Value = String> {
    (
        "[+-]?[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}",
        prop::option::of("[Tt ][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]{1,12})?"),
        prop::option::of("[Zz]|[+-][0-9]{1,2}:[0-9]{1,2}"),
    )
        .prop_map(|(d, t, z)| format!("{d}{}{}", t.unwrap_or_default(), z.unwrap_or_default()))
}

proptest! {
    #![proptest_config(cases(4096))]

    /// Any text is either an instant that prints back to text meaning the same
    /// instant, or an error that quotes the text as given.
    #[test]
    fn as_of_of_any_text_is_an_instant_or_an_error_quoting_it(
        text in prop_oneof![hostile_text(TOKENS), near_as_of()]
    ) {
        match parse_as_of(&text) {
            Ok(t) => prop_assert_eq!(parse_as_of(&rfc3339(t)), Ok(t), "from {:?}", text),
            Err(e) => prop_assert!(e.contains(&format!("`{text}`")), "{e:?}"),
        }
    }

    /// An instant printed as `tacometer` prints it, in UTC or at any whole-minute
    /// offset, parses back to the same instant.
    #[test]
    fn a_printed_instant_parses_back_to_itself(
        t in instant(),
        minutes in -(24 * 60 - 1)..(24 * 60),
    ) {
        prop_assert_eq!(parse_as_of(&rfc3339(t)), Ok(t));
        let offset = FixedOffset::east_opt(minutes * 60).expect("under a day");
        let local = t.with_timezone(&offset);
        // RFC 3339 has four digits of year in local time too.
        prop_assume!((0..=9999).contains(&chrono::Datelike::year(&local)));
        let text = local.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        prop_assert_eq!(parse_as_of(&text), Ok(t), "{}", text);
    }

    /// A date means the last microsecond of that day in UTC: the next day
    /// begins one microsecond later, and the printed instant parses back.
    #[test]
    fn a_date_is_the_last_microsecond_of_its_utc_day(d in date()) {
        let t = parse_as_of(&d.format("%Y-%m-%d").to_string()).expect("a date");
        let next = d.succ_opt().and_then(|n| n.and_hms_opt(0, 0, 0)).expect("a next day");
        prop_assert_eq!(t + Duration::microseconds(1), next.and_utc());
        prop_assert_eq!(t.date_naive(), d);
        prop_assert_eq!(parse_as_of(&rfc3339(t)), Ok(t));
    }
}
