//! The requirement engine: rolling-window measures of the TAC's requirements.
//!
//! The window for an as-of instant T is `(T - window_days, T]`: a commit exactly
//! `window_days` before T is out, one at T is in. The window arithmetic is SQL in
//! `queries/sql/`, run by DuckDB over a whole batch of probes at once
//! ([`fetch`]); the rules here only compare what it returns with the
//! thresholds, and [`evaluate()`] assembles one [`Evaluation`] per probe.
//!
//! Two kinds of evidence, two rules for `unknown` (never zero):
//!
//! * history (commits, co-authors, merged pull requests, CI runs) is dated by
//!   upstream, so any collection that reached back far enough answers for a
//!   past window: the primary repo must have been collected, with its backfill
//!   (`backfill_days` before first collection) reaching the window's start;
//! * state (stars, license, layout files, CODEOWNERS, the head's CI state,
//!   packages) is only known from a snapshot taken at or before T, or, before
//!   the first snapshot, from what upstream history tells of it: star counts
//!   from when each stargazer starred (a lower bound, said so in the detail);
//!   packages from release upload times and the metadata of the release that
//!   was the latest at T; the head's CI state from the dated runs and
//!   statuses of the commit that was the head at T. Such a value's `source`
//!   starts with `reconstructed`.
//!
//! Longer than 500 lines on purpose: one function per requirement rule, kept
//! together so they can be read against the product contract side by side.

pub(crate) mod changes;
mod evaluate;
pub mod fetch;
mod files;
mod packages;
mod torch;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

pub use evaluate::{
    Evaluation, REQUIREMENT_IDS, Scope, daily_rolling_counts, evaluate, evaluate_at, evaluate_only,
    evidence, export_evidence, resolve_scopes, window_facts,
};
pub(crate) use evaluate::{
    Parts, evaluate_keeping_counts, evaluate_parts, read_packages, repo_probes, scope_batch,
};
pub use fetch::{
    CiCounts, CiHead, DailyProbe, ExportedList, Gaps, ListSink, PackageSeen, ReleaseMetadataSeen,
    ReleaseSeen, Snapshot, StarHistory, TorchRelease, WindowFacts,
};
pub use files::{REQUIRED_FILES, files, governance};
pub(crate) use packages::latest_at;
pub use packages::packages;
pub use torch::{latest_minors, pytorch_support};

/// The outcome of one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Met with room to spare.
    Pass,
    /// Met, but exactly at the floor or needing a human look.
    Caution,
    /// Not measured.
    Unknown,
    /// Not met.
    Fail,
}

impl Status {
    /// The rule for a count with a floor: above passes, at the floor is caution, below fails.
    pub fn for_count(value: i64, floor: i64) -> Self {
        match value.cmp(&floor) {
            std::cmp::Ordering::Greater => Self::Pass,
            std::cmp::Ordering::Equal => Self::Caution,
            std::cmp::Ordering::Less => Self::Fail,
        }
    }

    /// The worst of several statuses: `fail` over `unknown` over `caution` over
    /// `pass`. A definite failure is never hidden behind an unmeasured requirement,
    /// and a project with something unmeasured is never reported as passing.
    /// `unknown` when there is nothing to judge.
    pub fn worst(all: impl IntoIterator<Item = Self>) -> Self {
        all.into_iter().max().unwrap_or(Self::Unknown)
    }
}

/// The counting window `(start, end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Exclusive start.
    #[serde(serialize_with = "crate::time::serde_rfc3339")]
    pub start: DateTime<Utc>,
    /// Inclusive end (the as-of instant).
    #[serde(serialize_with = "crate::time::serde_rfc3339")]
    pub end: DateTime<Utc>,
    /// Length in days.
    pub days: u32,
}

impl Window {
    /// The window of `days` days ending at `as_of`.
    pub fn ending_at(as_of: DateTime<Utc>, days: u32) -> Self {
        Self {
            start: as_of - Duration::days(i64::from(days)),
            end: as_of,
            days,
        }
    }
}

