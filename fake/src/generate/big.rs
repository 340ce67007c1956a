//! One big repository (tens of thousands of default-branch commits in a
//! year, like pytorch/pytorch), added to a world with its project entry and
//! PyPI project, for tests and benchmarks of long history walks.

use std::collections::BTreeMap;

use chrono::Duration;
use rand::{Rng as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Gen, GenSpec, bots, generate, lic, repo_node_id, web_flow};
use crate::util::fake_sha;
use crate::world::{
    Commit, CommitStatus, Person, ProjectEntry, PullRequest, Release, Repo, Star, WorkflowRun,
    World,
};

/// The big repository to add (see [`add_big_repo`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct BigRepoSpec {
    /// Random seed (independent of the world's).
    pub seed: u64,
    /// Default-branch commits, all within the last `days` days.
    pub commits: usize,
    /// Days of history, ending at the world's `now`.
    pub days: u32,
    /// Owner login.
    pub owner: String,
    /// Repository name (also the PyPI project's).
    pub name: String,
    /// People who author commits (besides a few bots).
    pub contributors: usize,
    /// Stargazers.
    pub stars: usize,
}

impl Default for BigRepoSpec {
    fn default() -> Self {
        Self {
            seed: 1,
            commits: 20_000,
            days: 365,
            owner: "bigtorch-org".into(),
            name: "bigtorch".into(),
            contributors: 400,
            stars: 3000,
        }
    }
}

/// A generated world of `GenSpec { seed, repos: 20, .. }` plus one big
/// repository of `commits` commits over the last `days` days (see
/// [`add_big_repo`]), its project entry last in `projects`.
pub fn big_repo_world(commits: usize, days: u32, seed: u64) -> World {
    let mut world = generate(&GenSpec {
        seed,
        repos: 20,
        ..GenSpec::default()
    });
    add_big_repo(
        &mut world,
        &BigRepoSpec {
            seed,
            commits,
            days,
            ..BigRepoSpec::default()
        },
    );
    world
}

