//! Whether collection is healthy, as `tacometer status --check` judges it
//! from the database (the daemon's `/healthz` judges the same staleness from
//! its own passes, see [`crate::collect::metrics`]).
//!
//! Two questions, each with a fixed, documented answer:
//!
//! - **stale**: no successful pass (the daemon's or `--once`'s, `ok` or
//!   `partial`, ended) at all, or the newest ended more than `max_age` ago;
//!   `max_age` defaults to twice the pause between the daemon's passes (the
//!   shortest of `[collect] github_interval` and `packages_interval`), so a
//!   daemon that missed one pass is still fresh and one that missed two is not;
//! - **keeps failing**: a configured target (a repository, package, or
//!   torch's releases) whose last `max_failures` (default 3) attempts all
//!   failed. Targets no longer in the config are left out: nothing collects
//!   them, so nothing will clear their failures.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::collect::pass::tracked_targets;
use crate::config::Config;
use crate::store::{FailingTarget, Result, RunRecord, Store};
use crate::time::rfc3339;

/// Consecutive failures after which a target "keeps failing" by default.
pub const DEFAULT_MAX_FAILURES: u32 = 3;

/// Exit code of `status --check` when a target keeps failing (and
/// collection is not stale).
pub const EXIT_FAILING: u8 = 1;

/// Exit code of `status --check` when collection is stale.
pub const EXIT_STALE: u8 = 3;

/// The limits a check applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Collection is stale when the newest successful pass ended longer ago.
    pub max_age: Duration,
    /// A target keeps failing after this many consecutive failures.
    pub max_failures: u32,
}

impl Policy {
    /// The defaults for `config`: twice the pass interval, 3 failures.
    pub fn for_config(config: &Config) -> Self {
        Self {
            max_age: config.collect.pass_interval().saturating_mul(2),
            max_failures: DEFAULT_MAX_FAILURES,
        }
    }
}

/// The verdict of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// The limits applied.
    pub policy: Policy,
    /// When it was judged.
    pub now: DateTime<Utc>,
    /// The newest successful pass, if any.
    pub last_success: Option<RunRecord>,
    /// Whether collection is stale.
    pub stale: bool,
    /// Configured targets that keep failing, most failures first.
    pub failing: Vec<FailingTarget>,
}

/// Judges collection health as of `now`.
pub fn assess(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
    policy: Policy,
) -> Result<Assessment> {
    let last_success = store.last_successful_pass()?;
    let limit = chrono::Duration::from_std(policy.max_age).unwrap_or(chrono::Duration::MAX);
    let stale = last_success
        .as_ref()
        .and_then(|r| r.finished_at)
        .is_none_or(|end| now - end > limit);
    let tracked = tracked_targets(config);
    let failing = store
        .failing_targets(i64::from(policy.max_failures.max(1)))?
        .into_iter()
        .filter(|t| tracked.contains(&t.target))
        .collect();
    Ok(Assessment {
        policy,
        now,
        last_success,
        stale,
        failing,
    })
}

impl Assessment {
    /// Healthy: fresh, and no target keeps failing.
    pub fn healthy(&self) -> bool {
        !self.stale && self.failing.is_empty()
    }

    /// 0 healthy, [`EXIT_FAILING`] when a target keeps failing, [`EXIT_STALE`]
    /// when collection is stale (whatever the targets do).
    pub fn exit_code(&self) -> u8 {
        if self.stale {
            EXIT_STALE
        } else if !self.failing.is_empty() {
            EXIT_FAILING
        } else {
            0
        }
    }

    /// One line per finding (or one saying all is well).
    pub fn lines(&self) -> Vec<String> {
        let age = |t: DateTime<Utc>| {
            humantime::format_duration(Duration::from_secs(
                u64::try_from((self.now - t).num_seconds()).unwrap_or(0),
            ))
            .to_string()
        };
        let max_age = humantime::format_duration(self.policy.max_age);
        let end = self.last_success.as_ref().and_then(|r| r.finished_at);
        let mut lines = Vec::new();
        match (self.stale, end) {
            (true, Some(end)) => lines.push(format!(
                "check: stale: the newest successful pass ended {} ago ({}), more than {max_age}",
                age(end),
                rfc3339(end)
            )),
            (true, None) => lines.push("check: stale: no successful pass recorded".into()),
            (false, _) => {}
        }
        for t in &self.failing {
            lines.push(format!(
                "check: {} keeps failing: its last {} attempts failed{}",
                t.target,
                t.failures,
                t.last_error
                    .as_deref()
                    .map(|e| format!(", the latest with: {e}"))
                    .unwrap_or_default()
            ));
        }
        if lines.is_empty() {
            lines.push(format!(
                "check: healthy: the newest successful pass ended {} ago (at most {max_age}), \
                 no target failed {} times in a row",
                end.map_or_else(|| "-".into(), age),
                self.policy.max_failures
            ));
        }
        lines
    }

