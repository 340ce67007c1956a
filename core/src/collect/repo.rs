//! One repository's step in a pass, given its snapshot node: history (see
//! [`super::history`]), then, when the head moved, CODEOWNERS, MAINTAINERS,
//! the README and merged pull requests, then Actions runs since the newest
//! stored one, and one write with the snapshot and the scheduler's state.

use chrono::{DateTime, Utc};

use super::github::q;
use super::history::{HeadAt, Legacy, Settings, WalkError, Walker, initial};
use super::http::CallError;
use super::map;
use super::pass::{Collector, RepoError};
use crate::store::memory::CollectorMemory;
use crate::store::write::{PrMerge, Provenance, RepoSnapshot, RepoWrite, TargetState};

/// A configured repository to collect in this pass.
#[derive(Debug, Clone)]
pub struct RepoWork {
    /// `owner/name` as configured.
    pub slug: String,
    /// `repo:owner/name`, lower case.
    pub target: String,
    /// Its node id.
    pub node_id: String,
}

impl Collector {
    pub(crate) fn history_settings(&self) -> Settings {
        Settings {
            backfill_days: self.config().collect.backfill_days.get(),
            window_days: self.config().criteria.window_days.get(),
            overlap: self.config().collect.history_overlap.0,
            step: self.config().collect.item_timeout.0,
        }
    }