/// Add one big repository to `world` and return its node id: `commits`
/// default-branch commits spread over `(now - days, now]`, newest first and
/// linked (about 4% merges), authored by a Zipf-like pool of `contributors`
/// (noreply, linked and unlinked emails), about 7% by bots, about 10% with
/// co-authors, 60% committed by `web-flow`; sparse CI (a workflow run on
/// about one commit in 20, a Buildkite status on one in 50); merged pull
/// requests, monthly releases, governance files; a project entry and a PyPI
/// project of the same name. Deterministic for a spec and world.
pub fn add_big_repo(world: &mut World, spec: &BigRepoSpec) -> String {
    let now = world.now;
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(spec.seed ^ 0xb16_7e90),
        spec: GenSpec {
            seed: spec.seed,
            now,
            ..GenSpec::default()
        },
        people: Vec::new(),
        run_id: world
            .repos
            .iter()
            .flat_map(|r| r.workflow_runs.iter().map(|w| w.id))
            .max()
            .unwrap_or(1_000_000),
    };
    let db = world.repos.iter().map(|r| r.database_id).max().unwrap_or(0) + 1;
    let id = repo_node_id(db);
    let (owner, name) = (spec.owner.as_str(), spec.name.as_str());
    // People: indices far from the small repos' so the pools barely overlap.
    let pool: Vec<Person> = (0..spec.contributors.max(2))
        .map(|k| g.person(100_000 + k))
        .collect();
    let mut maintainers: Vec<String> = pool
        .iter()
        .filter_map(|p| p.login.clone())
        .take(8)
        .collect();
    if maintainers.is_empty() {
        maintainers.push("pytorchbot".into());
    }
    let bot_people = bots();
    let start = now - Duration::days(i64::from(spec.days.max(1)));
    let span = (now - start).num_seconds().max(1);
    // Newest first; strictly inside the window so no commit sits on its edge.
    let mut offsets: Vec<i64> = (0..spec.commits)
        .map(|_| g.rng.random_range(1..span))
        .collect();
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    let mut commits: Vec<Commit> = Vec::with_capacity(spec.commits);
    for (k, off) in offsets.iter().enumerate() {
        let t = start + Duration::seconds(*off);
        let roll = g.rng.random_range(0..100);
        let author = if roll < 7 {
            bot_people[g.rng.random_range(0..bot_people.len())].clone()
        } else {
            let w: f64 = g.rng.random();
            let idx = ((w * w * w) * pool.len() as f64) as usize;
            pool[idx.min(pool.len() - 1)].clone()
        };
        let co_authors: Vec<Person> = if roll >= 90 {
            (0..g.rng.random_range(1..3usize))
                .map(|_| pool[g.rng.random_range(0..pool.len())].clone())
                .filter(|p| *p != author)
                .collect()
        } else {
            Vec::new()
        };
        let committer = if g.rng.random_bool(0.6) {
            web_flow()
        } else {
            author.clone()
        };
        let authored = t - Duration::seconds(g.rng.random_range(0..2 * 86_400));
        let mut message = format!("Change {} of {name}", spec.commits - k);
        for c in &co_authors {
            message.push_str(&format!("\n\nCo-authored-by: {} <{}>", c.name, c.email));
        }
        commits.push(Commit {
            sha: fake_sha(&format!("{id}:big:{k}:{off}")),
            message,
            author,
            committer,
            authored_at: authored,
            committed_at: t,
            co_authors,
            parents: Vec::new(),
        });
    }
    for k in 0..commits.len() {
        let mut parents = Vec::new();
        if let Some(p) = commits.get(k + 1) {
            parents.push(p.sha.clone());
        }
        if g.rng.random_bool(0.04)
            && let Some(p) = commits.get(k + 3)
        {
            parents.push(p.sha.clone());
        }
        commits[k].parents = parents;
    }
    let mut pull_requests = Vec::new();
    for (k, c) in commits.iter().rev().enumerate() {
        if c.committer.login.as_deref() == Some("web-flow") && k % 3 == 0 {
            let number = pull_requests.len() as u64 + 1;
            pull_requests.push(PullRequest {
                number,
                title: format!("Change {number}"),
                created_at: c.authored_at - Duration::hours(g.rng.random_range(1..100)),
                updated_at: c.committed_at + Duration::minutes(g.rng.random_range(0..90)),
                merged_at: Some(c.committed_at),
                merged_by: Some(maintainers[k % maintainers.len()].clone()),
                closed: true,
            });
        }
    }
    let mut workflow_runs = Vec::new();
    let mut statuses = Vec::new();
    for (k, c) in commits.iter().enumerate().rev() {
        if k == 0 || g.rng.random_bool(0.05) {
            g.run_id += 1;
            let created = c.committed_at + Duration::seconds(g.rng.random_range(5..120));
            let conclusion = if g.rng.random_bool(0.9) {
                "success"
            } else {
                "failure"
            };
            workflow_runs.push(WorkflowRun {
                id: g.run_id,
                name: "CI".into(),
                workflow_id: 10_000 + db,
                path: ".github/workflows/ci.yml".into(),
                head_branch: "main".into(),
                head_sha: c.sha.clone(),
                event: "push".into(),
                status: "completed".into(),
                conclusion: Some(conclusion.into()),
                created_at: created.min(now),
                updated_at: (created + Duration::minutes(30)).min(now),
                run_number: workflow_runs.len() as u64 + 1,
                run_attempt: 1,
                run_started_at: None,
                actor: c.author.login.clone().unwrap_or_else(|| "web-flow".into()),
            });
        }
        if g.rng.random_bool(0.02) {
            statuses.push(CommitStatus {
                sha: c.sha.clone(),
                context: "buildkite/nightly".into(),
                state: "success".into(),
                created_at: (c.committed_at + Duration::minutes(40)).min(now),
                target_url: Some(format!("https://buildkite.com/{owner}/{name}/builds/{k}")),
                description: Some("Build passed".into()),
            });
        }
    }
    let created = start - Duration::days(2000);
    let life = (now - created).num_seconds().max(1) as f64;
    let mut stars: Vec<Star> = (0..spec.stars)
        .map(|k| {
            let u: f64 = g.rng.random();
            Star {
                login: format!("bigfan{k}"),
                starred_at: created + Duration::seconds((life * u.sqrt()) as i64),
            }
        })
        .collect();
    stars.sort_by_key(|s| s.starred_at);
    let mut releases = Vec::new();
    let mut t = start + Duration::days(15);
    let mut minor = 1;
    while t < now {
        releases.push(Release {
            tag_name: format!("v1.{minor}.0"),
            name: Some(format!("v1.{minor}.0")),
            created_at: t,
            published_at: Some(t + Duration::minutes(5)),
            prerelease: false,
            draft: false,
        });
        minor += 1;
        t += Duration::days(30);
    }
    let owners_line: Vec<String> = maintainers.iter().map(|m| format!("@{m}")).collect();
    let files = BTreeMap::from([
        ("README.md".to_string(), format!("# {name}\n\nA big one.\n")),
        ("LICENSE".to_string(), "BSD 3-Clause License\n".to_string()),
        (
            "CONTRIBUTING.md".to_string(),
            "# Contributing\n".to_string(),
        ),
        (
            "CODE_OF_CONDUCT.md".to_string(),
            "# Code of Conduct\n".to_string(),
        ),
        (
            ".github/CODEOWNERS".to_string(),
            format!("* {}\n", owners_line.join(" ")),
        ),
        (
            ".github/workflows/ci.yml".to_string(),
            "name: CI\non: [push, pull_request]\n".to_string(),
        ),
        (
            "pyproject.toml".to_string(),
            format!("[project]\nname = \"{name}\"\n"),
        ),
        ("docs/index.md".to_string(), format!("# {name}\n")),
    ]);
    let repo = Repo {
        id: id.clone(),
        database_id: db,
        owner: owner.to_string(),
        name: name.to_string(),
        owner_is_org: true,
        description: Some(format!("{name}: a very busy PyTorch ecosystem library")),
        default_branch: (!commits.is_empty()).then(|| "main".to_string()),
        created_at: created,
        pushed_at: commits.first().map(|c| c.committed_at),
        forks: (spec.stars / 8) as u64,
        stars,
        license: Some(lic(
            "BSD-3-Clause",
            "bsd-3-clause",
            "BSD 3-Clause \"New\" or \"Revised\" License",
        )),
        files,
        commits,
        pull_requests,
        releases,
        workflow_runs,
        statuses,
        ..Repo::default()
    };
    let pypi = g.pypi(name, &repo);
    world.projects.push(ProjectEntry {
        name: format!("Big {name}"),
        repos: vec![repo.full_name()],
        pypi: vec![pypi.name.clone()],
        conda: Vec::new(),
    });
    world.pypi.push(pypi);
    world.repos.push(repo);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_big_repo_has_its_commits_in_the_window_newest_first_and_linked() {
        let w = big_repo_world(2_000, 365, 4);
        let r = w.repos.last().expect("big repo");
        assert_eq!(r.commits.len(), 2_000);
        let start = w.now - Duration::days(365);
        assert!(
            r.commits
                .iter()
                .all(|c| c.committed_at > start && c.committed_at <= w.now)
        );
        for pair in r.commits.windows(2) {
            assert!(pair[0].committed_at >= pair[1].committed_at);
            assert_eq!(pair[0].parents.first(), Some(&pair[1].sha));
        }
        let shas: std::collections::BTreeSet<&str> =
            r.commits.iter().map(|c| c.sha.as_str()).collect();
        assert_eq!(shas.len(), 2_000);
        assert!(r.commits.iter().any(|c| !c.co_authors.is_empty()));
        assert!(r.commits.iter().any(|c| {
            c.author
                .login
                .as_deref()
                .is_some_and(crate::world::is_app_bot)
        }));
        let ids: std::collections::BTreeSet<u64> = w
            .repos
            .iter()
            .flat_map(|r| r.workflow_runs.iter().map(|x| x.id))
            .collect();
        let runs: usize = w.repos.iter().map(|r| r.workflow_runs.len()).sum();
        assert_eq!(ids.len(), runs, "run ids stay unique in the world");
        assert!(r.workflow_runs.len() < r.commits.len() / 10, "sparse CI");
        let p = w.projects.last().expect("entry");
        assert_eq!(p.repos, vec![r.full_name()]);
        assert!(w.pypi_project(&p.pypi[0]).is_some());
        assert_eq!(w, big_repo_world(2_000, 365, 4), "deterministic");
    }
}
