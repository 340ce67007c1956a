//! Where a configuration error is, and the range checks of its values: the
//! line, column and dotted key of an offset in the file (`located_error`,
//! `value_error`), the table of allowed ranges (`out_of_range`) and the
//! upstream URL rule (`upstream_url`).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{ConfigError, ConfigSource, FileConfig, Interval};

/// Builds an error at a byte offset, working out the line, column and dotted key.
pub(super) fn located_error(
    text: &str,
    source: &ConfigSource,
    offset: Option<usize>,
    message: &str,
) -> ConfigError {
    let offset = offset.unwrap_or(0).min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    // in characters, as editors count: `name = "é" x` has `x` in column 12
    let line_start = before.rfind('\n').map_or(0, |nl| nl + 1);
    let column = before[line_start..].chars().count() + 1;
    let mut key = key_path_at(text, line);
    if message.starts_with("missing field") && offset == 0 {
        key.clear(); // a top-level key is missing
    }
    if let Some(named) = backticked_field(message) {
        // serde names the key itself for unknown and missing fields.
        if message.starts_with("unknown field") || message.starts_with("missing field") {
            key = if key.is_empty() || key == named {
                named
            } else if key.ends_with(&format!(".{named}")) {
                key
            } else {
                // the span points at the table; the key is inside it
                let table = key.rsplit_once('.').map_or(key.as_str(), |(t, _)| t);
                if message.starts_with("unknown field") {
                    format!("{table}.{named}")
                } else {
                    format!("{key}.{named}")
                }
            };
        }
    }
    ConfigError::Invalid {
        file: source.to_string(),
        line,
        column,
        key: if key.is_empty() {
            "(top level)".into()
        } else {
            hide_tokens(&key)
        },
        message: hide_tokens(message.trim()),
    }
}

