//! Writing collected facts: one short transaction per repository or package.
//!
//! Facts with a natural key (commits, CI runs, releases, merges, stars) are
//! appended to a temporary table with DuckDB's appender and then moved with one
//! set-based `INSERT ... ON CONFLICT DO NOTHING`, so a pass that is retried after
//! a crash or a failure never duplicates a row, and a bulk write never costs one
//! statement per row.
//!
//! Fact tables are insert-only. What can change upstream is kept as
//! observations (migration 0004): a CI run's new state is a new `ci_runs` row,
//! a release's new yanked / file / torch values a `release_changes` row, a
//! commit leaving or rejoining the default branch a `commit_reachability`
//! event, each written only when it differs from the latest one stored. Only
//! the scheduler's memory (`collection_state`, `http_cache`, a run's row in
//! `collection_runs`) is updated in place.
//!
//! Longer than 500 lines on purpose: every write follows the same temp-table,
//! appender and set-based insert pattern, and the observation rules for facts
//! that change upstream belong with it.

use chrono::{DateTime, Utc};
use duckdb::params;

use super::memory::{HistoryProgress, StarProgress, upsert_progress, upsert_star_progress};
use super::{DbContext, Result, Store};

/// Lists are passed to SQL joined by this separator and split back there
/// (`string_split`), because bound parameters cannot carry lists.
const SEP: char = '\u{1f}';

pub(super) fn joined(items: &[String]) -> String {
    items.join(&SEP.to_string())
}

/// SQL turning a joined parameter back into a `VARCHAR[]` (empty text = empty list).
pub(super) const SPLIT: &str =
    "CASE WHEN ? = '' THEN []::VARCHAR[] ELSE string_split(?, chr(31)) END";

/// The hash of a repository snapshot's facts (`repo_snapshots.facts_hash`,
/// migration 0008, whose backfill uses the same expression), computed as the
/// row is inserted: what `review` compares between consecutive snapshots to
/// find the days they changed.
pub(super) const FACTS_HASH: &str = "hash(license_spdx, layout_files, codeowners_users, \
     codeowners_teams, codeowners_emails, maintainers_users, readme_governance, ci_head_state, \
     default_branch)";

/// Where a batch of rows came from.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The collection run.
    pub run_id: i64,
    /// When the upstream answered.
    pub observed_at: DateTime<Utc>,
    /// The upstream call, e.g. `github:graphql:RepoSnapshots`.
    pub source: String,
}

/// A repository's state at one instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepoSnapshot {
    /// GitHub node id.
    pub node_id: String,
    /// GitHub's numeric id.
    pub database_id: Option<i64>,
    /// Current `owner/name`.
    pub name_with_owner: String,
    /// Stargazer count.
    pub stars: i64,
    /// Fork count.
    pub forks: i64,
    /// Archived on GitHub.
    pub is_archived: bool,
    /// A fork.
    pub is_fork: bool,
    /// No commits.
    pub is_empty: bool,
    /// Default branch name.
    pub default_branch: Option<String>,
    /// Head commit of the default branch.
    pub head_oid: Option<String>,
    /// Committer date of the head.
    pub head_committed_at: Option<DateTime<Utc>>,
    /// Last push.
    pub pushed_at: Option<DateTime<Utc>>,
    /// SPDX id of the license, if any was detected.
    pub license_spdx: Option<String>,
    /// GitHub's license key.
    pub license_key: Option<String>,
    /// Layout files present (root, `.github/`, `docs/` paths), then the
    /// community files of the owner's `.github` repository GitHub shows in
    /// their place, as `<owner>/.github:<path>`.
    pub layout_files: Vec<String>,
    /// The CODEOWNERS file parsed.
    pub codeowners_path: Option<String>,
    /// Users declared in CODEOWNERS.
    pub codeowners_users: Vec<String>,
    /// Teams declared in CODEOWNERS.
    pub codeowners_teams: Vec<String>,
    /// Emails declared in CODEOWNERS.
    pub codeowners_emails: Vec<String>,
    /// The MAINTAINERS file parsed.
    pub maintainers_path: Option<String>,
    /// Users named in MAINTAINERS.
    pub maintainers_users: Vec<String>,
    /// A governance document found.
    pub governance_path: Option<String>,
    /// README links a governance section.
    pub readme_governance: bool,
    /// Head commit's combined CI state.
    pub ci_head_state: Option<String>,
}

/// An author (position 0) or co-author of a commit.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitAuthor {
    /// Name from git.
    pub name: Option<String>,
    /// Email from git.
    pub email: Option<String>,
    /// Linked GitHub login.
    pub login: Option<String>,
    /// Identity per the counting rules.
    pub identity: String,
    /// A bot.
    pub is_bot: bool,
}

