//! The collector's memory: what it needs to know at the start of a pass
//! (scheduler state, ETags, how far each repository's history reaches, the
//! file-derived fields of each repository's latest snapshot), and the history
//! progress written beside every page of commits or stargazers.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDateTime, Utc};
use duckdb::params;

use super::write::{FailureRecord, Provenance, RepoSnapshot};
use super::{DbContext, Result, Store};

/// How far one repository's commit history has been collected (`history_progress`).
///
/// The backfill walks from `backfill_oid` (the head at first sight) back to
/// `backfill_since`; a forward walk from `forward_oid` brings history up to a
/// newer head. Both resume from their cursor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryProgress {
    /// The repository's node id.
    pub node_id: String,
    /// Newest head whose history is stored.
    pub head_oid: Option<String>,
    /// Committer date of `head_oid`.
    pub head_committed_at: Option<DateTime<Utc>>,
    /// When history last reached `head_oid`.
    pub synced_at: Option<DateTime<Utc>>,
    /// The commit the backfill walks from.
    pub backfill_oid: String,
    /// The backfill stops at this committer date.
    pub backfill_since: DateTime<Utc>,
    /// `endCursor` of the last stored backfill page.
    pub backfill_cursor: Option<String>,
    /// Stored history is complete from this instant on (`None`: no page yet).
    pub covered_from: Option<DateTime<Utc>>,
    /// The backfill reached `backfill_since` or the first commit.
    pub backfill_done: bool,
    /// A forward walk in progress starts from this commit.
    pub forward_oid: Option<String>,
    /// Committer date of `forward_oid`.
    pub forward_committed_at: Option<DateTime<Utc>>,
    /// ... and goes back to this committer date.
    pub forward_since: Option<DateTime<Utc>>,
    /// `endCursor` of its last stored page.
    pub forward_cursor: Option<String>,
    /// The forward walk met `head_oid` (the branch moved forward, no force push).
    pub forward_met: bool,
    /// The forward walk re-reads the counting window after a force push.
    pub forward_reread: bool,
    /// Pages stored so far.
    pub pages: i64,
    /// Commits stored so far (pages x their commits, overlaps included).
    pub commits: i64,
    /// When the first walk started.
    pub started_at: DateTime<Utc>,
}

/// How far one repository's star list has been read (`star_backfill`, see
/// migration 0005): newest first, from `anchor_stars` stars when the first
/// page was read, back to `covered_from`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StarProgress {
    /// The repository's node id.
    pub node_id: String,
    /// The stargazer count when the first page was read.
    pub anchor_stars: i64,
    /// When the first page was read.
    pub anchored_at: DateTime<Utc>,
    /// The walk stops once it reads a star this old.
    pub since: DateTime<Utc>,
    /// The most pages it may read (`[collect] star_history_max_points`).
    pub max_pages: i64,
    /// `endCursor` of the last stored page.
    pub cursor: Option<String>,
    /// Pages stored.
    pub pages: i64,
    /// Stars read.
    pub stars_read: i64,
    /// Every star after this instant is stored (the Unix epoch once the
    /// whole list was read).
    pub covered_from: DateTime<Utc>,
    /// Nothing more will be read.
    pub done: bool,
    /// Stopped by `max_pages` before reaching `since`.
    pub capped: bool,
    /// The upstream call.
    pub source: String,
    /// When the first page was asked for.
    pub started_at: DateTime<Utc>,
}

/// A target's failure count and next due time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetMemory {
    /// Consecutive failures.
    pub failures: i64,
    /// When it is due again.
    pub next_due: Option<DateTime<Utc>>,
}

/// A repository target's memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RepoMemory {
    /// The node id the configured name resolved to.
    pub node_id: Option<String>,
    /// The head seen by the last successful collection.
    pub head: Option<String>,
    /// Failures and next due time.
    pub schedule: TargetMemory,
}