/// A measured value or a threshold: a count, or text (an SPDX id, a file name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A count.
    Count(i64),
    /// Text.
    Text(String),
}

/// One measured requirement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// Stable id (`commits`, `stars`, ...).
    pub id: &'static str,
    /// Outcome.
    pub status: Status,
    /// The measured value (`None` when unknown).
    pub value: Option<Value>,
    /// The threshold it is compared with.
    pub threshold: Value,
    /// `value - threshold`.
    pub margin: Option<i64>,
    /// When the underlying data was observed (latest observation used).
    #[serde(serialize_with = "crate::time::serde_rfc3339_opt")]
    pub observed_at: Option<DateTime<Utc>>,
    /// Where the data came from.
    pub source: String,
    /// A sentence for people.
    pub detail: String,
    /// Rolling counts only: the day the count falls below its threshold if
    /// nothing new lands, as commits and people age out of the window (`None`:
    /// not a rolling count, unknown, or already below).
    pub falls_below_on: Option<NaiveDate>,
}

fn count_measure(
    id: &'static str,
    value: Option<i64>,
    threshold: i64,
    observed_at: Option<DateTime<Utc>>,
    source: String,
    detail: String,
) -> Measure {
    Measure {
        id,
        status: value.map_or(Status::Unknown, |v| Status::for_count(v, threshold)),
        value: value.map(Value::Count),
        threshold: Value::Count(threshold),
        margin: value.map(|v| v - threshold),
        observed_at,
        source,
        detail,
        falls_below_on: None,
    }
}

/// What the primary repo's latest snapshot at or before T says about its layout,
/// license and declared maintainers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayoutFacts {
    /// SPDX id (`NOASSERTION` for an unrecognised license), `None` for none.
    pub license: Option<String>,
    /// Layout files present (`README.md`, `.github/CODEOWNERS`, ...), and the
    /// owner's `.github` community files as `<owner>/.github:<path>`.
    pub files: Vec<String>,
    /// Users declared in CODEOWNERS.
    pub codeowners_users: Vec<String>,
    /// Teams declared in CODEOWNERS.
    pub codeowners_teams: Vec<String>,
    /// E-mail addresses declared in CODEOWNERS (individual people).
    pub codeowners_emails: Vec<String>,
    /// Users named in MAINTAINERS.
    pub maintainers_users: Vec<String>,
    /// README links a governance section.
    pub readme_governance: bool,
    /// When observed.
    pub observed_at: DateTime<Utc>,
    /// From which call.
    pub source: String,
    /// Why the license cannot be told, when the facts are reconstructed
    /// from a past tree whose license files are not the ones GitHub judged.
    pub license_unknown: Option<String>,
}

/// The `source` of a measure decided by a gap in tacometer's own configuration
/// (no package configured, no repository), not by anything the project did:
/// `review` reports these as configuration problems.
pub const CONFIGURATION: &str = "configuration";

/// How long collection may have been quiet before the as-of instant while its
/// history still counts as complete.
pub const STALE_AFTER_DAYS: i64 = 2;

/// Whether collected history covers the window: the primary repo was collected,
/// the history of every repo in scope is complete from the window's start (its
/// recorded backfill reached it; for repos collected before progress was
/// recorded, `backfill_days` before their first collection), and history was
/// brought up to the head within [`STALE_AFTER_DAYS`] of the window's end.
/// `Err` says why not: a partial count is never reported as known.
pub(crate) fn history_covers(
    f: &WindowFacts,
    w: &Window,
    backfill_days: u32,
) -> Result<(), String> {
    if f.primary_first_seen.is_none() {
        return Err("the primary repository was never collected".into());
    }
    if let Some(latest) = f.latest_first_seen {
        let from = latest - Duration::days(i64::from(backfill_days));
        if from > w.start {
            return Err(format!(
                "collected history starts at {} (first collection minus {backfill_days} \
                 backfill days), after the window's start",
                crate::time::rfc3339(from)
            ));
        }
    }
    if f.history_pending > 0 {
        return Err(
            "the history backfill has not stored its first page yet: the count is not known".into(),
        );
    }
    if let Some(from) = f.history_from.filter(|from| *from > w.start) {
        return Err(format!(
            "collected history reaches back to {} so far (the backfill resumes at the next \
             pass), after the window's start",
            crate::time::rfc3339(from)
        ));
    }
    match f.last_observed {
        Some(seen) if w.end - seen > Duration::days(STALE_AFTER_DAYS) => Err(format!(
            "history was last collected {}, {} days before the as-of date: the window is \
             not fully collected",
            crate::time::rfc3339(seen),
            (w.end - seen).num_days()
        )),
        _ => Ok(()),
    }
}

