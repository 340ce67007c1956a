//! The requirement engine: rolling-window measures of the TAC's requirements.
//!
//! The window for an as-of instant T is `(T - window_days, T]`: a commit exactly
//! `window_days` before T is out, one at T is in. The arithmetic is SQL in
//! `queries/sql/`, run by DuckDB; Rust only compares the result with the
//! threshold. A value that was never observed is `unknown`, never zero.
//!
//! So far: `stars`, `commits`, `contributors`, `maintainers`, `ci`, `license`,
//! `packages`, `files.*` and `governance`. `pytorch_support` follows the same
//! pattern.

use chrono::{DateTime, Duration, Utc};
use duckdb::params;
use serde::Serialize;

use crate::store::{Result, Store, StoreError, text_list, texts};

const COMMITS: &str = include_str!("../../queries/sql/commits_in_window.sql");
const CONTRIBUTORS: &str = include_str!("../../queries/sql/contributors_in_window.sql");
const STARS_AT: &str = include_str!("../../queries/sql/stars_at.sql");
const SNAPSHOT_AT: &str = include_str!("../../queries/sql/snapshot_at.sql");
const MERGERS: &str = include_str!("../../queries/sql/mergers_in_window.sql");
const CI_WINDOW: &str = include_str!("../../queries/sql/ci_in_window.sql");
const CI_HEAD: &str = include_str!("../../queries/sql/ci_head_at.sql");
const PACKAGES_AT: &str = include_str!("../../queries/sql/packages_at.sql");

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
    pub start: DateTime<Utc>,
    /// Inclusive end (the as-of instant).
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
    pub observed_at: Option<DateTime<Utc>>,
    /// Where the data came from.
    pub source: String,
    /// A sentence for people.
    pub detail: String,
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
    }
}

fn db(context: &str) -> impl FnOnce(duckdb::Error) -> StoreError + '_ {
    move |source| StoreError::Db {
        context: context.to_string(),
        source,
    }
}

/// The latest observation of any of `nodes` at or before `at` (None: never observed then).
fn last_observed(
    store: &Store,
    nodes: &[String],
    at: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    store
        .conn()
        .query_row(
            "SELECT max(observed_at) FROM repo_snapshots WHERE list_contains(?, node_id) \
             AND observed_at <= ?",
            params![text_list(nodes), at.naive_utc()],
            |r| r.get::<_, Option<chrono::NaiveDateTime>>(0),
        )
        .map(|t| t.map(|n| n.and_utc()))
        .map_err(db("read the latest observation"))
}