/// A commit on the default branch.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitRecord {
    /// The sha.
    pub sha: String,
    /// Committer date.
    pub committed_at: DateTime<Utc>,
    /// Author date.
    pub authored_at: DateTime<Utc>,
    /// Number of parents.
    pub parent_count: i32,
    /// Author first, then co-authors.
    pub authors: Vec<CommitAuthor>,
}

/// A CI run, check run or commit status.
#[derive(Debug, Clone, PartialEq)]
pub struct CiRun {
    /// Unique within the repo, e.g. `actions:123`.
    pub run_key: String,
    /// `actions`, `check` or `status`.
    pub provider: String,
    /// Workflow, check or context name.
    pub name: Option<String>,
    /// Commit it ran on.
    pub head_sha: Option<String>,
    /// Branch.
    pub branch: Option<String>,
    /// Triggering event.
    pub event: Option<String>,
    /// Lifecycle status (lower case).
    pub status: Option<String>,
    /// Outcome (lower case).
    pub conclusion: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Last update.
    pub updated_at: Option<DateTime<Utc>>,
    /// Link to it.
    pub url: Option<String>,
}

/// A pull request merge.
#[derive(Debug, Clone, PartialEq)]
pub struct PrMerge {
    /// PR number.
    pub number: i64,
    /// When it merged.
    pub merged_at: DateTime<Utc>,
    /// Who merged it.
    pub merged_by: Option<String>,
}

/// A release of a GitHub repo, PyPI project or conda package.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRecord {
    /// Version or tag.
    pub version: String,
    /// Publication time.
    pub released_at: Option<DateTime<Utc>>,
    /// A pre-release.
    pub is_prerelease: Option<bool>,
    /// Yanked.
    pub yanked: bool,
    /// Has a wheel or conda file.
    pub has_binary: bool,
    /// Has an sdist.
    pub has_sdist: bool,
    /// The `requires_dist` entries naming torch, when known for this release
    /// (as in [`PackageSnapshot::torch_requirement`]).
    pub requires_torch: Option<String>,
}

/// Everything one repository's collection writes: either one page of history
/// with the progress it makes (no snapshot, no scheduler state), or the end of
/// a repository's step (its snapshot, releases, CI runs and scheduler state).
#[derive(Debug, Clone, Default)]
pub struct RepoWrite {
    /// The repository's node id (taken from `snapshot` when this is empty).
    pub node_id: String,
    /// The repository's state, when this write ends a step.
    pub snapshot: Option<RepoSnapshot>,
    /// Commits fetched.
    pub commits: Vec<CommitRecord>,
    /// CI runs, checks and statuses.
    pub ci: Vec<CiRun>,
    /// Merged pull requests.
    pub merges: Vec<PrMerge>,
    /// GitHub releases.
    pub releases: Vec<ReleaseRecord>,
    /// When history was fetched completely from this instant on, commits stored
    /// since then but not fetched are recorded as removed.
    pub history_since: Option<DateTime<Utc>>,
    /// How far history reaches after this write.
    pub progress: Option<HistoryProgress>,
    /// Scheduler state after this success.
    pub state: Option<TargetState>,
}

impl RepoWrite {
    /// The repository's node id.
    pub fn node(&self) -> &str {
        match &self.snapshot {
            Some(s) if self.node_id.is_empty() => &s.node_id,
            _ => &self.node_id,
        }
    }
}

/// One page of a repository's stargazers, as per-day counts, with the
/// progress it makes (see migration 0005).
#[derive(Debug, Clone, PartialEq)]
pub struct StarPage {
    /// The progress after this page (`progress.pages` is this page's number).
    pub progress: StarProgress,
    /// Stars of the page per UTC day of `starredAt`.
    pub days: Vec<(chrono::NaiveDate, i64)>,
}

/// The scheduler's memory of one target after a success.
#[derive(Debug, Clone, Default)]
pub struct TargetState {
    /// `repo:owner/name`, `pypi:name`, `conda:channel/name`, `torch`.
    pub target: String,
    /// `repo`, `pypi`, `conda` or `torch`.
    pub kind: String,
    /// Node id for repos.
    pub node_id: Option<String>,
    /// Head of the default branch.
    pub head_oid: Option<String>,
    /// Stars seen.
    pub stars: Option<i64>,
    /// When to collect again.
    pub next_due_at: Option<DateTime<Utc>>,
    /// URL whose ETag to remember.
    pub etag_url: Option<String>,
    /// The ETag.
    pub etag: Option<String>,
}

/// A failure to record.
#[derive(Debug, Clone)]
pub struct FailureRecord {
    /// The upstream call.
    pub source: String,
    /// HTTP status.
    pub http_status: Option<i32>,
    /// Classification.
    pub kind: String,
    /// Message (never contains a token).
    pub message: String,
}

