//! Config file properties: a file of random valid values loads with exactly
//! those values; durations parse to what they say and print back to
//! themselves; any text or mutation of a valid file loads or is an error at a
//! line and column inside it; a token is never repeated in an error.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use proptest::prelude::*;
use serde::Deserialize as _;
use serde::de::IntoDeserializer as _;

use super::{
    Collect, Config, ConfigError, ConfigSource, Criteria, Github, Interval, Project, PythonMinor,
    Secret, StoreSettings, TargetEnvironment, TargetPlatform, Upstream,
};
use crate::model::{CondaPackage, ProjectStatus, PypiName, RepoSlug};
use crate::proptests::{cases, hostile_text};

/// The file name errors must carry.
const FILE: &str = "prop.toml";

/// TOML's syntax and this file's keys, for hostile text and mutations.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "[criteria]",
    "[collect]",
    "[github]",
    "[[projects]]",
    "=",
    " = ",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "\n",
    "\r\n",
    ",",
    "{",
    "}",
    ".",
    "#",
    "\\",
    "\\u",
    "name",
    "repos",
    "tokens",
    "window_days",
    "min_stars",
    "github_interval",
    "\"1h\"",
    "-1",
    "4294967296",
    "1e400",
    "nan",
    "inf",
    "true",
    "2025-13-01",
    "é",
    "\u{0}",
    "\u{7f}",
];

/// `s` as a one-line TOML basic string: `"` and `\\` escaped, and every control
/// character (tab, DEL and line breaks included) as `\\uXXXX`.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Any short text: every Unicode scalar, controls included.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter)
}

/// Text TOML allows in a comment (no control characters but tab).
fn comment() -> impl Strategy<Value = String> {
    text().prop_map(|t| {
        t.chars()
            .filter(|c| *c == '\t' || !(c.is_control() || *c == '\u{7f}'))
            .collect()
    })
}

/// A duration in `[min, max]` (whole milliseconds), written one of the ways
/// a person writes it: humantime's own form, seconds, milliseconds, or
/// `h`/`m`/`s` parts with words.
fn duration_in(min: Duration, max: Duration) -> impl Strategy<Value = (Duration, String)> {
    let (lo, hi) = (min.as_millis() as u64, max.as_millis() as u64);
    (lo..=hi, 0..4usize).prop_map(|(ms, style)| {
        let d = Duration::from_millis(ms);
        let s = ms / 1000;
        let text = match style {
            0 => humantime::format_duration(d).to_string(),
            1 if ms % 1000 == 0 => format!("{s}s"),
            3 if ms % 1000 == 0 => {
                format!("{} hours {}min {}secs", s / 3600, s % 3600 / 60, s % 60)
            }
            _ => format!("{ms}ms"),
        };
        (d, text)
    })
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(60 * n)
}

const DAY: Duration = Duration::from_secs(24 * 3600);

/// A setting of the file: the lines it writes and how it changes the defaults.
type Set<T> = (Vec<String>, T);

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// Adds `key = text` to `lines` and applies `value` when the setting is there.
fn put<T>(lines: &mut Vec<String>, key: &str, setting: Option<(T, String)>, apply: impl FnOnce(T)) {
    if let Some((value, text)) = setting {
        lines.push(format!("{key} = {text}"));
        apply(value);
    }
}