/// Commits counted in the window over the repos in scope, oldest first.
pub fn commits_in_window(store: &Store, nodes: &[String], w: &Window) -> Result<Vec<String>> {
    let mut stmt = store
        .conn()
        .prepare(COMMITS)
        .map_err(db("prepare commits_in_window.sql"))?;
    let rows = stmt
        .query_map(
            params![text_list(nodes), w.start.naive_utc(), w.end.naive_utc()],
            |r| r.get::<_, String>(0),
        )
        .map_err(db("run commits_in_window.sql"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("read commits_in_window.sql"))
}

/// Contributors behind the counted commits, with their commit counts.
pub fn contributors_in_window(
    store: &Store,
    nodes: &[String],
    w: &Window,
    bots: &[String],
) -> Result<Vec<(String, i64)>> {
    let bots = text_list(bots.iter().map(|b| b.to_lowercase()));
    let mut stmt = store
        .conn()
        .prepare(CONTRIBUTORS)
        .map_err(db("prepare contributors_in_window.sql"))?;
    let rows = stmt
        .query_map(
            params![
                text_list(nodes),
                w.start.naive_utc(),
                w.end.naive_utc(),
                bots
            ],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )
        .map_err(db("run contributors_in_window.sql"))?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(db("read contributors_in_window.sql"))
}

/// `commits`: commits in the window over all repos in scope.
pub fn commits(store: &Store, nodes: &[String], w: &Window, min: u32) -> Result<Measure> {
    let seen = last_observed(store, nodes, w.end)?;
    let value = match seen {
        Some(_) => Some(commits_in_window(store, nodes, w)?.len() as i64),
        None => None,
    };
    Ok(count_measure(
        "commits",
        value,
        i64::from(min),
        seen,
        "queries/sql/commits_in_window.sql over commits".into(),
        format!(
            "commits on the default branch with committer date in the {}-day window",
            w.days
        ),
    ))
}

/// `contributors`: distinct non-bot authors and co-authors of the counted commits.
pub fn contributors(
    store: &Store,
    nodes: &[String],
    w: &Window,
    min: u32,
    bots: &[String],
) -> Result<Measure> {
    let seen = last_observed(store, nodes, w.end)?;
    let value = match seen {
        Some(_) => Some(contributors_in_window(store, nodes, w, bots)?.len() as i64),
        None => None,
    };
    Ok(count_measure(
        "contributors",
        value,
        i64::from(min),
        seen,
        "queries/sql/contributors_in_window.sql over commit_authors".into(),
        "distinct people (login, noreply login or email) who authored or co-authored them, bots excluded".into(),
    ))
}

/// `stars`: the primary repo's stargazers in the latest snapshot at or before T.
pub fn stars(store: &Store, node: &str, as_of: DateTime<Utc>, min: u32) -> Result<Measure> {
    let mut stmt = store
        .conn()
        .prepare(STARS_AT)
        .map_err(db("prepare stars_at.sql"))?;
    let mut rows = stmt
        .query(params![node, as_of.naive_utc()])
        .map_err(db("run stars_at.sql"))?;
    let row = rows.next().map_err(db("read stars_at.sql"))?;
    let (value, observed_at, source) = match row {
        Some(r) => (
            Some(r.get::<_, i64>(0).map_err(db("read stars"))?),
            Some(
                r.get::<_, chrono::NaiveDateTime>(1)
                    .map_err(db("read stars"))?
                    .and_utc(),
            ),
            r.get::<_, String>(2).map_err(db("read stars"))?,
        ),
        None => (
            None,
            None,
            "no snapshot at or before the as-of date".to_string(),
        ),
    };
    Ok(count_measure(
        "stars",
        value,
        i64::from(min),
        observed_at,
        source,
        "stargazers of the primary repository in its latest snapshot at or before the as-of date"
            .into(),
    ))
}

/// What the primary repo's latest snapshot at or before T says about its layout,
/// license and declared maintainers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayoutFacts {
    /// SPDX id (`NOASSERTION` for an unrecognised license), `None` for none.
    pub license: Option<String>,
    /// Layout files present (`README.md`, `.github/CODEOWNERS`, ...).
    pub files: Vec<String>,
    /// Users declared in CODEOWNERS.
    pub codeowners_users: Vec<String>,
    /// Teams declared in CODEOWNERS.
    pub codeowners_teams: Vec<String>,
    /// Users named in MAINTAINERS.
    pub maintainers_users: Vec<String>,
    /// README links a governance section.
    pub readme_governance: bool,
    /// When observed.
    pub observed_at: DateTime<Utc>,
    /// From which call.
    pub source: String,
}

/// The latest snapshot facts of `node` at or before `as_of` (None: never observed).
pub fn layout_at(store: &Store, node: &str, as_of: DateTime<Utc>) -> Result<Option<LayoutFacts>> {
    let mut stmt = store
        .conn()
        .prepare(SNAPSHOT_AT)
        .map_err(db("prepare snapshot_at.sql"))?;
    let mut rows = stmt
        .query(params![node, as_of.naive_utc()])
        .map_err(db("run snapshot_at.sql"))?;
    let Some(r) = rows.next().map_err(db("read snapshot_at.sql"))? else {
        return Ok(None);
    };
    let read = db("read snapshot_at.sql");
    let facts = (|| -> duckdb::Result<LayoutFacts> {
        Ok(LayoutFacts {
            license: r.get(0)?,
            files: texts(r.get(1)?),
            codeowners_users: texts(r.get(3)?),
            codeowners_teams: texts(r.get(4)?),
            maintainers_users: texts(r.get(6)?),
            readme_governance: r.get::<_, Option<bool>>(8)?.unwrap_or(false),
            observed_at: r.get::<_, chrono::NaiveDateTime>(9)?.and_utc(),
            source: r.get(10)?,
        })
    })()
    .map_err(read)?;
    Ok(Some(facts))
}

