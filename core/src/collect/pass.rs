//! One collection pass over the tracked projects: orchestration only.
//!
//! Order of work, chosen to spend as few GitHub points as possible:
//!
//! 1. names never seen before are resolved to node ids, 50 per request;
//! 2. every repository's counters, head and layout are read, 100 per request
//!    (about one point each request);
//! 3. each repository's step ([`super::repo`]): history up to the head and a
//!    share of its backfill ([`super::history`]); files and merged pull
//!    requests only when the head moved; Actions runs since the newest stored
//!    one, asked with the stored ETag (an unchanged answer is a free 304);
//! 4. the one-time star backfill of repositories whose star list has not
//!    been read ([`super::stars`]), a page of 50 repositories per point, and
//!    beside it
//! 5. the one-time tree backfill of repositories whose history reaches
//!    `backfill_days` back ([`super::trees`]): past layout files, CODEOWNERS
//!    and license files;
//! 6. PyPI and Anaconda packages, and torch's own releases
//!    ([`super::package_fetch`]), alongside the repositories.
//!
//! Repositories (all batches' in one stream, so no batch waits for the
//! slowest of the one before) and packages are collected concurrently,
//! `[collect] concurrency` at a time; the HTTP client keeps every host within
//! its quota, its in-flight limit and the waits it was told. Every database
//! read and write goes through the one writer ([`super::sink`]), off the async
//! runtime. A failure is recorded and retried with backoff, and never stops
//! the others.
//!
//! Longer than 500 lines on purpose: building the collector (per-host limits)
//! and a pass's bookkeeping (run record, budgets, report) sit beside the
//! orchestration; the work itself is in `repo.rs`, `package_fetch.rs` and
//! `history/`, and recording failures in `pass/failures.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio::sync::watch;

use super::github::{Github, q};
use super::http::{CallError, Http, Retry};
use super::metrics::Metrics;
use super::repo::RepoWork;
use super::schedule;
use super::sink::{Sink, Stopped};
use super::stars::StarWork;
use super::trees::TreeWork;
use crate::config::Config;
use crate::model::ProjectStatus;
use crate::store::memory::CollectorMemory;
use crate::store::{Result as StoreResult, Store, StoreError};

mod failures;
pub(crate) use failures::Failed;

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    /// The run id in `collection_runs`.
    pub run_id: i64,
    /// Repositories collected.
    pub repos_ok: usize,
    /// Repositories that failed (recorded in `collection_errors`).
    pub repos_failed: usize,
    /// Repositories skipped because their head did not move.
    pub repos_unchanged: usize,
    /// Packages collected.
    pub packages_ok: usize,
    /// Packages that failed.
    pub packages_failed: usize,
    /// GraphQL points spent.
    pub graphql_points: i64,
    /// REST requests sent.
    pub rest_requests: i64,
    /// REST answers that were 304.
    pub not_modified: i64,
    /// PyPI/Anaconda requests.
    pub other_requests: i64,
    /// Stopped early by a shutdown request.
    pub interrupted: bool,
}

/// Source of the current time (injected so tests control it).
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The collector: configuration, HTTP client, and the one writer of the database.
pub struct Collector {
    config: Config,
    http: Http,
    github: Github,
    clock: Arc<dyn Clock>,
    sink: Sink,
    metrics: Arc<Metrics>,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("db", &self.config.store.path)
            .finish_non_exhaustive()
    }
}

/// A target's collection failed upstream (recorded), or the writer stopped.
#[derive(Debug)]
pub(crate) enum RepoError {
    /// An upstream call failed; recorded and retried with backoff.
    Call(CallError),
    /// The writer stopped: the pass is over.
    Stopped,
}

impl From<CallError> for RepoError {
    fn from(e: CallError) -> Self {
        Self::Call(e)
    }
}

impl From<Stopped> for RepoError {
    fn from(_: Stopped) -> Self {
        Self::Stopped
    }
}

fn stopped(_: Stopped) -> StoreError {
    StoreError::Invalid(
        "the database writer stopped (the database was replaced or became unusable)".into(),
    )
}

/// How one target of a pass ended.
pub(crate) enum Ended {
    /// Collected; `unchanged`: the repository's head had not moved.
    Ok {
        /// The head had not moved.
        unchanged: bool,
    },
    /// Failed, and recorded.
    Failed,
    /// Not due, or a stop request came first.
    Skipped,
}

/// How often a running pass logs its progress.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