/// `commits`: distinct commits in the window over all repos in scope.
pub fn commits(f: &WindowFacts, w: &Window, min: u32, backfill_days: u32) -> Measure {
    let source = "queries/sql/window_counts.sql over commits".to_string();
    match history_covers(f, w, backfill_days) {
        Err(why) => {
            let mut m = count_measure("commits", None, i64::from(min), None, source, why);
            m.observed_at = f.last_observed;
            m
        }
        Ok(()) => {
            let mut m = count_measure(
                "commits",
                Some(f.commits),
                i64::from(min),
                f.fetched_at.or(f.last_observed),
                source,
                format!(
                    "commits on the default branch with committer date in the {}-day window, \
                     distinct by sha over the project's repos, merges included",
                    w.days
                ),
            );
            m.falls_below_on = falls_below_on(f.commits, min, f.nth_commit_at, w);
            m
        }
    }
}

/// The day a rolling count of `value` falls below `min` if nothing new lands:
/// the window loses its `min`-th newest item (`nth_at`, the time that item
/// counts from) on the day `window_days` after it, and from that day's end on
/// fewer than `min` remain. `None` when the count is already below (or the
/// floor is 0, which nothing falls below).
pub fn falls_below_on(
    value: i64,
    min: u32,
    nth_at: Option<DateTime<Utc>>,
    w: &Window,
) -> Option<NaiveDate> {
    if min == 0 || value < i64::from(min) {
        return None;
    }
    // A window (end - days, end] holds an item at t while t > end - days, so
    // it drops out at the end of the day on which end >= t + days first holds.
    nth_at.map(|t| (t + Duration::days(i64::from(w.days))).date_naive())
}

/// `contributors`: distinct non-bot authors and co-authors of the counted commits.
pub fn contributors(f: &WindowFacts, w: &Window, min: u32, backfill_days: u32) -> Measure {
    let source = "queries/sql/window_counts.sql over commit_authors".to_string();
    match history_covers(f, w, backfill_days) {
        Err(why) => {
            let mut m = count_measure("contributors", None, i64::from(min), None, source, why);
            m.observed_at = f.last_observed;
            m
        }
        Ok(()) => {
            let mut m = count_measure(
                "contributors",
                Some(f.contributors),
                i64::from(min),
                f.fetched_at.or(f.last_observed),
                source,
                "distinct people (login, noreply login or email) who authored or co-authored \
                 the counted commits, bots excluded"
                    .into(),
            );
            m.falls_below_on = falls_below_on(f.contributors, min, f.nth_person_at, w);
            m
        }
    }
}

