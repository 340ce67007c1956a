//! A mid-run "push": new commits, stars and CI runs on one repo
//! ([`PushSpec`]), and other changes ([`ChangeSpec`]): force-pushes that drop
//! commits, re-runs of workflow runs and yanked PyPI releases, so incremental
//! collection can be tested.

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

/// Changes other than additions (`POST /_fake/change`): a force-push,
/// workflow re-runs and PyPI yanks, applied in that order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ChangeSpec {
    /// Repository of the force-push: `owner/name` (former names work) or
    /// node id; may be empty without one.
    pub repo: String,
    /// Force-push: drop this many commits from the head of the default
    /// branch (they vanish from its history; their runs and statuses stay).
    pub drop_commits: u32,
    /// New commits pushed on top of what is left.
    pub commits: u32,
    /// Re-runs of existing workflow runs, anywhere in the world.
    pub reruns: Vec<Rerun>,
    /// PyPI releases to yank (or un-yank).
    pub yank: Vec<Yank>,
    /// How far the world's `now` moves forward; new times fall in
    /// `(old now, new now]`.
    pub advance_secs: i64,
}

impl Default for ChangeSpec {
    fn default() -> Self {
        Self {
            repo: String::new(),
            drop_commits: 0,
            commits: 0,
            reruns: Vec::new(),
            yank: Vec::new(),
            advance_secs: 3600,
        }
    }
}

/// A re-run of a workflow run, as GitHub does it: the same `id`, `created_at`
/// and `run_number`; `run_attempt` one more; new `status`, `conclusion`,
/// `run_started_at` and `updated_at` within the push's time span.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Rerun {
    /// Id of the run.
    pub run_id: u64,
    /// `completed` (default), `in_progress` or `queued`.
    pub status: String,
    /// Conclusion once completed (default `success`); ignored otherwise.
    pub conclusion: String,
}

impl Default for Rerun {
    fn default() -> Self {
        Self {
            run_id: 0,
            status: "completed".into(),
            conclusion: "success".into(),
        }
    }
}

/// Yank (or un-yank) every file of one PyPI release.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Yank {
    /// Project name (any PEP 503 spelling).
    pub project: String,
    /// Exact version string.
    pub version: String,
    /// Reason PyPI shows.
    pub reason: Option<String>,
    /// Un-yank instead.
    pub undo: bool,
}

/// What a push changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PushResult {
    /// Node id of the repo (empty when the push named none).
    pub repo_id: String,
    /// New commit SHAs, newest first.
    pub commits: Vec<String>,
    /// SHAs a force-push dropped, newest first.
    pub dropped: Vec<String>,
    /// Star count after the push.
    pub stargazer_count: usize,
    /// New workflow run ids.
    pub runs: Vec<u64>,
    /// The world's new `now`.
    pub now: DateTime<Utc>,
}

/// Apply a push to the world.
pub fn push(world: &mut World, spec: &PushSpec) -> anyhow::Result<PushResult> {
    apply(world, spec, &ChangeSpec::default(), true)
}

/// Apply a change to the world. Everything is checked before anything
/// changes, so a refused change leaves the world as it was.
pub fn change(world: &mut World, spec: &ChangeSpec) -> anyhow::Result<PushResult> {
    let push = PushSpec {
        repo: spec.repo.clone(),
        commits: spec.commits,
        advance_secs: spec.advance_secs,
        ..PushSpec::default()
    };
    let touches_repo = spec.drop_commits > 0 || spec.commits > 0;
    apply(world, &push, spec, touches_repo)
}