/// The failures of [`Store::record_failures`] as rows, from one `VARCHAR[]`
/// parameter per column.
const FAILURES: &str = "SELECT unnest($1::VARCHAR[])::BIGINT AS run_id, \
     unnest($2::VARCHAR[])::TIMESTAMP AS observed, unnest($3::VARCHAR[]) AS target, \
     unnest($4::VARCHAR[]) AS source, \
     nullif(unnest($5::VARCHAR[]), '')::INTEGER AS status, unnest($6::VARCHAR[]) AS kind, \
     unnest($7::VARCHAR[]) AS message, unnest($8::VARCHAR[])::TIMESTAMP AS next, \
     unnest($9::VARCHAR[]) AS target_kind";

/// One failed attempt at a target, for [`Store::record_failures`].
#[derive(Debug, Clone)]
pub struct Failure {
    /// The pass and instant of the attempt.
    pub p: Provenance,
    /// The target (`repo:owner/name`, `pypi:name`...).
    pub target: String,
    /// The target's kind (`repo`, `pypi`, `conda`, `torch`).
    pub kind: String,
    /// What failed.
    pub error: FailureRecord,
    /// When to try the target again.
    pub next_due_at: DateTime<Utc>,
}

/// A package's presence on its index.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageSnapshot {
    /// `pypi` or `conda`.
    pub ecosystem: String,
    /// Normalised PyPI name or `channel/name`.
    pub package: String,
    /// Whether the index knows it.
    pub found: bool,
    /// Latest version.
    pub latest_version: Option<String>,
    /// GitHub repos its metadata links to.
    pub repo_links: Vec<String>,
    /// The torch requirement of the latest release, when the index says
    /// (PyPI): `Some(None)` when no `requires_dist` entry names torch, else
    /// `Some(Some(entries))`: the entries naming torch, verbatim with their
    /// markers, one per line (stored in `package_requirements.torch_specifier`;
    /// rows written before these were kept held a bare specifier, `""` for
    /// torch without bounds, and are still read as such).
    pub torch_requirement: Option<Option<String>>,
}

/// What one release's own metadata says (PyPI's per-version JSON, or the
/// project JSON for the latest release), kept in `release_requirements`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReleaseMetadata {
    /// The version.
    pub version: String,
    /// The `requires_dist` entries naming torch, verbatim, one per line;
    /// `None` when no entry names torch.
    pub torch_requirement: Option<String>,
    /// GitHub repos (`owner/name`, lower case) its metadata links to.
    pub repo_links: Vec<String>,
}

fn insert_release_metadata(
    tx: &duckdb::Transaction<'_>,
    p: &Provenance,
    ecosystem: &str,
    package: &str,
    meta: &ReleaseMetadata,
) -> Result<()> {
    let links = joined(&meta.repo_links);
    tx.prepare_cached(&format!(
        "INSERT INTO release_requirements VALUES (?, ?, ?, ?, ?, {SPLIT}, ?, ?, ?) \
         ON CONFLICT DO NOTHING"
    ))
    .and_then(|mut st| {
        st.execute(params![
            ecosystem,
            package,
            meta.version,
            meta.torch_requirement.is_some(),
            meta.torch_requirement,
            links,
            links,
            ts(p.observed_at),
            p.run_id,
            p.source
        ])
    })
    .ctx(|| format!("write metadata of {ecosystem} {package} {}", meta.version))?;
    Ok(())
}

fn ts(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    t.naive_utc()
}

fn ots(t: Option<DateTime<Utc>>) -> Option<chrono::NaiveDateTime> {
    t.map(ts)
}

impl Store {
    /// Starts a collection run and returns its id.
    pub fn begin_run(&self, kind: &str, started_at: DateTime<Utc>) -> Result<i64> {
        self.conn()
            .query_row(
                "INSERT INTO collection_runs (started_at, kind, status, tool_version) \
                 VALUES (?, ?, 'running', ?) RETURNING run_id",
                params![ts(started_at), kind, env!("CARGO_PKG_VERSION")],
                |r| r.get(0),
            )
            .ctx(|| "start a collection run".into())
    }

