//! What the collector shows about itself: Prometheus metrics and a health
//! verdict, served by `tacometerd --listen` ([`super::serve`]).
//!
//! The collector updates one [`Metrics`] as it works: the pass bookkeeping in
//! `pass.rs`, every recorded failure, and each GitHub answer's
//! `x-ratelimit-*` budget as it arrives (`http.rs`), so a scrape during a pass
//! sees the budget move. Two values are computed at scrape time instead: the
//! age of the last successful pass and the health verdict.
//!
//! Labels are bounded: a failure `kind` is one of the collector's fixed
//! classifications (`not_found`, `rate_limited`, `server`, `transport`,
//! `parse`, `client`, `timeout`, `too_large`, `graphql`), a pass `outcome` one
//! of `ok`, `partial`, `aborted`, `failed`, and a `target` one of the
//! configured repositories and packages. No token, URL or upstream text is
//! ever a label or a value.

use std::collections::BTreeSet;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use prometheus_client::collector::Collector as ScrapeCollector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::Registry;

use super::http::Budget;

/// A pass's outcome label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

/// A failure's classification label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

/// Why a database write waits: `locked` (another process holds the file)
/// or `failed` (the write failed, e.g. a full disk).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

/// A configured target's label (`repo:owner/name`, `pypi:name`, ...).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TargetLabel {
    target: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// The outcomes of a pass.
const OUTCOMES: [&str; 4] = ["ok", "partial", "aborted", "failed"];

/// The collector's failure classifications (`CallError::kind`).
const KINDS: [&str; 9] = [
    "not_found",
    "rate_limited",
    "server",
    "transport",
    "parse",
    "client",
    "timeout",
    "too_large",
    "graphql",
];

/// What the health verdict and the age gauge are computed from.
#[derive(Debug)]
struct HealthState {
    /// When this collector started (the reference before any successful pass).
    started: DateTime<Utc>,
    /// The end of the newest successful pass (this process's, or the
    /// database's at start).
    last_success: Option<DateTime<Utc>>,
    /// The pause between passes: the shortest collection interval.
    interval: Duration,
}

/// The scrape-time series: the age of the last successful pass.
#[derive(Debug)]
struct AgeCollector(Arc<Mutex<HealthState>>);

impl ScrapeCollector for AgeCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let last = lock(&self.0).last_success;
        if let Some(last) = last {
            let age = ConstGauge::new(seconds_between(last, Utc::now()));
            let m = encoder.encode_descriptor(
                "last_success_age_seconds",
                "Seconds since the newest successful pass ended (absent before the first)",
                None,
                age.metric_type(),
            )?;
            age.encode(m)?;
        }
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn seconds_between(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds().max(0) as f64 / 1000.0
}

/// The latest budget GitHub announced for GraphQL and for REST `core`.
#[derive(Debug, Default)]
struct Budgets {
    graphql: Option<Budget>,
    core: Option<Budget>,
}

/// The budget series, shown once GitHub announced the budget (a 0 before
/// then would read as a spent budget).
#[derive(Debug)]
struct BudgetCollector(Arc<Mutex<Budgets>>);

impl ScrapeCollector for BudgetCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let (graphql, core) = {
            let b = lock(&self.0);
            (b.graphql.clone(), b.core.clone())
        };
        let series = [
            (
                graphql,
                "github_graphql_points",
                "GraphQL points",
                "graphql",
            ),
            (core, "github_rest_requests", "REST core requests", "rest"),
        ];
        for (budget, name, what, reset_name) in series {
            let Some(b) = budget else { continue };
            let gauges = [
                (
                    format!("{name}_remaining"),
                    format!("{what} left, as GitHub's latest x-ratelimit-remaining said"),
                    b.remaining,
                ),
                (
                    format!("{name}_limit"),
                    format!("{what} per window, as GitHub's latest x-ratelimit-limit said"),
                    b.limit,
                ),
            ];
            for (n, help, v) in gauges {
                let g = ConstGauge::new(v);
                g.encode(encoder.encode_descriptor(&n, &help, None, g.metric_type())?)?;
            }
            if let Some(at) = b.reset_at {
                let g = ConstGauge::new(at.timestamp());
                g.encode(encoder.encode_descriptor(
                    &format!("github_{reset_name}_reset_timestamp_seconds"),
                    &format!("Unix time at which the {what} budget resets (x-ratelimit-reset)"),
                    None,
                    g.metric_type(),
                )?)?;
            }
        }
        Ok(())
    }
}

