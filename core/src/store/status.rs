//! Collection health: the runs, the targets' scheduler state, the failures and
//! the GitHub budgets, as `tacometer status` (and `check --live`) read them,
//! and the budgets the collector records at the end of each pass.

use chrono::{DateTime, NaiveDateTime, Utc};
use duckdb::params;

use super::{DbContext, Result, Store};
use crate::collect::http::Budget;
use crate::output::Table;

/// One collection run (`collection_runs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// Its id.
    pub run_id: i64,
    /// `daemon`, `once` or `live`.
    pub kind: String,
    /// `running`, `ok`, `partial` or `aborted`.
    pub status: String,
    /// When it began.
    pub started_at: DateTime<Utc>,
    /// When it ended (`None` while running, or when cut short).
    pub finished_at: Option<DateTime<Utc>>,
    /// GraphQL points it spent (the sum of `rateLimit.cost`).
    pub graphql_points: i64,
    /// GitHub REST requests charged to the `core` budget (304s are free).
    pub rest_requests: i64,
    /// PyPI and Anaconda requests.
    pub other_requests: i64,
}

/// One recorded failure of an upstream call (`collection_errors`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionError {
    /// `repo:owner/name`, `pypi:name`, `conda:channel/name`.
    pub target: String,
    /// Classification: `not_found`, `rate_limited`, `server`, `auth`, ...
    pub kind: String,
    /// What the upstream said.
    pub message: String,
    /// When it happened.
    pub observed_at: DateTime<Utc>,
}

/// A target whose latest attempts failed (`collection_state.failures > 0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailingTarget {
    /// `repo:owner/name`, `pypi:name`, `conda:channel/name`, `torch:torch`.
    pub target: String,
    /// Consecutive failed attempts, the latest included.
    pub failures: i64,
    /// What the latest failure said.
    pub last_error: Option<String>,
    /// When it failed last.
    pub last_error_at: Option<DateTime<Utc>>,
}

const FAILING: &str = "
SELECT target, failures, last_error, last_error_at
FROM collection_state
WHERE failures >= ?
ORDER BY failures DESC, target";

/// The newest pass of the daemon (or `--once`) that ended, stopped by
/// nothing: `ok`, or `partial` (some targets failed, each recorded).
const LAST_SUCCESS: &str = "
SELECT run_id, kind, status, started_at, finished_at, graphql_points, rest_requests,
       other_requests
FROM collection_runs
WHERE kind IN ('daemon', 'once') AND status IN ('ok', 'partial') AND finished_at IS NOT NULL
ORDER BY finished_at DESC
LIMIT 1";

const TARGETS: &str = "
SELECT s.target,
       s.kind,
       s.last_success_at,
       s.last_error_at,
       CASE WHEN s.failures > 0 THEN s.last_error END AS last_error,
       s.failures,
       s.next_due_at
FROM collection_state s
WHERE (? = false OR s.failures > 0)
ORDER BY s.failures > 0 DESC, s.target";

const LAST_RUN: &str = "
SELECT run_id, kind, status, started_at, finished_at, graphql_points, rest_requests,
       other_requests
FROM collection_runs
ORDER BY run_id DESC
LIMIT 1";

/// The latest observation of each resource (whichever host announced it last),
/// GraphQL first, then REST core, then any other.
const LATEST_BUDGETS: &str = "
SELECT host, resource, coalesce(lim, 0), coalesce(remaining, 0),
       coalesce(used, coalesce(lim, 0) - coalesce(remaining, 0)), reset_at, observed_at
FROM rate_limit_observations
QUALIFY row_number() OVER (PARTITION BY resource ORDER BY observed_at DESC) = 1
ORDER BY CASE resource WHEN 'graphql' THEN 0 WHEN 'core' THEN 1 ELSE 2 END, resource";

const RECENT_ERRORS: &str = "
SELECT target, kind, message, observed_at
FROM collection_errors
ORDER BY observed_at DESC
LIMIT ?";

const TARGET_KNOWN: &str = "
SELECT EXISTS (SELECT 1 FROM collection_state WHERE target = ?)
    OR EXISTS (SELECT 1 FROM collection_errors WHERE target = ?)";

const INSERT_BUDGET: &str =
    "INSERT INTO rate_limit_observations VALUES (?, ?, ?, ?, ?, ?, ?, 'github:x-ratelimit-*')";

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