impl Collector {
    /// Builds a collector from the configuration and starts its writer.
    pub fn new(config: Config, clock: Arc<dyn Clock>) -> Result<Self, CallError> {
        let mut quotas = HashMap::new();
        let mut in_flight = HashMap::new();
        for (host, n) in &config.collect.requests_per_second {
            quotas.insert(host.clone(), *n);
        }
        for (host, n) in &config.collect.max_in_flight {
            in_flight.insert(host.clone(), *n);
        }
        // The configured upstreams get the limits of the public host they stand for.
        let alias =
            |url: &str, public: &str, quotas: &mut HashMap<_, _>, in_flight: &mut HashMap<_, _>| {
                let host = reqwest::Url::parse(url).ok().and_then(|u| {
                    u.host_str()
                        .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
                });
                let Some(host) = host else { return };
                if let Some(n) = config.collect.requests_per_second.get(public) {
                    quotas.entry(host.clone()).or_insert(*n);
                }
                if let Some(n) = config.collect.max_in_flight.get(public) {
                    in_flight.entry(host).or_insert(*n);
                }
            };
        alias(
            &config.upstream.github_api_url,
            "api.github.com",
            &mut quotas,
            &mut in_flight,
        );
        alias(
            &config.upstream.pypi_url,
            "pypi.org",
            &mut quotas,
            &mut in_flight,
        );
        alias(
            &config.upstream.anaconda_api_url,
            "api.anaconda.org",
            &mut quotas,
            &mut in_flight,
        );
        let metrics = Arc::new(Metrics::new(clock.now(), config.collect.pass_interval()));
        let http = Http::new(
            quotas,
            in_flight,
            config.github.tokens.clone(),
            Retry::default(),
            config.collect.item_timeout.0,
        )?
        .with_metrics(Arc::clone(&metrics));
        let github = Github {
            api_url: config
                .upstream
                .github_api_url
                .trim_end_matches('/')
                .to_string(),
            graphql_url: config.upstream.graphql_url(),
        };
        let sink = Sink::start(
            config.store.path.clone(),
            config.store.lock_wait.0,
            Arc::clone(&clock),
            Arc::clone(&metrics),
        );
        Ok(Self {
            config,
            http,
            github,
            clock,
            sink,
            metrics,
        })
    }

    /// The collector's metrics and health ([`super::serve`]).
    pub fn metrics(&self) -> Arc<Metrics> {
        Arc::clone(&self.metrics)
    }

    /// Seeds the metrics from the database: the newest successful pass (so
    /// a restart does not hide how old the collected data is) and the
    /// configured targets failing now.
    pub async fn restore_metrics(&self) -> StoreResult<()> {
        let last = self
            .sink
            .call(|store| store.last_successful_pass())
            .await
            .map_err(stopped)?;
        if let Some(at) = last.and_then(|r| r.finished_at) {
            self.metrics.succeeded_at(at);
        }
        self.refresh_failing().await
    }

    /// Sets the per-target failure gauges from the database.
    async fn refresh_failing(&self) -> StoreResult<()> {
        let tracked = tracked_targets(&self.config);
        let failing = self
            .sink
            .call(|store| store.failing_targets(1))
            .await
            .map_err(stopped)?;
        let failing: Vec<(String, i64)> = failing
            .into_iter()
            .filter(|t| tracked.contains(&t.target))
            .map(|t| (t.target, t.failures))
            .collect();
        self.metrics.failing_targets(&failing);
        Ok(())
    }

    /// Stops the writer's retries: writes still waiting for a busy database
    /// are dropped (called when the daemon leaves after a stop request).
    pub fn stop_writer(&self) {
        self.sink.stop();
    }

    /// Waits up to `wait` for the writer to end after [`Self::stop_writer`];
    /// whether it ended (leave the process only then: DuckDB must not be
    /// mid-query when it exits).
    pub fn join_writer(&self, wait: std::time::Duration) -> bool {
        self.sink.join(wait)
    }

    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn http(&self) -> &Http {
        &self.http
    }