/// The health verdict `/healthz` answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether collection is fresh (200) or stale (503).
    pub healthy: bool,
    /// One line saying why.
    pub message: String,
}

/// The collector's metrics and health state.
pub struct Metrics {
    registry: Registry,
    health: Arc<Mutex<HealthState>>,
    passes: Family<OutcomeLabel, Counter>,
    pass_running: Gauge,
    pass_planned: Gauge,
    pass_done: Gauge,
    pass_duration: FloatGauge,
    last_success_at: FloatGauge,
    interval: FloatGauge,
    failures: Family<KindLabel, Counter>,
    target_errors: Family<TargetLabel, Counter>,
    target_failing: Family<TargetLabel, Gauge>,
    /// Targets with a `target_failing` series (set back to 0 when they recover).
    failing_seen: Mutex<BTreeSet<String>>,
    budgets: Arc<Mutex<Budgets>>,
    graphql_points: Counter,
    rest_requests: Counter,
    rest_not_modified: Counter,
    package_requests: Counter,
    store_retries: Family<ReasonLabel, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Fresh metrics of a collector started at `started` whose passes come
    /// round every `interval`.
    pub fn new(started: DateTime<Utc>, interval: Duration) -> Self {
        let health = Arc::new(Mutex::new(HealthState {
            started,
            last_success: None,
            interval,
        }));
        let mut registry = Registry::with_prefix("tacometer");
        let m = Self {
            health: Arc::clone(&health),
            passes: Family::default(),
            pass_running: Gauge::default(),
            pass_planned: Gauge::default(),
            pass_done: Gauge::default(),
            pass_duration: FloatGauge::default(),
            last_success_at: FloatGauge::default(),
            interval: FloatGauge::default(),
            failures: Family::default(),
            target_errors: Family::default(),
            target_failing: Family::default(),
            failing_seen: Mutex::new(BTreeSet::new()),
            budgets: Arc::new(Mutex::new(Budgets::default())),
            graphql_points: Counter::default(),
            rest_requests: Counter::default(),
            rest_not_modified: Counter::default(),
            package_requests: Counter::default(),
            store_retries: Family::default(),
            registry: Registry::default(),
        };
        m.interval.set(interval.as_secs_f64());
        // Every outcome and kind from the start, so rates and alerts see a 0
        // before the first one.
        for outcome in OUTCOMES {
            drop(m.passes.get_or_create(&OutcomeLabel { outcome }));
        }
        for kind in KINDS {
            drop(m.failures.get_or_create(&KindLabel { kind }));
        }
        for reason in ["locked", "failed"] {
            drop(m.store_retries.get_or_create(&ReasonLabel { reason }));
        }
        registry.register(
            "passes",
            "Collection passes ended, by outcome (ok, partial: some targets failed, aborted: \
             stopped by a signal, failed: the database writer stopped)",
            m.passes.clone(),
        );
        registry.register(
            "pass_running",
            "1 while a collection pass is in progress",
            m.pass_running.clone(),
        );
        registry.register(
            "pass_targets_planned",
            "Repositories and packages the running (or last) pass collects; the one-time \
             star and tree backfills that follow them are not counted",
            m.pass_planned.clone(),
        );
        registry.register(
            "pass_targets_done",
            "Of those, how many have been collected or have failed so far",
            m.pass_done.clone(),
        );
        registry.register(
            "last_pass_duration_seconds",
            "How long the last pass took",
            m.pass_duration.clone(),
        );
        registry.register(
            "last_success_timestamp_seconds",
            "Unix time at which the newest successful pass (ok or partial) ended; 0 before the first",
            m.last_success_at.clone(),
        );
        registry.register_collector(Box::new(AgeCollector(Arc::clone(&health))));
        registry.register(
            "collection_interval_seconds",
            "The pause between passes (the shortest of [collect] github_interval and \
             packages_interval); /healthz fails past twice this",
            m.interval.clone(),
        );
        registry.register(
            "failures",
            "Failed upstream calls recorded against a target, by kind",
            m.failures.clone(),
        );
        registry.register(
            "target_errors",
            "Failures recorded against each configured repository or package",
            m.target_errors.clone(),
        );
        registry.register(
            "target_consecutive_failures",
            "Consecutive failed collections of a configured target (0 once it succeeds again); \
             only targets that failed since the daemon started, or were failing then",
            m.target_failing.clone(),
        );
        registry.register_collector(Box::new(BudgetCollector(Arc::clone(&m.budgets))));
        registry.register(
            "github_graphql_points_spent",
            "GraphQL points spent (rateLimit.cost)",
            m.graphql_points.clone(),
        );
        registry.register(
            "github_rest_requests",
            "GitHub REST requests charged to the core budget",
            m.rest_requests.clone(),
        );
        registry.register(
            "github_rest_not_modified",
            "GitHub REST answers 304 Not Modified (free)",
            m.rest_not_modified.clone(),
        );
        registry.register(
            "package_requests",
            "Requests sent to PyPI and Anaconda",
            m.package_requests.clone(),
        );
        registry.register(
            "store_retries",
            "Database writes retried after a wait, by reason (locked: another process holds \
             the file; failed: the write failed, e.g. a full disk)",
            m.store_retries.clone(),
        );
        Self { registry, ..m }
    }