fn counted<T: Debug + Clone + ToString>(
    s: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<(T, String)>> {
    prop::option::of(s.prop_map(|v| {
        let t = v.to_string();
        (v, t)
    }))
}

fn strings(
    s: impl Strategy<Value = String>,
    n: std::ops::Range<usize>,
) -> impl Strategy<Value = Option<(Vec<String>, String)>> {
    prop::option::of(prop::collection::vec(s, n).prop_map(|v| {
        let t = format!(
            "[{}]",
            v.iter().map(|s| quote(s)).collect::<Vec<_>>().join(", ")
        );
        (v, t)
    }))
}

fn target_environment() -> impl Strategy<Value = Option<(TargetEnvironment, String)>> {
    let platform = prop::sample::select(
        &[
            (TargetPlatform::Linux, "linux"),
            (TargetPlatform::Macos, "macos"),
            (TargetPlatform::Windows, "windows"),
        ][..],
    );
    prop::option::of(
        (
            prop::option::of(platform),
            prop::option::of(text()),
            prop::option::of((any::<u64>(), any::<u64>())),
        )
            .prop_map(|(platform, machine, python)| {
                let mut t = TargetEnvironment::default();
                let mut keys = Vec::new();
                if let Some((p, name)) = platform {
                    t.platform = p;
                    keys.push(format!("platform = \"{name}\""));
                }
                if let Some(m) = machine {
                    keys.push(format!("machine = {}", quote(&m)));
                    t.machine = m;
                }
                if let Some((major, minor)) = python {
                    t.python = PythonMinor(major, minor);
                    keys.push(format!("python = \"{major}.{minor}\""));
                }
                let text = format!("{{ {} }}", keys.join(", "));
                (t, text)
            }),
    )
}

fn criteria() -> impl Strategy<Value = Set<Criteria>> {
    (
        (
            prop::option::of(text().prop_map(|v| (v.clone(), quote(&v)))),
            counted(1..=3660u32),
            counted(any::<u32>()),
            counted(any::<u32>()),
            counted(any::<u32>()),
            counted(any::<u32>()),
        ),
        (
            strings("[A-Za-z0-9.+-]{1,20}", 0..4),
            strings(text(), 0..3),
            counted(0..=3660u32),
            prop::option::of((0.0..=1.0f64).prop_map(|m| (m, format!("{m:?}")))),
            counted(1..=3660u32),
            target_environment(),
        ),
    )
        .prop_map(|((v, w, s, co, cn, m), (l, b, r, a, lb, t))| {
            let mut c = Criteria::default();
            let mut lines = Vec::new();
            put(&mut lines, "version", v, |v| c.version = v);
            put(&mut lines, "window_days", w, |v| c.window_days = nonzero(v));
            put(&mut lines, "min_stars", s, |v| c.min_stars = v);
            put(&mut lines, "min_commits", co, |v| c.min_commits = v);
            put(&mut lines, "min_contributors", cn, |v| {
                c.min_contributors = v
            });
            put(&mut lines, "min_maintainers", m, |v| c.min_maintainers = v);
            put(&mut lines, "permissive_licenses", l, |v| {
                c.permissive_licenses = v
            });
            put(&mut lines, "bots", b, |v| c.bots = v);
            put(&mut lines, "remediation_days", r, |v| {
                c.remediation_days = v
            });
            put(&mut lines, "at_risk_margin", a, |v| c.at_risk_margin = v);
            put(&mut lines, "review_lookback_days", lb, |v| {
                c.review_lookback_days = nonzero(v)
            });
            put(&mut lines, "target_environment", t, |v| {
                c.target_environment = v
            });
            (lines, c)
        })
}

fn per_host(max: u32) -> impl Strategy<Value = Option<(BTreeMap<String, NonZeroU32>, String)>> {
    prop::option::of(
        prop::collection::btree_map(text(), (1..=max).prop_map(nonzero), 0..4).prop_map(|m| {
            let t = m
                .iter()
                .map(|(h, n)| format!("{} = {n}", quote(h)))
                .collect::<Vec<_>>()
                .join(", ");
            (m, format!("{{ {t} }}"))
        }),
    )
}

fn interval(min: Duration, max: Duration) -> impl Strategy<Value = Option<(Interval, String)>> {
    prop::option::of(duration_in(min, max).prop_map(|(d, t)| (Interval(d), quote(&t))))
}

fn collect() -> impl Strategy<Value = Set<Collect>> {
    (
        (
            counted(1..=36600u32),
            interval(minutes(1), 30 * DAY),
            interval(minutes(1), 30 * DAY),
            interval(Duration::from_secs(1), DAY),
            interval(Duration::from_secs(1), 365 * DAY),
        ),
        (
            counted(1..=256u32),
            counted(0..=1_000_000u32),
            per_host(1_000_000),
            per_host(10_000),
        ),
    )
        .prop_map(|((b, g, p, i, h), (c, s, rps, inf))| {
            let mut v = Collect::default();
            let mut lines = Vec::new();
            put(&mut lines, "backfill_days", b, |n| {
                v.backfill_days = nonzero(n)
            });
            put(&mut lines, "github_interval", g, |d| v.github_interval = d);
            put(&mut lines, "packages_interval", p, |d| {
                v.packages_interval = d
            });
            put(&mut lines, "item_timeout", i, |d| v.item_timeout = d);
            put(&mut lines, "history_overlap", h, |d| v.history_overlap = d);
            put(&mut lines, "concurrency", c, |n| v.concurrency = nonzero(n));
            put(&mut lines, "star_history_max_points", s, |n| {
                v.star_history_max_points = n
            });
            put(&mut lines, "requests_per_second", rps, |m| {
                v.requests_per_second = m
            });
            put(&mut lines, "max_in_flight", inf, |m| v.max_in_flight = m);
            (lines, v)
        })
}

/// An upstream URL as the file may give it (http or https, a host, maybe a
/// port and a path, maybe a trailing `/`).
/// A valid upstream URL. A host label beginning `xn--` is an encoded
/// international name that must decode, which a random one does not (the
/// loader refuses `http://xn--0` at its key), so none is generated here.
fn url() -> impl Strategy<Value = Option<(String, String)>> {
    prop::option::of(
        (
            "https?://[a-z]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-z][a-z0-9]{0,8}){0,2}"
                .prop_filter("no encoded international label", |s: &String| {
                    !s.contains("://xn--")
                }),
            prop::option::of(1..=65535u32),
            "(/[A-Za-z0-9._~-]{1,8}){0,2}/?",
        )
            .prop_map(|(base, port, path)| {
                let u = format!(
                    "{base}{}{path}",
                    port.map(|p| format!(":{p}")).unwrap_or_default()
                );
                (u.clone(), quote(&u))
            }),
    )
}

fn upstream() -> impl Strategy<Value = Set<Upstream>> {
    (url(), url(), url(), url()).prop_map(|(api, graphql, pypi, anaconda)| {
        let mut u = Upstream::default();
        let mut lines = Vec::new();
        put(&mut lines, "github_api_url", api, |s| u.github_api_url = s);
        put(&mut lines, "github_graphql_url", graphql, |s| {
            u.github_graphql_url = Some(s)
        });
        put(&mut lines, "pypi_url", pypi, |s| u.pypi_url = s);
        put(&mut lines, "anaconda_api_url", anaconda, |s| {
            u.anaconda_api_url = s
        });
        (lines, u)
    })
}

/// A GitHub token: long enough that finding it in a message is no accident.
fn token() -> impl Strategy<Value = String> {
    "ghp_[A-Za-z0-9]{24}"
}

fn github() -> impl Strategy<Value = Set<Github>> {
    strings(token(), 0..3).prop_map(|tokens| {
        let mut g = Github::default();
        let mut lines = Vec::new();
        put(&mut lines, "tokens", tokens, |t| {
            g.tokens = t.into_iter().map(Secret::new).collect()
        });
        (lines, g)
    })
}

fn store() -> impl Strategy<Value = Set<StoreSettings>> {
    (
        prop::option::of(text().prop_map(|p| (p.clone(), quote(&p)))),
        interval(Duration::from_millis(1), DAY),
    )
        .prop_map(|(path, lock_wait)| {
            let mut s = StoreSettings::default();
            let mut lines = Vec::new();
            put(&mut lines, "path", path, |p| s.path = PathBuf::from(p));
            put(&mut lines, "lock_wait", lock_wait, |d| s.lock_wait = d);
            (lines, s)
        })
}

fn repo_slug() -> impl Strategy<Value = RepoSlug> {
    "[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8}){0,2}/[A-Za-z0-9_.-]{1,20}"
        .prop_filter_map("a repository name", |s| RepoSlug::parse(&s).ok())
}

fn pypi_name() -> impl Strategy<Value = PypiName> {
    "[A-Za-z0-9]([A-Za-z0-9._-]{0,10}[A-Za-z0-9])?"
        .prop_filter_map("a PyPI name", |s| PypiName::parse(&s).ok())
}

fn conda_package() -> impl Strategy<Value = CondaPackage> {
    "[A-Za-z0-9._-]{1,10}/[A-Za-z0-9._-]{1,10}"
        .prop_filter_map("a conda package", |s| CondaPackage::parse(&s).ok())
}

/// A day TOML can write (years 0000 to 9999), as a TOML date or a string.
fn date() -> impl Strategy<Value = Option<(NaiveDate, String)>> {
    prop::option::of((0..=3_652_424i32, any::<bool>()).prop_filter_map(
        "a date",
        |(d, as_string)| {
            let day = NaiveDate::from_num_days_from_ce_opt(d - 365)?;
            let text = day.format("%Y-%m-%d").to_string();
            Some((day, if as_string { quote(&text) } else { text }))
        },
    ))
}

/// One `[[projects]]` table; its name ends in `index` so names stay distinct.
fn project() -> impl Strategy<Value = (String, Project)> {
    (
        (
            text(),
            prop::collection::vec(repo_slug(), 0..3),
            prop::option::of(text()),
            prop::collection::vec(pypi_name(), 0..3),
            prop::collection::vec(conda_package(), 0..3),
        ),
        (
            prop::option::of(prop::sample::select(
                &[
                    ProjectStatus::Active,
                    ProjectStatus::Retired,
                    ProjectStatus::Applicant,
                ][..],
            )),
            prop::option::of(any::<bool>()),
            prop::option::of(text()),
            date(),
            date(),
        ),
    )
        .prop_map(
            |(
                (name, repos, org, pypi, conda),
                (status, foundation, category, accepted, notified),
            )| {
                let list = |items: Vec<String>| {
                    format!(
                        "[{}]",
                        items
                            .iter()
                            .map(|s| quote(s))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                let mut lines = vec![format!("name = {}", quote(&name))];
                lines.push(format!(
                    "repos = {}",
                    list(repos.iter().map(ToString::to_string).collect())
                ));
                if let Some(o) = &org {
                    lines.push(format!("github_org = {}", quote(o)));
                }
                lines.push(format!(
                    "pypi = {}",
                    list(pypi.iter().map(ToString::to_string).collect())
                ));
                lines.push(format!(
                    "conda = {}",
                    list(conda.iter().map(ToString::to_string).collect())
                ));
                if let Some(s) = status {
                    lines.push(format!("status = \"{}\"", s.as_str()));
                }
                if let Some(f) = foundation {
                    lines.push(format!("foundation = {f}"));
                }
                if let Some(c) = &category {
                    lines.push(format!("category = {}", quote(c)));
                }
                if let Some((_, t)) = &accepted {
                    lines.push(format!("accepted = {t}"));
                }
                if let Some((_, t)) = &notified {
                    lines.push(format!("notified = {t}"));
                }
                let project = Project {
                    name,
                    repos,
                    github_org: org,
                    pypi,
                    conda,
                    status: status.unwrap_or(ProjectStatus::Active),
                    foundation: foundation.unwrap_or(false),
                    category,
                    accepted: accepted.map(|(d, _)| d),
                    notified: notified.map(|(d, _)| d),
                };
                (lines.join("\n"), project)
            },
        )
}

/// What a valid file sets, to compare with what loads.
#[derive(Debug, Clone)]
struct Expected {
    criteria: Criteria,
    collect: Collect,
    upstream: Upstream,
    github: Github,
    store: StoreSettings,
    projects: Vec<Project>,
}

/// Lines with a comment after some of them and blank lines between some.
fn layout(lines: &[String], comments: &[(bool, bool, String)]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let (trailing, blank, c) = comments.get(i).cloned().unwrap_or_default();
        out.push_str(line);
        if trailing {
            out.push_str(&format!(" #{c}"));
        }
        out.push('\n');
        if blank {
            out.push('\n');
        }
    }
    out
}

/// A valid file: the tables in any order, each key set or left to its
/// default, comments and blank lines anywhere; and what it sets.
fn valid_file() -> impl Strategy<Value = (String, Expected)> {
    (
        (criteria(), collect(), upstream(), github(), store()),
        prop::collection::vec(project(), 1..4),
        prop::collection::vec((any::<bool>(), any::<bool>(), comment()), 0..40),
        Just((0..5 + 3).collect::<Vec<usize>>()).prop_shuffle(),
    )
        .prop_map(
            |(
                ((cr, cri), (co, col), (up, ups), (gh, ghs), (st, sts)),
                projects,
                comments,
                order,
            )| {
                let mut sections = vec![
                    format!("[criteria]\n{}", cr.join("\n")),
                    format!("[collect]\n{}", co.join("\n")),
                    format!("[upstream]\n{}", up.join("\n")),
                    format!("[github]\n{}", gh.join("\n")),
                    format!("[store]\n{}", st.join("\n")),
                ];
                let mut expected_projects = Vec::new();
                for (i, (lines, mut p)) in projects.into_iter().enumerate() {
                    // a distinct, non-blank name: the index is its last character
                    let name = format!("{}{i}", p.name);
                    let lines = lines.replacen(&quote(&p.name), &quote(&name), 1);
                    p.name = name;
                    sections.push(format!("[[projects]]\n{lines}"));
                    expected_projects.push(p);
                }
                // [[projects]] tables keep their order among themselves
                let mut order: Vec<usize> =
                    order.into_iter().filter(|&i| i < sections.len()).collect();
                let first_project = 5;
                let mut next_project = first_project;
                for slot in order.iter_mut() {
                    if *slot >= first_project {
                        *slot = next_project;
                        next_project += 1;
                    }
                }
                let lines: Vec<String> = order
                    .iter()
                    .flat_map(|&i| sections[i].lines().map(str::to_string).collect::<Vec<_>>())
                    .collect();
                let text = layout(&lines, &comments);
                let expected = Expected {
                    criteria: cri,
                    collect: col,
                    upstream: ups,
                    github: ghs,
                    store: sts,
                    projects: expected_projects,
                };
                (text, expected)
            },
        )
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, ConfigSource::File(FILE.into()))
}

/// The error is a config error at a line and column inside `text`, naming the
/// file and a key, and prints as `file:line:column: key ...`.
fn located_in(text: &str, e: &ConfigError) -> Result<(), TestCaseError> {
    let ConfigError::Invalid {
        file,
        line,
        column,
        key,
        message,
    } = e
    else {
        return Err(TestCaseError::fail(format!("not located: {e:?}")));
    };
    prop_assert_eq!(file, FILE);
    let lines: Vec<&str> = text.split('\n').collect();
    prop_assert!(
        (1..=lines.len()).contains(line),
        "line {line} of {}",
        lines.len()
    );
    let width = lines[line - 1].chars().count();
    prop_assert!(
        (1..=width + 1).contains(column),
        "column {column} of a line of {width} characters: {:?}",
        lines[line - 1]
    );
    prop_assert!(!key.is_empty() && !message.is_empty());
    let place = format!("{FILE}:{line}:{column}: key `");
    prop_assert!(e.to_string().starts_with(&place), "{e}");
    Ok(())
}

/// A change to a file: text inserted, a range deleted, a character replaced,
/// a line duplicated or two lines swapped.
#[derive(Debug, Clone)]
enum Mutation {
    Insert(prop::sample::Index, String),
    Delete(prop::sample::Index, usize),
    Replace(prop::sample::Index, char),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let piece = prop_oneof![
        prop::sample::select(TOKENS).prop_map(str::to_string),
        any::<char>().prop_map(String::from),
    ];
    prop_oneof![
        (any::<prop::sample::Index>(), piece).prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<prop::sample::Index>(), 1..20usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<prop::sample::Index>(), any::<char>()).prop_map(|(i, c)| Mutation::Replace(i, c)),
        any::<prop::sample::Index>().prop_map(Mutation::DuplicateLine),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

fn mutate(text: &str, m: &Mutation) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    let at = |i: &prop::sample::Index, len: usize| i.index(len + 1);
    match m {
        Mutation::Insert(i, s) => {
            let i = at(i, chars.len());
            chars.splice(i..i, s.chars());
        }
        Mutation::Delete(i, n) => {
            let i = at(i, chars.len());
            chars.drain(i..(i + n).min(chars.len()));
        }
        Mutation::Replace(i, c) if !chars.is_empty() => {
            let i = i.index(chars.len());
            chars[i] = *c;
        }
        Mutation::Replace(..) => {}
        Mutation::DuplicateLine(i) => {
            let i = i.index(lines.len());
            lines.insert(i, lines[i].clone());
            return lines.join("\n");
        }
        Mutation::SwapLines(a, b) => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
            return lines.join("\n");
        }
    }
    chars.into_iter().collect()
}

