//! The one-time tree backfill: layout files, CODEOWNERS, MAINTAINERS, the
//! README's governance link and the license files before a repository's
//! first snapshot, reconstructed from the trees of past default-branch
//! commits (migration 0006).
//!
//! The state as of T is that of the commit that was the head at T. Reading
//! the tree of every stored commit would cost a query per ten commits, and
//! busy repositories commit thousands of times a year, while these files
//! change a few times. So, once the repository's commit history reaches
//! `[collect] backfill_days` back:
//!
//! 1. the trees of a grid of commits are read: the heads at every
//!    [`GRID_DAYS`] days from the oldest stored commit, and the head at the
//!    first snapshot;
//! 2. wherever two neighbouring commits read differ in what they say about a
//!    requirement, the commit halfway between them is read, until each
//!    change is pinned to the commit that made it (every open interval is
//!    halved in the same round, so rounds stay few);
//! 3. the states that differ from the one before them are stored, each
//!    holding from its commit's committer date on.
//!
//! A change undone between two grid points (a file removed and restored
//! within a week) is not seen. Each query asks for up to [`PER_QUERY`]
//! commits as aliased fields and has no connection, so it costs one point;
//! a repository whose files did not change costs a query per 70 days of
//! backfill. A repository's states are written in one transaction when its
//! reading is over; one cut short (item timeout, shutdown, an upstream
//! failure) is read again next pass.

use std::collections::BTreeMap;

use chrono::Duration;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::allowance::Allowance;
use super::http::CallError;
use super::map;
use super::pass::Collector;
use super::sink::Stopped;
use crate::store::memory::CollectorMemory;
use crate::store::trees::{StoredCommit, TreeBackfill, TreeState};
use crate::store::write::{Provenance, RepoSnapshot};

/// Commits whose trees one query reads.
pub const PER_QUERY: usize = 10;

/// Days between the grid's commits.
pub const GRID_DAYS: i64 = 7;

/// The document, whose `TreeAt` fragment is inlined once per commit.
const TREE_AT: &str = tacometer_queries::github::TREE_AT;

/// Root files whose name makes them a license file, by prefix, lower case.
const LICENSE_PREFIXES: &[&str] = &["license", "licence", "copying"];

/// A repository whose past trees are to be read.
#[derive(Debug, Clone)]
pub struct TreeWork {
    /// `repo:owner/name`, for errors.
    pub target: String,
    /// Its node id.
    pub node_id: String,
}

/// The grid: positions in `commits` (oldest first) of the commits that were
/// the head every `step` from the oldest one, the oldest and the newest
/// always among them.
pub fn grid(commits: &[StoredCommit], step: Duration) -> Vec<usize> {
    let Some(last) = commits.len().checked_sub(1) else {
        return Vec::new();
    };
    let mut out = vec![0];
    let mut i = 0;
    let mut t = commits[0].1 + step;
    while t < commits[last].1 {
        while i < last && commits[i + 1].1 <= t {
            i += 1;
        }
        if out.last() != Some(&i) {
            out.push(i);
        }
        t += step;
    }
    if out.last() != Some(&last) {
        out.push(last);
    }
    out
}

/// The positions to read next: halfway between each pair of neighbouring
/// positions read whose states differ and that have commits between them.
pub fn next_probes(known: &BTreeMap<usize, TreeState>) -> Vec<usize> {
    known
        .iter()
        .zip(known.iter().skip(1))
        .filter(|((a, sa), (b, sb))| **b > **a + 1 && !sa.same_facts(sb))
        .map(|((a, _), (b, _))| a + (b - a) / 2)
        .collect()
}

/// The states to store: each that differs from the one before it, the
/// oldest always.
pub fn change_points(known: BTreeMap<usize, TreeState>) -> Vec<TreeState> {
    let mut out: Vec<TreeState> = Vec::new();
    for (_, s) in known {
        if out.last().is_none_or(|prev| !prev.same_facts(&s)) {
            out.push(s);
        }
    }
    out
}

/// The document reading the trees of `shas`, as aliases `c0`, `c1`, ...
pub fn batch_document(shas: &[&str]) -> String {
    let fragment = TREE_AT
        .split("fragment TreeAt on Node")
        .nth(1)
        .map(str::trim)
        .unwrap_or("{ __typename }");
    let mut fields = String::new();
    for (i, sha) in shas.iter().enumerate() {
        // A SHA is hex, so it can go into the expression strings as it is.
        let sha: String = sha.chars().filter(char::is_ascii_hexdigit).collect();
        fields.push_str(&format!(
            "  c{i}: node(id: $id) {}\n",
            fragment.replace("\"REV:", &format!("\"{sha}:"))
        ));
    }
    format!("query TreeAt($id: ID!) {{\n  rateLimit {{ cost remaining resetAt }}\n{fields}}}\n")
}