    /// Closes a collection run with its outcome and the upstream budget it spent.
    pub fn finish_run(
        &self,
        run_id: i64,
        finished_at: DateTime<Utc>,
        status: &str,
        graphql_points: i64,
        rest_requests: i64,
        other_requests: i64,
    ) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE collection_runs SET finished_at = ?, status = ?, graphql_points = ?, \
                 rest_requests = ?, other_requests = ? WHERE run_id = ?",
                params![
                    ts(finished_at),
                    status,
                    graphql_points,
                    rest_requests,
                    other_requests,
                    run_id
                ],
            )
            .ctx(|| format!("finish collection run {run_id}"))?;
        Ok(())
    }

    /// Writes everything collected for one repository, and the scheduler's state
    /// for it, in one transaction: a crash leaves either all of it or none.
    pub fn write_repo(&mut self, p: &Provenance, w: &RepoWrite) -> Result<()> {
        self.write_repos(&[(p.clone(), w.clone())])
    }

    /// Writes several repositories in one transaction with set-based inserts:
    /// statements are prepared once per batch, rows go through appenders.
    pub fn write_repos(&mut self, items: &[(Provenance, RepoWrite)]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let what = || {
            let names: Vec<&str> = items
                .iter()
                .map(|(_, w)| {
                    w.snapshot
                        .as_ref()
                        .map_or(w.node(), |s| s.name_with_owner.as_str())
                })
                .collect();
            format!("write repositories {}", names.join(", "))
        };
        let tx = self.conn_mut().transaction().ctx(what)?;
        // The row with the hash of its facts (`FACTS_HASH`), computed over
        // the typed values as the migration computes it over stored rows.
        let snapshot_sql = format!(
            "INSERT INTO repo_snapshots SELECT v.*, {FACTS_HASH} AS facts_hash FROM (SELECT \
             ?::VARCHAR AS node_id, ?::TIMESTAMP AS observed_at, ?::BIGINT AS run_id, \
             ?::VARCHAR AS source, ?::VARCHAR AS name_with_owner, ?::INTEGER AS stars, \
             ?::INTEGER AS forks, ?::BOOLEAN AS is_archived, ?::BOOLEAN AS is_fork, \
             ?::BOOLEAN AS is_empty, ?::VARCHAR AS default_branch, ?::VARCHAR AS head_oid, \
             ?::TIMESTAMP AS head_committed_at, ?::TIMESTAMP AS pushed_at, \
             ?::VARCHAR AS license_spdx, ?::VARCHAR AS license_key, {l} AS layout_files, \
             ?::VARCHAR AS codeowners_path, {l} AS codeowners_users, {l} AS codeowners_teams, \
             {l} AS codeowners_emails, ?::VARCHAR AS maintainers_path, \
             {l} AS maintainers_users, ?::VARCHAR AS governance_path, \
             ?::BOOLEAN AS readme_governance, ?::VARCHAR AS ci_head_state) v \
             ON CONFLICT DO NOTHING",
            l = SPLIT
        );
        for (p, snap) in items
            .iter()
            .filter_map(|(p, w)| w.snapshot.as_ref().map(|s| (p, s)))
        {
            tx.prepare_cached("INSERT INTO repos VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
                .and_then(|mut st| {
                    st.execute(params![
                        snap.node_id,
                        snap.database_id,
                        ts(p.observed_at),
                        p.source
                    ])
                })
                .ctx(what)?;
            tx.prepare_cached("INSERT INTO repo_names VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
                .and_then(|mut st| {
                    st.execute(params![
                        snap.node_id,
                        snap.name_with_owner,
                        ts(p.observed_at),
                        p.source
                    ])
                })
                .ctx(what)?;
            let (files, users, teams, emails, maint) = (
                joined(&snap.layout_files),
                joined(&snap.codeowners_users),
                joined(&snap.codeowners_teams),
                joined(&snap.codeowners_emails),
                joined(&snap.maintainers_users),
            );
            tx.prepare_cached(&snapshot_sql)
                .and_then(|mut st| {
                    st.execute(params![
                        snap.node_id,
                        ts(p.observed_at),
                        p.run_id,
                        p.source,
                        snap.name_with_owner,
                        snap.stars,
                        snap.forks,
                        snap.is_archived,
                        snap.is_fork,
                        snap.is_empty,
                        snap.default_branch,
                        snap.head_oid,
                        ots(snap.head_committed_at),
                        ots(snap.pushed_at),
                        snap.license_spdx,
                        snap.license_key,
                        files,
                        files,
                        snap.codeowners_path,
                        users,
                        users,
                        teams,
                        teams,
                        emails,
                        emails,
                        snap.maintainers_path,
                        maint,
                        maint,
                        snap.governance_path,
                        snap.readme_governance,
                        snap.ci_head_state,
                    ])
                })
                .ctx(what)?;
        }

        tx.execute_batch(
            "CREATE OR REPLACE TEMP TABLE tmp_commits AS SELECT * FROM commits LIMIT 0;
             CREATE OR REPLACE TEMP TABLE tmp_authors AS SELECT * FROM commit_authors LIMIT 0;
             CREATE OR REPLACE TEMP TABLE tmp_ci AS SELECT * FROM ci_runs LIMIT 0;
             CREATE OR REPLACE TEMP TABLE tmp_merges AS SELECT * FROM pr_merges LIMIT 0;
             CREATE OR REPLACE TEMP TABLE tmp_rel AS SELECT * FROM releases LIMIT 0;",
        )
        .ctx(what)?;
        {
            let mut commits = tx.appender("tmp_commits").ctx(what)?;
            let mut authors = tx.appender("tmp_authors").ctx(what)?;
            let mut ci = tx.appender("tmp_ci").ctx(what)?;
            let mut merges = tx.appender("tmp_merges").ctx(what)?;
            let mut rel = tx.appender("tmp_rel").ctx(what)?;
            for (p, w) in items {
                let node = w.node();
                for c in &w.commits {
                    commits
                        .append_row(params![
                            node,
                            c.sha,
                            ts(c.committed_at),
                            ts(c.authored_at),
                            c.parent_count,
                            ts(p.observed_at),
                            p.run_id,
                            p.source
                        ])
                        .ctx(what)?;
                    for (i, a) in c.authors.iter().enumerate() {
                        authors
                            .append_row(params![
                                node, c.sha, i as i32, a.name, a.email, a.login, a.identity,
                                a.is_bot
                            ])
                            .ctx(what)?;
                    }
                }
                for r in &w.ci {
                    ci.append_row(params![
                        node,
                        r.run_key,
                        r.provider,
                        r.name,
                        r.head_sha,
                        r.branch,
                        r.event,
                        r.status,
                        r.conclusion,
                        ts(r.created_at),
                        ots(r.updated_at),
                        r.url,
                        ts(p.observed_at),
                        p.source
                    ])
                    .ctx(what)?;
                }
                for m in &w.merges {
                    merges
                        .append_row(params![
                            node,
                            m.number,
                            ts(m.merged_at),
                            m.merged_by,
                            ts(p.observed_at),
                            p.source
                        ])
                        .ctx(what)?;
                }
                for r in &w.releases {
                    rel.append_row(params![
                        "github",
                        node,
                        r.version,
                        ots(r.released_at),
                        r.is_prerelease,
                        r.yanked,
                        r.has_binary,
                        r.has_sdist,
                        r.requires_torch,
                        ts(p.observed_at),
                        p.run_id,
                        p.source
                    ])
                    .ctx(what)?;
                }
            }
            for app in [&mut commits, &mut authors, &mut ci, &mut merges, &mut rel] {
                app.flush().ctx(what)?;
            }
        }
        // A commit, author or merge already stored is kept as first observed; a CI
        // run or release seen again with new values gets a new observation row.
        tx.execute_batch(&format!(
            "INSERT INTO commits SELECT * FROM tmp_commits ON CONFLICT DO NOTHING;
             INSERT INTO commit_authors SELECT * FROM tmp_authors ON CONFLICT DO NOTHING;
             {CI_OBSERVE};
             INSERT INTO pr_merges SELECT * FROM tmp_merges ON CONFLICT DO NOTHING;
             {RELEASE_OBSERVE};
             DROP TABLE tmp_commits; DROP TABLE tmp_authors; DROP TABLE tmp_ci;
             DROP TABLE tmp_merges; DROP TABLE tmp_rel;"
        ))
        .ctx(what)?;

        for (p, w) in items {
            let node = w.node();
            if let Some(since) = w.history_since {
                // Every commit reachable since `since` was fetched: stored ones that are
                // missing were force-pushed away, and ones that were gone came back.
                // Each is an event, written only when it changes the commit's latest one.
                let shas = joined(&w.commits.iter().map(|c| c.sha.clone()).collect::<Vec<_>>());
                tx.prepare_cached(&format!(
                    "INSERT INTO commit_reachability \
                     SELECT c.node_id, c.sha, ?, false, ?, ? FROM commits c \
                     LEFT JOIN ({LATEST_REACHABILITY}) e ON e.sha = c.sha \
                     WHERE c.node_id = ? AND c.committed_at >= ? \
                       AND NOT list_contains({SPLIT}, c.sha) \
                       AND e.reachable IS DISTINCT FROM false \
                     ON CONFLICT DO NOTHING"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        ts(p.observed_at),
                        p.run_id,
                        p.source,
                        node,
                        node,
                        ts(since),
                        shas,
                        shas
                    ])
                })
                .ctx(what)?;
                tx.prepare_cached(&format!(
                    "INSERT INTO commit_reachability \
                     SELECT ?, e.sha, ?, true, ?, ? FROM ({LATEST_REACHABILITY}) e \
                     WHERE NOT e.reachable AND list_contains({SPLIT}, e.sha) \
                     ON CONFLICT DO NOTHING"
                ))
                .and_then(|mut st| {
                    st.execute(params![
                        node,
                        ts(p.observed_at),
                        p.run_id,
                        p.source,
                        node,
                        shas,
                        shas
                    ])
                })
                .ctx(what)?;
            }
            if let Some(progress) = &w.progress {
                upsert_progress(&tx, progress, p.observed_at)?;
            }
            if let Some(state) = &w.state {
                upsert_state(&tx, state, p.observed_at)?;
            }
        }
        tx.commit().ctx(what)?;
        Ok(())
    }

    /// Writes pages of stargazers of several repositories in one transaction:
    /// each page's per-day counts with the progress it makes, so a backfill
    /// resumes after the last page stored and never counts a page twice.
    pub fn write_star_pages(&mut self, p: &Provenance, pages: &[StarPage]) -> Result<()> {
        if pages.is_empty() {
            return Ok(());
        }
        let what = || format!("write {} pages of stargazers", pages.len());
        let tx = self.conn_mut().transaction().ctx(what)?;
        tx.execute_batch(
            "CREATE OR REPLACE TEMP TABLE tmp_star_days AS SELECT * FROM star_days LIMIT 0",
        )
        .ctx(what)?;
        {
            let mut app = tx.appender("tmp_star_days").ctx(what)?;
            for page in pages {
                for (day, stars) in &page.days {
                    app.append_row(params![
                        page.progress.node_id,
                        page.progress.pages,
                        day,
                        stars,
                        ts(p.observed_at),
                        p.run_id,
                        p.source
                    ])
                    .ctx(what)?;
                }
            }
            app.flush().ctx(what)?;
        }
        tx.execute_batch(
            "INSERT INTO star_days SELECT * FROM tmp_star_days ON CONFLICT DO NOTHING;
             DROP TABLE tmp_star_days;",
        )
        .ctx(what)?;
        for page in pages {
            upsert_star_progress(&tx, &page.progress, p.observed_at)?;
        }
        tx.commit().ctx(what)?;
        Ok(())
    }

    /// Records a failed attempt at a target, with the error, for `status` and backoff.
    pub fn record_failure(
        &mut self,
        p: &Provenance,
        target: &str,
        kind: &str,
        error: &FailureRecord,
        next_due_at: DateTime<Utc>,
    ) -> Result<()> {
        self.record_failures(&[Failure {
            p: p.clone(),
            target: target.to_string(),
            kind: kind.to_string(),
            error: error.clone(),
            next_due_at,
        }])
    }

    /// Records many failed attempts in one transaction: a pass that finds
    /// thousands of configured repositories missing writes them at once.
    pub fn record_failures(&mut self, failures: &[Failure]) -> Result<()> {
        let Some(first) = failures.first() else {
            return Ok(());
        };
        let what = || {
            if failures.len() == 1 {
                format!("record failure of {}", first.target)
            } else {
                format!(
                    "record {} failures ({} first)",
                    failures.len(),
                    first.target
                )
            }
        };
        let tx = self.conn_mut().transaction().ctx(what)?;
        // Set-based: one statement per table for each run of distinct
        // targets (an upsert may not touch one row twice).
        let mut rest = failures;
        while !rest.is_empty() {
            let mut seen = std::collections::HashSet::new();
            let n = rest
                .iter()
                .take_while(|f| seen.insert(f.target.as_str()))
                .count();
            let (group, after) = rest.split_at(n);
            rest = after;
            let stamp = |t: DateTime<Utc>| ts(t).format("%Y-%m-%d %H:%M:%S%.6f").to_string();
            let list = |f: &dyn Fn(&Failure) -> String| {
                super::text_list(group.iter().map(f).collect::<Vec<_>>())
            };
            let lists = [
                list(&|f| f.p.run_id.to_string()),
                list(&|f| stamp(f.p.observed_at)),
                list(&|f| f.target.clone()),
                list(&|f| f.error.source.clone()),
                list(&|f| f.error.http_status.map_or(String::new(), |s| s.to_string())),
                list(&|f| f.error.kind.clone()),
                list(&|f| f.error.message.clone()),
                list(&|f| stamp(f.next_due_at)),
                list(&|f| f.kind.clone()),
            ];
            tx.execute(
                &format!(
                    "INSERT INTO collection_errors \
                     SELECT u.run_id, u.observed, u.target, u.source, u.status, u.kind, u.message, \
                            coalesce(s.failures, 0) + 1, u.next \
                     FROM ({FAILURES}) u LEFT JOIN collection_state s ON s.target = u.target"
                ),
                duckdb::params_from_iter(lists.iter()),
            )
            .ctx(what)?;
            tx.execute(
                &format!(
                    "INSERT INTO collection_state (target, kind, last_attempt_at, last_error_at, \
                     last_error, failures, next_due_at) \
                     SELECT target, target_kind, observed, observed, message, 1, next FROM ({FAILURES}) \
                     ON CONFLICT (target) DO UPDATE SET last_attempt_at = excluded.last_attempt_at, \
                     last_error_at = excluded.last_error_at, last_error = excluded.last_error, \
                     failures = collection_state.failures + 1, next_due_at = excluded.next_due_at"
                ),
                duckdb::params_from_iter(lists.iter()),
            )
            .ctx(what)?;
        }
        tx.commit().ctx(what)?;
        Ok(())
    }

    /// Writes one package's snapshot and releases in one transaction.
    pub fn write_package(
        &mut self,
        p: &Provenance,
        snap: &PackageSnapshot,
        releases: &[ReleaseRecord],
        state: &TargetState,
    ) -> Result<()> {
        let what = || format!("write {} package {}", snap.ecosystem, snap.package);
        let tx = self.conn_mut().transaction().ctx(what)?;
        let links = joined(&snap.repo_links);
        tx.execute(
            &format!(
                "INSERT INTO package_snapshots VALUES (?, ?, ?, ?, ?, ?, ?, {SPLIT}) \
                 ON CONFLICT DO NOTHING"
            ),
            params![
                snap.ecosystem,
                snap.package,
                ts(p.observed_at),
                p.run_id,
                p.source,
                snap.found,
                snap.latest_version,
                links,
                links
            ],
        )
        .ctx(what)?;
        if let (Some(req), Some(version)) = (&snap.torch_requirement, &snap.latest_version) {
            tx.execute(
                "INSERT INTO package_requirements VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT DO NOTHING",
                params![
                    snap.ecosystem,
                    snap.package,
                    ts(p.observed_at),
                    version,
                    req.is_some(),
                    req,
                    p.run_id,
                    p.source
                ],
            )
            .ctx(what)?;
            insert_release_metadata(
                &tx,
                p,
                &snap.ecosystem,
                &snap.package,
                &ReleaseMetadata {
                    version: version.clone(),
                    torch_requirement: req.clone(),
                    repo_links: snap.repo_links.clone(),
                },
            )?;
        }
        insert_releases(&tx, p, &snap.ecosystem, &snap.package, releases)?;
        upsert_state(&tx, state, p.observed_at)?;
        tx.commit().ctx(what)?;
        Ok(())
    }

    /// Records the metadata of one past release of a package, read from its
    /// per-version JSON (migration 0007). A release's metadata never changes,
    /// so a release already recorded keeps its first row.
    pub fn write_release_metadata(
        &mut self,
        p: &Provenance,
        ecosystem: &str,
        package: &str,
        meta: &ReleaseMetadata,
    ) -> Result<()> {
        let what = || format!("write metadata of {ecosystem} {package} {}", meta.version);
        let tx = self.conn_mut().transaction().ctx(what)?;
        insert_release_metadata(&tx, p, ecosystem, package, meta)?;
        tx.commit().ctx(what)?;
        Ok(())
    }

    /// Records torch's releases (the reference for `pytorch_support`).
    pub fn write_torch_releases(
        &mut self,
        p: &Provenance,
        releases: &[(String, Option<DateTime<Utc>>)],
    ) -> Result<()> {
        let tx = self
            .conn_mut()
            .transaction()
            .ctx(|| "write torch releases".into())?;
        for (version, at) in releases {
            tx.execute(
                "INSERT INTO torch_releases VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                params![version, ots(*at), ts(p.observed_at), p.source],
            )
            .ctx(|| format!("write torch release {version}"))?;
        }
        tx.commit().ctx(|| "write torch releases".into())?;
        Ok(())
    }
}