fn unknown(id: &'static str, threshold: Value, detail: &str) -> Measure {
    Measure {
        id,
        status: Status::Unknown,
        value: None,
        threshold,
        margin: None,
        observed_at: None,
        source: "no snapshot at or before the as-of date".into(),
        detail: detail.into(),
    }
}

/// `license`: permissive SPDX id passes, `NOASSERTION` (unrecognised) is caution, none fails.
pub fn license(facts: Option<&LayoutFacts>, permissive: &[String]) -> Measure {
    let threshold = Value::Text(permissive.join(" | "));
    let Some(f) = facts else {
        return unknown("license", threshold, "repository license");
    };
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
    Measure {
        id: "license",
        status,
        value: f.license.clone().map(Value::Text),
        threshold,
        margin: None,
        observed_at: Some(f.observed_at),
        source: f.source.clone(),
        detail,
    }
}

/// The required layout files: id, exact name, and the directories searched.
pub const REQUIRED_FILES: &[(&str, &str, &[&str])] = &[
    ("files.license", "LICENSE.md", &["", ".github/"]),
    ("files.readme", "README.md", &["", ".github/"]),
    ("files.contributing", "CONTRIBUTING.md", &["", ".github/"]),
    ("files.codeowners", "CODEOWNERS", &["", ".github/", "docs/"]),
    (
        "files.code_of_conduct",
        "CODE_OF_CONDUCT.md",
        &["", ".github/"],
    ),
];

/// One file requirement: the exact name passes, a variant (`LICENSE`, `LICENSE.txt`,
/// `CONTRIBUTING.rst`, other letter case) is caution, absence fails.
fn file_measure(id: &'static str, exact: &str, dirs: &[&str], f: Option<&LayoutFacts>) -> Measure {
    let threshold = Value::Text(exact.to_string());
    let Some(f) = f else {
        return unknown(id, threshold, "layout file at the repo root or in .github/");
    };
    let stem = exact.split('.').next().unwrap_or(exact).to_lowercase();
    let in_dirs = |path: &str| {
        dirs.iter()
            .any(|d| path.strip_prefix(d).is_some_and(|rest| !rest.contains('/')))
    };
    let exact_hit = f
        .files
        .iter()
        .find(|p| in_dirs(p) && p.rsplit('/').next() == Some(exact));
    let variant = f.files.iter().find(|p| {
        in_dirs(p)
            && p.rsplit('/')
                .next()
                .is_some_and(|n| n.to_lowercase().split('.').next() == Some(stem.as_str()))
    });
    let (status, value, detail) = match (exact_hit, variant) {
        (Some(p), _) => (Status::Pass, Some(p.clone()), format!("{p} found")),
        (None, Some(p)) => (
            Status::Caution,
            Some(p.clone()),
            format!("{p} found; the requirement names {exact}"),
        ),
        (None, None) => (
            Status::Fail,
            None,
            format!("no {exact} at the root or in .github/"),
        ),
    };
    Measure {
        id,
        status,
        value: value.map(Value::Text),
        threshold,
        margin: None,
        observed_at: Some(f.observed_at),
        source: f.source.clone(),
        detail,
    }
}

/// `files.*`, in the order of [`REQUIRED_FILES`].
pub fn files(facts: Option<&LayoutFacts>) -> Vec<Measure> {
    REQUIRED_FILES
        .iter()
        .map(|(id, exact, dirs)| file_measure(id, exact, dirs, facts))
        .collect()
}

/// `governance`: GOVERNANCE.md passes; a variant or a governance section linked
/// from the README is caution; nothing fails.
pub fn governance(facts: Option<&LayoutFacts>) -> Measure {
    let mut m = file_measure(
        "governance",
        "GOVERNANCE.md",
        &["", ".github/", "docs/"],
        facts,
    );
    if m.status == Status::Fail && facts.is_some_and(|f| f.readme_governance) {
        m.status = Status::Caution;
        m.value = Some(Value::Text("README.md#governance".into()));
        m.detail = "no governance document, but the README has a governance section".into();
    }
    m
}

