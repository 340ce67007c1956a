//! What the property tests of the parsers share: how many cases they run and
//! the hostile text they are fed.
//!
//! Each parser fed by upstream or by users (CODEOWNERS and MAINTAINERS, PEP 440
//! and 508 requirements and the PyPI and Anaconda answers they come in,
//! `--as-of`, durations, the config file, the landscape CSV, configured names,
//! commit authors) has a `prop` test module next to it. Every one of them runs
//! a bounded number of cases, so the whole set takes seconds in CI;
//! `PROPTEST_CASES=100000 cargo test -p tacometer-core prop` runs them longer.
//!
//! Failures are not persisted (no `proptest-regressions/` files written into
//! the source tree): a failure prints its shrunk input, and a bug it finds is
//! fixed with a named unit test holding that input, which says what it guards.

use proptest::prelude::*;
use proptest::test_runner::Config;

/// The runner's configuration: `PROPTEST_CASES` cases when set, else
/// `default` (chosen per test so that the whole set stays fast), and no
/// failure persistence.
pub(crate) fn cases(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Characters that have broken parsers before: NUL, a bare carriage return,
/// DEL, NEL, the Unicode line and paragraph separators, a bidi override, a
/// byte order mark, a non-character, and multi-byte letters and signs.
const SPECIAL: &[char] = &[
    '\0', '\r', '\u{7f}', '\u{85}', '\u{2028}', '\u{2029}', '\u{202e}', '\u{feff}', '\u{fffe}',
    'é', 'ß', 'İ', 'ﬃ', '＠', '／', '＃', '－', '𝟘',
];

/// Text as a parser may meet it at its worst: any Unicode scalar (NUL, control
/// and bidi characters, combining marks, non-characters), the parser's own
/// syntax (`tokens`) in any order, numbers far beyond any integer type, and
/// long lines.
pub(crate) fn hostile_text(tokens: &'static [&'static str]) -> BoxedStrategy<String> {
    let piece = prop_oneof![
        4 => prop::sample::select(tokens).prop_map(str::to_string),
        2 => any::<char>().prop_map(String::from),
        1 => prop::sample::select(SPECIAL).prop_map(String::from),
        1 => "[0-9]{19,60}",
        1 => "[ \t]{1,4}",
    ];
    prop_oneof![
        8 => prop::collection::vec(piece, 0..60).prop_map(|p| p.concat()),
        1 => prop::collection::vec(any::<char>(), 0..200).prop_map(String::from_iter),
        1 => (prop::sample::select(tokens), 1000..20_000usize)
            .prop_map(|(t, n)| t.repeat(n / t.len().max(1))),
    ]
    .boxed()
}