    /// A pass began.
    pub fn pass_started(&self) {
        self.pass_running.set(1);
        self.pass_planned.set(0);
        self.pass_done.set(0);
    }

    /// The running pass will collect `n` more targets.
    pub fn targets_planned(&self, n: usize) {
        self.pass_planned
            .inc_by(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The running pass has collected (or failed) `n` more targets.
    pub fn targets_done(&self, n: usize) {
        self.pass_done.inc_by(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The running (or last) pass's progress: (targets done, targets
    /// planned), and whether a pass is running. What the CLI's progress bar
    /// shows during `demo` and `check --live`.
    pub fn progress(&self) -> (u64, u64, bool) {
        let n = |g: &Gauge| u64::try_from(g.get()).unwrap_or(0);
        (
            n(&self.pass_done),
            n(&self.pass_planned),
            self.pass_running.get() == 1,
        )
    }

    /// A pass ended at `at` after `took`, with `outcome` (`ok`, `partial`,
    /// `aborted` or `failed`); `ok` and `partial` are successful.
    pub fn pass_ended(&self, outcome: &'static str, at: DateTime<Utc>, took: Duration) {
        self.passes.get_or_create(&OutcomeLabel { outcome }).inc();
        self.pass_running.set(0);
        self.pass_duration.set(took.as_secs_f64());
        if matches!(outcome, "ok" | "partial") {
            self.succeeded_at(at);
        }
    }

    /// Takes a successful pass that ended at `at` (one recorded in the
    /// database before this process started, too), unless a newer one is known.
    pub fn succeeded_at(&self, at: DateTime<Utc>) {
        let mut h = lock(&self.health);
        if h.last_success.is_none_or(|t| t < at) {
            h.last_success = Some(at);
            self.last_success_at
                .set(at.timestamp_millis() as f64 / 1000.0);
        }
    }

    /// A failure of `kind` was recorded against `target`.
    pub fn failed(&self, kind: &'static str, target: &str) {
        self.failures.get_or_create(&KindLabel { kind }).inc();
        self.target_errors
            .get_or_create(&TargetLabel {
                target: target.to_string(),
            })
            .inc();
    }

    /// The consecutive failures of every configured target that is failing
    /// now (as the database holds them); targets not listed are not failing.
    pub fn failing_targets(&self, failing: &[(String, i64)]) {
        let mut seen = lock(&self.failing_seen);
        for target in seen.iter() {
            if !failing.iter().any(|(t, _)| t == target) {
                self.target_failing
                    .get_or_create(&TargetLabel {
                        target: target.clone(),
                    })
                    .set(0);
            }
        }
        for (target, n) in failing {
            self.target_failing
                .get_or_create(&TargetLabel {
                    target: target.clone(),
                })
                .set(*n);
            seen.insert(target.clone());
        }
    }

    /// A GitHub answer announced `b` (only `graphql` and REST `core` are shown).
    pub fn budget(&self, b: &Budget) {
        let mut budgets = lock(&self.budgets);
        match b.resource.as_str() {
            "graphql" => budgets.graphql = Some(b.clone()),
            "core" => budgets.core = Some(b.clone()),
            _ => {}
        }
    }

    /// GraphQL points spent.
    pub fn graphql_spent(&self, points: i64) {
        self.graphql_points.inc_by(points.max(0) as u64);
    }

    /// A GitHub REST answer: 304 (free) or charged.
    pub fn rest_answer(&self, not_modified: bool) {
        if not_modified {
            self.rest_not_modified.inc();
        } else {
            self.rest_requests.inc();
        }
    }

    /// A database write waits to be retried: the file was `locked`, or the write failed.
    pub fn store_retry(&self, locked: bool) {
        let reason = if locked { "locked" } else { "failed" };
        self.store_retries
            .get_or_create(&ReasonLabel { reason })
            .inc();
    }

    /// A request to PyPI or Anaconda.
    pub fn package_request(&self) {
        self.package_requests.inc();
    }

    /// The metrics in the Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }

    /// Healthy unless the newest successful pass (or, before one, the start)
    /// is more than twice the interval before `now`.
    pub fn health_at(&self, now: DateTime<Utc>) -> Verdict {
        let h = lock(&self.health);
        let limit = h.interval.saturating_mul(2);
        let limit_text = humantime::format_duration(limit);
        let since = |t: DateTime<Utc>| {
            humantime::format_duration(Duration::from_secs(
                u64::try_from((now - t).num_seconds()).unwrap_or(0),
            ))
            .to_string()
        };
        let (reference, what) = match h.last_success {
            Some(t) => (
                t,
                format!("the last successful pass ended {} ago", since(t)),
            ),
            None => (
                h.started,
                format!(
                    "no successful pass since the start {} ago",
                    since(h.started)
                ),
            ),
        };
        let healthy =
            now - reference <= chrono::Duration::from_std(limit).unwrap_or(chrono::Duration::MAX);
        Verdict {
            healthy,
            message: format!(
                "{}: {what} (stale past {limit_text}, twice the collection interval)",
                if healthy { "ok" } else { "stale" }
            ),
        }
    }
}

/// The `Content-Type` of [`Metrics::render`].
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap() + chrono::Duration::minutes(min)
    }

    fn value(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn the_series_follow_passes_failures_and_budgets() {
        let m = Metrics::new(at(0), Duration::from_secs(3600));
        m.pass_started();
        let text = m.render();
        assert!(
            !text.contains("remaining"),
            "no budget before GitHub announced one: {text}"
        );
        assert_eq!(value(&text, "tacometer_pass_running"), Some(1.0), "{text}");
        assert!(
            !text.contains("tacometer_last_success_age_seconds"),
            "{text}"
        );
        m.budget(&Budget {
            host: "api.github.com".into(),
            resource: "graphql".into(),
            limit: 5000,
            remaining: 4990,
            used: 10,
            reset_at: Some(at(60)),
            observed_at: at(1),
        });
        m.budget(&Budget {
            host: "api.github.com".into(),
            resource: "search".into(),
            limit: 30,
            remaining: 29,
            used: 1,
            reset_at: None,
            observed_at: at(1),
        });
        m.graphql_spent(3);
        m.rest_answer(true);
        m.rest_answer(false);
        m.package_request();
        m.store_retry(true);
        m.failed("not_found", "repo:o/gone");
        m.failed("not_found", "repo:o/gone");
        m.failed("timeout", "pypi:slow");
        m.failing_targets(&[("repo:o/gone".into(), 2)]);
        m.pass_ended("partial", at(5), Duration::from_millis(1500));
        let text = m.render();
        for (series, want) in [
            ("tacometer_pass_running", 0.0),
            ("tacometer_passes_total{outcome=\"partial\"}", 1.0),
            ("tacometer_last_pass_duration_seconds", 1.5),
            ("tacometer_github_graphql_points_remaining", 4990.0),
            ("tacometer_github_graphql_points_limit", 5000.0),
            (
                "tacometer_github_graphql_reset_timestamp_seconds",
                at(60).timestamp() as f64,
            ),
            ("tacometer_github_graphql_points_spent_total", 3.0),
            ("tacometer_github_rest_requests_total", 1.0),
            ("tacometer_github_rest_not_modified_total", 1.0),
            ("tacometer_package_requests_total", 1.0),
            ("tacometer_store_retries_total{reason=\"locked\"}", 1.0),
            ("tacometer_store_retries_total{reason=\"failed\"}", 0.0),
            ("tacometer_failures_total{kind=\"not_found\"}", 2.0),
            ("tacometer_failures_total{kind=\"timeout\"}", 1.0),
            ("tacometer_target_errors_total{target=\"repo:o/gone\"}", 2.0),
            (
                "tacometer_target_consecutive_failures{target=\"repo:o/gone\"}",
                2.0,
            ),
            (
                "tacometer_last_success_timestamp_seconds",
                at(5).timestamp() as f64,
            ),
            ("tacometer_collection_interval_seconds", 3600.0),
        ] {
            assert_eq!(value(&text, series), Some(want), "{series} in\n{text}");
        }
        assert!(
            value(&text, "tacometer_last_success_age_seconds").is_some(),
            "{text}"
        );
        assert!(
            !text.contains("search"),
            "only GraphQL and REST core budgets"
        );
        assert!(
            text.contains("# TYPE tacometer_passes_total counter"),
            "{text}"
        );
        assert_eq!(
            value(&text, "tacometer_passes_total{outcome=\"failed\"}"),
            Some(0.0),
            "every outcome is shown from the start"
        );
        assert_eq!(
            value(&text, "tacometer_failures_total{kind=\"too_large\"}"),
            Some(0.0)
        );

        // A recovered target reads 0.
        m.failing_targets(&[]);
        let text = m.render();
        assert_eq!(
            value(
                &text,
                "tacometer_target_consecutive_failures{target=\"repo:o/gone\"}"
            ),
            Some(0.0)
        );
    }

    #[test]
    fn health_fails_past_twice_the_interval() {
        let m = Metrics::new(at(0), Duration::from_secs(3600));
        assert!(m.health_at(at(120)).healthy, "two intervals from the start");
        let v = m.health_at(at(121));
        assert!(!v.healthy);
        assert!(v.message.contains("no successful pass"), "{}", v.message);
        m.pass_ended("aborted", at(100), Duration::from_secs(1));
        assert!(
            !m.health_at(at(121)).healthy,
            "an aborted pass is no success"
        );
        m.pass_ended("ok", at(110), Duration::from_secs(1));
        assert!(m.health_at(at(230)).healthy);
        let v = m.health_at(at(231));
        assert!(!v.healthy, "{v:?}");
        assert!(
            v.message
                .starts_with("stale: the last successful pass ended 2h 1m ago"),
            "{}",
            v.message
        );
        // An older success from the database does not move it back.
        m.succeeded_at(at(-500));
        assert!(m.health_at(at(230)).healthy);
    }
}
