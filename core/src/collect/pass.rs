//! One collection pass over the tracked projects.
//!
//! Order of work, chosen to spend as few GitHub points as possible:
//!
//! 1. names never seen before are resolved to node ids, 50 per request;
//! 2. every repository's counters, head and layout are read, 100 per request
//!    (about one point each request);
//! 3. only repositories whose head moved (or that are new) get their history,
//!    files and merged pull requests fetched; on first sight history goes back
//!    `backfill_days`, afterwards the whole counting window is re-read, so merges
//!    of old branches are picked up and force-pushed commits are noticed;
//! 4. Actions runs are asked for with the stored ETag: an unchanged answer is a
//!    free 304;
//! 5. PyPI and Anaconda packages, and torch's own releases.
//!
//! Each repository and package is collected with its own timeout and written in
//! its own transaction; a failure is recorded and retried with backoff, and never
//! stops the others.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Method;
use tokio::sync::watch;

use super::github::{Github, Identity, q};
use super::http::{Api, CallError, Http, Retry};
use super::packages;
use crate::codeowners::{CODEOWNERS_PATHS, parse_codeowners, parse_maintainers};
use crate::config::Config;
use crate::identity::{identity, is_bot};
use crate::model::ProjectStatus;
use crate::store::write::{
    CiRun, CommitAuthor, CommitRecord, FailureRecord, PackageSnapshot, PrMerge, Provenance,
    ReleaseRecord, RepoSnapshot, RepoWrite, TargetState,
};
use crate::store::{Result as StoreResult, Store, StoreError};

/// Layout files looked for (root, `.github/`, `docs/`), by name prefix, lower case.
const LAYOUT_PREFIXES: &[&str] = &[
    "license",
    "licence",
    "copying",
    "readme",
    "contributing",
    "codeowners",
    "code_of_conduct",
    "code-of-conduct",
    "governance",
    "maintainers",
    "security",
];

/// The entry names of one of the snapshot's tree objects (graphql_client generates
/// one type per alias, so a macro rather than a function).
macro_rules! tree_names {
    ($field:expr, $ty:ident) => {
        $field.as_ref().and_then(|t| match t {
            q::snapshot_repos::$ty::Tree(t) => Some(
                t.entries
                    .iter()
                    .flatten()
                    .map(|e| e.name.clone())
                    .collect::<Vec<String>>(),
            ),
            _ => None,
        })
    };
}

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

/// The collector: configuration, HTTP client and where to write.
pub struct Collector {
    config: Config,
    http: Http,
    github: Github,
    db: PathBuf,
    clock: Arc<dyn Clock>,
    queue: std::sync::Mutex<Vec<Pending>>,
    etags: std::sync::Mutex<HashMap<String, String>>,
    states: std::sync::Mutex<HashMap<String, TargetMemory>>,
}

/// A target's failure count and next due time, as loaded at the start of a pass.
type TargetMemory = (i64, Option<DateTime<Utc>>);

/// Writes waiting for the next flush. Each is applied in its own transaction,
/// so a crash loses at most what is still queued (in-flight work), never part
/// of a repository or package.
enum Pending {
    Repo(Provenance, Box<RepoWrite>),
    Package(Provenance, PackageSnapshot, Vec<ReleaseRecord>, TargetState),
    Torch(Provenance, Vec<(String, Option<DateTime<Utc>>)>),
    Failure(Provenance, String, String, FailureRecord, DateTime<Utc>),
}

/// How many queued writes trigger a flush (one open of the database each).
const FLUSH_EVERY: usize = 25;

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("db", &self.db)
            .finish_non_exhaustive()
    }
}

/// Per-repository memory loaded at the start of a pass.
#[derive(Debug, Clone, Default)]
struct Known {
    node_id: Option<String>,
    head: Option<String>,
    failures: i64,
    next_due: Option<DateTime<Utc>>,
    last_files: Option<RepoSnapshot>,
}

struct RepoWork {
    slug: String,
    target: String,
    identity: Identity,
}

impl Collector {
    /// Builds a collector from the configuration.
    pub fn new(config: Config, clock: Arc<dyn Clock>) -> Result<Self, CallError> {
        let mut quotas = HashMap::new();
        for (host, n) in &config.collect.requests_per_second {
            quotas.insert(host.clone(), *n);
        }
        // The configured upstreams get the quota of the public host they stand for.
        let mut alias = |url: &str, public: &str| {
            let host = reqwest::Url::parse(url).ok().and_then(|u| {
                u.host_str()
                    .map(|h| u.port().map_or(h.to_string(), |p| format!("{h}:{p}")))
            });
            if let (Some(host), Some(n)) = (host, config.collect.requests_per_second.get(public)) {
                quotas.entry(host).or_insert(*n);
            }
        };
        alias(&config.upstream.github_api_url, "api.github.com");
        alias(&config.upstream.pypi_url, "pypi.org");
        alias(&config.upstream.anaconda_api_url, "api.anaconda.org");
        let http = Http::new(
            quotas,
            config.github.tokens.clone(),
            Retry::default(),
            config.collect.item_timeout.0,
        )?;
        let github = Github {
            api_url: config
                .upstream
                .github_api_url
                .trim_end_matches('/')
                .to_string(),
            graphql_url: config.upstream.graphql_url(),
        };
        Ok(Self {
            db: config.store.path.clone(),
            config,
            http,
            github,
            clock,
            queue: std::sync::Mutex::new(Vec::new()),
            etags: std::sync::Mutex::new(HashMap::new()),
            states: std::sync::Mutex::new(HashMap::new()),
        })
    }