    /// Collects one repository given its snapshot node; returns whether its head was unchanged.
    pub(crate) async fn collect_repo(
        &self,
        run_id: i64,
        w: &RepoWork,
        memory: &CollectorMemory,
        repo: q::snapshot_repos::SnapshotReposNodesOnRepository,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Result<bool, RepoError> {
        let now = self.clock().now();
        let observed_at = now;
        let node_id = repo.id.clone();
        let (mut snap, head, releases) = map::snapshot(&repo);
        let prev_files = memory.files.get(&node_id);
        let stored = memory.history.get(&node_id).cloned();
        let prev_synced = stored.as_ref().and_then(|p| p.synced_at);
        let settings = self.history_settings();

        let mut commits = Vec::new();
        let mut ci = Vec::new();
        let mut history_since = None;
        let mut progress = None;
        let mut moved = prev_files.is_none();
        if let Some(oid) = head.oid.as_deref() {
            let legacy = match (&stored, memory.repos.get(&w.target)) {
                (None, Some(k)) => match (memory.first_seen.get(&node_id), &k.head) {
                    (Some(first), Some(h)) => Some(Legacy {
                        first_seen: *first,
                        head: h.clone(),
                    }),
                    _ => None,
                },
                _ => None,
            };
            let first_sight = stored.is_none() && legacy.is_none();
            let at = HeadAt {
                oid,
                committed_at: head.committed_at,
            };
            let p = initial(stored, &node_id, at, legacy, now, &settings);
            let walker = Walker {
                github: self.github(),
                http: self.http(),
                sink: self.sink(),
                bots: &self.config().criteria.bots,
                run_id,
                settings,
                shutdown,
                clock: self.clock(),
            };
            let outcome = walker.run(p, at, first_sight).await.map_err(|e| match e {
                WalkError::Call(c) => RepoError::Call(c),
                WalkError::Stopped => RepoError::Stopped,
            })?;
            moved |= outcome.moved;
            if let Some((since, c, r)) = outcome.reread {
                history_since = Some(since);
                commits = c;
                ci = r;
            }
            progress = Some(outcome.progress);
        }

        if moved && head.oid.is_some() {
            let layout = snap.layout_files.clone();
            self.fetch_files(&node_id, &layout, &mut snap).await?;
        } else if let Some(prev) = prev_files {
            map::keep_files(&mut snap, prev);
        }
        let mut merges = Vec::new();
        if moved && head.oid.is_some() {
            let window = chrono::Duration::days(i64::from(settings.window_days) + 1);
            let overlap = chrono::Duration::from_std(settings.overlap)
                .unwrap_or_else(|_| chrono::Duration::days(1));
            // On first sight, as far back as the commit backfill, so a past
            // window's mergers are known as its commits are; then from the
            // last sync on.
            let backfill = chrono::Duration::days(i64::from(settings.backfill_days));
            let since = prev_synced.map_or(now - backfill.max(window), |s| {
                (s - overlap).max(now - window)
            });
            self.fetch_merges(&node_id, since, &mut merges).await?;
        }

        // Actions runs since the newest stored one (ETag first).
        let mut etag_update = None;
        if let Some(branch) = &head.branch {
            let backfill = chrono::Duration::days(i64::from(settings.backfill_days));
            let overlap = chrono::Duration::from_std(settings.overlap)
                .unwrap_or_else(|_| chrono::Duration::days(1));
            // The URL asks from where the history backfill starts, which
            // stays the same from pass to pass (and so does the URL, whose
            // ETag then answers 304); pages are read only down to the newest
            // stored run minus the overlap.
            let since = truncate_to_hour(
                progress
                    .as_ref()
                    .map_or(now - backfill, |p| p.backfill_since),
            );
            let stop_at = memory
                .newest_actions_run
                .get(&node_id)
                .map_or(since, |t| *t - overlap);
            let url = super::github::Github::runs_url(
                &self.github().api_url,
                &repo.name_with_owner,
                branch,
                since,
            );
            let etag = memory.etags.get(&url).cloned();
            let page = self
                .github()
                .workflow_runs(
                    self.http(),
                    &repo.name_with_owner,
                    branch,
                    etag.as_deref(),
                    since,
                    stop_at,
                )
                .await?;
            if !page.not_modified {
                ci.extend(page.runs.into_iter().map(map::workflow_run));
                if let Some(tag) = page.etag {
                    etag_update = Some((url, tag));
                }
            }
        }

        let p = Provenance {
            run_id,
            observed_at,
            source: format!("github:{}", self.github().graphql_url),
        };
        let next = super::schedule::next_due(now, self.config().collect.github_interval.0);
        let write = RepoWrite {
            node_id: node_id.clone(),
            snapshot: Some(snap),
            commits,
            ci,
            merges,
            releases,
            history_since,
            progress,
            state: Some(TargetState {
                target: w.target.clone(),
                kind: "repo".into(),
                node_id: Some(node_id),
                head_oid: head.oid.clone(),
                stars: Some(repo.stargazer_count),
                next_due_at: Some(next),
                etag_url: etag_update.as_ref().map(|(u, _)| u.clone()),
                etag: etag_update.map(|(_, t)| t),
            }),
        };
        self.sink()
            .write(move |store| store.write_repo(&p, &write))
            .await
            .map_err(|_| RepoError::Stopped)?;
        Ok(!moved)
    }

    async fn fetch_files(
        &self,
        node_id: &str,
        layout: &[String],
        snap: &mut RepoSnapshot,
    ) -> Result<(), CallError> {
        use q::repo_files as f;
        let wanted = layout.iter().any(|p| {
            let l = p.to_lowercase();
            l.ends_with("codeowners") || l.contains("maintainers") || l.starts_with("readme")
        });
        if !wanted {
            return Ok(());
        }
        let (data, _errors) = self
            .github()
            .query::<q::RepoFiles>(
                self.http(),
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
        let texts = map::FileTexts {
            codeowners: [
                text(r.codeowners_github),
                text(r.codeowners_root),
                text(r.codeowners_docs),
            ],
            maintainers: [text(r.maintainers), text(r.maintainers_md)],
            readme: text(r.readme),
        };
        map::apply_texts(&texts, snap);
        Ok(())
    }

    /// Pull requests merged since `since` (newest updated first, until older).
    async fn fetch_merges(
        &self,
        node_id: &str,
        since: DateTime<Utc>,
        merges: &mut Vec<PrMerge>,
    ) -> Result<(), CallError> {
        use q::merged_pulls as m;
        let mut after = None;
        loop {
            let (data, _errors) = self
                .github()
                .query::<q::MergedPulls>(
                    self.http(),
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
}

/// Rounds down to the hour, so the Actions URL (and its ETag) stays the same
/// from pass to pass.
fn truncate_to_hour(t: DateTime<Utc>) -> DateTime<Utc> {
    let secs = t.timestamp();
    DateTime::from_timestamp(secs - secs.rem_euclid(3600), 0).unwrap_or(t)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn actions_since_is_stable_within_the_hour() {
        let a = DateTime::from_timestamp(1_800_000_123, 0).unwrap();
        let b = DateTime::from_timestamp(1_800_001_999, 0).unwrap();
        assert_eq!(truncate_to_hour(a), truncate_to_hour(b));
        assert_eq!(truncate_to_hour(a).timestamp() % 3600, 0);
    }
}