/// `text` with every word shaped like a GitHub token (`ghp_`, `gho_`, `ghu_`,
/// `ghs_`, `ghr_` or `github_pat_` and what follows) shown as `***`. A token
/// pasted in the wrong place of a file can reach an error as a key or a
/// value; an error never repeats it.
pub(super) fn hide_tokens(text: &str) -> String {
    const PREFIXES: [&str; 6] = ["github_pat_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_"];
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((start, _)) = rest.char_indices().find(|&(i, _)| {
        PREFIXES.iter().any(|p| rest[i..].starts_with(p))
            && !rest[..i].chars().next_back().is_some_and(word)
    }) {
        out.push_str(&rest[..start]);
        out.push_str("***");
        let tail = &rest[start..];
        let end = tail.find(|c: char| !word(c)).unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// An error about the value of `key` (dotted), or of its `entry` (a host of a
/// per-host table, an index of a list), at that value however the file spells
/// the key: under a header, dotted from the top level, in an inline table, quoted.
pub(super) fn value_error(
    text: &str,
    source: &ConfigSource,
    key: &str,
    entry: Option<&str>,
    message: &str,
) -> ConfigError {
    let path: Vec<&str> = key.split('.').chain(entry).collect();
    match located_error(text, source, value_offset(text, &path), message) {
        ConfigError::Invalid {
            file,
            line,
            column,
            message,
            ..
        } => ConfigError::Invalid {
            file,
            line,
            column,
            key: key.to_string(),
            message,
        },
        other => other,
    }
}

/// The byte offset of the value at `path` (keys, or indexes into arrays),
/// from the spans of the parsed document.
fn value_offset(text: &str, path: &[&str]) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let mut at: Option<&toml::Spanned<DeValue>> = None;
    for part in path {
        at = Some(match at.map(|v| v.get_ref()) {
            None => root.get_ref().get(*part)?,
            Some(DeValue::Table(t)) => t.get(*part)?,
            Some(DeValue::Array(a)) => a.get(part.parse::<usize>().ok()?)?,
            Some(_) => return None,
        });
    }
    at.map(|v| v.span().start)
}

/// A count or a duration of the file, with the range it must lie in.
enum Bounded {
    Count(u64, u64, u64),
    Span(Duration, Duration, Duration),
}

/// The first value of the file outside its range, as (key, host, message): one table
/// for every count and duration, so that no value that parses can overflow a
/// date (`window_days = 4294967295`) or make the daemon spin (`"1ns"`).
/// Also the `[upstream]` URLs ([`upstream_url`]).
pub(super) fn out_of_range(c: &FileConfig) -> Option<(&'static str, Option<&str>, String)> {
    const DAY: Duration = Duration::from_secs(24 * 3600);
    let days = |n: std::num::NonZeroU32, max: u64| Bounded::Count(u64::from(n.get()), 1, max);
    let span = |i: Interval, min: Duration, max: Duration| Bounded::Span(i.0, min, max);
    let mut checks: Vec<(&'static str, Option<&str>, Bounded)> = vec![
        (
            "criteria.window_days",
            None,
            days(c.criteria.window_days, 3660),
        ),
        (
            "criteria.review_lookback_days",
            None,
            days(c.criteria.review_lookback_days, 3660),
        ),
        (
            "criteria.staleness_days",
            None,
            days(c.criteria.staleness_days, 3660),
        ),
        (
            "criteria.remediation_days",
            None,
            Bounded::Count(u64::from(c.criteria.remediation_days), 0, 3660),
        ),
        (
            "collect.backfill_days",
            None,
            days(c.collect.backfill_days, 36600),
        ),
        (
            "collect.concurrency",
            None,
            days(c.collect.concurrency, 256),
        ),
        (
            "collect.star_history_max_points",
            None,
            Bounded::Count(u64::from(c.collect.star_history_max_points), 0, 1_000_000),
        ),
        (
            "collect.github_interval",
            None,
            span(c.collect.github_interval, Duration::from_secs(60), 30 * DAY),
        ),
        (
            "collect.packages_interval",
            None,
            span(
                c.collect.packages_interval,
                Duration::from_secs(60),
                30 * DAY,
            ),
        ),
        (
            "collect.item_timeout",
            None,
            span(c.collect.item_timeout, Duration::from_secs(1), DAY),
        ),
        (
            "collect.history_overlap",
            None,
            span(c.collect.history_overlap, Duration::from_secs(1), 365 * DAY),
        ),
        (
            "store.lock_wait",
            None,
            span(c.store.lock_wait, Duration::from_millis(1), DAY),
        ),
    ];
    for (host, n) in &c.collect.requests_per_second {
        checks.push((
            "collect.requests_per_second",
            Some(host),
            days(*n, 1_000_000),
        ));
    }
    for (host, n) in &c.collect.max_in_flight {
        checks.push(("collect.max_in_flight", Some(host), days(*n, 10_000)));
    }
    for (key, entry, value) in checks {
        let message = match value {
            Bounded::Count(v, min, max) if !(min..=max).contains(&v) => {
                format!("{v} is out of range: write a number from {min} to {max}")
            }
            Bounded::Span(v, min, max) if !(min..=max).contains(&v) => format!(
                "{} is out of range: write a duration from {} to {}",
                humantime::format_duration(v),
                humantime::format_duration(min),
                humantime::format_duration(max)
            ),
            _ => continue,
        };
        return Some((key, entry, message));
    }
    let u = &c.upstream;
    let urls = [
        ("upstream.github_api_url", Some(&u.github_api_url)),
        ("upstream.github_graphql_url", u.github_graphql_url.as_ref()),
        ("upstream.pypi_url", Some(&u.pypi_url)),
        ("upstream.anaconda_api_url", Some(&u.anaconda_api_url)),
    ];
    for (key, url) in urls {
        if let Some(Err(message)) = url.map(|v| upstream_url(v)) {
            return Some((key, None, message));
        }
    }
    None
}

/// An upstream base URL as tacometer accepts it, without its trailing `/`:
/// http or https with a host, and no user or password (a URL is logged and
/// stored; the GitHub token goes in `GITHUB_TOKEN` or `[github] tokens`).
/// The error names what is wrong without repeating the URL, which may hold a
/// password.
pub fn upstream_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| {
        format!("not a URL ({e}); write a scheme and host, e.g. \"https://example.org\"")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "a `{}:` URL; upstreams are reached over http or https",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("a URL without a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "a URL with a user name or password, which would be logged; put the GitHub \
             token in GITHUB_TOKEN or [github] tokens instead"
                .into(),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("a URL with a query or fragment; give the base URL only".into());
    }
    Ok(text.trim().trim_end_matches('/').to_string())
}

fn backticked_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// The dotted key in force at a 1-based line: the last table header above it
/// (array-of-tables headers numbered) plus the nearest `key =` at or above the
/// line within that table, so values spread over several lines still name their key.
/// Only a line that is a header, a TOML key between brackets, opens a table: a
/// line that merely starts with `[` (an array's element, a token gone astray)
/// never becomes part of a key shown in an error.
fn key_path_at(text: &str, line: usize) -> String {
    let mut table = String::new();
    let mut array_counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut key: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        if i + 1 > line {
            break;
        }
        let l = raw.trim();
        if let Some((name, array)) = table_header(l) {
            table = if array {
                let n = array_counts.entry(name.clone()).or_insert(0);
                let numbered = format!("{name}[{n}]");
                *n += 1;
                numbered
            } else {
                name
            };
            key = None;
        } else if let Some(k) = l
            .split_once('=')
            .filter(|_| !l.starts_with('#'))
            .and_then(|(k, _)| dotted_key(k))
        {
            key = Some(k);
        }
    }
    match (table.is_empty(), key) {
        (true, Some(k)) => k,
        (false, Some(k)) => format!("{table}.{k}"),
        (_, None) => table,
    }
}

/// The table a header line opens (`[a.b]`, `["a"]`, `[[projects]]`), with its
/// key's quotes removed, and whether it is an array of tables; `None` for any
/// other line.
fn table_header(line: &str) -> Option<(String, bool)> {
    let ((name, rest), array) = match line.strip_prefix("[[") {
        Some(r) => (r.split_once("]]")?, true),
        None => (line.strip_prefix('[')?.split_once(']')?, false),
    };
    let rest = rest.trim_start();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    Some((dotted_key(name)?, array))
}

/// A TOML key (`a.b`, `"a" . 'b'`, `"api.github.com"`) as its parts joined by
/// dots, without quotes; `None` when `text` is not a key.
fn dotted_key(text: &str) -> Option<String> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    loop {
        let (part, after) = if let Some(r) = rest.strip_prefix('"') {
            r.split_once('"')?
        } else if let Some(r) = rest.strip_prefix('\'') {
            r.split_once('\'')?
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            (end > 0).then_some(())?;
            rest.split_at(end)
        };
        parts.push(part);
        let after = after.trim_start();
        if after.is_empty() {
            return Some(parts.join("."));
        }
        rest = after.strip_prefix('.')?.trim_start();
    }
}