/// `maintainers`: distinct individual users declared in CODEOWNERS and MAINTAINERS.
/// Fewer than the floor is caution when teams are declared (they cannot be counted
/// as people) or when enough people merged pull requests in the window; else fail.
pub fn maintainers(
    store: &Store,
    node: &str,
    w: &Window,
    facts: Option<&LayoutFacts>,
    min: u32,
    bots: &[String],
) -> Result<Measure> {
    let Some(f) = facts else {
        return Ok(unknown(
            "maintainers",
            Value::Count(i64::from(min)),
            "people declared in CODEOWNERS or MAINTAINERS",
        ));
    };
    let mut declared: Vec<String> = f
        .codeowners_users
        .iter()
        .chain(&f.maintainers_users)
        .map(|u| u.to_lowercase())
        .filter(|u| !crate::identity::is_bot(u, bots))
        .collect();
    declared.sort();
    declared.dedup();
    let bot_list = text_list(bots.iter().map(|b| b.to_lowercase()));
    let mut stmt = store
        .conn()
        .prepare(MERGERS)
        .map_err(db("prepare mergers_in_window.sql"))?;
    let observed: Vec<String> = stmt
        .query_map(
            params![node, w.start.naive_utc(), w.end.naive_utc(), bot_list],
            |r| r.get::<_, String>(0),
        )
        .map_err(db("run mergers_in_window.sql"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(db("read mergers_in_window.sql"))?;
    let n = declared.len() as i64;
    let floor = i64::from(min);
    let mut status = Status::for_count(n, floor);
    let mut detail = format!(
        "declared: {}; merged pull requests in the window: {}",
        if declared.is_empty() {
            "nobody".to_string()
        } else {
            declared.join(", ")
        },
        if observed.is_empty() {
            "nobody".to_string()
        } else {
            observed.join(", ")
        }
    );
    if !f.codeowners_teams.is_empty() {
        detail.push_str(&format!(
            "; teams (not expanded): {}",
            f.codeowners_teams.join(", ")
        ));
    }
    if status == Status::Fail && (observed.len() as i64 >= floor || !f.codeowners_teams.is_empty())
    {
        status = Status::Caution;
    }
    Ok(Measure {
        id: "maintainers",
        status,
        value: Some(Value::Count(n)),
        threshold: Value::Count(floor),
        margin: Some(n - floor),
        observed_at: Some(f.observed_at),
        source: f.source.clone(),
        detail,
    })
}

/// `ci`: pass when there was CI activity in the window and the head's latest
/// completed state is green; caution when the head is red or pending, or fewer
/// than half of the window's judged runs passed; fail with no CI activity at all.
/// The value is the pass rate in percent.
pub fn ci(store: &Store, node: &str, w: &Window) -> Result<Measure> {
    let threshold = Value::Text("CI runs in the window, green head".into());
    let head = store
        .conn()
        .query_row(CI_HEAD, params![node, w.end.naive_utc()], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, chrono::NaiveDateTime>(2)?.and_utc(),
                r.get::<_, String>(3)?,
            ))
        });
    let (head_state, head_oid, observed_at, source) = match head {
        Ok(h) => h,
        Err(duckdb::Error::QueryReturnedNoRows) => {
            return Ok(unknown(
                "ci",
                threshold,
                "default-branch CI runs and head state",
            ));
        }
        Err(e) => return Err(db("run ci_head_at.sql")(e)),
    };
    let (runs, judged, green): (i64, i64, i64) = store
        .conn()
        .query_row(
            CI_WINDOW,
            params![node, w.start.naive_utc(), w.end.naive_utc()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .map_err(db("run ci_in_window.sql"))?;
    let rate = (judged > 0).then(|| green * 100 / judged);
    let head_text = head_state.clone().unwrap_or_else(|| "no status".into());
    let (status, detail) = if runs == 0 {
        (
            Status::Fail,
            format!("no CI activity in the {}-day window", w.days),
        )
    } else if head_state.as_deref() != Some("success") {
        (
            Status::Caution,
            format!(
                "{runs} runs in the window; head {} is {head_text}",
                head_oid.as_deref().map_or("?", |o| &o[..o.len().min(10)])
            ),
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
                "{runs} runs in the window, {}% passed; head is green",
                rate.unwrap_or(100)
            ),
        )
    };
    Ok(Measure {
        id: "ci",
        status,
        value: rate.map(Value::Count),
        threshold,
        margin: None,
        observed_at: Some(observed_at),
        source,
        detail,
    })
}