/// Marks a target collected successfully (clears its failures).
fn upsert_state(tx: &duckdb::Transaction<'_>, st: &TargetState, at: DateTime<Utc>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO collection_state (target, kind, node_id, last_attempt_at, last_success_at, \
         failures, next_due_at, last_head_oid, last_stars) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?) \
         ON CONFLICT (target) DO UPDATE SET node_id = excluded.node_id, \
         last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at, \
         failures = 0, next_due_at = excluded.next_due_at, \
         last_head_oid = excluded.last_head_oid, last_stars = excluded.last_stars",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            st.target,
            st.kind,
            st.node_id,
            ts(at),
            ts(at),
            ots(st.next_due_at),
            st.head_oid,
            st.stars
        ])
    })
    .ctx(|| format!("update collection state of {}", st.target))?;
    if let (Some(url), Some(etag)) = (&st.etag_url, &st.etag) {
        tx.prepare_cached("INSERT OR REPLACE INTO http_cache VALUES (?, ?, NULL, ?)")
            .and_then(|mut stmt| stmt.execute(params![url, etag, ts(at)]))
            .ctx(|| format!("remember ETag of {url}"))?;
    }
    Ok(())
}

/// The latest reachability event of each commit of one repository (`?`: its
/// node id), whenever observed: the writer compares a new observation with it.
const LATEST_REACHABILITY: &str = "SELECT sha, arg_max(reachable, observed_at) AS reachable \
     FROM commit_reachability WHERE node_id = ? GROUP BY sha";