/// `stars`: the primary repo's stargazers in its latest snapshot at or before T;
/// before its first snapshot, the count reconstructed from when each of
/// today's stargazers starred (`history`), where every star after T was read.
pub fn stars(snap: Option<&Snapshot>, history: Option<&StarHistory>, min: u32) -> Measure {
    let detail =
        "stargazers of the primary repository in its latest snapshot at or before the as-of date";
    if let Some(s) = snap {
        return count_measure(
            "stars",
            Some(s.stars),
            i64::from(min),
            Some(s.layout.observed_at),
            s.layout.source.clone(),
            detail.into(),
        );
    }
    let day = |t: DateTime<Utc>| t.format("%Y-%m-%d").to_string();
    let Some(h) = history else {
        return count_measure(
            "stars",
            None,
            i64::from(min),
            None,
            "no snapshot at or before the as-of date".into(),
            format!("{detail}; the star history (GitHub's starredAt) has not been read yet"),
        );
    };
    let source = format!("reconstructed from starredAt: {}", h.source);
    if h.known() {
        return count_measure(
            "stars",
            Some(h.stars),
            i64::from(min),
            Some(h.anchored_at),
            source,
            format!(
                "reconstructed, no snapshot was taken by the as-of date: {} of the {} people \
                 starring the primary repository on {} had starred by the end of {} (GitHub's \
                 starredAt; a lower bound, people who unstarred since are not listed)",
                h.stars,
                h.anchor_stars,
                day(h.anchored_at),
                day(h.day_end)
            ),
        );
    }
    let why = if h.capped {
        format!(
            "stars before {} are not reconstructed: reading further back would take more than \
             the cap of {} pages of 100 stars ([collect] star_history_max_points)",
            crate::time::rfc3339(h.covered_from),
            h.max_pages
        )
    } else if h.done {
        format!(
            "the star history was read back to {} ([collect] backfill_days before the first \
             collection); no snapshot at or before the as-of date",
            crate::time::rfc3339(h.covered_from)
        )
    } else {
        format!(
            "the star history has been read back to {} so far; it resumes at the next pass",
            crate::time::rfc3339(h.covered_from)
        )
    };
    count_measure("stars", None, i64::from(min), None, source, why)
}

pub(crate) fn unknown(id: &'static str, threshold: Value, detail: &str) -> Measure {
    Measure {
        id,
        status: Status::Unknown,
        value: None,
        threshold,
        margin: None,
        observed_at: None,
        source: "no snapshot at or before the as-of date".into(),
        detail: detail.into(),
        falls_below_on: None,
    }
}

/// `license`: permissive SPDX id passes, `NOASSERTION` (unrecognised) is caution, none fails.
pub fn license(facts: Option<&LayoutFacts>, permissive: &[String]) -> Measure {
    let threshold = Value::Text(permissive.join(" | "));
    let Some(f) = facts else {
        return unknown("license", threshold, "repository license");
    };
    if let Some(why) = &f.license_unknown {
        return Measure {
            source: f.source.clone(),
            detail: why.clone(),
            ..unknown("license", threshold, "repository license")
        };
    }
    let (status, detail) = match f.license.as_deref() {
        Some(id) if permissive.iter().any(|p| p.eq_ignore_ascii_case(id)) => {
            (Status::Pass, format!("{id} is a permissive license"))
        }
        Some("NOASSERTION") => (
            Status::Caution,
            "GitHub could not recognise the license: a person must read it".to_string(),
        ),
        Some(id) => (Status::Fail, format!("{id} is not in the permissive list")),
        None => (Status::Fail, "no license detected".to_string()),
    };
    layout_measure("license", status, f.license.clone(), threshold, detail, f)
}

/// A measure read from the layout facts `f`: observed when they were, from
/// their source, with no margin.
fn layout_measure(
    id: &'static str,
    status: Status,
    value: Option<String>,
    threshold: Value,
    detail: String,
    f: &LayoutFacts,
) -> Measure {
    Measure {
        id,
        status,
        value: value.map(Value::Text),
        threshold,
        margin: None,
        observed_at: Some(f.observed_at),
        source: f.source.clone(),
        detail,
        falls_below_on: None,
    }
}

