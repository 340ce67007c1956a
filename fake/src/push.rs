//! A mid-run "push": new commits, stars and CI runs on one repo, so
//! incremental collection can be tested.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::util::fake_sha;
use crate::world::{Commit, Person, Star, WorkflowRun, World};

/// What to add (`POST /_fake/push`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PushSpec {
    /// `owner/name` (former names work) or node id.
    pub repo: String,
    /// New commits on the default branch.
    pub commits: u32,
    /// New stargazers.
    pub stars: u32,
    /// New workflow runs on the new head.
    pub runs: u32,
    /// Conclusion of the new runs.
    pub conclusion: String,
    /// How far the world's `now` moves forward; new items fall in
    /// `(old now, new now]`.
    pub advance_secs: i64,
}

impl Default for PushSpec {
    fn default() -> Self {
        Self {
            repo: String::new(),
            commits: 0,
            stars: 0,
            runs: 0,
            conclusion: "success".into(),
            advance_secs: 3600,
        }
    }
}

/// What a push added.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PushResult {
    /// Node id of the repo.
    pub repo_id: String,
    /// New commit SHAs, newest first.
    pub commits: Vec<String>,
    /// Star count after the push.
    pub stargazer_count: usize,
    /// New workflow run ids.
    pub runs: Vec<u64>,
    /// The world's new `now`.
    pub now: DateTime<Utc>,
}

/// Apply a push to the world.
pub fn push(world: &mut World, spec: &PushSpec) -> anyhow::Result<PushResult> {
    let idx = world
        .repos
        .iter()
        .position(|r| r.id == spec.repo)
        .or_else(|| {
            let (o, n) = spec.repo.split_once('/')?;
            let id = world.repo_by_name(o, n)?.id.clone();
            world.repos.iter().position(|r| r.id == id)
        })
        .ok_or_else(|| anyhow::anyhow!("push: no repo {}", spec.repo))?;
    let old_now = world.now;
    let new_now = old_now + Duration::seconds(spec.advance_secs.max(1));
    let span = (new_now - old_now).num_seconds().max(1);
    let next_run_id = world
        .repos
        .iter()
        .flat_map(|r| r.workflow_runs.iter().map(|w| w.id))
        .max()
        .unwrap_or(0)
        + 1;
    let repo = &mut world.repos[idx];
    let at =
        |k: u32, n: u32| old_now + Duration::seconds(span * i64::from(k + 1) / i64::from(n + 1));
    let mut new_commits = Vec::new();
    for k in 0..spec.commits {
        let time = at(k, spec.commits);
        let seq = repo.commits.len();
        let parent = repo.head().map(|c| c.sha.clone());
        let login = format!("pusher{}", seq % 3);
        let person = Person {
            name: format!("Pusher {}", seq % 3),
            email: format!("{}+{login}@users.noreply.github.com", 900_000 + seq % 3),
            login: Some(login),
        };
        let c = Commit {
            sha: fake_sha(&format!("push:{}:{seq}", repo.id)),
            message: format!("Pushed change {seq}"),
            author: person.clone(),
            committer: person,
            authored_at: time,
            committed_at: time,
            co_authors: Vec::new(),
            parents: parent.into_iter().collect(),
        };
        new_commits.push(c.sha.clone());
        repo.commits.insert(0, c);
    }
    if spec.commits > 0 {
        repo.pushed_at = Some(at(spec.commits - 1, spec.commits));
        if repo.default_branch.is_none() {
            repo.default_branch = Some("main".into());
        }
    }
    for k in 0..spec.stars {
        let n = repo.stars.len();
        repo.stars.push(Star {
            login: format!("push-stargazer-{n}"),
            starred_at: at(k, spec.stars),
        });
    }
    let mut runs = Vec::new();
    if let Some(head) = repo.head().map(|c| (c.sha.clone(), c.committed_at)) {
        let branch = repo.default_branch.clone().unwrap_or_else(|| "main".into());
        for k in 0..spec.runs {
            let id = next_run_id + u64::from(k);
            let created = head.1.max(old_now) + Duration::seconds(i64::from(k) + 1);
            let created = created.min(new_now);
            let number = repo.workflow_runs.len() as u64 + 1;
            repo.workflow_runs.push(WorkflowRun {
                id,
                name: "CI".into(),
                workflow_id: 1000 + repo.database_id % 1000,
                path: ".github/workflows/ci.yml".into(),
                head_branch: branch.clone(),
                head_sha: head.0.clone(),
                event: "push".into(),
                status: "completed".into(),
                conclusion: Some(spec.conclusion.clone()),
                created_at: created,
                updated_at: created,
                run_number: number,
                run_attempt: 1,
                actor: "pusher0".into(),
            });
            runs.push(id);
        }
    }
    let result = PushResult {
        repo_id: repo.id.clone(),
        commits: new_commits.into_iter().rev().collect(),
        stargazer_count: repo.stars.len(),
        runs,
        now: new_now,
    };
    world.now = new_now;
    Ok(result)
}