    pub(crate) fn github(&self) -> &Github {
        &self.github
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub(crate) fn sink(&self) -> &Sink {
        &self.sink
    }

    pub(crate) async fn write_sink(
        &self,
        job: impl FnMut(&mut Store) -> StoreResult<()> + Send + 'static,
    ) -> Result<(), RepoError> {
        self.sink.write(job).await.map_err(RepoError::from)
    }

    /// Runs one full pass. Only a writer that stopped is an error; upstream
    /// failures are recorded, and store failures are retried until they pass.
    pub async fn pass(
        &self,
        kind: &str,
        shutdown: watch::Receiver<bool>,
    ) -> StoreResult<PassReport> {
        self.pass_with(kind, true, shutdown).await
    }

    /// Runs a pass; with `force` false, targets whose next collection is not due yet
    /// (per `[collect]` intervals, or backoff after failures) are skipped.
    pub async fn pass_with(
        &self,
        kind: &str,
        force: bool,
        shutdown: watch::Receiver<bool>,
    ) -> StoreResult<PassReport> {
        self.metrics.pass_started();
        let began = std::time::Instant::now();
        // A long pass (the first one collects every history) says how far
        // it has come, every PROGRESS_EVERY, in the log.
        let work = self.pass_recorded(kind, force, shutdown);
        tokio::pin!(work);
        let mut tick =
            tokio::time::interval_at(tokio::time::Instant::now() + PROGRESS_EVERY, PROGRESS_EVERY);
        let result = loop {
            tokio::select! {
                result = &mut work => break result,
                _ = tick.tick() => {
                    let (done, planned, _) = self.metrics.progress();
                    tracing::info!(done, planned, "pass in progress: {done} of {planned} repositories and packages collected");
                }
            }
        };
        let outcome = match &result {
            Ok(r) if r.interrupted => "aborted",
            Ok(r) if r.repos_failed + r.packages_failed > 0 => "partial",
            Ok(_) => "ok",
            Err(_) => "failed",
        };
        if result.is_ok()
            && let Err(e) = self.refresh_failing().await
        {
            tracing::warn!(error = %e, "could not read the failing targets for the metrics");
        }
        self.metrics
            .pass_ended(outcome, self.clock.now(), began.elapsed());
        result
    }

    /// A pass with its run recorded: begun, collected, finished, budgets kept.
    async fn pass_recorded(
        &self,
        kind: &str,
        force: bool,
        shutdown: watch::Receiver<bool>,
    ) -> StoreResult<PassReport> {
        let started = self.clock.now();
        let kind_owned = kind.to_string();
        let run_id = self
            .sink
            .call(move |store| {
                // A run left 'running' was cut short by a crash or a kill.
                store.close_interrupted_runs()?;
                store.begin_run(&kind_owned, started)
            })
            .await
            .map_err(stopped)?;
        self.sink.set_run(run_id);
        let mut report = PassReport {
            run_id,
            ..PassReport::default()
        };
        let before = snapshot_spent(&self.http);
        let memory = self
            .sink
            .call(|store| store.collector_memory())
            .await
            .map_err(stopped)?;
        let result = self
            .pass_inner(run_id, force, &memory, &mut report, shutdown.clone())
            .await;
        let after = snapshot_spent(&self.http);
        report.graphql_points = after.0 - before.0;
        report.rest_requests = after.1 - before.1;
        report.other_requests = after.2 - before.2;
        report.not_modified = after.3 - before.3;
        report.interrupted = *shutdown.borrow();
        let status = if report.interrupted {
            "aborted"
        } else if report.repos_failed + report.packages_failed > 0 {
            "partial"
        } else {
            "ok"
        };
        let finished = self.clock.now();
        let (points, rest, other) = (
            report.graphql_points,
            report.rest_requests,
            report.other_requests,
        );
        let status = status.to_string();
        self.sink
            .write(move |store| store.finish_run(run_id, finished, &status, points, rest, other))
            .await
            .map_err(stopped)?;
        let budgets = self.http.take_budgets();
        if !budgets.is_empty() {
            self.sink
                .write(move |store| store.record_budgets(&budgets))
                .await
                .map_err(stopped)?;
        }
        self.sink.flush().await.map_err(stopped)?;
        tracing::info!(
            run_id,
            repos_ok = report.repos_ok,
            repos_failed = report.repos_failed,
            repos_unchanged = report.repos_unchanged,
            packages_ok = report.packages_ok,
            packages_failed = report.packages_failed,
            graphql_points = report.graphql_points,
            rest_requests = report.rest_requests,
            not_modified = report.not_modified,
            "pass finished"
        );
        result.map(|()| report)
    }

    async fn pass_inner(
        &self,
        run_id: i64,
        force: bool,
        memory: &CollectorMemory,
        report: &mut PassReport,
        shutdown: watch::Receiver<bool>,
    ) -> StoreResult<()> {
        let (repos, packages) = tokio::join!(
            self.repos_part(run_id, force, memory, shutdown.clone()),
            self.packages_part(run_id, force, memory, shutdown.clone()),
        );
        let mut stopped_early = false;
        for ended in repos.into_iter().flatten() {
            match ended {
                Ok(Ended::Ok { unchanged }) => {
                    report.repos_ok += 1;
                    report.repos_unchanged += usize::from(unchanged);
                }
                Ok(Ended::Failed) => report.repos_failed += 1,
                Ok(Ended::Skipped) => {}
                Err(Stopped) => stopped_early = true,
            }
        }
        for ended in packages {
            match ended {
                Ok(Ended::Ok { .. }) => report.packages_ok += 1,
                Ok(Ended::Failed) => report.packages_failed += 1,
                Ok(Ended::Skipped) => {}
                Err(Stopped) => stopped_early = true,
            }
        }
        if stopped_early && !*shutdown.borrow() {
            return Err(stopped(Stopped));
        }
        Ok(())
    }

    /// The configured repositories of projects that are not retired, once each.
    fn slugs(&self) -> Vec<String> {
        // A set of the lower-case names seen: ten thousand projects must not
        // cost a hundred million comparisons on the runtime's thread.
        let mut seen = std::collections::HashSet::new();
        let mut slugs: Vec<String> = Vec::new();
        for p in self
            .config
            .projects
            .iter()
            .filter(|p| p.status != ProjectStatus::Retired)
        {
            for r in &p.repos {
                let s = r.to_string();
                if seen.insert(s.to_ascii_lowercase()) {
                    slugs.push(s);
                }
            }
        }
        slugs
    }

    async fn repos_part(
        &self,
        run_id: i64,
        force: bool,
        memory: &CollectorMemory,
        shutdown: watch::Receiver<bool>,
    ) -> Vec<Vec<Result<Ended, Stopped>>> {
        let now = self.clock.now();
        let slugs = self.slugs();
        let due = |target: &str| schedule::is_due(force, memory.targets.get(target), now);
        let failures = |target: &str| memory.targets.get(target).map_or(0, |m| m.failures);
        let mut out = Vec::new();

        // 1. Resolve unknown names.
        let mut node_ids: BTreeMap<String, String> = BTreeMap::new();
        let mut unknown = Vec::new();
        for s in &slugs {
            let target = repo_target(s);
            match memory.repos.get(&target).and_then(|k| k.node_id.clone()) {
                Some(id) => {
                    node_ids.insert(s.clone(), id);
                }
                None if due(&target) => unknown.push(s.clone()),
                None => {}
            }
        }
        self.metrics.targets_planned(
            unknown.len() + node_ids.keys().filter(|s| due(&repo_target(s))).count(),
        );
        // A slice at a time, so that a stop request is noticed between them
        // and each slice's failures are one write.
        for slice in unknown.chunks(RESOLVE_SLICE) {
            if *shutdown.borrow() {
                break;
            }
            let mut failed = Vec::new();
            match self.github.find_repos(&self.http, slice).await {
                Ok(found) => {
                    for (slug, ident) in found {
                        match ident {
                            Some(i) => {
                                node_ids.insert(slug, i.node_id);
                            }
                            None => {
                                let e = CallError {
                                    call: "POST graphql (FindRepos)".into(),
                                    status: Some(200),
                                    kind: "not_found",
                                    message: format!("GitHub has no repository {slug} (NOT_FOUND)"),
                                };
                                failed.push(Failed::repo(&slug, e, &failures));
                            }
                        }
                    }
                }
                Err(e) => {
                    for slug in slice {
                        failed.push(Failed::repo(slug, e.clone(), &failures));
                    }
                }
            }
            self.metrics.targets_done(failed.len());
            out.push(self.fail_all(run_id, failed).await);
        }

        // 2. Snapshots, 100 per request; then every repository's step,
        // `concurrency` at a time, with no wait between batches.
        let work: Vec<RepoWork> = slugs
            .iter()
            .filter(|s| due(&repo_target(s)))
            .filter_map(|s| {
                node_ids.get(s).map(|id| RepoWork {
                    slug: s.clone(),
                    target: repo_target(s),
                    node_id: id.clone(),
                })
            })
            .collect();
        let mut seen: Vec<StarWork> = Vec::new();
        type Node = Option<q::snapshot_repos::SnapshotReposNodes>;
        let mut steps: Vec<(&RepoWork, Node, Option<String>)> = Vec::new();
        for chunk in work.chunks(100) {
            if *shutdown.borrow() {
                break;
            }
            let ids: Vec<String> = chunk.iter().map(|w| w.node_id.clone()).collect();
            let answer = self
                .github
                .query::<q::SnapshotRepos>(&self.http, q::snapshot_repos::Variables { ids })
                .await;
            let (data, errors) = match answer {
                Ok(a) => a,
                Err(e) => {
                    let failed = chunk
                        .iter()
                        .map(|w| Failed::repo(&w.slug, e.clone(), &failures))
                        .collect::<Vec<_>>();
                    self.metrics.targets_done(failed.len());
                    out.push(self.fail_all(run_id, failed).await);
                    continue;
                }
            };
            let nodes = data.map(|d| d.nodes).unwrap_or_default();
            for (i, w) in chunk.iter().enumerate() {
                let node = nodes.get(i).cloned().flatten();
                if let Some(q::snapshot_repos::SnapshotReposNodes::Repository(_)) = node {
                    seen.push(StarWork {
                        target: w.target.clone(),
                        node_id: w.node_id.clone(),
                    });
                }
                let message = errors
                    .iter()
                    .find(|e| e.path.get(1).and_then(|v| v.as_u64()) == Some(i as u64))
                    .map(|e| e.message.clone());
                steps.push((w, node, message));
            }
        }
        let concurrency = self.config.collect.concurrency.get() as usize;
        let ended: Vec<Result<Ended, Stopped>> = futures_util::stream::iter(steps)
            .map(|(w, node, message)| {
                let step = self.repo_step(
                    run_id,
                    w,
                    memory,
                    node,
                    message,
                    failures(&w.target),
                    shutdown.clone(),
                );
                async move {
                    let ended = step.await;
                    self.metrics.targets_done(1);
                    ended
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        out.push(ended);

        // 3. The one-time star backfill of the repositories seen this pass,
        // and beside it, 4. the one-time tree backfill of those whose history
        // reaches back.
        let trees: Vec<TreeWork> = seen
            .iter()
            .map(|w| TreeWork {
                target: w.target.clone(),
                node_id: w.node_id.clone(),
            })
            .collect();
        if !*shutdown.borrow() {
            let (stars, trees) = tokio::join!(
                self.star_backfills(run_id, &seen, memory, shutdown.clone()),
                self.tree_backfills(run_id, &trees, memory, shutdown),
            );
            for e in [stars.err(), trees.err()].into_iter().flatten() {
                out.push(vec![Err(e)]);
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    async fn repo_step(
        &self,
        run_id: i64,
        w: &RepoWork,
        memory: &CollectorMemory,
        node: Option<q::snapshot_repos::SnapshotReposNodes>,
        error: Option<String>,
        failures: i64,
        shutdown: watch::Receiver<bool>,
    ) -> Result<Ended, Stopped> {
        if *shutdown.borrow() {
            return Ok(Ended::Skipped);
        }
        let repo = match node {
            Some(q::snapshot_repos::SnapshotReposNodes::Repository(r)) => r,
            _ => {
                let e = CallError {
                    call: "POST graphql (SnapshotRepos)".into(),
                    status: Some(200),
                    kind: "not_found",
                    message: error.unwrap_or_else(|| {
                        format!("repository {} is gone (node {})", w.slug, w.node_id)
                    }),
                };
                return self.fail(run_id, &w.target, "repo", &e, failures).await;
            }
        };
        match self.collect_repo(run_id, w, memory, repo, shutdown).await {
            Ok(unchanged) => Ok(Ended::Ok { unchanged }),
            Err(RepoError::Call(e)) => self.fail(run_id, &w.target, "repo", &e, failures).await,
            Err(RepoError::Stopped) => Err(Stopped),
        }
    }
}

/// How many unknown names one step of a pass resolves (and records the
/// failures of) before it looks for a stop request again.
const RESOLVE_SLICE: usize = 500;

pub(super) fn repo_target(slug: &str) -> String {
    format!("repo:{}", slug.to_lowercase())
}

/// The targets a pass collects, as `collection_state` names them: the
/// repositories (`repo:owner/name`), PyPI (`pypi:name`) and conda
/// (`conda:channel/name`) packages of the projects that are not retired,
/// and torch's own releases (`torch:torch`). A target no longer configured
/// keeps its rows, but is nobody's concern.
pub fn tracked_targets(config: &Config) -> BTreeSet<String> {
    let mut targets = BTreeSet::new();
    for p in config
        .projects
        .iter()
        .filter(|p| p.status != ProjectStatus::Retired)
    {
        targets.extend(p.repos.iter().map(|r| repo_target(&r.to_string())));
        targets.extend(p.pypi.iter().map(|n| format!("pypi:{}", n.normalized())));
        targets.extend(p.conda.iter().map(|c| format!("conda:{c}")));
    }
    targets.insert("torch:torch".into());
    targets
}

fn snapshot_spent(http: &Http) -> (i64, i64, i64, i64) {
    (
        http.spent.graphql_points.load(Ordering::Relaxed),
        http.spent.rest_requests.load(Ordering::Relaxed),
        http.spent.other_requests.load(Ordering::Relaxed),
        http.spent.not_modified.load(Ordering::Relaxed),
    )
}