/// Humantime's units and how many nanoseconds each is.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("nsec", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("millis", 1_000_000),
    ("s", 1_000_000_000),
    ("sec", 1_000_000_000),
    ("seconds", 1_000_000_000),
    ("m", 60_000_000_000),
    ("min", 60_000_000_000),
    ("minutes", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("hr", 3_600_000_000_000),
    ("hours", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
    ("days", 86_400_000_000_000),
    ("w", 604_800_000_000_000),
    ("weeks", 604_800_000_000_000),
    ("M", 2_630_016_000_000_000),
    ("months", 2_630_016_000_000_000),
    ("y", 31_557_600_000_000_000),
    ("years", 31_557_600_000_000_000),
];

/// How the config reads a duration (`"6h 30m"`).
fn interval_of(text: &str) -> Result<Interval, serde::de::value::Error> {
    Interval::deserialize(text.into_deserializer())
}

proptest! {
    #![proptest_config(cases(1024))]

    /// A file of random valid values, in any order and with comments, loads
    /// with exactly those values and the defaults for every key not given.
    #[test]
    fn a_file_of_valid_values_loads_with_those_values((text, expected) in valid_file()) {
        let c = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(c.source, ConfigSource::File(FILE.into()));
        prop_assert_eq!(&c.criteria, &expected.criteria);
        prop_assert_eq!(&c.collect, &expected.collect);
        prop_assert_eq!(&c.upstream, &expected.upstream);
        prop_assert_eq!(&c.github, &expected.github);
        prop_assert_eq!(&c.store, &expected.store);
        prop_assert_eq!(&c.projects, &expected.projects);
    }

    /// A valid file changed anywhere (text inserted, deleted or replaced,
    /// lines duplicated or swapped) either loads or is an error at a line and
    /// column inside it, and no error repeats one of its tokens.
    #[test]
    fn a_mutated_file_loads_or_names_a_place_in_it(
        (text, _) in valid_file(),
        tokens in prop::collection::vec(token(), 1..3),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        // The file's [github] table holds these tokens.
        let list = format!(
            "tokens = [{}]",
            tokens.iter().map(|t| quote(t)).collect::<Vec<_>>().join(", ")
        );
        let text = text
            .lines()
            .filter(|l| !l.starts_with("tokens = "))
            .map(|l| match l.starts_with("[github]") {
                true => format!("{l}\n{list}"),
                false => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let mutated = mutations.iter().fold(text, |t, m| mutate(&t, m));
        if let Err(e) = parse(&mutated) {
            located_in(&mutated, &e)?;
            for t in &tokens {
                prop_assert!(!e.to_string().contains(t.as_str()), "{e}\n{mutated}");
            }
        }
    }

    /// However the `[github]` table and its `tokens` key are spelled, and
    /// whatever is wrong with the value, the error does not repeat a token.
    #[test]
    fn a_malformed_token_setting_never_repeats_the_token(
        before in prop::sample::select(&[
            "",
            "[criteria]\nmin_stars = 1\n",
            "[[projects]]\nname = \"x\"\n",
            "[collect.requests_per_second]\n\"pypi.org\" = 1\n",
        ][..]),
        spelling in prop::sample::select(&[
            (false, "[github]\ntokens = V"),
            (false, "[\"github\"]\ntokens = V"),
            (false, "[ 'github' ]\ntokens = V"),
            (false, "[github]\n\"tokens\" = V"),
            (false, "  [github]\n  tokens = V"),
            (true, "github.tokens = V"),
            (true, "\"github\".tokens = V"),
            (true, "github = { tokens = V }"),
            (true, "github = V"),
        ][..]),
        value in prop::sample::select(&[
            "\"T\"", "'T'", "[\"T\", 5]", "[[\"T\"]]", "{ a = \"T\" }", "[{ a = \"T\" }]",
            "[\"T\", [\"T\"]]", "[\n  \"T\",\n  5,\n]", "\"\"\"T\"\"\"", "[\"T\"", "\"T",
        ][..]),
        token in token(),
    ) {
        let (top_level, spelling) = spelling;
        let setting = spelling.replace('V', &value.replace('T', &token));
        let text = match top_level {
            true => format!("{setting}\n{before}[[projects]]\nname = \"p\"\n"),
            false => format!("{before}{setting}\n[[projects]]\nname = \"p\"\n"),
        };
        let e = match parse(&text) {
            // serde reads a struct from a sequence of its fields, too
            Ok(c) if c.github.tokens == [Secret::new(token.as_str())] => return Ok(()),
            Ok(c) => return Err(TestCaseError::fail(format!("loads {:?}: {text}", c.github))),
            Err(e) => e,
        };
        located_in(&text, &e)?;
        prop_assert!(!e.to_string().contains(&token), "{}\n{}", e, text);
    }

    /// A value outside its range is refused at its own line, under its dotted
    /// key, however the file spells the key: under a header, quoted,
    /// indented, dotted from the top level, or in an inline table.
    #[test]
    fn a_value_out_of_range_is_refused_at_its_key(
        (table, key, value) in prop::sample::select(&[
            ("criteria", "window_days", "3661"),
            ("criteria", "review_lookback_days", "4000"),
            ("criteria", "remediation_days", "3661"),
            ("criteria", "at_risk_margin", "1.5"),
            ("criteria", "permissive_licenses", "[\"MIT\", \"not spdx\"]"),
            ("collect", "backfill_days", "36601"),
            ("collect", "concurrency", "257"),
            ("collect", "star_history_max_points", "1000001"),
            ("collect", "github_interval", "\"59s\""),
            ("collect", "packages_interval", "\"31days\""),
            ("collect", "item_timeout", "\"25h\""),
            ("collect", "history_overlap", "\"500ms\""),
            ("collect", "requests_per_second", "{ \"pypi.org\" = 1000001 }"),
            ("collect", "max_in_flight", "{ \"pypi.org\" = 2, x = 10001 }"),
            ("store", "lock_wait", "\"2days\""),
            ("upstream", "pypi_url", "\"ftp://example.org\""),
            ("upstream", "github_graphql_url", "\"https://user:pw@example.org\""),
        ][..]),
        spelling in prop::sample::select(&[
            (false, "[T]\nK = V"),
            (false, "[T]\n\"K\" = V"),
            (false, "  [ T ]\n  K   =   V"),
            (true, "T.K = V"),
            (true, "\"T\" . 'K' = V"),
            (true, "T = { K = V }"),
        ][..]),
        blank_lines in 0..3usize,
    ) {
        let (top_level, spelling) = spelling;
        let setting = spelling.replace('T', table).replace('K', key).replace('V', value);
        let padding = "\n".repeat(blank_lines);
        let text = match top_level {
            true => format!("{padding}{setting}\n[[projects]]\nname = \"p\"\n"),
            false => format!("[[projects]]\nname = \"p\"\n{padding}{setting}\n"),
        };
        let line = text.lines().position(|l| l.contains(key)).map_or(0, |i| i + 1);
        match parse(&text) {
            Err(e @ ConfigError::Invalid { .. }) => {
                located_in(&text, &e)?;
                let ConfigError::Invalid { line: at, key: named, .. } = &e else {
                    unreachable!()
                };
                let expected = format!("{table}.{key}");
                prop_assert_eq!((*at, named.as_str()), (line, expected.as_str()), "{}\n{}", e, text);
            }
            other => prop_assert!(false, "{other:?}\n{text}"),
        }
    }

    /// An upstream URL with a password is refused without repeating it,
    /// whatever else is in or around the URL; one without is accepted as
    /// written, without its trailing `/`.
    #[test]
    fn an_upstream_url_never_repeats_a_password(
        scheme in prop::sample::select(&["https", "http", "ftp", "file", ""][..]),
        user in prop::option::of("[a-z]{0,6}"),
        password in "pw_[A-Za-z0-9]{12}",
        host in prop::sample::select(&["example.org", "127.0.0.1:9", "[::1]", "", "exa mple"][..]),
        tail in prop::sample::select(&["", "/", "/api/", "?q=1", "#f", "/%zz"][..]),
        junk in hostile_text(&["/", ":", "@", "?", "#", "%", " "]),
    ) {
        let user = user.unwrap_or_default();
        for text in [
            format!("{scheme}://{user}:{password}@{host}{tail}"),
            format!(" {scheme}://{user}:{password}@{host}{tail}{junk}"),
            format!("{junk}{scheme}:{password}@{host}"),
        ] {
            if let Err(e) = super::upstream_url(&text) {
                prop_assert!(!e.contains(&password), "{e}");
            }
        }
        let plain = format!("https://{host}{tail}");
        if let Ok(u) = super::upstream_url(&plain) {
            prop_assert_eq!(u, plain.trim_end_matches('/'));
        }
    }

    /// Any text loads or is an error at a line and column inside it.
    #[test]
    fn any_text_loads_or_names_a_place_in_it(text in hostile_text(TOKENS)) {
        if let Err(e) = parse(&text) {
            located_in(&text, &e)?;
        }
    }

    /// A duration written as a sum of numbers with units, with or without
    /// spaces, is that sum; zero is refused.
    #[test]
    fn a_duration_is_the_sum_of_its_parts(
        parts in prop::collection::vec((0..100_000u64, prop::sample::select(UNITS)), 1..5),
        spaced in any::<bool>(),
    ) {
        let text = parts
            .iter()
            .map(|(n, (unit, _))| format!("{n}{unit}"))
            .collect::<Vec<_>>()
            .join(if spaced { " " } else { "" });
        let nanos: u128 = parts.iter().map(|(n, (_, per))| u128::from(*n) * per).sum();
        match interval_of(&text) {
            Ok(i) => prop_assert_eq!(i.0.as_nanos(), nanos, "{}", text),
            Err(e) => {
                prop_assert_eq!(nanos, 0, "{}: {}", text, e);
                prop_assert!(e.to_string().contains("longer than zero"), "{e}");
            }
        }
    }

    /// A duration printed as the config prints it (humantime's form) parses
    /// back to itself.
    #[test]
    fn a_printed_duration_parses_back(secs in 0..10_000_000_000u64, nanos in 0..1_000_000_000u32) {
        let d = Duration::new(secs, nanos);
        prop_assume!(!d.is_zero());
        let printed = String::from(Interval(d));
        prop_assert_eq!(interval_of(&printed).map(|i| i.0), Ok(d), "{}", printed);
    }

    /// Any text is a positive duration or an error that quotes it (or says
    /// that zero is not a duration).
    #[test]
    fn a_duration_of_any_text_is_positive_or_an_error_quoting_it(
        text in prop_oneof![
            hostile_text(&["1", "0", "h", "m", "s", "ms", " ", ".", "99999999999999999999", "y"]),
            "[0-9]{1,25}(\\.[0-9]{0,12})?[a-zµ]{0,7}( [0-9]{1,25}[a-z]{1,3}){0,3}",
        ]
    ) {
        match interval_of(&text) {
            Ok(i) => prop_assert!(!i.0.is_zero()),
            Err(e) => {
                let e = e.to_string();
                prop_assert!(
                    e.contains(&format!("`{text}`")) || e.contains("longer than zero"),
                    "{e}"
                );
            }
        }
    }
}