/// Everything the collector loads at the start of a pass.
#[derive(Debug, Clone, Default)]
pub struct CollectorMemory {
    /// Every target's schedule (`repo:o/n`, `pypi:x`, `conda:c/x`, `torch:torch`).
    pub targets: HashMap<String, TargetMemory>,
    /// Repository targets (`repo:o/n`, lower case).
    pub repos: HashMap<String, RepoMemory>,
    /// Stored ETags by URL.
    pub etags: HashMap<String, String>,
    /// File-derived fields of each repository's latest snapshot, by node id.
    pub files: HashMap<String, RepoSnapshot>,
    /// History progress by node id.
    pub history: HashMap<String, HistoryProgress>,
    /// When each repository was first collected, by node id.
    pub first_seen: HashMap<String, DateTime<Utc>>,
    /// Creation time of the newest stored Actions run, by node id.
    pub newest_actions_run: HashMap<String, DateTime<Utc>>,
    /// Star backfill progress by node id.
    pub stars: HashMap<String, StarProgress>,
    /// Repositories whose past trees were read (`tree_backfill`).
    pub trees: HashSet<String>,
    /// When each package was first collected (`pypi:name`, `conda:c/name`).
    pub package_first_seen: HashMap<String, DateTime<Utc>>,
    /// Releases whose own metadata is stored (`pypi:name:version`, see
    /// migration 0007): never read again.
    pub release_metadata: HashSet<String>,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

const PROGRESS_COLUMNS: &str = "node_id, head_oid, head_committed_at, synced_at, backfill_oid, \
     backfill_since, backfill_cursor, covered_from, backfill_done, forward_oid, \
     forward_committed_at, forward_since, forward_cursor, forward_met, forward_reread, pages, \
     commits, started_at";

fn progress_row(r: &duckdb::Row<'_>) -> duckdb::Result<HistoryProgress> {
    let t = |i: usize| -> duckdb::Result<Option<DateTime<Utc>>> {
        Ok(r.get::<_, Option<NaiveDateTime>>(i)?.map(utc))
    };
    Ok(HistoryProgress {
        node_id: r.get(0)?,
        head_oid: r.get(1)?,
        head_committed_at: t(2)?,
        synced_at: t(3)?,
        backfill_oid: r.get(4)?,
        backfill_since: utc(r.get(5)?),
        backfill_cursor: r.get(6)?,
        covered_from: t(7)?,
        backfill_done: r.get(8)?,
        forward_oid: r.get(9)?,
        forward_committed_at: t(10)?,
        forward_since: t(11)?,
        forward_cursor: r.get(12)?,
        forward_met: r.get(13)?,
        forward_reread: r.get(14)?,
        pages: r.get(15)?,
        commits: r.get(16)?,
        started_at: utc(r.get(17)?),
    })
}

const STAR_COLUMNS: &str = "node_id, anchor_stars, anchored_at, since, max_pages, cursor, pages, \
     stars_read, covered_from, done, capped, source, started_at";

fn star_row(r: &duckdb::Row<'_>) -> duckdb::Result<StarProgress> {
    Ok(StarProgress {
        node_id: r.get(0)?,
        anchor_stars: r.get(1)?,
        anchored_at: utc(r.get(2)?),
        since: utc(r.get(3)?),
        max_pages: r.get(4)?,
        cursor: r.get(5)?,
        pages: r.get(6)?,
        stars_read: r.get(7)?,
        covered_from: utc(r.get(8)?),
        done: r.get(9)?,
        capped: r.get(10)?,
        source: r.get(11)?,
        started_at: utc(r.get(12)?),
    })
}

/// Writes a repository's star backfill progress inside the caller's transaction.
pub(crate) fn upsert_star_progress(
    tx: &duckdb::Transaction<'_>,
    p: &StarProgress,
    at: DateTime<Utc>,
) -> Result<()> {
    tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO star_backfill ({STAR_COLUMNS}, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .and_then(|mut st| {
        st.execute(params![
            p.node_id,
            p.anchor_stars,
            p.anchored_at.naive_utc(),
            p.since.naive_utc(),
            p.max_pages,
            p.cursor,
            p.pages,
            p.stars_read,
            p.covered_from.naive_utc(),
            p.done,
            p.capped,
            p.source,
            p.started_at.naive_utc(),
            at.naive_utc(),
        ])
    })
    .ctx(|| format!("record star backfill progress of {}", p.node_id))?;
    Ok(())
}

/// Writes a repository's history progress inside the caller's transaction.
pub(crate) fn upsert_progress(
    tx: &duckdb::Transaction<'_>,
    p: &HistoryProgress,
    at: DateTime<Utc>,
) -> Result<()> {
    let n = |t: Option<DateTime<Utc>>| t.map(|t| t.naive_utc());
    tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO history_progress ({PROGRESS_COLUMNS}, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .and_then(|mut st| {
        st.execute(params![
            p.node_id,
            p.head_oid,
            n(p.head_committed_at),
            n(p.synced_at),
            p.backfill_oid,
            p.backfill_since.naive_utc(),
            p.backfill_cursor,
            n(p.covered_from),
            p.backfill_done,
            p.forward_oid,
            n(p.forward_committed_at),
            n(p.forward_since),
            p.forward_cursor,
            p.forward_met,
            p.forward_reread,
            p.pages,
            p.commits,
            p.started_at.naive_utc(),
            at.naive_utc(),
        ])
    })
    .ctx(|| format!("record history progress of {}", p.node_id))?;
    Ok(())
}

impl Store {
    /// Records a failure that belongs to no target's schedule (the store's own,
    /// seen by the writer), in `collection_errors` only.
    pub fn record_error(
        &mut self,
        p: &Provenance,
        target: &str,
        error: &FailureRecord,
        attempt: i64,
    ) -> Result<()> {
        self.conn()
            .execute(
                "INSERT INTO collection_errors VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                params![
                    p.run_id,
                    p.observed_at.naive_utc(),
                    target,
                    error.source,
                    error.http_status,
                    error.kind,
                    error.message,
                    attempt
                ],
            )
            .ctx(|| format!("record an error of {target}"))?;
        Ok(())
    }

    /// Marks runs left `running` (cut short by a crash or a kill) as `aborted`.
    pub fn close_interrupted_runs(&self) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE collection_runs SET status = 'aborted' WHERE status = 'running'",
                [],
            )
            .ctx(|| "close interrupted runs".into())?;
        Ok(())
    }