    fn open(&self) -> StoreResult<Store> {
        Store::open_write(&self.db, self.config.store.lock_wait.0)
    }

    fn enqueue(&self, w: Pending) -> StoreResult<()> {
        let full = {
            let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            q.push(w);
            q.len() >= FLUSH_EVERY
        };
        if full { self.flush() } else { Ok(()) }
    }

    /// Applies queued writes: one open of the file, one transaction per item.
    fn flush(&self) -> StoreResult<()> {
        let items = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()));
        if items.is_empty() {
            return Ok(());
        }
        let mut store = self.open()?;
        let mut repos = Vec::new();
        let mut rest = Vec::new();
        for item in items {
            match item {
                Pending::Repo(p, w) => repos.push((p, *w)),
                other => rest.push(other),
            }
        }
        store.write_repos(&repos)?;
        for item in rest {
            match item {
                Pending::Repo(p, w) => store.write_repo(&p, &w)?,
                Pending::Package(p, snap, rel, st) => store.write_package(&p, &snap, &rel, &st)?,
                Pending::Torch(p, list) => store.write_torch_releases(&p, &list)?,
                Pending::Failure(p, target, kind, rec, next) => {
                    store.record_failure(&p, &target, &kind, &rec, next)?
                }
            }
        }
        Ok(())
    }

    /// Runs one full pass. Only store failures are errors; upstream failures are recorded.
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
        let started = self.clock.now();
        let run_id = {
            let store = self.open()?;
            // A run left 'running' was cut short by a crash or a kill.
            store
                .conn()
                .execute(
                    "UPDATE collection_runs SET status = 'aborted' WHERE status = 'running'",
                    [],
                )
                .map_err(|source| StoreError::Db {
                    context: "close interrupted runs".into(),
                    source,
                })?;
            store.begin_run(kind, started)?
        };
        let mut report = PassReport {
            run_id,
            ..PassReport::default()
        };
        let before = snapshot_spent(&self.http);
        let mut result = self
            .pass_inner(run_id, force, &mut report, shutdown.clone())
            .await;
        if let Err(e) = self.flush() {
            result = result.and(Err(e));
        }
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
        self.open()?.finish_run(
            run_id,
            self.clock.now(),
            status,
            report.graphql_points,
            report.rest_requests,
            report.other_requests,
        )?;
        let budgets = self.http.take_budgets();
        if !budgets.is_empty() {
            self.open()?.record_budgets(&budgets)?;
        }
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
        report: &mut PassReport,
        shutdown: watch::Receiver<bool>,
    ) -> StoreResult<()> {
        let now = self.clock.now();
        let projects: Vec<_> = self
            .config
            .projects
            .iter()
            .filter(|p| p.status != ProjectStatus::Retired)
            .collect();
        let mut slugs: Vec<String> = Vec::new();
        for p in &projects {
            for r in &p.repos {
                let s = r.to_string();
                if !slugs.iter().any(|x| x.eq_ignore_ascii_case(&s)) {
                    slugs.push(s);
                }
            }
        }
        let known = self.load_known(&slugs)?;
        // `force` (a `--once` pass, or the daemon's first) collects everything, failed
        // targets included; otherwise intervals and failure backoff decide.
        let due = |target: &str| {
            force
                || known
                    .get(target)
                    .is_none_or(|k| k.next_due.is_none_or(|d| d <= now))
        };

        // 1. Resolve unknown names.
        let unknown: Vec<String> = slugs
            .iter()
            .filter(|s| due(&repo_target(s)))
            .filter(|s| {
                known
                    .get(&repo_target(s))
                    .is_none_or(|k| k.node_id.is_none())
            })
            .cloned()
            .collect();
        let mut identities: BTreeMap<String, Identity> = BTreeMap::new();
        for s in &slugs {
            if let Some(id) = known.get(&repo_target(s)).and_then(|k| k.node_id.clone()) {
                identities.insert(
                    s.clone(),
                    Identity {
                        node_id: id,
                        database_id: None,
                        name_with_owner: s.clone(),
                    },
                );
            }
        }
        if !unknown.is_empty() && !*shutdown.borrow() {
            match self.github.find_repos(&self.http, &unknown).await {
                Ok(found) => {
                    for (slug, ident) in found {
                        match ident {
                            Some(i) => {
                                identities.insert(slug, i);
                            }
                            None => {
                                report.repos_failed += 1;
                                self.fail(
                                    run_id,
                                    &repo_target(&slug),
                                    "repo",
                                    &CallError {
                                        call: "POST graphql (FindRepos)".into(),
                                        status: Some(200),
                                        kind: "not_found",
                                        message: format!(
                                            "GitHub has no repository {slug} (NOT_FOUND)"
                                        ),
                                    },
                                    known.get(&repo_target(&slug)).map_or(0, |k| k.failures),
                                )?;
                            }
                        }
                    }
                }
                Err(e) => {
                    for slug in &unknown {
                        report.repos_failed += 1;
                        let f = known.get(&repo_target(slug)).map_or(0, |k| k.failures);
                        self.fail(run_id, &repo_target(slug), "repo", &e, f)?;
                    }
                }
            }
        }

        // 2. Snapshots, 100 per request.
        let work: Vec<RepoWork> = slugs
            .iter()
            .filter(|s| due(&repo_target(s)))
            .filter_map(|s| {
                identities.get(s).map(|i| RepoWork {
                    slug: s.clone(),
                    target: repo_target(s),
                    identity: i.clone(),
                })
            })
            .collect();
        for chunk in work.chunks(100) {
            if *shutdown.borrow() {
                return Ok(());
            }
            let ids: Vec<String> = chunk.iter().map(|w| w.identity.node_id.clone()).collect();
            let answer = self
                .github
                .query::<q::SnapshotRepos>(&self.http, q::snapshot_repos::Variables { ids })
                .await;
            let (data, errors) = match answer {
                Ok(a) => a,
                Err(e) => {
                    for w in chunk {
                        report.repos_failed += 1;
                        let f = known.get(&w.target).map_or(0, |k| k.failures);
                        self.fail(run_id, &w.target, "repo", &e, f)?;
                    }
                    continue;
                }
            };
            let nodes = data.map(|d| d.nodes).unwrap_or_default();
            for (i, w) in chunk.iter().enumerate() {
                if *shutdown.borrow() {
                    return Ok(());
                }
                let k = known.get(&w.target).cloned().unwrap_or_default();
                let node = nodes.get(i).cloned().flatten();
                let repo = match node {
                    Some(q::snapshot_repos::SnapshotReposNodes::Repository(r)) => r,
                    _ => {
                        let message = errors
                            .iter()
                            .find(|e| e.path.get(1).and_then(|v| v.as_u64()) == Some(i as u64))
                            .map_or_else(
                                || {
                                    format!(
                                        "repository {} is gone (node {})",
                                        w.slug, w.identity.node_id
                                    )
                                },
                                |e| e.message.clone(),
                            );
                        report.repos_failed += 1;
                        self.fail(
                            run_id,
                            &w.target,
                            "repo",
                            &CallError {
                                call: "POST graphql (SnapshotRepos)".into(),
                                status: Some(200),
                                kind: "not_found",
                                message,
                            },
                            k.failures,
                        )?;
                        continue;
                    }
                };
                let timeout = self.config.collect.item_timeout.0;
                let outcome =
                    tokio::time::timeout(timeout, self.collect_repo(run_id, w, &k, repo, now))
                        .await;
                match outcome {
                    Ok(Ok(unchanged)) => {
                        report.repos_ok += 1;
                        if unchanged {
                            report.repos_unchanged += 1;
                        }
                    }
                    Ok(Err(RepoError::Store(e))) => return Err(e),
                    Ok(Err(RepoError::Call(e))) => {
                        report.repos_failed += 1;
                        self.fail(run_id, &w.target, "repo", &e, k.failures)?;
                    }
                    Err(_) => {
                        report.repos_failed += 1;
                        let e = CallError {
                            call: format!("collect {}", w.slug),
                            status: None,
                            kind: "timeout",
                            message: format!("took longer than {}s", timeout.as_secs()),
                        };
                        self.fail(run_id, &w.target, "repo", &e, k.failures)?;
                    }
                }
            }
        }

        // 5. Packages and torch.
        let mut pkgs: Vec<(String, String)> = Vec::new();
        for p in &projects {
            for n in &p.pypi {
                pkgs.push(("pypi".into(), n.normalized()));
            }
            for c in &p.conda {
                pkgs.push(("conda".into(), c.to_string()));
            }
        }
        pkgs.push(("torch".into(), "torch".into()));
        let mut seen = BTreeSet::new();
        for (eco, name) in pkgs {
            if *shutdown.borrow() {
                return Ok(());
            }
            if !seen.insert((eco.clone(), name.clone())) {
                continue;
            }
            let target = format!("{eco}:{name}");
            let (failures, next_due) = self.state_of(&target)?;
            if !force && next_due.is_some_and(|d| d > now) {
                continue;
            }
            match self.collect_package(run_id, &eco, &name, now).await {
                Ok(()) => report.packages_ok += 1,
                Err(RepoError::Store(e)) => return Err(e),
                Err(RepoError::Call(e)) => {
                    report.packages_failed += 1;
                    self.fail(run_id, &target, &eco, &e, failures)?;
                }
            }
        }
        Ok(())
    }

    fn state_of(&self, target: &str) -> StoreResult<(i64, Option<DateTime<Utc>>)> {
        Ok(self
            .states
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(target)
            .copied()
            .unwrap_or((0, None)))
    }

    fn fail(
        &self,
        run_id: i64,
        target: &str,
        kind: &str,
        e: &CallError,
        failures: i64,
    ) -> StoreResult<()> {
        let now = self.clock.now();
        // Exponential backoff: 1, 2, 4, ... minutes, at most the collection interval.
        let interval = self.config.collect.github_interval.0;
        let pause = Duration::from_secs(60u64.saturating_mul(1u64 << failures.clamp(0, 10) as u32))
            .min(interval);
        let next = now
            + chrono::Duration::from_std(pause).unwrap_or_else(|_| chrono::Duration::minutes(1));
        tracing::warn!(target, kind = e.kind, status = e.status, error = %e, "collection failed");
        let p = Provenance {
            run_id,
            observed_at: now,
            source: e.call.clone(),
        };
        let record = FailureRecord {
            source: e.call.clone(),
            http_status: e.status.map(i32::from),
            kind: e.kind.to_string(),
            message: e.message.clone(),
        };
        self.enqueue(Pending::Failure(
            p,
            target.to_string(),
            kind.to_string(),
            record,
            next,
        ))
    }

    fn load_known(&self, slugs: &[String]) -> StoreResult<HashMap<String, Known>> {
        let store = self.open()?;
        let ctx = |source| StoreError::Db {
            context: "load collection state".into(),
            source,
        };
        let mut out: HashMap<String, Known> = HashMap::new();
        {
            let mut stmt = store
                .conn()
                .prepare("SELECT url, etag FROM http_cache WHERE etag IS NOT NULL")
                .map_err(ctx)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(ctx)?;
            let mut etags = self.etags.lock().unwrap_or_else(|p| p.into_inner());
            for row in rows {
                let (url, tag) = row.map_err(ctx)?;
                etags.insert(url, tag);
            }
            let mut stmt = store
                .conn()
                .prepare("SELECT target, failures, next_due_at FROM collection_state")
                .map_err(ctx)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Option<chrono::NaiveDateTime>>(2)?,
                    ))
                })
                .map_err(ctx)?;
            let mut states = self.states.lock().unwrap_or_else(|p| p.into_inner());
            for row in rows {
                let (t, f, n) = row.map_err(ctx)?;
                states.insert(t, (f, n.map(|n| n.and_utc())));
            }
        }
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT target, node_id, last_head_oid, failures, next_due_at \
                 FROM collection_state WHERE kind = 'repo'",
            )
            .map_err(ctx)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<chrono::NaiveDateTime>>(4)?,
                ))
            })
            .map_err(ctx)?;
        for row in rows {
            let (target, node, head, failures, next) = row.map_err(ctx)?;
            out.insert(
                target,
                Known {
                    node_id: node,
                    head,
                    failures,
                    next_due: next.map(|n| n.and_utc()),
                    last_files: None,
                },
            );
        }
        // The file-derived fields of each repo's latest snapshot, reused when the head did not move.
        let mut stmt = store
            .conn()
            .prepare(
                "SELECT s.node_id, s.layout_files, s.codeowners_path, s.codeowners_users, \
                 s.codeowners_teams, s.codeowners_emails, s.maintainers_path, s.maintainers_users, \
                 s.governance_path, s.readme_governance \
                 FROM repo_snapshots s \
                 QUALIFY row_number() OVER (PARTITION BY s.node_id ORDER BY s.observed_at DESC) = 1",
            )
            .map_err(ctx)?;
        let list = crate::store::texts;
        let rows = stmt
            .query_map([], |r| {
                Ok(RepoSnapshot {
                    node_id: r.get(0)?,
                    layout_files: list(r.get(1)?),
                    codeowners_path: r.get(2)?,
                    codeowners_users: list(r.get(3)?),
                    codeowners_teams: list(r.get(4)?),
                    codeowners_emails: list(r.get(5)?),
                    maintainers_path: r.get(6)?,
                    maintainers_users: list(r.get(7)?),
                    governance_path: r.get(8)?,
                    readme_governance: r.get::<_, Option<bool>>(9)?.unwrap_or(false),
                    ..RepoSnapshot::default()
                })
            })
            .map_err(ctx)?;
        let mut files: HashMap<String, RepoSnapshot> = HashMap::new();
        for row in rows {
            let s = row.map_err(ctx)?;
            files.insert(s.node_id.clone(), s);
        }
        for slug in slugs {
            let k = out.entry(repo_target(slug)).or_default();
            if let Some(node) = &k.node_id {
                k.last_files = files.get(node).cloned();
            }
        }
        Ok(out)
    }

    /// Collects one repository given its snapshot node; returns whether its head was unchanged.
    async fn collect_repo(
        &self,
        run_id: i64,
        w: &RepoWork,
        known: &Known,
        repo: q::snapshot_repos::SnapshotReposNodesOnRepository,
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        use q::snapshot_repos as s;
        let observed_at = self.clock.now();
        let node_id = repo.id.clone();
        let (branch, head, head_date, head_state) = match &repo.default_branch_ref {
            Some(b) => match &b.target {
                Some(s::SnapshotReposNodesOnRepositoryDefaultBranchRefTarget::Commit(c)) => (
                    Some(b.name.clone()),
                    Some(c.oid.clone()),
                    Some(c.committed_date),
                    c.status_check_rollup
                        .as_ref()
                        .map(|r| format!("{:?}", r.state).to_lowercase()),
                ),
                _ => (Some(b.name.clone()), None, None, None),
            },
            None => (None, None, None, None),
        };
        let first_sight = known.head.is_none() || known.last_files.is_none();
        let moved = first_sight || known.head != head;

        let mut layout = BTreeSet::new();
        let tree = |prefix: &str, entries: Option<Vec<String>>, layout: &mut BTreeSet<String>| {
            for name in entries.unwrap_or_default() {
                let lower = name.to_lowercase();
                if LAYOUT_PREFIXES.iter().any(|p| lower.starts_with(p)) {
                    layout.insert(format!("{prefix}{name}"));
                }
            }
        };
        tree(
            "",
            tree_names!(repo.root_tree, SnapshotReposNodesOnRepositoryRootTree),
            &mut layout,
        );
        tree(
            ".github/",
            tree_names!(repo.github_tree, SnapshotReposNodesOnRepositoryGithubTree),
            &mut layout,
        );
        tree(
            "docs/",
            tree_names!(repo.docs_tree, SnapshotReposNodesOnRepositoryDocsTree),
            &mut layout,
        );

        let mut snap = RepoSnapshot {
            node_id: node_id.clone(),
            database_id: repo.database_id,
            name_with_owner: repo.name_with_owner.clone(),
            stars: repo.stargazer_count,
            forks: repo.fork_count,
            is_archived: repo.is_archived,
            is_fork: repo.is_fork,
            is_empty: repo.is_empty,
            default_branch: branch.clone(),
            head_oid: head.clone(),
            head_committed_at: head_date,
            pushed_at: repo.pushed_at,
            license_spdx: repo.license_info.as_ref().and_then(|l| l.spdx_id.clone()),
            license_key: repo.license_info.as_ref().map(|l| l.key.clone()),
            layout_files: layout.into_iter().collect(),
            ci_head_state: head_state,
            ..RepoSnapshot::default()
        };
        let releases: Vec<ReleaseRecord> = repo
            .releases
            .nodes
            .clone()
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .filter(|r| !r.is_draft)
            .map(|r| ReleaseRecord {
                version: r.tag_name,
                released_at: r.published_at.or(Some(r.created_at)),
                is_prerelease: Some(r.is_prerelease),
                yanked: false,
                has_binary: false,
                has_sdist: false,
                requires_torch: None,
            })
            .collect();

        let mut commits = Vec::new();
        let mut ci = Vec::new();
        let mut merges = Vec::new();
        let mut history_since = None;
        if moved && head.is_some() {
            let days = if first_sight {
                i64::from(self.config.collect.backfill_days.get())
            } else {
                // The whole counting window (plus a day), so merges of old branches and
                // force pushes inside it are seen.
                i64::from(self.config.criteria.window_days.get()) + 1
            };
            let since = now - chrono::Duration::days(days);
            self.fetch_history(&node_id, since, &mut commits, &mut ci)
                .await?;
            history_since = Some(since);
            let layout_files = snap.layout_files.clone();
            self.fetch_files(&node_id, &layout_files, &mut snap).await?;
            self.fetch_merges(&node_id, since, &mut merges).await?;
        } else if let Some(prev) = &known.last_files {
            snap.codeowners_path = prev.codeowners_path.clone();
            snap.codeowners_users = prev.codeowners_users.clone();
            snap.codeowners_teams = prev.codeowners_teams.clone();
            snap.codeowners_emails = prev.codeowners_emails.clone();
            snap.maintainers_path = prev.maintainers_path.clone();
            snap.maintainers_users = prev.maintainers_users.clone();
            snap.governance_path = prev.governance_path.clone();
            snap.readme_governance = prev.readme_governance;
        }
        if snap.governance_path.is_none() {
            snap.governance_path = snap
                .layout_files
                .iter()
                .find(|f| {
                    f.to_lowercase()
                        .rsplit('/')
                        .next()
                        .is_some_and(|n| n.starts_with("governance"))
                })
                .cloned();
        }

        // Actions runs, conditionally.
        let mut etag_update = None;
        if let Some(branch) = &branch {
            let url_key = format!(
                "{}/repos/{}/actions/runs?branch={}",
                self.github.api_url, repo.name_with_owner, branch
            );
            let etag = self.stored_etag(&url_key)?;
            let since =
                now - chrono::Duration::days(i64::from(self.config.collect.backfill_days.get()));
            let page = self
                .github
                .workflow_runs(
                    &self.http,
                    &repo.name_with_owner,
                    branch,
                    etag.as_deref(),
                    since,
                )
                .await?;
            if !page.not_modified {
                for r in page.runs {
                    ci.push(CiRun {
                        run_key: format!("actions:{}", r.id),
                        provider: "actions".into(),
                        name: r.name,
                        head_sha: r.head_sha,
                        branch: r.head_branch,
                        event: r.event,
                        status: r.status,
                        conclusion: r.conclusion,
                        created_at: r.created_at,
                        updated_at: r.updated_at,
                        url: r.html_url,
                    });
                }
                if let Some(tag) = page.etag {
                    etag_update = Some((url_key, tag));
                }
            }
        }

        let p = Provenance {
            run_id,
            observed_at,
            source: format!("github:{}", self.github.graphql_url),
        };
        let next = now
            + chrono::Duration::from_std(self.config.collect.github_interval.0)
                .unwrap_or_else(|_| chrono::Duration::hours(1));
        let write = RepoWrite {
            snapshot: snap,
            commits,
            ci,
            merges,
            releases,
            history_since,
            state: TargetState {
                target: w.target.clone(),
                kind: "repo".into(),
                node_id: Some(node_id),
                head_oid: head,
                stars: Some(repo.stargazer_count),
                next_due_at: Some(next),
                etag_url: etag_update.as_ref().map(|(u, _)| u.clone()),
                etag: etag_update.map(|(_, t)| t),
            },
        };
        self.enqueue(Pending::Repo(p, Box::new(write)))?;
        Ok(!moved)
    }

    fn stored_etag(&self, url: &str) -> StoreResult<Option<String>> {
        Ok(self
            .etags
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(url)
            .cloned())
    }

    async fn fetch_history(
        &self,
        node_id: &str,
        since: DateTime<Utc>,
        commits: &mut Vec<CommitRecord>,
        ci: &mut Vec<CiRun>,
    ) -> Result<(), RepoError> {
        use q::commit_history as h;
        let mut after: Option<String> = None;
        loop {
            let vars = h::Variables {
                id: node_id.to_string(),
                since: Some(crate::time::rfc3339(since)),
                after: after.clone(),
            };
            let (data, errors) = self
                .github
                .query::<q::CommitHistory>(&self.http, vars)
                .await?;
            let history = data
                .and_then(|d| d.node)
                .and_then(|n| match n {
                    h::CommitHistoryNode::Repository(r) => r.default_branch_ref,
                    _ => None,
                })
                .and_then(|b| b.target)
                .and_then(|t| match t {
                    h::CommitHistoryNodeOnRepositoryDefaultBranchRefTarget::Commit(c) => {
                        Some(c.history)
                    }
                    _ => None,
                });
            let Some(history) = history else {
                if let Some(e) = errors.first() {
                    return Err(RepoError::Call(CallError {
                        call: "POST graphql (CommitHistory)".into(),
                        status: Some(200),
                        kind: "graphql",
                        message: e.message.clone(),
                    }));
                }
                return Ok(());
            };
            for c in history.nodes.unwrap_or_default().into_iter().flatten() {
                let authors = c
                    .authors
                    .nodes
                    .unwrap_or_default()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        let login = a.user.map(|u| u.login);
                        let id = identity(login.as_deref(), a.email.as_deref(), a.name.as_deref());
                        CommitAuthor {
                            is_bot: is_bot(&id, &self.config.criteria.bots),
                            name: a.name,
                            email: a.email,
                            login,
                            identity: id,
                        }
                    })
                    .collect();
                if let Some(rollup) = c.status_check_rollup {
                    for ctx in rollup
                        .contexts
                        .nodes
                        .unwrap_or_default()
                        .into_iter()
                        .flatten()
                    {
                        use h::CommitHistoryNodeOnRepositoryDefaultBranchRefTargetOnCommitHistoryNodesStatusCheckRollupContextsNodes as Ctx;
                        match ctx {
                            Ctx::CheckRun(r) => ci.push(CiRun {
                                run_key: format!("check:{}:{}", c.oid, r.name),
                                provider: "check".into(),
                                name: Some(r.name),
                                head_sha: Some(c.oid.clone()),
                                branch: None,
                                event: None,
                                status: Some(format!("{:?}", r.status).to_lowercase()),
                                conclusion: r.conclusion.map(|x| format!("{x:?}").to_lowercase()),
                                created_at: r.started_at.unwrap_or(c.committed_date),
                                updated_at: r.completed_at,
                                url: None,
                            }),
                            Ctx::StatusContext(s) => {
                                let state = format!("{:?}", s.state).to_lowercase();
                                let done = state != "pending" && state != "expected";
                                ci.push(CiRun {
                                    run_key: format!("status:{}:{}", c.oid, s.context),
                                    provider: "status".into(),
                                    name: Some(s.context),
                                    head_sha: Some(c.oid.clone()),
                                    branch: None,
                                    event: None,
                                    status: Some(if done {
                                        "completed".into()
                                    } else {
                                        "pending".into()
                                    }),
                                    conclusion: done.then_some(state),
                                    created_at: s.created_at,
                                    updated_at: None,
                                    url: s.target_url,
                                });
                            }
                        }
                    }
                }
                commits.push(CommitRecord {
                    sha: c.oid,
                    committed_at: c.committed_date,
                    authored_at: c.authored_date,
                    parent_count: c.parents.total_count as i32,
                    authors,
                });
            }
            if history.page_info.has_next_page {
                after = history.page_info.end_cursor;
                if after.is_none() {
                    break;
                }
            } else {
                break;
            }
        }
        Ok(())
    }

    async fn fetch_files(
        &self,
        node_id: &str,
        layout: &[String],
        snap: &mut RepoSnapshot,
    ) -> Result<(), RepoError> {
        use q::repo_files as f;
        let wanted = layout.iter().any(|p| {
            let l = p.to_lowercase();
            l.ends_with("codeowners") || l.contains("maintainers") || l.starts_with("readme")
        });
        if !wanted {
            return Ok(());
        }
        let (data, _errors) = self
            .github
            .query::<q::RepoFiles>(
                &self.http,
                f::Variables {
                    id: node_id.to_string(),
                },
            )
            .await?;
        let Some(f::RepoFilesNode::Repository(r)) = data.and_then(|d| d.node) else {
            return Ok(());
        };
        let text = |b: Option<f::BlobText>| -> Option<String> {
            b.and_then(|b| match b {
                f::BlobText::Blob(blob) => blob.text,
                _ => None,
            })
        };
        let codeowners = [
            (CODEOWNERS_PATHS[0], text(r.codeowners_github)),
            (CODEOWNERS_PATHS[1], text(r.codeowners_root)),
            (CODEOWNERS_PATHS[2], text(r.codeowners_docs)),
        ];
        if let Some((path, Some(body))) = codeowners.into_iter().find(|(_, t)| t.is_some()) {
            let d = parse_codeowners(&body);
            snap.codeowners_path = Some(path.to_string());
            snap.codeowners_users = d.users;
            snap.codeowners_teams = d.teams;
            snap.codeowners_emails = d.emails;
        }
        let maintainers = [
            ("MAINTAINERS", text(r.maintainers)),
            ("MAINTAINERS.md", text(r.maintainers_md)),
        ];
        if let Some((path, Some(body))) = maintainers.into_iter().find(|(_, t)| t.is_some()) {
            snap.maintainers_path = Some(path.to_string());
            snap.maintainers_users = parse_maintainers(&body).users;
        }
        if let Some(readme) = text(r.readme) {
            snap.readme_governance = readme_links_governance(&readme);
        }
        Ok(())
    }

    async fn fetch_merges(
        &self,
        node_id: &str,
        since: DateTime<Utc>,
        merges: &mut Vec<PrMerge>,
    ) -> Result<(), RepoError> {
        use q::merged_pulls as m;
        let mut after = None;
        loop {
            let (data, _errors) = self
                .github
                .query::<q::MergedPulls>(
                    &self.http,
                    m::Variables {
                        id: node_id.to_string(),
                        after: after.clone(),
                    },
                )
                .await?;
            let Some(m::MergedPullsNode::Repository(r)) = data.and_then(|d| d.node) else {
                return Ok(());
            };
            let mut older = false;
            for pr in r
                .pull_requests
                .nodes
                .unwrap_or_default()
                .into_iter()
                .flatten()
            {
                if pr.updated_at < since {
                    older = true;
                }
                if let Some(at) = pr.merged_at.filter(|at| *at >= since) {
                    merges.push(PrMerge {
                        number: pr.number,
                        merged_at: at,
                        // A GitHub App merges as a `Bot` whose login lacks the
                        // `[bot]` suffix that its commits carry; add it so the
                        // bot rules apply to merges too.
                        merged_by: pr.merged_by.map(|a| {
                            let login = a.login.to_lowercase();
                            match a.on {
                                m::MergedPullsNodeOnRepositoryPullRequestsNodesMergedByOn::Bot
                                    if !login.ends_with("[bot]") =>
                                {
                                    format!("{login}[bot]")
                                }
                                _ => login,
                            }
                        }),
                    });
                }
            }
            if older || !r.pull_requests.page_info.has_next_page {
                return Ok(());
            }
            after = r.pull_requests.page_info.end_cursor;
            if after.is_none() {
                return Ok(());
            }
        }
    }

    async fn collect_package(
        &self,
        run_id: i64,
        eco: &str,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        let url = match eco {
            "conda" => format!(
                "{}/package/{name}",
                self.config.upstream.anaconda_api_url.trim_end_matches('/')
            ),
            _ => format!(
                "{}/pypi/{name}/json",
                self.config.upstream.pypi_url.trim_end_matches('/')
            ),
        };
        let answer = self
            .http
            .send(Api::Package, Method::GET, &url, &[], None)
            .await?;
        let observed_at = self.clock.now();
        let p = Provenance {
            run_id,
            observed_at,
            source: format!("GET {url}"),
        };
        let next = now
            + chrono::Duration::from_std(self.config.collect.packages_interval.0)
                .unwrap_or_else(|_| chrono::Duration::hours(6));
        let state = TargetState {
            target: format!("{eco}:{name}"),
            kind: eco.to_string(),
            next_due_at: Some(next),
            ..TargetState::default()
        };
        let status = answer.status.as_u16();
        if status == 404 {
            let snap = PackageSnapshot {
                ecosystem: if eco == "conda" {
                    "conda".into()
                } else {
                    "pypi".into()
                },
                package: name.to_string(),
                found: false,
                latest_version: None,
                repo_links: Vec::new(),
                torch_requirement: None,
            };
            self.enqueue(Pending::Package(p, snap, Vec::new(), state))?;
            return Ok(());
        }
        if !answer.status.is_success() {
            return Err(RepoError::Call(CallError {
                call: format!("GET {url}"),
                status: Some(status),
                kind: "client",
                message: String::from_utf8_lossy(&answer.body)
                    .chars()
                    .take(300)
                    .collect(),
            }));
        }
        let parsed = match eco {
            "conda" => packages::parse_conda(&answer.body, name),
            _ => packages::parse_pypi(&answer.body, name),
        }
        .map_err(|e| CallError {
            call: format!("GET {url}"),
            status: Some(status),
            kind: "parse",
            message: e.to_string(),
        })?;
        if eco == "torch" {
            let list: Vec<(String, Option<DateTime<Utc>>)> = parsed
                .releases
                .iter()
                .filter(|r| !r.yanked)
                .map(|r| (r.version.clone(), r.released_at))
                .collect();
            self.enqueue(Pending::Torch(p.clone(), list))?;
            let snap = PackageSnapshot {
                ecosystem: "pypi".into(),
                package: "torch".into(),
                found: true,
                latest_version: parsed.latest_version.clone(),
                repo_links: parsed.repo_links.clone(),
                torch_requirement: None,
            };
            self.enqueue(Pending::Package(p, snap, Vec::new(), state))?;
            return Ok(());
        }
        let latest = parsed.latest_version.clone();
        let releases: Vec<ReleaseRecord> = parsed
            .releases
            .iter()
            .map(|r| ReleaseRecord {
                version: r.version.clone(),
                released_at: r.released_at,
                is_prerelease: None,
                yanked: r.yanked,
                has_binary: r.has_binary,
                has_sdist: r.has_sdist,
                requires_torch: if Some(&r.version) == latest.as_ref() {
                    parsed.requires_torch.clone()
                } else {
                    None
                },
            })
            .collect();
        let snap = PackageSnapshot {
            ecosystem: eco.to_string(),
            package: name.to_string(),
            found: true,
            latest_version: latest,
            repo_links: parsed.repo_links.clone(),
            torch_requirement: (eco == "pypi").then(|| parsed.requires_torch.clone()),
        };
        self.enqueue(Pending::Package(p, snap, releases, state))?;
        Ok(())
    }
}

/// A repository's collection failed upstream (recorded) or at the store (fatal).
#[derive(Debug)]
enum RepoError {
    Call(CallError),
    Store(StoreError),
}

impl From<CallError> for RepoError {
    fn from(e: CallError) -> Self {
        Self::Call(e)
    }
}

impl From<StoreError> for RepoError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

fn repo_target(slug: &str) -> String {
    format!("repo:{}", slug.to_lowercase())
}

fn snapshot_spent(http: &Http) -> (i64, i64, i64, i64) {
    (
        http.spent.graphql_points.load(Ordering::Relaxed),
        http.spent.rest_requests.load(Ordering::Relaxed),
        http.spent.other_requests.load(Ordering::Relaxed),
        http.spent.not_modified.load(Ordering::Relaxed),
    )
}

/// Whether a README links to (or has a section on) governance.
pub fn readme_links_governance(readme: &str) -> bool {
    readme.lines().any(|l| {
        let lower = l.to_lowercase();
        lower.contains("governance")
            && (lower.contains("](") || lower.trim_start().starts_with('#'))
    })
}
