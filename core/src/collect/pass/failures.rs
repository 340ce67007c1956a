//! A pass's failures: what an upstream said, cleaned of terminal escapes
//! and tokens, is logged, counted in the metrics and recorded against its
//! target with when to try it again.

use chrono::{DateTime, Utc};

use super::{Collector, Ended, repo_target};
use crate::collect::http::CallError;
use crate::collect::schedule;
use crate::collect::sink::Stopped;
use crate::store::write::{Failure, FailureRecord, Provenance};

impl Collector {
    /// Records a failed upstream call of a one-time backfill against its
    /// target, for `status`; the backfill is tried again next pass.
    pub(crate) async fn record_call_error(
        &self,
        run_id: i64,
        at: DateTime<Utc>,
        target: String,
        e: &CallError,
    ) -> Result<(), Stopped> {
        let e = self.cleaned(e);
        self.metrics.failed(e.kind, &target);
        let (p, rec) = failure_of(run_id, at, &e);
        self.sink
            .write(move |store| store.record_error(&p, &target, &rec, 1))
            .await
    }

    /// What the upstream said, without terminal escapes or an echoed token:
    /// every failure is cleaned so before it is logged or stored.
    pub(crate) fn cleaned(&self, e: &CallError) -> CallError {
        let secrets: Vec<&str> = self
            .config
            .github
            .tokens
            .iter()
            .map(|t| t.expose())
            .collect();
        CallError {
            call: crate::output::shown(&e.call, &secrets),
            status: e.status,
            kind: e.kind,
            message: crate::output::shown(&e.message, &secrets),
        }
    }

    /// Records a failed target and when to try it again.
    pub(crate) async fn fail(
        &self,
        run_id: i64,
        target: &str,
        kind: &str,
        e: &CallError,
        failures: i64,
    ) -> Result<Ended, Stopped> {
        let failed = Failed {
            target: target.to_string(),
            kind: kind.to_string(),
            error: e.clone(),
            failures,
        };
        self.fail_all(run_id, vec![failed])
            .await
            .pop()
            .unwrap_or(Ok(Ended::Failed))
    }

    /// Records failed targets, in one write, and when to try each again.
    pub(crate) async fn fail_all(
        &self,
        run_id: i64,
        failed: Vec<Failed>,
    ) -> Vec<Result<Ended, Stopped>> {
        if failed.is_empty() {
            return Vec::new();
        }
        let now = self.clock.now();
        let mut records = Vec::with_capacity(failed.len());
        for f in &failed {
            let e = &self.cleaned(&f.error);
            tracing::warn!(target = %f.target, kind = e.kind, status = e.status, error = %e, "collection failed");
            self.metrics.failed(e.kind, &f.target);
            let (p, error) = failure_of(run_id, now, e);
            records.push(Failure {
                p,
                target: f.target.clone(),
                kind: f.kind.clone(),
                error,
                next_due_at: schedule::retry_at(
                    now,
                    f.failures,
                    self.config.collect.github_interval.0,
                ),
            });
        }
        let n = records.len();
        let written = self
            .sink
            .write(move |store| store.record_failures(&records))
            .await;
        (0..n).map(|_| written.map(|()| Ended::Failed)).collect()
    }
}

/// A target whose collection failed, to record ([`Collector::fail_all`]).
pub(crate) struct Failed {
    target: String,
    kind: String,
    error: CallError,
    /// The target's failures before this one (for the backoff).
    failures: i64,
}

impl Failed {
    pub(super) fn repo(slug: &str, error: CallError, failures: &dyn Fn(&str) -> i64) -> Self {
        let target = repo_target(slug);
        Self {
            failures: failures(&target),
            target,
            kind: "repo".into(),
            error,
        }
    }
}

/// Where a failed call's record comes from, and what it says.
fn failure_of(run_id: i64, at: DateTime<Utc>, e: &CallError) -> (Provenance, FailureRecord) {
    let p = Provenance {
        run_id,
        observed_at: at,
        source: e.call.clone(),
    };
    let record = FailureRecord {
        source: e.call.clone(),
        http_status: e.status.map(i32::from),
        kind: e.kind.to_string(),
        message: e.message.clone(),
    };
    (p, record)
}