/// Moves `tmp_ci` into `ci_runs`: a run's observation is kept when the run is
/// new or its (status, conclusion, updated_at) differ from its latest stored
/// row. Comparing with the latest row (not any row) records a state that comes
/// back (failure -> success -> failure) each time; an observation older than
/// the latest row (a late retry) adds nothing. Only the runs in the batch are
/// looked up.
const CI_OBSERVE: &str = "INSERT INTO ci_runs \
     SELECT t.* FROM (SELECT * FROM tmp_ci \
                      QUALIFY row_number() OVER (PARTITION BY node_id, run_key, observed_at) = 1) t \
     LEFT JOIN (SELECT c.node_id, c.run_key, c.status, c.conclusion, c.updated_at, c.observed_at \
                FROM ci_runs c \
                SEMI JOIN tmp_ci n ON n.node_id = c.node_id AND n.run_key = c.run_key \
                QUALIFY row_number() OVER (PARTITION BY c.node_id, c.run_key \
                                           ORDER BY c.observed_at DESC) = 1) l \
            ON l.node_id = t.node_id AND l.run_key = t.run_key \
     WHERE l.run_key IS NULL \
        OR (t.observed_at > l.observed_at \
            AND (t.status IS DISTINCT FROM l.status \
                 OR t.conclusion IS DISTINCT FROM l.conclusion \
                 OR t.updated_at IS DISTINCT FROM l.updated_at)) \
     ON CONFLICT DO NOTHING";

