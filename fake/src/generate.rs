//! A seeded generator of worlds of any size.
//!
//! Deterministic for a seed (ChaCha8, no hash-map iteration order, no clock):
//! the same [`GenSpec`] always gives the same [`World`]. It aims at the variety
//! of the real ecosystem: activity spread over orders of magnitude (some repos
//! far below the thresholds), projects with several repos, co-authors, bots,
//! noreply and unlinked emails, merges, renamed repos, red and missing CI,
//! packages on PyPI and conda-forge with assorted torch requirements.
//!
//! The file is long (about 1,000 lines) because the ordinary repositories and
//! their packages are drawn by one generator sharing its random stream; the
//! big repository lives in `generate/big.rs`.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use rand::{Rng, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

mod big;
mod files;

pub use big::{BigRepoSpec, add_big_repo, big_repo_world};

use crate::util::{b64, fake_sha};
use crate::world::{
    Commit, CommitStatus, CondaFile, CondaPackage, License, Person, ProjectEntry, PullRequest,
    PypiFile, PypiProject, PypiRelease, Release, Repo, Star, WorkflowRun, World,
};

/// What to generate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct GenSpec {
    /// Random seed.
    pub seed: u64,
    /// Number of repositories.
    pub repos: usize,
    /// Years of history.
    pub years: u32,
    /// The world's `now`.
    pub now: DateTime<Utc>,
    /// Median commits per year of an active repo.
    pub median_commits_per_year: f64,
    /// Median stars of a repo.
    pub median_stars: f64,
}

impl Default for GenSpec {
    fn default() -> Self {
        Self {
            seed: 1,
            repos: 50,
            years: 3,
            now: Utc
                .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            median_commits_per_year: 60.0,
            median_stars: 300.0,
        }
    }
}

const WORDS: [&str; 40] = [
    "vision",
    "audio",
    "text",
    "geo",
    "graph",
    "lightning",
    "ignite",
    "metric",
    "opt",
    "rl",
    "quant",
    "prune",
    "serve",
    "data",
    "flow",
    "tensor",
    "kernel",
    "sparse",
    "fusion",
    "sim",
    "bio",
    "chem",
    "med",
    "cloud",
    "edge",
    "mobile",
    "fast",
    "tiny",
    "deep",
    "neural",
    "point",
    "mesh",
    "ray",
    "wave",
    "forge",
    "lab",
    "kit",
    "zoo",
    "hub",
    "bench",
];
const FIRST: [&str; 24] = [
    "Ada", "Ben", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jun", "Kofi", "Lena",
    "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Vera", "Wei",
    "Yuki",
];
const LAST: [&str; 20] = [
    "Smith", "Garcia", "Kim", "Nguyen", "Okafor", "Rossi", "Schmidt", "Tanaka", "Silva", "Khan",
    "Novak", "Dubois", "Larsen", "Moreau", "Ivanova", "Cohen", "Haddad", "Patel", "Wong", "Berg",
];

/// Torch minor releases with their first (x.y.0) upload date (the last two
/// continue the quarterly cadence, so worlds dated later still see torch move).
const TORCH: [(&str, (i32, u32, u32)); 28] = [
    ("1.0", (2018, 12, 7)),
    ("1.1", (2019, 5, 1)),
    ("1.2", (2019, 8, 8)),
    ("1.3", (2019, 10, 10)),
    ("1.4", (2020, 1, 15)),
    ("1.5", (2020, 4, 21)),
    ("1.6", (2020, 7, 28)),
    ("1.7", (2020, 10, 27)),
    ("1.8", (2021, 3, 4)),
    ("1.9", (2021, 6, 15)),
    ("1.10", (2021, 10, 21)),
    ("1.11", (2022, 3, 10)),
    ("1.12", (2022, 6, 28)),
    ("1.13", (2022, 10, 28)),
    ("2.0", (2023, 3, 15)),
    ("2.1", (2023, 10, 4)),
    ("2.2", (2024, 1, 30)),
    ("2.3", (2024, 4, 24)),
    ("2.4", (2024, 7, 24)),
    ("2.5", (2024, 10, 17)),
    ("2.6", (2025, 1, 29)),
    ("2.7", (2025, 4, 23)),
    ("2.8", (2025, 8, 6)),
    ("2.9", (2025, 10, 15)),
    ("2.10", (2026, 1, 21)),
    ("2.11", (2026, 4, 22)),
    ("2.12", (2026, 7, 22)),
    ("2.13", (2026, 10, 21)),
];

