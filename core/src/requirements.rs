//! The requirement engine: rolling-window measures of the TAC's requirements.
//!
//! The window for an as-of instant T is `(T - window_days, T]`: a commit exactly
//! `window_days` before T is out, one at T is in. The arithmetic is SQL in
//! `queries/sql/`, run by DuckDB; Rust only compares the result with the
//! threshold. A value that was never observed is `unknown`, never zero.
//!
//! So far: `stars`, `commits` and `contributors`. The other requirements of the
//! specification follow the same pattern.

use chrono::{DateTime, Duration, Utc};
use duckdb::params;
use serde::Serialize;

use crate::store::{Result, Store, StoreError};

const COMMITS: &str = include_str!("../../queries/sql/commits_in_window.sql");
const CONTRIBUTORS: &str = include_str!("../../queries/sql/contributors_in_window.sql");
const STARS_AT: &str = include_str!("../../queries/sql/stars_at.sql");

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

/// One measured requirement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measure {
    /// Stable id (`commits`, `stars`, ...).
    pub id: &'static str,
    /// Outcome.
    pub status: Status,
    /// The measured value (`None` when unknown).
    pub value: Option<i64>,
    /// The threshold it is compared with.
    pub threshold: i64,
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
        value,
        threshold,
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
            params![node_list(nodes), at.naive_utc()],
            |r| r.get::<_, Option<chrono::NaiveDateTime>>(0),
        )
        .map(|t| t.map(|n| n.and_utc()))
        .map_err(db("read the latest observation"))
}

fn node_list(nodes: &[String]) -> duckdb::types::Value {
    duckdb::types::Value::List(
        nodes
            .iter()
            .cloned()
            .map(duckdb::types::Value::Text)
            .collect(),
    )
}

/// Commits counted in the window over the repos in scope, oldest first.
pub fn commits_in_window(store: &Store, nodes: &[String], w: &Window) -> Result<Vec<String>> {
    let mut stmt = store
        .conn()
        .prepare(COMMITS)
        .map_err(db("prepare commits_in_window.sql"))?;
    let rows = stmt
        .query_map(
            params![node_list(nodes), w.start.naive_utc(), w.end.naive_utc()],
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
    let bots = duckdb::types::Value::List(
        bots.iter()
            .map(|b| duckdb::types::Value::Text(b.to_lowercase()))
            .collect(),
    );
    let mut stmt = store
        .conn()
        .prepare(CONTRIBUTORS)
        .map_err(db("prepare contributors_in_window.sql"))?;
    let rows = stmt
        .query_map(
            params![
                node_list(nodes),
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

#[cfg(test)]
mod tests;