/// Moves `tmp_rel` into `releases` and `release_changes`: a new version is
/// inserted as first observed; a version already stored gets a change row when
/// what can change upstream (yanked, files, torch requirement) differs from its
/// effective values (latest change, else the release row). A `requires_torch`
/// the observation does not carry (NULL) keeps the one known before, so only a
/// stated requirement counts as a change. The release insert runs first: a new
/// version then equals its own row and adds no change.
const RELEASE_OBSERVE: &str = "INSERT INTO releases SELECT * FROM tmp_rel ON CONFLICT DO NOTHING; \
     INSERT INTO release_changes \
     SELECT t.ecosystem, t.package, t.version, t.observed_at, t.yanked, t.has_binary, \
            t.has_sdist, coalesce(t.requires_torch, e.requires_torch), t.run_id, t.source \
     FROM (SELECT * FROM tmp_rel \
           QUALIFY row_number() OVER (PARTITION BY ecosystem, package, version, observed_at) = 1) t \
     JOIN (SELECT r.ecosystem, r.package, r.version, \
                  coalesce(c.observed_at, r.observed_at) AS observed_at, \
                  coalesce(c.yanked, r.yanked) AS yanked, \
                  coalesce(c.has_binary, r.has_binary) AS has_binary, \
                  coalesce(c.has_sdist, r.has_sdist) AS has_sdist, \
                  CASE WHEN c.version IS NULL THEN r.requires_torch \
                       ELSE c.requires_torch END AS requires_torch \
           FROM releases r \
           SEMI JOIN tmp_rel n \
                ON n.ecosystem = r.ecosystem AND n.package = r.package AND n.version = r.version \
           LEFT JOIN (SELECT c.* FROM release_changes c \
                      SEMI JOIN tmp_rel n ON n.ecosystem = c.ecosystem \
                           AND n.package = c.package AND n.version = c.version \
                      QUALIFY row_number() OVER (PARTITION BY c.ecosystem, c.package, c.version \
                                                 ORDER BY c.observed_at DESC) = 1) c \
                ON c.ecosystem = r.ecosystem AND c.package = r.package AND c.version = r.version) e \
       ON e.ecosystem = t.ecosystem AND e.package = t.package AND e.version = t.version \
     WHERE t.observed_at > e.observed_at \
       AND (t.yanked IS DISTINCT FROM e.yanked \
            OR t.has_binary IS DISTINCT FROM e.has_binary \
            OR t.has_sdist IS DISTINCT FROM e.has_sdist \
            OR coalesce(t.requires_torch, e.requires_torch) IS DISTINCT FROM e.requires_torch) \
     ON CONFLICT DO NOTHING";

/// Inserts releases; a release seen again with new yanked / file / torch values
/// gets a `release_changes` row (see [`RELEASE_OBSERVE`]).
fn insert_releases(
    tx: &duckdb::Transaction<'_>,
    p: &Provenance,
    ecosystem: &str,
    package: &str,
    releases: &[ReleaseRecord],
) -> Result<()> {
    if releases.is_empty() {
        return Ok(());
    }
    let what = || format!("write releases of {ecosystem} {package}");
    tx.execute_batch("CREATE OR REPLACE TEMP TABLE tmp_rel AS SELECT * FROM releases LIMIT 0")
        .ctx(what)?;
    {
        let mut app = tx.appender("tmp_rel").ctx(what)?;
        for r in releases {
            app.append_row(params![
                ecosystem,
                package,
                r.version,
                ots(r.released_at),
                r.is_prerelease,
                r.yanked,
                r.has_binary,
                r.has_sdist,
                r.requires_torch,
                ts(p.observed_at),
                p.run_id,
                p.source
            ])
            .ctx(what)?;
        }
        app.flush().ctx(what)?;
    }
    tx.execute_batch(&format!("{RELEASE_OBSERVE}; DROP TABLE tmp_rel;"))
        .ctx(what)?;
    Ok(())
}