/// `maintainers`: distinct individual users declared in CODEOWNERS and MAINTAINERS.
/// Fewer than the floor is caution when teams are declared (they cannot be counted
/// as people) or when enough people merged pull requests in the window; else fail.
/// `mergers` are the people who merged pull requests in the window.
///
/// One person counts once: a declared e-mail address that belongs to a GitHub
/// login (a noreply address, or `email_logins`: the logins stored commits link
/// those addresses to, see `email_logins.sql`) counts as that login, and the
/// detail says which address was taken for which login.
pub fn maintainers(
    facts: Option<&LayoutFacts>,
    mergers: &[String],
    email_logins: &[(String, String)],
    min: u32,
    bots: &[String],
) -> Measure {
    let Some(f) = facts else {
        return unknown(
            "maintainers",
            Value::Count(i64::from(min)),
            "people declared in CODEOWNERS or MAINTAINERS",
        );
    };
    let mut merged: Vec<String> = Vec::new();
    let emails: Vec<String> = f
        .codeowners_emails
        .iter()
        .map(|e| {
            let e = e.to_lowercase();
            let linked = crate::identity::noreply_login(&e)
                .map(|l| (l, "a GitHub noreply address"))
                .or_else(|| {
                    email_logins
                        .iter()
                        .find(|(address, _)| *address == e)
                        .map(|(_, l)| (l.to_lowercase(), "its commits are linked to that login"))
                });
            match linked {
                Some((login, why)) => {
                    merged.push(format!("{e} as {login} ({why})"));
                    login
                }
                None => e,
            }
        })
        .collect();
    let mut declared: Vec<String> = f
        .codeowners_users
        .iter()
        .chain(&f.maintainers_users)
        .map(|u| u.to_lowercase())
        .chain(emails)
        .filter(|u| !crate::identity::is_bot(u, bots))
        .collect();
    declared.sort();
    declared.dedup();
    let observed: Vec<&String> = mergers
        .iter()
        .filter(|m| !crate::identity::is_bot(&m.to_lowercase(), bots))
        .collect();
    let n = declared.len() as i64;
    let floor = i64::from(min);
    let mut status = Status::for_count(n, floor);
    let list = |v: Vec<&str>| {
        if v.is_empty() {
            "nobody".to_string()
        } else {
            v.join(", ")
        }
    };
    let mut detail = format!(
        "declared: {}; merged pull requests in the window: {}",
        list(declared.iter().map(String::as_str).collect()),
        list(observed.iter().map(|s| s.as_str()).collect())
    );
    if !merged.is_empty() {
        merged.sort();
        detail.push_str(&format!(
            "; e-mail addresses counted as logins: {}",
            merged.join(", ")
        ));
    }
    if !f.codeowners_teams.is_empty() {
        detail.push_str(&format!(
            "; teams (not expanded): {}",
            f.codeowners_teams.join(", ")
        ));
    }
    // Teams cannot be expanded into people, so they always need a human look.
    if (status == Status::Fail && observed.len() as i64 >= floor)
        || (status != Status::Caution && !f.codeowners_teams.is_empty())
    {
        status = Status::Caution;
    }
    Measure {
        id: "maintainers",
        status,
        value: Some(Value::Count(n)),
        threshold: Value::Count(floor),
        margin: Some(n - floor),
        observed_at: Some(f.observed_at),
        source: f.source.clone(),
        detail,
        falls_below_on: None,
    }
}