/// A push with the extras of a change; `spec.repo` must resolve when
/// `touches_repo`, and is ignored when empty otherwise.
fn apply(
    world: &mut World,
    spec: &PushSpec,
    extra: &ChangeSpec,
    touches_repo: bool,
) -> anyhow::Result<PushResult> {
    let idx = if spec.repo.is_empty() && !touches_repo {
        None
    } else {
        let found = world
            .repos
            .iter()
            .position(|r| r.id == spec.repo)
            .or_else(|| {
                let (o, n) = spec.repo.split_once('/')?;
                let id = world.repo_by_name(o, n)?.id.clone();
                world.repos.iter().position(|r| r.id == id)
            });
        Some(found.ok_or_else(|| anyhow::anyhow!("push: no repo {}", spec.repo))?)
    };
    if let Some(i) = idx {
        let have = world.repos[i].commits.len();
        anyhow::ensure!(
            extra.drop_commits as usize <= have,
            "push: cannot drop {} of {have} commits",
            extra.drop_commits
        );
    }
    for rr in &extra.reruns {
        anyhow::ensure!(
            world
                .repos
                .iter()
                .any(|r| r.workflow_runs.iter().any(|w| w.id == rr.run_id)),
            "push: no workflow run {}",
            rr.run_id
        );
    }
    for y in &extra.yank {
        anyhow::ensure!(
            world
                .pypi_project(&y.project)
                .is_some_and(|p| p.release(&y.version).is_some()),
            "push: no PyPI release {} {}",
            y.project,
            y.version
        );
    }
    let old_now = world.now;
    let new_now = old_now + Duration::seconds(spec.advance_secs.max(1));
    let span = (new_now - old_now).num_seconds().max(1);
    let at =
        |k: usize, n: usize| old_now + Duration::seconds(span * (k as i64 + 1) / (n as i64 + 1));
    let mut result = PushResult {
        now: new_now,
        ..PushResult::default()
    };
    if let Some(i) = idx {
        let drop = extra.drop_commits as usize;
        push_repo(world, i, spec, drop, (old_now, new_now), &at, &mut result);
    }
    for (k, rr) in extra.reruns.iter().enumerate() {
        let started = at(k, extra.reruns.len());
        if let Some(w) = world
            .repos
            .iter_mut()
            .flat_map(|r| r.workflow_runs.iter_mut())
            .find(|w| w.id == rr.run_id)
        {
            w.run_attempt += 1;
            w.run_started_at = Some(started);
            w.status = rr.status.clone();
            let done = rr.status == "completed";
            w.conclusion = done.then(|| rr.conclusion.clone());
            w.updated_at = if done { new_now } else { started };
        }
    }
    for y in &extra.yank {
        let key = crate::world::pep503(&y.project);
        let release = world
            .pypi
            .iter_mut()
            .filter(|p| crate::world::pep503(&p.name) == key)
            .flat_map(|p| p.releases.iter_mut())
            .find(|r| r.version == y.version);
        for f in release.into_iter().flat_map(|r| r.files.iter_mut()) {
            f.yanked = !y.undo;
            f.yanked_reason = if y.undo { None } else { y.reason.clone() };
        }
    }
    world.now = new_now;
    Ok(result)
}

/// The repository part of a push: drop, commit, star, run.
fn push_repo(
    world: &mut World,
    idx: usize,
    spec: &PushSpec,
    drop: usize,
    (old_now, new_now): (DateTime<Utc>, DateTime<Utc>),
    at: &dyn Fn(usize, usize) -> DateTime<Utc>,
    result: &mut PushResult,
) {
    let next_run_id = world
        .repos
        .iter()
        .flat_map(|r| r.workflow_runs.iter().map(|w| w.id))
        .max()
        .unwrap_or(0)
        + 1;
    let repo = &mut world.repos[idx];
    let dropped: Vec<Commit> = repo.commits.drain(..drop).collect();
    result.dropped = dropped.into_iter().map(|c| c.sha).collect();
    let n = spec.commits as usize;
    let mut new_commits = Vec::new();
    for k in 0..n {
        let time = at(k, n);
        let seq = repo.commits.len();
        let parent = repo.head().map(|c| c.sha.clone());
        let login = format!("pusher{}", seq % 3);
        let person = Person {
            name: format!("Pusher {}", seq % 3),
            email: format!("{}+{login}@users.noreply.github.com", 900_000 + seq % 3),
            login: Some(login),
        };
        let c = Commit {
            sha: fake_sha(&format!("push:{}:{seq}:{}", repo.id, old_now.timestamp())),
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
    if n > 0 {
        repo.pushed_at = Some(at(n - 1, n));
        if repo.default_branch.is_none() {
            repo.default_branch = Some("main".into());
        }
    } else if drop > 0 {
        repo.pushed_at = Some(at(0, 1));
    }
    let stars = spec.stars as usize;
    for k in 0..stars {
        let count = repo.stars.len();
        repo.stars.push(Star {
            login: format!("push-stargazer-{count}"),
            starred_at: at(k, stars),
        });
    }
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
                run_started_at: None,
                actor: "pusher0".into(),
            });
            result.runs.push(id);
        }
    }
    result.repo_id = repo.id.clone();
    result.commits = new_commits.into_iter().rev().collect();
    result.stargazer_count = repo.stars.len();
}