fn date(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 17, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Torch's own release history on PyPI up to `now`: x.y.0 and x.y.1 for each
/// minor, wheels only, plus a yanked wheel and a pre-release.
pub fn torch_project(now: DateTime<Utc>) -> PypiProject {
    let mut releases = Vec::new();
    for (minor, (y, m, d)) in TORCH {
        let t0 = date(y, m, d);
        for (patch, t) in [(0, t0), (1, t0 + Duration::days(35))] {
            if t > now {
                continue;
            }
            let version = format!("{minor}.{patch}");
            let files = ["cp310", "cp311", "cp312", "cp313"]
                .iter()
                .enumerate()
                .map(|(k, py)| {
                    let filename = format!("torch-{version}-{py}-{py}-manylinux_2_28_x86_64.whl");
                    PypiFile {
                        sha256: fake_sha(&filename) + &fake_sha(&version)[..24],
                        filename,
                        packagetype: "bdist_wheel".into(),
                        python_version: (*py).to_string(),
                        size: 800_000_000 + k as u64 * 1_000_000,
                        upload_time: t + Duration::minutes(k as i64 * 7),
                        yanked: version == "2.0.0" && k == 0,
                        yanked_reason: (version == "2.0.0" && k == 0)
                            .then(|| "broken wheel".to_string()),
                    }
                })
                .collect();
            releases.push(PypiRelease {
                version,
                requires_dist: Some(vec![
                    "filelock".into(),
                    "typing-extensions>=4.10.0".into(),
                    "sympy>=1.13.3".into(),
                    "networkx".into(),
                    "jinja2".into(),
                    "fsspec".into(),
                ]),
                requires_python: Some(">=3.9.0".into()),
                files,
            });
        }
    }
    if let Some((minor, (y, m, d))) = TORCH.iter().find(|(_, (y, m, d))| date(*y, *m, *d) > now) {
        let t = date(*y, *m, *d) - Duration::days(20);
        if t <= now {
            let version = format!("{minor}.0rc1");
            let filename = format!("torch-{version}-cp312-cp312-manylinux_2_28_x86_64.whl");
            releases.push(PypiRelease {
                version,
                requires_dist: Some(vec!["filelock".into()]),
                requires_python: Some(">=3.10".into()),
                files: vec![PypiFile {
                    sha256: fake_sha(&filename) + &fake_sha("rc")[..24],
                    filename,
                    packagetype: "bdist_wheel".into(),
                    python_version: "cp312".into(),
                    size: 810_000_000,
                    upload_time: t,
                    yanked: false,
                    yanked_reason: None,
                }],
            });
        }
    }
    PypiProject {
        name: "torch".into(),
        summary: Some(
            "Tensors and Dynamic neural networks in Python with strong GPU acceleration".into(),
        ),
        license: Some("BSD-3-Clause".into()),
        license_expression: Some("BSD-3-Clause".into()),
        project_urls: Some(BTreeMap::from([
            ("Homepage".to_string(), "https://pytorch.org/".to_string()),
            (
                "Source".to_string(),
                "https://github.com/pytorch/pytorch".to_string(),
            ),
        ])),
        home_page: Some("https://pytorch.org/".into()),
        classifiers: vec!["License :: OSI Approved :: BSD License".into()],
        releases,
    }
}

/// The latest torch minors released by `now`, newest first (`(2, 11)`).
pub fn torch_minors(now: DateTime<Utc>) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = TORCH
        .iter()
        .filter(|(_, (y, m, d))| date(*y, *m, *d) <= now)
        .filter_map(|(minor, _)| {
            let (a, b) = minor.split_once('.')?;
            Some((a.parse().ok()?, b.parse().ok()?))
        })
        .collect();
    v.reverse();
    v
}

/// A repo node id in GitHub's style, from its database id.
pub fn repo_node_id(database_id: u64) -> String {
    format!(
        "R_kgDO{}",
        b64(&format!("{database_id:010}")).trim_end_matches('=')
    )
}

struct Gen {
    rng: ChaCha8Rng,
    spec: GenSpec,
    people: Vec<Person>,
    run_id: u64,
}

fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    // Box-Muller.
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
    median * (sigma * z).exp()
}

fn bots() -> Vec<Person> {
    vec![
        Person {
            name: "dependabot[bot]".into(),
            email: "49699333+dependabot[bot]@users.noreply.github.com".into(),
            login: Some("dependabot[bot]".into()),
        },
        Person {
            name: "pre-commit-ci[bot]".into(),
            email: "66853113+pre-commit-ci[bot]@users.noreply.github.com".into(),
            login: Some("pre-commit-ci[bot]".into()),
        },
        Person {
            name: "github-actions[bot]".into(),
            email: "41898282+github-actions[bot]@users.noreply.github.com".into(),
            login: Some("github-actions[bot]".into()),
        },
        Person {
            name: "PyTorch MergeBot".into(),
            email: "pytorchmergebot@users.noreply.github.com".into(),
            login: Some("pytorchbot".into()),
        },
        Person {
            name: "Facebook Community Bot".into(),
            email: "facebook-github-bot@users.noreply.github.com".into(),
            login: Some("facebook-github-bot".into()),
        },
    ]
}

fn web_flow() -> Person {
    Person {
        name: "GitHub".into(),
        email: "noreply@github.com".into(),
        login: Some("web-flow".into()),
    }
}

impl Gen {
    fn person(&mut self, i: usize) -> Person {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / FIRST.len()) % LAST.len()];
        let login = format!("{}{}{}", first.to_lowercase(), &last[..1].to_lowercase(), i);
        let name = format!("{first} {last}");
        match self.rng.random_range(0..10) {
            0..=3 => Person {
                name,
                email: format!("{}+{login}@users.noreply.github.com", 1_000_000 + i),
                login: Some(login),
            },
            4 => Person {
                name,
                email: format!("{login}@users.noreply.github.com"),
                login: Some(login),
            },
            5..=7 => Person {
                name,
                email: format!(
                    "{}.{}{i}@example.org",
                    first.to_lowercase(),
                    last.to_lowercase()
                ),
                login: Some(login),
            },
            _ => Person {
                name,
                email: format!("{}{i}@corp.example.com", first.to_lowercase()),
                login: None,
            },
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    fn time_between(&mut self, a: DateTime<Utc>, b: DateTime<Utc>) -> DateTime<Utc> {
        let span = (b - a).num_seconds().max(1);
        a + Duration::seconds(self.rng.random_range(0..span))
    }

    fn repo(&mut self, db: u64, owner: &str, name: &str, primary: bool) -> Repo {
        let now = self.spec.now;
        let history_start = now - Duration::days(365 * i64::from(self.spec.years));
        let created = history_start - Duration::days(self.rng.random_range(0..700));
        let activity = lognormal(&mut self.rng, self.spec.median_commits_per_year, 0.9);
        // Some repos stopped some time ago.
        let active_until = if self.rng.random_bool(0.1) {
            now - Duration::days(self.rng.random_range(60..700))
        } else {
            now
        };
        let start = history_start.max(created);
        let years = (active_until - start).num_days().max(0) as f64 / 365.0;
        let n_commits = (activity * years).round() as usize;
        let pool_size = self.rng.random_range(2..40usize).min(n_commits.max(2));
        let base = self.rng.random_range(0..self.people.len());
        let pool: Vec<Person> = (0..pool_size)
            .map(|k| self.people[(base + k * 7) % self.people.len()].clone())
            .collect();
        let maintainers: Vec<String> = pool
            .iter()
            .filter_map(|p| p.login.clone())
            .take(self.rng.random_range(1..5))
            .collect();
        let bot_people = bots();
        let mut times: Vec<DateTime<Utc>> = (0..n_commits)
            .map(|_| self.time_between(start, active_until))
            .collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        let repo_id = repo_node_id(db);
        let mut commits: Vec<Commit> = Vec::with_capacity(n_commits);
        for (k, t) in times.iter().enumerate() {
            let roll = self.rng.random_range(0..100);
            let author = if roll < 7 {
                self.pick(&bot_people).clone()
            } else {
                // Zipf-like: early members of the pool write most commits.
                let w: f64 = self.rng.random();
                let idx = ((w * w * w) * pool.len() as f64) as usize;
                pool[idx.min(pool.len() - 1)].clone()
            };
            let co_authors = if roll >= 90 && pool.len() > 1 {
                let n = self.rng.random_range(1..3usize);
                (0..n)
                    .map(|j| pool[(k + j + 1) % pool.len()].clone())
                    .filter(|p| *p != author)
                    .collect()
            } else {
                Vec::new()
            };
            let committer = if self.rng.random_bool(0.6) {
                web_flow()
            } else {
                author.clone()
            };
            let authored = *t - Duration::seconds(self.rng.random_range(0..3 * 86_400));
            let mut message = format!(
                "{} {} in {}",
                self.pick(&["Fix", "Add", "Refactor", "Update", "Speed up", "Document"]),
                self.pick(&[
                    "loader", "kernel", "metric", "trainer", "export", "tests", "docs"
                ]),
                self.pick(&WORDS)
            );
            if !co_authors.is_empty() {
                message.push_str("\n\n");
                for c in &co_authors {
                    message.push_str(&format!("Co-authored-by: {} <{}>\n", c.name, c.email));
                }
            }
            commits.push(Commit {
                sha: fake_sha(&format!("{repo_id}:{k}:{}", t.timestamp())),
                message,
                author,
                committer,
                authored_at: authored,
                committed_at: *t,
                co_authors,
                parents: Vec::new(),
            });
        }
        let shas: Vec<String> = commits.iter().map(|c| c.sha.clone()).collect();
        for (k, c) in commits.iter_mut().enumerate() {
            if let Some(p) = shas.get(k + 1) {
                c.parents.push(p.clone());
            }
            if self.rng.random_bool(0.04)
                && let Some(p) = shas.get(k + 3)
            {
                c.parents.push(p.clone());
                c.message = format!("Merge branch 'release' into main\n\n{}", c.message);
            }
        }
        // Pull requests: most web-flow commits came from a merged PR.
        let mut pull_requests = Vec::new();
        let mut number = 1;
        for c in commits.iter().rev() {
            if c.committer.login.as_deref() == Some("web-flow") && !maintainers.is_empty() {
                let merged_by = if self.rng.random_bool(0.05) {
                    "pytorchbot".to_string()
                } else {
                    self.pick(&maintainers).clone()
                };
                pull_requests.push(PullRequest {
                    number,
                    title: format!("Change {number}"),
                    created_at: c.authored_at - Duration::hours(self.rng.random_range(1..200)),
                    updated_at: c.committed_at + Duration::minutes(self.rng.random_range(0..90)),
                    merged_at: Some(c.committed_at),
                    merged_by: Some(merged_by),
                    closed: true,
                });
                number += 1;
            } else if self.rng.random_bool(0.05) {
                pull_requests.push(PullRequest {
                    number,
                    title: "Draft idea".into(),
                    created_at: c.committed_at,
                    updated_at: c.committed_at + Duration::days(3),
                    merged_at: None,
                    merged_by: None,
                    closed: self.rng.random_bool(0.5),
                });
                number += 1;
            }
        }
        // Stars: more recent stars are more likely.
        let n_stars = if primary {
            lognormal(&mut self.rng, self.spec.median_stars, 1.1).min(8000.0) as usize
        } else {
            lognormal(&mut self.rng, self.spec.median_stars / 5.0, 1.0).min(2000.0) as usize
        };
        let life = (now - created).num_seconds().max(1) as f64;
        let mut stars: Vec<Star> = (0..n_stars)
            .map(|k| {
                let u: f64 = self.rng.random();
                Star {
                    login: format!("fan{}", (db * 7919 + k as u64 * 104_729) % 5_000_000),
                    starred_at: created + Duration::seconds((life * u.sqrt()) as i64),
                }
            })
            .collect();
        stars.sort_by_key(|s| s.starred_at);
        // License.
        let license = match self.rng.random_range(0..20) {
            0..=7 => Some(lic("MIT", "mit", "MIT License")),
            8..=12 => Some(lic("Apache-2.0", "apache-2.0", "Apache License 2.0")),
            13..=14 => Some(lic(
                "BSD-3-Clause",
                "bsd-3-clause",
                "BSD 3-Clause \"New\" or \"Revised\" License",
            )),
            15 => Some(lic("GPL-3.0", "gpl-3.0", "GNU General Public License v3.0")),
            16..=17 => Some(License {
                spdx_id: Some("NOASSERTION".into()),
                key: "other".into(),
                name: "Other".into(),
            }),
            _ => None,
        };
        // Files at HEAD.
        let mut files = BTreeMap::new();
        if n_commits > 0 {
            let readme = if self.rng.random_bool(0.9) {
                "README.md"
            } else {
                "README.rst"
            };
            files.insert(
                readme.to_string(),
                format!("# {name}\n\nPart of the PyTorch ecosystem.\n"),
            );
            if license.is_some() {
                let f = self.pick(&["LICENSE", "LICENSE", "LICENSE.md", "LICENSE.txt"]);
                files.insert((*f).to_string(), "Copyright the authors.\n".to_string());
            }
            if self.rng.random_bool(0.6) {
                files.insert("CONTRIBUTING.md".into(), "# Contributing\n".into());
            }
            if self.rng.random_bool(0.5) {
                let f = self.pick(&["CODE_OF_CONDUCT.md", ".github/CODE_OF_CONDUCT.md"]);
                files.insert((*f).to_string(), "# Code of Conduct\n".into());
            }
            let owners_line = maintainers
                .iter()
                .map(|m| format!("@{m}"))
                .collect::<Vec<_>>()
                .join(" ");
            match self.rng.random_range(0..20) {
                0..=6 => {
                    files.insert(
                        ".github/CODEOWNERS".into(),
                        format!("# Owners\n* {owners_line}\n/docs/ @{owner}/docs-team\n"),
                    );
                }
                7..=8 => {
                    files.insert("CODEOWNERS".into(), format!("* {owners_line}\n"));
                }
                9 => {
                    files.insert(
                        "docs/CODEOWNERS".into(),
                        format!("* @{owner}/maintainers\n"),
                    );
                }
                _ => {}
            }
            if self.rng.random_bool(0.15) {
                let list: String = maintainers.iter().map(|m| format!("- @{m}\n")).collect();
                files.insert("MAINTAINERS.md".into(), format!("# Maintainers\n\n{list}"));
            }
            if self.rng.random_bool(0.1) {
                files.insert("GOVERNANCE.md".into(), "# Governance\n".into());
            }
            files.insert(
                "pyproject.toml".into(),
                format!("[project]\nname = \"{name}\"\n"),
            );
            files.insert(
                format!("src/{}/__init__.py", name.replace('-', "_")),
                String::new(),
            );
            files.insert("docs/index.md".into(), format!("# {name}\n"));
        }
        // CI.
        let ci = self.rng.random_range(0..20);
        let mut workflow_runs = Vec::new();
        let mut statuses = Vec::new();
        let ci_since = now - Duration::days(365);
        let red_head = self.rng.random_bool(0.1);
        if ci < 16 && n_commits > 0 {
            files.insert(
                ".github/workflows/ci.yml".into(),
                "name: CI\non: [push, pull_request]\n".into(),
            );
            let workflow_id = 10_000 + db;
            let mut run_number = 1;
            for (k, c) in commits.iter().enumerate().rev() {
                if c.committed_at < ci_since || (k > 0 && !self.rng.random_bool(0.4)) {
                    continue;
                }
                self.run_id += 1;
                let conclusion = if k == 0 && red_head {
                    "failure"
                } else {
                    match self.rng.random_range(0..100) {
                        0..=84 => "success",
                        85..=94 => "failure",
                        95..=97 => "cancelled",
                        _ => "skipped",
                    }
                };
                let created = c.committed_at + Duration::seconds(self.rng.random_range(5..120));
                let in_progress = k == 0 && created > now - Duration::minutes(30);
                workflow_runs.push(WorkflowRun {
                    id: self.run_id,
                    name: "CI".into(),
                    workflow_id,
                    path: ".github/workflows/ci.yml".into(),
                    head_branch: "main".into(),
                    head_sha: c.sha.clone(),
                    event: "push".into(),
                    status: if in_progress {
                        "in_progress"
                    } else {
                        "completed"
                    }
                    .into(),
                    conclusion: (!in_progress).then(|| conclusion.to_string()),
                    created_at: created.min(now),
                    updated_at: (created + Duration::minutes(self.rng.random_range(3..60)))
                        .min(now),
                    run_number,
                    run_attempt: 1,
                    run_started_at: None,
                    actor: c.author.login.clone().unwrap_or_else(|| "web-flow".into()),
                });
                run_number += 1;
            }
        } else if ci < 18 && n_commits > 0 {
            for c in commits
                .iter()
                .filter(|c| c.committed_at >= now - Duration::days(120))
            {
                let state = if self.rng.random_bool(0.9) {
                    "success"
                } else {
                    "failure"
                };
                statuses.push(CommitStatus {
                    sha: c.sha.clone(),
                    context: "buildkite/ci".into(),
                    state: state.into(),
                    created_at: c.committed_at + Duration::minutes(20),
                    target_url: Some(format!(
                        "https://buildkite.com/{owner}/{name}/builds/{}",
                        c.sha.len()
                    )),
                    description: Some(format!("Build {state}")),
                });
            }
        }
        // Releases every two to four months.
        let mut releases = Vec::new();
        let mut t = start + Duration::days(self.rng.random_range(10..90));
        let mut minor = 1;
        while t < active_until && n_commits > 0 {
            releases.push(Release {
                tag_name: format!("v0.{minor}.0"),
                name: Some(format!("v0.{minor}.0")),
                created_at: t,
                published_at: Some(t + Duration::minutes(5)),
                prerelease: false,
                draft: false,
            });
            minor += 1;
            t += Duration::days(self.rng.random_range(60..120));
        }
        Repo {
            id: repo_id,
            database_id: db,
            owner: owner.to_string(),
            name: name.to_string(),
            former_names: Vec::new(),
            owner_is_org: true,
            description: Some(format!("{name}: a PyTorch ecosystem library")),
            default_branch: (n_commits > 0).then(|| "main".to_string()),
            created_at: created,
            pushed_at: commits.first().map(|c| c.committed_at),
            forks: (n_stars / 8) as u64,
            stars,
            license,
            archived: active_until < now - Duration::days(300) && self.rng.random_bool(0.3),
            fork: false,
            disabled: false,
            deleted: false,
            files,
            file_changes: Vec::new(),
            commits,
            pull_requests,
            releases,
            workflow_runs,
            statuses,
        }
    }

    /// A PyPI project for `repo`, a release per GitHub release. Its torch
    /// requirement keeps one shape, with bounds that follow the torch minors
    /// published when each release was uploaded, so an older release admits
    /// older minors; some projects capped torch below its newest minor until
    /// a few months ago. The answer as of a past date then differs from
    /// today's.
    fn pypi(&mut self, name: &str, repo: &Repo) -> PypiProject {
        let link_back = self.rng.random_bool(0.85);
        let sdist_only = self.rng.random_bool(0.08);
        let shape = self.rng.random_range(0..20);
        // Some projects capped torch below its newest minor until a few
        // months ago, then relaxed the pin.
        let relaxed_at = self
            .rng
            .random_bool(0.35)
            .then(|| self.spec.now - Duration::days(self.rng.random_range(100..170)));
        let requirement = |at: DateTime<Utc>| -> Option<String> {
            let (maj, latest) = torch_minors(at).first().copied().unwrap_or((2, 9));
            if relaxed_at.is_some_and(|r| at < r) {
                return Some(format!("torch<{maj}.{latest},>={maj}.0"));
            }
            match shape {
                0..=7 => Some(format!("torch>={maj}.{}", latest.saturating_sub(4))),
                8..=11 => Some(format!("torch<{maj}.{},>={maj}.4", latest)),
                12..=13 => Some(format!(
                    "torch<{maj}.{},>={maj}.0",
                    latest.saturating_sub(1)
                )),
                14 => Some("torch".to_string()),
                15 => Some(format!("torch (>={maj}.1)")),
                16 => Some(format!(
                    "torch>={maj}.{} ; extra == 'gpu'",
                    latest.saturating_sub(2)
                )),
                17 => Some(format!(
                    "torch>={maj}.{} ; sys_platform != 'darwin'",
                    latest.saturating_sub(1)
                )),
                _ => None,
            }
        };
        let url = format!("https://github.com/{}/{}", repo.owner, repo.name);
        let project_urls = if link_back {
            BTreeMap::from([
                (
                    "Homepage".to_string(),
                    format!("https://{name}.readthedocs.io"),
                ),
                ("Source".to_string(), url.clone()),
            ])
        } else {
            BTreeMap::from([(
                "Homepage".to_string(),
                format!("https://{name}.example.org"),
            )])
        };
        let mut releases = Vec::new();
        for (k, rel) in repo.releases.iter().enumerate() {
            let version = rel.tag_name.trim_start_matches('v').to_string();
            let t = rel.created_at + Duration::hours(1);
            let mut files = Vec::new();
            let us = name.replace('-', "_");
            if !sdist_only {
                let filename = format!("{us}-{version}-py3-none-any.whl");
                files.push(PypiFile {
                    sha256: fake_sha(&filename) + &fake_sha(&version)[..24],
                    filename,
                    packagetype: "bdist_wheel".into(),
                    python_version: "py3".into(),
                    size: 120_000 + k as u64 * 100,
                    upload_time: t,
                    yanked: false,
                    yanked_reason: None,
                });
            }
            let filename = format!("{us}-{version}.tar.gz");
            files.push(PypiFile {
                sha256: fake_sha(&filename) + &fake_sha(&version)[..24],
                filename,
                packagetype: "sdist".into(),
                python_version: "source".into(),
                size: 90_000 + k as u64 * 100,
                upload_time: t + Duration::seconds(40),
                yanked: false,
                yanked_reason: None,
            });
            if self.rng.random_bool(0.03) {
                for f in &mut files {
                    f.yanked = true;
                    f.yanked_reason = Some("Broken release".into());
                }
            }
            let requires_dist = match requirement(t) {
                None if self.rng.random_bool(0.5) => None,
                None => Some(vec!["numpy".to_string()]),
                Some(r) => Some(vec![
                    "numpy>=1.24".to_string(),
                    r,
                    "tqdm ; extra == 'progress'".to_string(),
                ]),
            };
            releases.push(PypiRelease {
                version,
                requires_dist,
                requires_python: Some(">=3.9".into()),
                files,
            });
        }
        PypiProject {
            name: name.to_string(),
            summary: repo.description.clone(),
            license: repo.license.as_ref().and_then(|l| l.spdx_id.clone()),
            license_expression: None,
            project_urls: Some(project_urls),
            home_page: link_back.then_some(url),
            classifiers: vec!["Programming Language :: Python :: 3".into()],
            releases,
        }
    }

    fn conda(&mut self, name: &str, repo: &Repo, pypi: Option<&PypiProject>) -> CondaPackage {
        let noarch = self.rng.random_bool(0.7);
        let mut files = Vec::new();
        for rel in repo.releases.iter().rev().take(6).rev() {
            let version = rel.tag_name.trim_start_matches('v').to_string();
            let subdirs: &[&str] = if noarch {
                &["noarch"]
            } else {
                &["linux-64", "osx-arm64"]
            };
            for (k, sd) in subdirs.iter().enumerate() {
                let build = if noarch {
                    "pyhd8ed1ab_0".to_string()
                } else {
                    format!("py312h{:07x}_0", k + 1)
                };
                let t = rel.created_at + Duration::days(2) + Duration::minutes(k as i64 * 3);
                files.push(CondaFile {
                    version: version.clone(),
                    subdir: (*sd).to_string(),
                    build,
                    build_number: 0,
                    depends: vec!["python >=3.9".into(), "pytorch >=2.4".into()],
                    upload_time: t,
                    size: 150_000,
                    md5: fake_sha(&format!("md5:{name}:{version}:{sd}"))[..32].to_string(),
                    sha256: if self.rng.random_bool(0.2) {
                        None
                    } else {
                        Some(fake_sha(&format!("{name}:{version}:{sd}")) + &fake_sha(sd)[..24])
                    },
                    has_timestamp: self.rng.random_bool(0.9),
                    labels: vec!["main".into()],
                });
            }
        }
        CondaPackage {
            owner: "conda-forge".into(),
            name: name.to_string(),
            summary: repo.description.clone(),
            license: pypi.and_then(|p| p.license.clone()),
            home: self
                .rng
                .random_bool(0.7)
                .then(|| format!("https://github.com/{}/{}", repo.owner, repo.name)),
            dev_url: Some(format!("https://github.com/{}/{}", repo.owner, repo.name)),
            doc_url: None,
            created_at: repo.created_at + Duration::days(30),
            files,
        }
    }
}