/// `ci`: pass when there was CI activity in the window and the head's latest
/// completed state is green; caution when the head is red or pending, or fewer
/// than half of the window's judged runs passed; fail with no CI activity at all.
/// The value is the pass rate in percent. Unknown without a snapshot by T (the
/// head's state is state, not history).
pub fn ci(snap: Option<&Snapshot>, counts: CiCounts, w: &Window) -> Measure {
    let threshold = Value::Text("CI runs in the window, green head".into());
    let Some(s) = snap else {
        return unknown("ci", threshold, "default-branch CI runs and head state");
    };
    let CiCounts {
        runs,
        judged,
        green,
    } = counts;
    let rate = (judged > 0).then(|| green * 100 / judged);
    let head_text = s
        .ci_head_state
        .clone()
        .unwrap_or_else(|| "no status".into());
    let head = s.head_oid.as_deref().map_or("?", |o| &o[..o.len().min(10)]);
    let (status, detail) = if runs == 0 {
        (
            Status::Fail,
            format!("no CI activity in the {}-day window", w.days),
        )
    } else if s.ci_head_state.as_deref() != Some("success") {
        (
            Status::Caution,
            format!("{runs} runs in the window; head {head} is {head_text}"),
        )
    } else if rate.is_none() {
        (
            Status::Caution,
            format!("{runs} runs in the window, none completed with a verdict to judge"),
        )
    } else if rate.is_some_and(|r| r < 50) {
        (
            Status::Caution,
            format!(
                "{runs} runs in the window but only {}% passed",
                rate.unwrap_or(0)
            ),
        )
    } else {
        (
            Status::Pass,
            format!(
                "{runs} runs in the window, {}% passed; head {head} is green",
                rate.unwrap_or(100)
            ),
        )
    };
    Measure {
        id: "ci",
        status,
        value: rate.map(Value::Count),
        threshold,
        margin: None,
        observed_at: Some(s.layout.observed_at),
        source: format!(
            "{} + queries/sql/ci_window.sql over ci_runs",
            s.layout.source
        ),
        detail,
        falls_below_on: None,
    }
}

/// `ci` before the primary repo's first snapshot (`snap` is `None`): the
/// window's runs are history, and so is the head's state at T, read from the
/// dated runs and statuses of the commit that was the head then (`head`, the
/// latest stored commit committed by T). Known when collected history covers
/// the window (as for `commits`); with runs in the window but no stored commit
/// by T, the head's state stays unknown.
pub fn ci_reconstructed(
    head: Option<&CiHead>,
    covered: Result<(), String>,
    counts: CiCounts,
    w: &Window,
) -> Measure {
    let threshold = Value::Text("CI runs in the window, green head".into());
    let source = "reconstructed from dated CI runs: the head at the as-of date from commits \
                  (queries/sql/ci_head.sql) + queries/sql/ci_window.sql over ci_runs"
        .to_string();
    let unknown_because = |why: String| Measure {
        source: source.clone(),
        ..unknown("ci", threshold.clone(), &why)
    };
    if let Err(why) = covered {
        return unknown_because(format!(
            "no snapshot at or before the as-of date, and the CI history cannot tell: {why}"
        ));
    }
    let CiCounts {
        runs,
        judged,
        green,
    } = counts;
    let rate = (judged > 0).then(|| green * 100 / judged);
    let (status, detail, observed_at) = if runs == 0 {
        (
            Status::Fail,
            format!("no CI activity in the {}-day window", w.days),
            None,
        )
    } else {
        let Some(h) = head else {
            return unknown_because(format!(
                "{runs} runs in the window, but no default-branch commit committed by the \
                 as-of date is stored, so the head's state then is not known"
            ));
        };
        let short = &h.sha[..h.sha.len().min(10)];
        let state = h.state().unwrap_or("no status");
        let head = format!(
            "head {short} (committed {}) was {state} then",
            h.committed_at.format("%Y-%m-%d")
        );
        let (status, what) = if h.state() != Some("success") {
            (
                Status::Caution,
                format!("{runs} runs in the window; {head}"),
            )
        } else if let Some(r) = rate.filter(|r| *r < 50) {
            (
                Status::Caution,
                format!("{runs} runs in the window but only {r}% passed; {head}"),
            )
        } else if let Some(r) = rate {
            (
                Status::Pass,
                format!("{runs} runs in the window, {r}% passed; {head}"),
            )
        } else {
            (
                Status::Caution,
                format!(
                    "{runs} runs in the window, none completed with a verdict to judge; {head}"
                ),
            )
        };
        (status, what, h.observed_at)
    };
    Measure {
        id: "ci",
        status,
        value: rate.map(Value::Count),
        threshold,
        margin: None,
        observed_at,
        source,
        detail: format!("reconstructed, no snapshot was taken by the as-of date: {detail}"),
        falls_below_on: None,
    }
}

#[cfg(test)]
mod tests;