    /// The verdict as JSON (the `check` member of `status --format json`).
    pub fn json(&self) -> Value {
        json!({
            "healthy": self.healthy(),
            "exit_code": self.exit_code(),
            "stale": self.stale,
            "max_age_seconds": self.policy.max_age.as_secs(),
            "last_success_at": self
                .last_success
                .as_ref()
                .and_then(|r| r.finished_at)
                .map(rfc3339),
            "max_failures": self.policy.max_failures,
            "failing": self.failing.iter().map(|t| json!({
                "target": t.target,
                "failures": t.failures,
                "last_error": t.last_error,
                "last_error_at": t.last_error_at.map(rfc3339),
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;
    use crate::store::write::{FailureRecord, Provenance};

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap() + chrono::Duration::minutes(min)
    }

    fn fail(store: &mut Store, run: i64, target: &str, min: i64) {
        let p = Provenance {
            run_id: run,
            observed_at: at(min),
            source: "test".into(),
        };
        let rec = FailureRecord {
            source: "test".into(),
            http_status: Some(502),
            kind: "server".into(),
            message: "bad gateway".into(),
        };
        store
            .record_failure(&p, target, "repo", &rec, at(min + 1))
            .unwrap();
    }

    #[test]
    fn stale_and_failing_as_documented() {
        let mut store = Store::open_in_memory().unwrap();
        let config = Config::parse(
            "[[projects]]\nname = \"A\"\nrepos = [\"O/A\"]\npypi = [\"Pkg_A\"]\n",
            crate::config::ConfigSource::Builtin,
        )
        .unwrap();
        assert!(tracked_targets(&config).contains("repo:o/a"));
        assert!(tracked_targets(&config).contains("pypi:pkg-a"));
        let policy = Policy {
            max_age: Duration::from_secs(2 * 3600),
            max_failures: 3,
        };
        let check =
            |store: &Store, config: &Config, now| assess(store, config, now, policy).unwrap();

        // Nothing collected yet: stale.
        let a = check(&store, &config, at(0));
        assert!(a.stale);
        assert_eq!(a.exit_code(), EXIT_STALE);

        // An aborted pass and a live check are no success.
        let r = store.begin_run("daemon", at(0)).unwrap();
        store.finish_run(r, at(5), "aborted", 0, 0, 0).unwrap();
        let r = store.begin_run("live", at(6)).unwrap();
        store.finish_run(r, at(7), "ok", 0, 0, 0).unwrap();
        assert!(check(&store, &config, at(8)).stale);

        // A partial pass is one; fresh up to max_age after it ended.
        let r = store.begin_run("once", at(10)).unwrap();
        store.finish_run(r, at(20), "partial", 0, 0, 0).unwrap();
        let a = check(&store, &config, at(140));
        assert!(!a.stale && a.healthy(), "{:?}", a.lines());
        assert_eq!(a.exit_code(), 0);
        assert!(
            a.lines()[0].starts_with("check: healthy"),
            "{:?}",
            a.lines()
        );
        let a = check(&store, &config, at(141));
        assert!(a.stale);
        assert!(
            a.lines()[0].starts_with("check: stale: the newest successful pass ended 2h 1m ago"),
            "{:?}",
            a.lines()
        );

        // A configured target failing 3 times in a row keeps failing; an
        // unconfigured one is nobody's concern.
        let tracked = "repo:o/a".to_string();
        for i in 0..3 {
            fail(&mut store, r, &tracked, 21 + i);
            fail(&mut store, r, "repo:gone/away", 21 + i);
        }
        let a = check(&store, &config, at(30));
        assert!(!a.stale);
        assert_eq!(a.failing.len(), 1, "{:?}", a.failing);
        assert_eq!(a.failing[0].target, tracked);
        assert_eq!(a.exit_code(), EXIT_FAILING);
        assert!(
            a.lines()[0].contains(
                "keeps failing: its last 3 attempts failed, the latest with: bad gateway"
            )
        );
        assert_eq!(a.json()["failing"][0]["failures"], 3);
        // With a higher limit it does not yet.
        let lenient = Policy {
            max_failures: 4,
            ..policy
        };
        assert!(assess(&store, &config, at(30), lenient).unwrap().healthy());
        // Stale wins.
        assert_eq!(check(&store, &config, at(300)).exit_code(), EXIT_STALE);
    }
}