/// `packages`: pass when a configured package exists, has a binary distribution
/// (wheel or conda file) and its metadata links back to one of the project's
/// repos; caution when it exists but does not link back or ships only an sdist;
/// fail when none is configured or none exists. `packages` are keys like
/// `pypi:pytorch-ignite` or `conda:conda-forge/ignite`; `repos` are `owner/name`.
pub fn packages(
    store: &Store,
    packages: &[String],
    repos: &[String],
    as_of: DateTime<Utc>,
) -> Result<Measure> {
    let threshold = Value::Text("a package with a binary that links back to the repo".into());
    if packages.is_empty() {
        return Ok(Measure {
            id: "packages",
            status: Status::Fail,
            value: None,
            threshold,
            margin: None,
            observed_at: None,
            source: "configuration".into(),
            detail: "no PyPI or conda package is configured for the project".into(),
        });
    }
    let keys = text_list(packages);
    let mut stmt = store
        .conn()
        .prepare(PACKAGES_AT)
        .map_err(db("prepare packages_at.sql"))?;
    struct Seen {
        key: String,
        found: bool,
        links: Vec<String>,
        at: DateTime<Utc>,
        source: String,
        binary: bool,
        sdist: bool,
    }
    let seen: Vec<Seen> = stmt
        .query_map(params![keys, as_of.naive_utc()], |r| {
            Ok(Seen {
                key: format!("{}:{}", r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                found: r.get(2)?,
                links: texts(r.get(3)?),
                at: r.get::<_, chrono::NaiveDateTime>(4)?.and_utc(),
                source: r.get(5)?,
                binary: r.get(6)?,
                sdist: r.get(7)?,
            })
        })
        .map_err(db("run packages_at.sql"))?
        .collect::<std::result::Result<_, _>>()
        .map_err(db("read packages_at.sql"))?;
    if seen.is_empty() {
        return Ok(unknown(
            "packages",
            threshold,
            "configured PyPI and conda packages",
        ));
    }
    let repos: Vec<String> = repos.iter().map(|r| r.to_lowercase()).collect();
    let rank = |s: &Seen| -> (Status, String) {
        let links_back = s.links.iter().any(|l| repos.contains(l));
        match (s.found, s.binary, links_back) {
            (false, _, _) => (Status::Fail, format!("{} does not exist", s.key)),
            (true, true, true) => (
                Status::Pass,
                format!("{} has a binary and links back", s.key),
            ),
            (true, true, false) => (
                Status::Caution,
                format!("{} does not link back to the repo", s.key),
            ),
            (true, false, _) if s.sdist => {
                (Status::Caution, format!("{} ships only an sdist", s.key))
            }
            (true, false, _) => (Status::Caution, format!("{} has no release files", s.key)),
        }
    };
    let ranked: Vec<(Status, String, &Seen)> = seen
        .iter()
        .map(|s| {
            let (st, d) = rank(s);
            (st, d, s)
        })
        .collect();
    // The best package decides: one good package is enough.
    let best = ranked
        .iter()
        .min_by_key(|(st, _, _)| *st)
        .map(|(st, _, s)| (*st, s.key.clone(), s.at, s.source.clone()));
    let Some((status, key, at, source)) = best else {
        return Ok(unknown(
            "packages",
            threshold,
            "configured PyPI and conda packages",
        ));
    };
    let detail = ranked
        .iter()
        .map(|(_, d, _)| d.clone())
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Measure {
        id: "packages",
        status,
        value: Some(Value::Text(key)),
        threshold,
        margin: None,
        observed_at: Some(at),
        source,
        detail,
    })
}

#[cfg(test)]
mod tests;