fn lic(spdx: &str, key: &str, name: &str) -> License {
    License {
        spdx_id: Some(spdx.into()),
        key: key.into(),
        name: name.into(),
    }
}

/// Generate a world. Deterministic for a given spec.
pub fn generate(spec: &GenSpec) -> World {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(spec.seed),
        spec: spec.clone(),
        people: Vec::new(),
        run_id: 1_000_000,
    };
    let n_people = (spec.repos * 6).max(50);
    g.people = (0..n_people).map(|i| g.person(i)).collect();
    let mut world = World {
        now: spec.now,
        ..World::default()
    };
    let mut db = 100_000u64;
    let mut p = 0usize;
    while world.repos.len() < spec.repos {
        let w1 = WORDS[p % WORDS.len()];
        let w2 = WORDS[(p / WORDS.len() + p * 7 + 3) % WORDS.len()];
        let base = if w1 == w2 {
            w1.to_string()
        } else {
            format!("{w1}{w2}")
        };
        let name = format!(
            "torch{base}{}",
            if p >= WORDS.len() {
                p.to_string()
            } else {
                String::new()
            }
        );
        let owner = format!("{base}-org{p}");
        let n_repos = match g.rng.random_range(0..100) {
            0..=84 => 1,
            85..=96 => 2,
            _ => 3,
        }
        .min(spec.repos - world.repos.len());
        let mut names = Vec::new();
        for k in 0..n_repos {
            db += 1;
            let repo_name = if k == 0 {
                name.clone()
            } else {
                format!("{name}-{}", ["extras", "examples", "bench"][k - 1])
            };
            let mut repo = g.repo(db, &owner, &repo_name, k == 0);
            let mut listed = repo.full_name();
            if g.rng.random_bool(0.03) {
                let old = format!("{owner}/{repo_name}-old");
                repo.former_names.push(old.clone());
                if g.rng.random_bool(0.5) {
                    listed = old;
                }
            }
            names.push(listed);
            world.repos.push(repo);
        }
        let primary_idx = world.repos.len() - n_repos;
        let mut entry = ProjectEntry {
            name: format!("Torch {}", base),
            repos: names,
            pypi: Vec::new(),
            conda: Vec::new(),
        };
        let has_pypi = g.rng.random_bool(0.75) && !world.repos[primary_idx].releases.is_empty();
        let pypi = if has_pypi {
            let pkg = if g.rng.random_bool(0.2) {
                name.replace("torch", "torch_")
            } else {
                name.clone()
            };
            let proj = g.pypi(&pkg, &world.repos[primary_idx]);
            entry.pypi.push(pkg);
            Some(proj)
        } else {
            None
        };
        if g.rng.random_bool(0.25) && !world.repos[primary_idx].releases.is_empty() {
            let pkg = g.conda(&name, &world.repos[primary_idx], pypi.as_ref());
            entry.conda.push(format!("conda-forge/{name}"));
            world.conda.push(pkg);
        }
        if let Some(pp) = pypi {
            world.pypi.push(pp);
        }
        world.projects.push(entry);
        p += 1;
    }
    world.pypi.push(torch_project(spec.now));
    files::add_history(&mut world, spec.seed);
    world
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_for_a_seed() {
        let spec = GenSpec {
            repos: 20,
            ..GenSpec::default()
        };
        let a = generate(&spec);
        let b = generate(&spec);
        assert_eq!(a, b);
        let c = generate(&GenSpec { seed: 2, ..spec });
        assert_ne!(a, c);
        assert_eq!(a.repos.len(), 20);
    }

    #[test]
    fn commits_are_newest_first_and_linked() {
        let w = generate(&GenSpec {
            repos: 10,
            ..GenSpec::default()
        });
        for r in &w.repos {
            for pair in r.commits.windows(2) {
                assert!(pair[0].committed_at >= pair[1].committed_at);
                assert_eq!(pair[0].parents.first(), Some(&pair[1].sha));
            }
            assert!(r.commits.iter().all(|c| c.committed_at <= w.now));
        }
        assert!(w.pypi_project("torch").is_some());
        assert_eq!(torch_minors(w.now).first(), Some(&(2, 11)));
    }
}