/// Entry names (and `name=oid` of license blobs) of a tree field.
fn entries(node: &Value, field: &str) -> Vec<(String, String, String)> {
    node.get(field)
        .and_then(|t| t.get("entries"))
        .and_then(Value::as_array)
        .map(|es| {
            es.iter()
                .filter_map(|e| {
                    Some((
                        e.get("name")?.as_str()?.to_string(),
                        e.get("type")?.as_str()?.to_string(),
                        e.get("oid")?.as_str().unwrap_or_default().to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn text(node: &Value, field: &str) -> Option<String> {
    node.get(field)?.get("text")?.as_str().map(str::to_string)
}

/// One alias of a batch's answer, as the state of `commit`.
pub fn parse_state(node: &Value, commit: &StoredCommit) -> Result<TreeState, String> {
    if node.get("rootTree").is_none_or(Value::is_null) {
        return Err(format!("the tree of commit {} could not be read", commit.0));
    }
    let root = entries(node, "rootTree");
    let names = |v: &[(String, String, String)]| v.iter().map(|e| e.0.clone()).collect::<Vec<_>>();
    let layout_files = map::layout_files(
        &names(&root),
        &names(&entries(node, "githubTree")),
        &names(&entries(node, "docsTree")),
    );
    let mut license_files: Vec<String> = root
        .iter()
        .filter(|(name, kind, _)| {
            let lower = name.to_lowercase();
            kind == "blob" && LICENSE_PREFIXES.iter().any(|p| lower.starts_with(p))
        })
        .map(|(name, _, oid)| format!("{name}={oid}"))
        .collect();
    license_files.sort();
    let texts = map::FileTexts {
        codeowners: [
            text(node, "codeownersGithub"),
            text(node, "codeownersRoot"),
            text(node, "codeownersDocs"),
        ],
        maintainers: [text(node, "maintainers"), text(node, "maintainersMd")],
        readme: text(node, "readme"),
    };
    let mut snap = RepoSnapshot::default();
    map::apply_texts(&texts, &mut snap);
    Ok(TreeState {
        commit_oid: commit.0.clone(),
        committed_at: commit.1,
        governance_path: map::governance_path(&layout_files),
        layout_files,
        license_files,
        codeowners_path: snap.codeowners_path,
        codeowners_users: snap.codeowners_users,
        codeowners_teams: snap.codeowners_teams,
        codeowners_emails: snap.codeowners_emails,
        maintainers_path: snap.maintainers_path,
        maintainers_users: snap.maintainers_users,
        readme_governance: snap.readme_governance,
    })
}

/// Why a repository's reading ended without a result.
enum Cut {
    /// Not ready (history not yet back far enough, no snapshot), or out of time.
    Later,
    /// An upstream call failed.
    Call(CallError),
    /// The daemon is stopping.
    Stopped,
}

impl Collector {
    /// Reads the past trees of `repos` whose trees were never read, each
    /// for at most `[collect] item_timeout` of upstream time (waits for the
    /// writer do not count); what is not finished is read again next pass.
    /// Upstream failures are recorded.
    pub(crate) async fn tree_backfills(
        &self,
        run_id: i64,
        repos: &[TreeWork],
        memory: &CollectorMemory,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), Stopped> {
        let todo: Vec<&TreeWork> = repos
            .iter()
            .filter(|w| !memory.trees.contains(&w.node_id))
            .collect();
        if todo.is_empty() {
            return Ok(());
        }
        let source = format!("github:{} (TreeAt)", self.github().graphql_url);
        let concurrency = self.config().collect.concurrency.get() as usize;
        let outcomes: Vec<Result<(), Stopped>> = futures_util::stream::iter(todo)
            .map(|w| {
                let source = source.clone();
                let shutdown = shutdown.clone();
                async move {
                    let allowance = Allowance::new(self.config().collect.item_timeout.0);
                    match self.tree_backfill(w, allowance, &shutdown).await {
                        Ok((b, states)) => {
                            let prov = Provenance {
                                run_id,
                                observed_at: self.clock().now(),
                                source,
                            };
                            self.sink()
                                .write(move |store| store.write_tree_backfill(&prov, &b, &states))
                                .await
                        }
                        Err(Cut::Later) => Ok(()),
                        Err(Cut::Stopped) => Err(Stopped),
                        Err(Cut::Call(e)) => {
                            tracing::warn!(
                                target = w.target,
                                error = %self.cleaned(&e),
                                "reading past trees failed; retried next pass"
                            );
                            self.record_call_error(run_id, self.clock().now(), w.target.clone(), &e)
                                .await
                        }
                    }
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
        outcomes.into_iter().collect()
    }

    /// One repository's reading: the grid, then halving, then the change points.
    async fn tree_backfill(
        &self,
        w: &TreeWork,
        mut allowance: Allowance,
        shutdown: &watch::Receiver<bool>,
    ) -> Result<(TreeBackfill, Vec<TreeState>), Cut> {
        let node = w.node_id.clone();
        let (progress, head) = self
            .sink()
            .call(move |store| Ok((store.history_progress(&node)?, store.first_head(&node)?)))
            .await
            .map_err(|_| Cut::Stopped)?;
        let (Some(progress), Some(first)) = (progress, head) else {
            return Err(Cut::Later);
        };
        let reference = first.oid.clone();
        if !progress.backfill_done {
            return Err(Cut::Later);
        }
        let node = w.node_id.clone();
        let since = progress.backfill_since;
        let mut commits = self
            .sink()
            .call(move |store| store.tree_commits(&node, since, first.observed_at))
            .await
            .map_err(|_| Cut::Stopped)?;
        // The head at the first snapshot answers from its own committer
        // date on, also when it is older than the backfill.
        if !commits.iter().any(|(sha, _)| *sha == reference) {
            let Some(at) = first.committed_at else {
                return Err(Cut::Later);
            };
            commits.retain(|(_, t)| *t > at);
            commits.insert(0, (reference.clone(), at));
        }
        let mut known: BTreeMap<usize, TreeState> = BTreeMap::new();
        let mut queries = 0;
        let mut wanted = grid(&commits, Duration::days(GRID_DAYS));
        while !wanted.is_empty() {
            if *shutdown.borrow() {
                return Err(Cut::Stopped);
            }
            if !allowance.left() {
                return Err(Cut::Later);
            }
            for chunk in wanted.chunks(PER_QUERY) {
                if *shutdown.borrow() {
                    return Err(Cut::Stopped);
                }
                let batch: Vec<&StoredCommit> = chunk.iter().map(|&i| &commits[i]).collect();
                let states = allowance
                    .ask(self.read_trees(&w.node_id, &batch))
                    .await
                    .map_err(Cut::Call)?;
                queries += 1;
                known.extend(chunk.iter().copied().zip(states));
            }
            wanted = next_probes(&known);
        }
        let states = change_points(known);
        Ok((
            TreeBackfill {
                node_id: w.node_id.clone(),
                since: commits.first().map_or(first.observed_at, |c| c.1),
                reference_oid: reference,
                queries,
            },
            states,
        ))
    }

    /// One query: the trees of `batch`.
    async fn read_trees(
        &self,
        node_id: &str,
        batch: &[&StoredCommit],
    ) -> Result<Vec<TreeState>, CallError> {
        let shas: Vec<&str> = batch.iter().map(|c| c.0.as_str()).collect();
        let doc = batch_document(&shas);
        let call = format!("POST {} (TreeAt)", self.github().graphql_url);
        let (data, errors) = self
            .github()
            .post::<serde_json::Map<String, Value>>(
                self.http(),
                "TreeAt",
                json!({"query": doc, "variables": {"id": node_id}, "operationName": "TreeAt"}),
            )
            .await?;
        let data = data.unwrap_or_default();
        batch
            .iter()
            .enumerate()
            .map(|(i, commit)| {
                let alias = format!("c{i}");
                let fail = |kind: &'static str, message: String| CallError {
                    call: call.clone(),
                    status: Some(200),
                    kind,
                    message,
                };
                let Some(node) = data.get(&alias).filter(|v| !v.is_null()) else {
                    let message = errors
                        .iter()
                        .find(|e| e.path.first().and_then(Value::as_str) == Some(alias.as_str()))
                        .map_or_else(|| format!("no answer for {alias}"), |e| e.message.clone());
                    return Err(fail("not_found", message));
                };
                parse_state(node, commit).map_err(|m| fail("parse", m))
            })
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn day(d: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap() + Duration::days(d)
    }

    fn commits(days: &[i64]) -> Vec<StoredCommit> {
        days.iter()
            .map(|d| (format!("{d:040x}"), day(*d)))
            .collect()
    }

    fn state(c: &StoredCommit, files: &[&str]) -> TreeState {
        TreeState {
            commit_oid: c.0.clone(),
            committed_at: c.1,
            layout_files: files.iter().map(|f| f.to_string()).collect(),
            ..TreeState::default()
        }
    }

    #[test]
    fn the_grid_takes_the_head_every_step_and_both_ends() {
        let c = commits(&[0, 1, 2, 9, 10, 30, 31]);
        // Heads at day 7 (day 2), 14 (day 10), 21 and 28 (day 10 again), then the last.
        assert_eq!(grid(&c, Duration::days(7)), vec![0, 2, 4, 6]);
        assert_eq!(grid(&c[..1], Duration::days(7)), vec![0]);
        assert!(grid(&[], Duration::days(7)).is_empty());
    }

    #[test]
    fn halving_pins_every_change_to_its_commit_with_few_reads() {
        // 200 daily commits; CONTRIBUTING.md appears at commit 37 and
        // CODEOWNERS at commit 150, and the README is edited all the time
        // (which says nothing about a requirement).
        let c = commits(&(0..200).collect::<Vec<_>>());
        let truth = |i: usize| {
            let mut files = vec!["README.md"];
            if i >= 37 {
                files.push("CONTRIBUTING.md");
            }
            if i >= 150 {
                files.push("CODEOWNERS");
            }
            state(&c[i], &files)
        };
        let mut known = BTreeMap::new();
        let mut reads = 0;
        let mut wanted = grid(&c, Duration::days(GRID_DAYS));
        while !wanted.is_empty() {
            for i in wanted {
                known.insert(i, truth(i));
                reads += 1;
            }
            wanted = next_probes(&known);
        }
        let points = change_points(known);
        assert_eq!(
            points
                .iter()
                .map(|s| s.commit_oid.clone())
                .collect::<Vec<_>>(),
            vec![c[0].0.clone(), c[37].0.clone(), c[150].0.clone()]
        );
        // The grid (30 commits) and three halvings per change.
        assert!(reads <= 30 + 2 * 3, "{reads} reads");
        // Every commit's state is the newest change point at or before it.
        for (i, commit) in c.iter().enumerate() {
            let at = points
                .iter()
                .rev()
                .find(|p| p.committed_at <= commit.1)
                .unwrap();
            assert!(at.same_facts(&truth(i)), "commit {i}");
        }
    }

    #[test]
    fn a_batch_names_each_commit_in_every_expression_and_parses_back() {
        let doc = batch_document(&["abc123", "def456"]);
        assert!(doc.contains("c0: node(id: $id)"));
        assert!(doc.contains("object(expression: \"abc123:.github/CODEOWNERS\")"));
        assert!(doc.contains("object(expression: \"def456:\")"));
        assert!(!doc.contains("REV:"));
        let answer = json!({
            "__typename": "Repository",
            "rootTree": {"__typename": "Tree", "entries": [
                {"name": "LICENSE", "type": "blob", "oid": "aa"},
                {"name": "README.md", "type": "blob", "oid": "bb"},
                {"name": "src", "type": "tree", "oid": "cc"},
                {"name": "GOVERNANCE.md", "type": "blob", "oid": "dd"}
            ]},
            "githubTree": {"__typename": "Tree", "entries": [
                {"name": "CODEOWNERS", "type": "blob", "oid": "ee"}
            ]},
            "docsTree": null,
            "codeownersGithub": {"__typename": "Blob", "text": "* @alice @org/team a@b.org\n"},
            "codeownersRoot": null,
            "codeownersDocs": null,
            "maintainers": null,
            "maintainersMd": null,
            "readme": {"__typename": "Blob", "text": "# x\n\nSee [governance](GOV.md)\n"}
        });
        let c = ("abc123".to_string(), day(0));
        let s = parse_state(&answer, &c).unwrap();
        assert_eq!(
            s.layout_files,
            vec![
                ".github/CODEOWNERS",
                "GOVERNANCE.md",
                "LICENSE",
                "README.md"
            ]
        );
        assert_eq!(s.license_files, vec!["LICENSE=aa"]);
        assert_eq!(s.codeowners_path.as_deref(), Some(".github/CODEOWNERS"));
        assert_eq!(s.codeowners_users, vec!["alice"]);
        assert_eq!(s.codeowners_teams, vec!["org/team"]);
        assert_eq!(s.governance_path.as_deref(), Some("GOVERNANCE.md"));
        assert!(s.readme_governance);
        let gone = json!({"__typename": "Repository", "rootTree": null});
        assert!(parse_state(&gone, &c).is_err());
    }
}
