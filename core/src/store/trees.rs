//! The trees of past default-branch commits (migration 0006): what the
//! collector reads to reconstruct layout files, CODEOWNERS, MAINTAINERS, the
//! README's governance link and the license files before the first
//! snapshot, and what it needs from the store to choose the commits.

use chrono::{DateTime, NaiveDateTime, Utc};
use duckdb::params;

use super::write::{Provenance, SPLIT, joined};
use super::{DbContext, Result, Store};

/// What the tree of one commit says about the requirements that read files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TreeState {
    /// The commit.
    pub commit_oid: String,
    /// Its committer date: the state holds from then until the next change.
    pub committed_at: DateTime<Utc>,
    /// Layout files present (`README.md`, `.github/CODEOWNERS`, ...).
    pub layout_files: Vec<String>,
    /// Root license files as `NAME=blob oid`, sorted.
    pub license_files: Vec<String>,
    /// Which CODEOWNERS file was parsed.
    pub codeowners_path: Option<String>,
    /// Users it declares.
    pub codeowners_users: Vec<String>,
    /// Teams it declares.
    pub codeowners_teams: Vec<String>,
    /// E-mail owners it declares.
    pub codeowners_emails: Vec<String>,
    /// Which MAINTAINERS file was parsed.
    pub maintainers_path: Option<String>,
    /// Users it names.
    pub maintainers_users: Vec<String>,
    /// A GOVERNANCE file, if any.
    pub governance_path: Option<String>,
    /// README.md links a governance section.
    pub readme_governance: bool,
}

impl TreeState {
    /// Whether two commits' trees say the same about every requirement
    /// (whatever their commits).
    pub fn same_facts(&self, other: &TreeState) -> bool {
        let strip = |s: &TreeState| TreeState {
            commit_oid: String::new(),
            committed_at: DateTime::<Utc>::UNIX_EPOCH,
            ..s.clone()
        };
        strip(self) == strip(other)
    }
}

/// A repository's finished tree backfill.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeBackfill {
    /// The repository.
    pub node_id: String,
    /// The oldest instant its states answer for (the oldest commit read).
    pub since: DateTime<Utc>,
    /// The head at the first snapshot, whose license GitHub recognised.
    pub reference_oid: String,
    /// GraphQL queries spent.
    pub queries: i64,
}

/// The head a repository's first snapshot saw.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstHead {
    /// The commit.
    pub oid: String,
    /// When the snapshot was taken.
    pub observed_at: DateTime<Utc>,
    /// The commit's committer date, when the snapshot had it.
    pub committed_at: Option<DateTime<Utc>>,
}

/// A stored default-branch commit: its SHA and committer date.
pub type StoredCommit = (String, DateTime<Utc>);

impl Store {
    /// The commits of `node_id` committed in `[since, until]` that are still
    /// reachable (no force push took them away), oldest first.
    pub fn tree_commits(
        &self,
        node_id: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<StoredCommit>> {
        let what = || format!("read the commits of {node_id}");
        let mut st = self
            .conn()
            .prepare(
                "SELECT c.sha, c.committed_at FROM commits c
                 LEFT JOIN (SELECT sha, arg_max(reachable, observed_at) AS reachable
                            FROM commit_reachability WHERE node_id = ? GROUP BY sha) e
                        ON e.sha = c.sha
                 WHERE c.node_id = ? AND c.committed_at >= ? AND c.committed_at <= ?
                   AND e.reachable IS DISTINCT FROM false
                 ORDER BY c.committed_at, c.sha",
            )
            .ctx(what)?;
        let rows = st
            .query_map(
                params![node_id, node_id, since.naive_utc(), until.naive_utc()],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, NaiveDateTime>(1)?)),
            )
            .ctx(what)?;
        let mut out = Vec::new();
        for row in rows {
            let (sha, at) = row.ctx(what)?;
            out.push((sha, at.and_utc()));
        }
        Ok(out)
    }

    /// The head of `node_id`'s first snapshot: the commit, when the
    /// snapshot was taken, and the commit's committer date.
    pub fn first_head(&self, node_id: &str) -> Result<Option<FirstHead>> {
        let what = || format!("read the first snapshot of {node_id}");
        let mut st = self
            .conn()
            .prepare(
                "SELECT head_oid, observed_at, head_committed_at FROM repo_snapshots
                 WHERE node_id = ? AND head_oid IS NOT NULL
                 ORDER BY observed_at LIMIT 1",
            )
            .ctx(what)?;
        let mut rows = st
            .query_map(params![node_id], |r| {
                Ok(FirstHead {
                    oid: r.get(0)?,
                    observed_at: r.get::<_, NaiveDateTime>(1)?.and_utc(),
                    committed_at: r.get::<_, Option<NaiveDateTime>>(2)?.map(|t| t.and_utc()),
                })
            })
            .ctx(what)?;
        match rows.next() {
            Some(row) => Ok(Some(row.ctx(what)?)),
            None => Ok(None),
        }
    }

    /// Writes a repository's tree states and marks its backfill finished, in
    /// one transaction.
    pub fn write_tree_backfill(
        &mut self,
        p: &Provenance,
        b: &TreeBackfill,
        states: &[TreeState],
    ) -> Result<()> {
        let what = || format!("write the tree history of {}", b.node_id);
        let tx = self.conn_mut().transaction().ctx(what)?;
        let insert = format!(
            "INSERT INTO tree_states VALUES (?, ?, ?, {SPLIT}, {SPLIT}, ?, {SPLIT}, {SPLIT}, \
             {SPLIT}, ?, {SPLIT}, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
        );
        for s in states {
            let lists = [
                joined(&s.layout_files),
                joined(&s.license_files),
                joined(&s.codeowners_users),
                joined(&s.codeowners_teams),
                joined(&s.codeowners_emails),
                joined(&s.maintainers_users),
            ];
            tx.prepare_cached(&insert)
                .and_then(|mut st| {
                    st.execute(params![
                        b.node_id,
                        s.commit_oid,
                        s.committed_at.naive_utc(),
                        lists[0],
                        lists[0],
                        lists[1],
                        lists[1],
                        s.codeowners_path,
                        lists[2],
                        lists[2],
                        lists[3],
                        lists[3],
                        lists[4],
                        lists[4],
                        s.maintainers_path,
                        lists[5],
                        lists[5],
                        s.governance_path,
                        s.readme_governance,
                        p.observed_at.naive_utc(),
                        p.run_id,
                        p.source
                    ])
                })
                .ctx(what)?;
        }
        tx.execute(
            "INSERT OR REPLACE INTO tree_backfill VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            params![
                b.node_id,
                b.since.naive_utc(),
                b.reference_oid,
                states.len() as i64,
                b.queries,
                p.source,
                p.observed_at.naive_utc(),
                p.run_id
            ],
        )
        .ctx(what)?;
        tx.commit().ctx(what)?;
        Ok(())
    }
}