impl Store {
    /// Every collected target with its last success, last error (while it is
    /// failing), consecutive failures and next due time; failing ones first.
    /// With `failing_only`, only targets whose last attempt failed.
    pub fn collection_targets(&self, failing_only: bool) -> Result<Table> {
        self.query_table_with(TARGETS, &[&failing_only])
    }

    /// Whether collection ever attempted `target` (`repo:owner/name`, ...):
    /// it has a scheduler state or a recorded failure.
    pub fn collection_target_known(&self, target: &str) -> Result<bool> {
        self.conn()
            .query_row(TARGET_KNOWN, params![target, target], |r| r.get(0))
            .ctx(|| format!("look up collection target {target}"))
    }

    /// The most recent collection run, if any.
    pub fn last_run(&self) -> Result<Option<RunRecord>> {
        self.one_run(LAST_RUN)
    }

    /// The newest successful pass of the daemon or `--once` (`ok` or
    /// `partial`, ended); a `check --live` run is not one.
    pub fn last_successful_pass(&self) -> Result<Option<RunRecord>> {
        self.one_run(LAST_SUCCESS)
    }

    /// Targets whose last `min_failures` or more attempts failed, most
    /// failures first.
    pub fn failing_targets(&self, min_failures: i64) -> Result<Vec<FailingTarget>> {
        let what = || "read the failing collection targets".to_string();
        let mut stmt = self.conn().prepare(FAILING).ctx(what)?;
        let rows = stmt
            .query_map(params![min_failures], |r| {
                Ok(FailingTarget {
                    target: r.get(0)?,
                    failures: r.get(1)?,
                    last_error: r.get(2)?,
                    last_error_at: r.get::<_, Option<NaiveDateTime>>(3)?.map(utc),
                })
            })
            .ctx(what)?;
        rows.collect::<std::result::Result<_, _>>().ctx(what)
    }

    fn one_run(&self, sql: &str) -> Result<Option<RunRecord>> {
        let mut stmt = self
            .conn()
            .prepare(sql)
            .ctx(|| "read the last collection run".into())?;
        let mut rows = stmt
            .query_map([], |r| {
                Ok(RunRecord {
                    run_id: r.get(0)?,
                    kind: r.get(1)?,
                    status: r.get(2)?,
                    started_at: utc(r.get(3)?),
                    finished_at: r.get::<_, Option<NaiveDateTime>>(4)?.map(utc),
                    graphql_points: r.get(5)?,
                    rest_requests: r.get(6)?,
                    other_requests: r.get(7)?,
                })
            })
            .ctx(|| "read the last collection run".into())?;
        rows.next()
            .transpose()
            .ctx(|| "read the last collection run".into())
    }