    /// One repository's history progress, if any walk was started.
    pub fn history_progress(&self, node_id: &str) -> Result<Option<HistoryProgress>> {
        let mut stmt = self
            .conn()
            .prepare(&format!(
                "SELECT {PROGRESS_COLUMNS} FROM history_progress WHERE node_id = ?"
            ))
            .ctx(|| format!("read history progress of {node_id}"))?;
        let mut rows = stmt
            .query_map([node_id], progress_row)
            .ctx(|| format!("read history progress of {node_id}"))?;
        rows.next()
            .transpose()
            .ctx(|| format!("read history progress of {node_id}"))
    }

    /// Loads what the collector remembers between passes.
    pub fn collector_memory(&self) -> Result<CollectorMemory> {
        let ctx = || "load the collector's memory".to_string();
        let conn = self.conn();
        let mut m = CollectorMemory::default();
        let mut stmt = conn
            .prepare("SELECT url, etag FROM http_cache WHERE etag IS NOT NULL")
            .ctx(ctx)?;
        for row in stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .ctx(ctx)?
        {
            let (url, tag) = row.ctx(ctx)?;
            m.etags.insert(url, tag);
        }
        let mut stmt = conn
            .prepare(
                "SELECT target, kind, node_id, last_head_oid, failures, next_due_at \
                 FROM collection_state",
            )
            .ctx(ctx)?;
        for row in stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<NaiveDateTime>>(5)?,
                ))
            })
            .ctx(ctx)?
        {
            let (target, kind, node_id, head, failures, next) = row.ctx(ctx)?;
            let schedule = TargetMemory {
                failures,
                next_due: next.map(utc),
            };
            if kind == "repo" {
                m.repos.insert(
                    target.clone(),
                    RepoMemory {
                        node_id,
                        head,
                        schedule,
                    },
                );
            }
            m.targets.insert(target, schedule);
        }
        // The file-derived fields of each repo's latest snapshot, reused when the head did not move.
        let mut stmt = conn
            .prepare(
                "SELECT s.node_id, s.layout_files, s.codeowners_path, s.codeowners_users, \
                 s.codeowners_teams, s.codeowners_emails, s.maintainers_path, s.maintainers_users, \
                 s.governance_path, s.readme_governance \
                 FROM repo_snapshots s \
                 QUALIFY row_number() OVER (PARTITION BY s.node_id ORDER BY s.observed_at DESC) = 1",
            )
            .ctx(ctx)?;
        let list = super::texts;
        for row in stmt
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
            .ctx(ctx)?
        {
            let s = row.ctx(ctx)?;
            m.files.insert(s.node_id.clone(), s);
        }
        let mut stmt = conn
            .prepare(&format!("SELECT {PROGRESS_COLUMNS} FROM history_progress"))
            .ctx(ctx)?;
        for row in stmt.query_map([], progress_row).ctx(ctx)? {
            let p = row.ctx(ctx)?;
            m.history.insert(p.node_id.clone(), p);
        }
        m.newest_actions_run = node_times(
            conn,
            "SELECT node_id, max(created_at) FROM ci_runs WHERE provider = 'actions' \
             GROUP BY node_id",
        )?;
        m.first_seen = node_times(conn, "SELECT node_id, first_seen_at FROM repos")?;
        m.package_first_seen = node_times(
            conn,
            "SELECT ecosystem || ':' || package, min(observed_at) FROM package_snapshots \
             GROUP BY ALL",
        )?;
        let mut stmt = conn
            .prepare(
                "SELECT ecosystem || ':' || package || ':' || version FROM release_requirements",
            )
            .ctx(ctx)?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0)).ctx(ctx)? {
            m.release_metadata.insert(row.ctx(ctx)?);
        }
        let mut stmt = conn
            .prepare(&format!("SELECT {STAR_COLUMNS} FROM star_backfill"))
            .ctx(ctx)?;
        for row in stmt.query_map([], star_row).ctx(ctx)? {
            let p = row.ctx(ctx)?;
            m.stars.insert(p.node_id.clone(), p);
        }
        let mut stmt = conn.prepare("SELECT node_id FROM tree_backfill").ctx(ctx)?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0)).ctx(ctx)? {
            m.trees.insert(row.ctx(ctx)?);
        }
        Ok(m)
    }
}

/// A `node_id -> instant` map from a two-column query.
fn node_times(conn: &duckdb::Connection, sql: &str) -> Result<HashMap<String, DateTime<Utc>>> {
    let ctx = || "load the collector's memory".to_string();
    let mut stmt = conn.prepare(sql).ctx(ctx)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, NaiveDateTime>(1)?))
        })
        .ctx(ctx)?;
    let mut out = HashMap::new();
    for row in rows {
        let (node, at) = row.ctx(ctx)?;
        out.insert(node, utc(at));
    }
    Ok(out)
}