    /// The latest GitHub budget of each resource (`graphql`, then `core`, then
    /// any other seen), as recorded by [`Store::record_budgets`].
    pub fn latest_budgets(&self) -> Result<Vec<Budget>> {
        let what = || "read the GitHub budgets".to_string();
        let mut stmt = self.conn().prepare(LATEST_BUDGETS).ctx(what)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Budget {
                    host: r.get(0)?,
                    resource: r.get(1)?,
                    limit: r.get(2)?,
                    remaining: r.get(3)?,
                    used: r.get(4)?,
                    reset_at: r.get::<_, Option<NaiveDateTime>>(5)?.map(utc),
                    observed_at: utc(r.get(6)?),
                })
            })
            .ctx(what)?;
        rows.collect::<std::result::Result<_, _>>().ctx(what)
    }

    /// The `limit` most recent upstream failures, newest first.
    pub fn recent_errors(&self, limit: usize) -> Result<Vec<CollectionError>> {
        let what = || "read the recent collection errors".to_string();
        let mut stmt = self.conn().prepare(RECENT_ERRORS).ctx(what)?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok(CollectionError {
                    target: r.get(0)?,
                    kind: r.get(1)?,
                    message: r.get(2)?,
                    observed_at: utc(r.get(3)?),
                })
            })
            .ctx(what)?;
        rows.collect::<std::result::Result<_, _>>().ctx(what)
    }

    /// Records the budgets GitHub announced (one row each, with its own host,
    /// resource, reset and observation time), in one transaction.
    pub fn record_budgets(&mut self, budgets: &[Budget]) -> Result<()> {
        if budgets.is_empty() {
            return Ok(());
        }
        let what = || "record the GitHub budgets".to_string();
        let tx = self.conn_mut().transaction().ctx(what)?;
        {
            let mut stmt = tx.prepare(INSERT_BUDGET).ctx(what)?;
            for b in budgets {
                stmt.execute(params![
                    b.observed_at.naive_utc(),
                    b.host,
                    b.resource,
                    b.limit,
                    b.remaining,
                    b.used,
                    b.reset_at.map(|t| t.naive_utc()),
                ])
                .ctx(what)?;
            }
        }
        tx.commit().ctx(what)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, minute, 0)
            .single()
            .unwrap_or_default()
    }

    fn budget(resource: &str, remaining: i64, minute: u32) -> Budget {
        Budget {
            host: "api.github.com".into(),
            resource: resource.into(),
            limit: 5000,
            remaining,
            used: 5000 - remaining,
            reset_at: Some(at(minute + 30)),
            observed_at: at(minute),
        }
    }

    #[test]
    fn budgets_are_recorded_and_read_back_per_resource() {
        let mut store = Store::open_in_memory().expect("store");
        assert!(store.latest_budgets().expect("read").is_empty());
        store
            .record_budgets(&[budget("core", 4990, 1), budget("graphql", 4900, 2)])
            .expect("record");
        store
            .record_budgets(&[budget("graphql", 4800, 5), budget("search", 29, 5)])
            .expect("record");
        let latest = store.latest_budgets().expect("read");
        assert_eq!(
            latest,
            [
                budget("graphql", 4800, 5),
                budget("core", 4990, 1),
                budget("search", 29, 5)
            ],
            "the latest of each resource, GraphQL first, each with its own reset"
        );
        assert_eq!(store.row_count("rate_limit_observations").expect("n"), 4);
    }

    #[test]
    fn the_last_run_and_recent_errors() {
        let mut store = Store::open_in_memory().expect("store");
        assert_eq!(store.last_run().expect("read"), None);
        let first = store.begin_run("once", at(0)).expect("begin");
        store
            .finish_run(first, at(3), "ok", 12, 4, 7)
            .expect("finish");
        let second = store.begin_run("daemon", at(10)).expect("begin");
        assert_eq!(
            store.last_run().expect("read"),
            Some(RunRecord {
                run_id: second,
                kind: "daemon".into(),
                status: "running".into(),
                started_at: at(10),
                finished_at: None,
                graphql_points: 0,
                rest_requests: 0,
                other_requests: 0,
            })
        );
        store
            .finish_run(second, at(12), "partial", 3, 0, 2)
            .expect("finish");
        let last = store.last_run().expect("read").expect("a run");
        assert_eq!(
            (last.finished_at, last.graphql_points, last.rest_requests),
            (Some(at(12)), 3, 0)
        );
        assert!(store.recent_errors(3).expect("read").is_empty());
        assert!(
            store
                .collection_targets(false)
                .expect("targets")
                .rows
                .is_empty()
        );
        let failure = |minute, message: &str| crate::store::write::FailureRecord {
            source: format!("github:graphql@{minute}"),
            http_status: Some(401),
            kind: "auth".into(),
            message: message.into(),
        };
        for (minute, message) in [(11, "first"), (12, "second")] {
            let p = crate::store::write::Provenance {
                run_id: second,
                observed_at: at(minute),
                source: "test".into(),
            };
            store
                .record_failure(&p, "repo:o/r", "repo", &failure(minute, message), at(40))
                .expect("record failure");
        }
        assert!(store.collection_target_known("repo:o/r").expect("known"));
        assert!(
            !store
                .collection_target_known("repo:o/other")
                .expect("known")
        );
        let errors = store.recent_errors(1).expect("read");
        assert_eq!(
            errors,
            [CollectionError {
                target: "repo:o/r".into(),
                kind: "auth".into(),
                message: "second".into(),
                observed_at: at(12),
            }]
        );
        let failing = store.collection_targets(true).expect("targets");
        assert_eq!(failing.rows.len(), 1);
        assert_eq!(failing.rows[0][4], serde_json::json!("second"));
        assert!(matches!(
            store.row_count("no_such_table"),
            Err(crate::store::StoreError::Invalid(_))
        ));
    }
}
