//! The hand-written edge-case world: small, fixed, every awkward case once.
//!
//! `now` is 2026-06-01T00:00:00Z, so the default window is
//! (2026-03-03T00:00:00Z, 2026-06-01T00:00:00Z]. Repos (all under `edge/`):
//!
//! | repo | case |
//! |---|---|
//! | `edge/window` | commits exactly on both window edges, merges, co-authors, bots, unlinked authors, green CI |
//! | `edge/renamed` | renamed from `edge/renamed-old` and transferred from `oldorg/renamed` |
//! | `edge/empty` | empty repository (no default branch) |
//! | `edge/gone` | deleted: NOT_FOUND / 404 everywhere |
//! | `edge/no-codeowners` | no CODEOWNERS, no CI |
//! | `edge/team-owners` | team-only CODEOWNERS, unrecognised license (`NOASSERTION`) |
//! | `edge/red-ci` | head commit's CI failed, no license |
//! | `edge/external-ci` | external CI only (commit statuses), archived |
//!
//! [`add_owner_defaults`] adds an owner's `.github` repository (community-file
//! defaults) to a world; [`add_torch_pins`] adds packages that pin torch with
//! environment markers and by URL.
//!
//! PyPI: `edge-window` (wheel + sdist, links back, `torch>=2.10`),
//! `edge-sdist-only`, `edge-nolink` (no link back, `project_urls: null`),
//! `edge-nopin` (bare `torch`), `edge-nodeps` (`requires_dist: null`, a yanked
//! release and a release without files), and `torch`. Conda: `conda-forge/edge-window`
//! (noarch, a `"sha256": "None"` file).
//!
//! Longer than 500 lines on purpose: every hand-written case is spelled out
//! as data, so a reader can check a test's expectation against it.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone as _, Utc};

use crate::generate::{repo_node_id, torch_project};
use crate::util::fake_sha;
use crate::world::{
    Commit, CommitStatus, CondaFile, CondaPackage, License, Person, ProjectEntry, PullRequest,
    PypiFile, PypiProject, PypiRelease, Release, Repo, Star, WorkflowRun, World,
};

/// The edge world's `now`.
pub fn edge_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn person(name: &str, email: &str, login: Option<&str>) -> Person {
    Person {
        name: name.into(),
        email: email.into(),
        login: login.map(str::to_string),
    }
}

fn commit(repo: &str, k: usize, author: &Person, at: DateTime<Utc>) -> Commit {
    Commit {
        sha: fake_sha(&format!("edge:{repo}:{k}")),
        message: format!("Change {k} of {repo}"),
        author: author.clone(),
        committer: author.clone(),
        authored_at: at,
        committed_at: at,
        co_authors: Vec::new(),
        parents: Vec::new(),
    }
}

fn link_parents(commits: &mut [Commit]) {
    let shas: Vec<String> = commits.iter().map(|c| c.sha.clone()).collect();
    for (k, c) in commits.iter_mut().enumerate() {
        if let Some(p) = shas.get(k + 1) {
            c.parents.insert(0, p.clone());
        }
    }
}

fn base_repo(db: u64, name: &str, now: DateTime<Utc>) -> Repo {
    Repo {
        id: repo_node_id(db),
        database_id: db,
        owner: "edge".into(),
        name: name.into(),
        owner_is_org: true,
        description: Some(format!("edge case: {name}")),
        default_branch: Some("main".into()),
        created_at: now - Duration::days(800),
        license: Some(License {
            spdx_id: Some("MIT".into()),
            key: "mit".into(),
            name: "MIT License".into(),
        }),
        files: BTreeMap::from([
            ("README.md".to_string(), format!("# {name}\n")),
            ("LICENSE".to_string(), "MIT\n".to_string()),
        ]),
        ..Repo::default()
    }
}

fn run(id: u64, sha: &str, at: DateTime<Utc>, conclusion: &str) -> WorkflowRun {
    WorkflowRun {
        id,
        name: "CI".into(),
        workflow_id: 77,
        path: ".github/workflows/ci.yml".into(),
        head_branch: "main".into(),
        head_sha: sha.into(),
        event: "push".into(),
        status: "completed".into(),
        conclusion: Some(conclusion.into()),
        created_at: at,
        updated_at: at + Duration::minutes(10),
        run_number: id % 1000,
        run_attempt: 1,
        run_started_at: None,
        actor: "alice".into(),
    }
}

fn wheel(name: &str, version: &str, at: DateTime<Utc>) -> PypiFile {
    let filename = format!("{}-{version}-py3-none-any.whl", name.replace('-', "_"));
    PypiFile {
        sha256: fake_sha(&filename) + &fake_sha("w")[..24],
        filename,
        packagetype: "bdist_wheel".into(),
        python_version: "py3".into(),
        size: 12_345,
        upload_time: at,
        yanked: false,
        yanked_reason: None,
    }
}

fn sdist(name: &str, version: &str, at: DateTime<Utc>) -> PypiFile {
    let filename = format!("{}-{version}.tar.gz", name.replace('-', "_"));
    PypiFile {
        sha256: fake_sha(&filename) + &fake_sha("s")[..24],
        filename,
        packagetype: "sdist".into(),
        python_version: "source".into(),
        size: 23_456,
        upload_time: at + Duration::seconds(30),
        yanked: false,
        yanked_reason: None,
    }
}

fn project(name: &str, urls: Option<&str>, releases: Vec<PypiRelease>) -> PypiProject {
    PypiProject {
        name: name.into(),
        summary: Some(format!("edge case package {name}")),
        license: Some("MIT".into()),
        license_expression: Some("MIT".into()),
        project_urls: urls.map(|u| {
            BTreeMap::from([
                (
                    "Homepage".to_string(),
                    "https://edge.example.org".to_string(),
                ),
                ("Source".to_string(), u.to_string()),
            ])
        }),
        home_page: None,
        classifiers: vec!["License :: OSI Approved :: MIT License".into()],
        releases,
    }
}

/// Adds `<owner>/.github` to `world`: the repository whose community files
/// (CONTRIBUTING.md, CODE_OF_CONDUCT.md, ...) GitHub shows for the owner's
/// repositories that have none of their own. `files` are `(path, text)`.
pub fn add_owner_defaults(world: &mut World, owner: &str, files: &[(&str, &str)]) {
    let now = world.now;
    let mut r = base_repo(9100 + world.repos.len() as u64, ".github", now);
    r.owner = owner.to_string();
    r.files = files
        .iter()
        .map(|(path, text)| (path.to_string(), text.to_string()))
        .collect();
    let admin = person("Owner Admin", "admin@example.org", Some("owner-admin"));
    r.commits = vec![commit(
        &format!("{owner}/.github"),
        0,
        &admin,
        now - Duration::days(30),
    )];
    world.repos.push(r);
}

/// Adds two PyPI packages whose torch requirement must be read as PEP 508,
/// and a project for each (both link back to `edge/window`, with a wheel
/// uploaded 20 days before the world's date): `edge-markers` pins torch by
/// URL for macOS beside a version range for every other platform, so on the
/// target environment (Linux) only the range applies; `edge-url-pin` pins
/// torch by URL alone.
pub fn add_torch_pins(world: &mut World) {
    let at = world.now - Duration::days(20);
    let url = "https://github.com/edge/window";
    let release = |name: &str, version: &str, requires: &[&str]| PypiRelease {
        version: version.into(),
        requires_dist: Some(requires.iter().map(|r| r.to_string()).collect()),
        requires_python: Some(">=3.10".into()),
        files: vec![wheel(name, version, at)],
    };
    world.pypi.push(project(
        "edge-markers",
        Some(url),
        vec![release(
            "edge-markers",
            "0.4.0",
            &[
                "torch @ https://download.pytorch.org/whl/cpu/torch-2.3.0-cp311-none-macosx_11_0_arm64.whl ; sys_platform == 'darwin'",
                "torch>=2.0 ; sys_platform != 'darwin'",
                "numpy",
            ],
        )],
    ));
    world.pypi.push(project(
        "edge-url-pin",
        Some(url),
        vec![release(
            "edge-url-pin",
            "0.2.0",
            &["torch @ https://download.pytorch.org/whl/cu121/torch-2.3.0%2Bcu121-cp311-cp311-linux_x86_64.whl"],
        )],
    ));
    for (name, package) in [
        ("Edge Markers", "edge-markers"),
        ("Edge URL Pin", "edge-url-pin"),
    ] {
        world.projects.push(ProjectEntry {
            name: name.into(),
            repos: vec!["edge/window".into()],
            pypi: vec![package.into()],
            conda: Vec::new(),
        });
    }
}

/// Build the edge-case world.
pub fn edge_world() -> World {
    let now = edge_now();
    let start = now - Duration::days(90);
    let alice = person(
        "Alice Maintainer",
        "1001+alice@users.noreply.github.com",
        Some("alice"),
    );
    let bob = person("Bob Builder", "bob@example.org", Some("bob"));
    let carol = person("Carol Unlinked", "Carol@Corp.Example.com", None);
    let dave = person("Dave", "dave@users.noreply.github.com", Some("dave"));
    let dependabot = person(
        "dependabot[bot]",
        "49699333+dependabot[bot]@users.noreply.github.com",
        Some("dependabot[bot]"),
    );
    let pytorchbot = person(
        "PyTorch MergeBot",
        "pytorchmergebot@users.noreply.github.com",
        Some("pytorchbot"),
    );
    let web = person("GitHub", "noreply@github.com", Some("web-flow"));

    // edge/window: newest first.
    let mut w = base_repo(9001, "window", now);
    let times_authors: Vec<(DateTime<Utc>, &Person)> = vec![
        (now, &alice),                           // exactly on the end edge: inside
        (now - Duration::hours(5), &dependabot), // bot
        (now - Duration::days(3), &bob),         // merge (two parents)
        (now - Duration::days(10), &carol),      // unlinked author
        (now - Duration::days(20), &dave),       // co-authored
        (now - Duration::days(40), &pytorchbot), // configured bot
        (start + Duration::seconds(1), &bob),    // just inside
        (start, &alice),                         // exactly on the start edge: outside
        (start - Duration::seconds(1), &carol),  // just outside
        (now - Duration::days(200), &alice),     // old
    ];
    w.commits = times_authors
        .iter()
        .enumerate()
        .map(|(k, (t, a))| commit("window", k, a, *t))
        .collect();
    link_parents(&mut w.commits);
    w.commits[2].committer = web.clone();
    let second = w.commits[5].sha.clone();
    w.commits[2].parents.push(second);
    w.commits[2].message = "Merge pull request #7 from bob/feature\n\nFeature".into();
    w.commits[4].co_authors = vec![alice.clone(), carol.clone()];
    w.commits[4].message =
        "Pair on the loader\n\nCo-authored-by: Alice Maintainer <1001+alice@users.noreply.github.com>\nCo-authored-by: Carol Unlinked <Carol@Corp.Example.com>\n".into();
    w.commits[4].authored_at = now - Duration::days(95);
    w.pushed_at = Some(now);
    w.stars = (0..250)
        .map(|k| Star {
            login: format!("fan{k}"),
            starred_at: now - Duration::days(300) + Duration::days(k),
        })
        .collect();
    w.forks = 12;
    w.files.insert(
        ".github/CODEOWNERS".into(),
        "# owners\n* @alice @bob\n/docs/ @edge/docs-team\n".into(),
    );
    w.files.insert(
        "CODEOWNERS".into(),
        "* @ignored-because-github-dir-wins\n".into(),
    );
    w.files.insert(
        "MAINTAINERS".into(),
        "Alice Maintainer <alice> (@alice)\nDave (@dave)\n".into(),
    );
    w.files
        .insert("CONTRIBUTING.md".into(), "# Contributing\n".into());
    w.files
        .insert("CODE_OF_CONDUCT.md".into(), "# CoC\n".into());
    w.files
        .insert("GOVERNANCE.md".into(), "# Governance\n".into());
    w.files
        .insert(".github/workflows/ci.yml".into(), "name: CI\n".into());
    let shas: Vec<String> = w.commits.iter().map(|c| c.sha.clone()).collect();
    w.workflow_runs = vec![
        run(500_001, &shas[0], now - Duration::minutes(50), "success"),
        run(500_002, &shas[1], now - Duration::hours(4), "failure"),
        run(500_003, &shas[2], now - Duration::days(3), "success"),
        run(500_004, &shas[6], start + Duration::seconds(100), "success"),
        run(500_005, &shas[7], start, "cancelled"),
    ];
    w.pull_requests = vec![
        PullRequest {
            number: 7,
            title: "Feature".into(),
            created_at: now - Duration::days(5),
            updated_at: now - Duration::days(3),
            merged_at: Some(now - Duration::days(3)),
            merged_by: Some("alice".into()),
            closed: true,
        },
        PullRequest {
            number: 8,
            title: "Bump numpy".into(),
            created_at: now - Duration::days(2),
            updated_at: now - Duration::hours(5),
            merged_at: Some(now - Duration::hours(5)),
            merged_by: Some("dependabot[bot]".into()),
            closed: true,
        },
        PullRequest {
            number: 9,
            title: "Old work".into(),
            created_at: now - Duration::days(150),
            updated_at: now - Duration::days(120),
            merged_at: Some(now - Duration::days(120)),
            merged_by: Some("dave".into()),
            closed: true,
        },
        PullRequest {
            number: 10,
            title: "Open idea".into(),
            created_at: now - Duration::days(1),
            updated_at: now - Duration::days(1),
            ..PullRequest::default()
        },
    ];
    w.releases = vec![
        Release {
            tag_name: "v1.0.0".into(),
            name: Some("1.0.0".into()),
            created_at: now - Duration::days(100),
            published_at: Some(now - Duration::days(100)),
            ..Release::default()
        },
        Release {
            tag_name: "v1.1.0rc1".into(),
            name: Some("1.1.0rc1".into()),
            created_at: now - Duration::days(30),
            published_at: Some(now - Duration::days(30)),
            prerelease: true,
            ..Release::default()
        },
        Release {
            tag_name: "v1.1.0".into(),
            name: Some("1.1.0".into()),
            created_at: now - Duration::days(10),
            published_at: Some(now - Duration::days(10)),
            ..Release::default()
        },
        Release {
            tag_name: "v2.0.0".into(),
            name: Some("unpublished".into()),
            created_at: now - Duration::days(1),
            draft: true,
            ..Release::default()
        },
    ];

    let mut renamed = base_repo(9002, "renamed", now);
    renamed.former_names = vec!["edge/renamed-old".into(), "oldorg/renamed".into()];
    renamed.commits = (0..3)
        .map(|k| commit("renamed", k, &bob, now - Duration::days(5 + k as i64)))
        .collect();
    link_parents(&mut renamed.commits);
    renamed.pushed_at = Some(now - Duration::days(5));
    renamed.workflow_runs = vec![run(
        500_010,
        &renamed.commits[0].sha,
        now - Duration::days(5),
        "success",
    )];

    let mut empty = base_repo(9003, "empty", now);
    empty.default_branch = None;
    empty.files.clear();
    empty.license = None;

    let mut gone = base_repo(9004, "gone", now);
    gone.deleted = true;
    gone.commits = vec![commit("gone", 0, &alice, now - Duration::days(2))];

    let mut no_owners = base_repo(9005, "no-codeowners", now);
    no_owners.commits = (0..2)
        .map(|k| {
            commit(
                "no-codeowners",
                k,
                &carol,
                now - Duration::days(30 + k as i64),
            )
        })
        .collect();
    link_parents(&mut no_owners.commits);

    let mut team = base_repo(9006, "team-owners", now);
    team.files
        .insert(".github/CODEOWNERS".into(), "* @edge/core-team\n".into());
    team.license = Some(License {
        spdx_id: Some("NOASSERTION".into()),
        key: "other".into(),
        name: "Other".into(),
    });
    team.commits = vec![commit("team-owners", 0, &dave, now - Duration::days(1))];

    let mut red = base_repo(9007, "red-ci", now);
    red.license = None;
    red.files.remove("LICENSE");
    red.commits = (0..3)
        .map(|k| commit("red-ci", k, &alice, now - Duration::days(2 + k as i64)))
        .collect();
    link_parents(&mut red.commits);
    red.workflow_runs = vec![
        run(
            500_020,
            &red.commits[0].sha,
            now - Duration::days(2),
            "failure",
        ),
        run(
            500_021,
            &red.commits[1].sha,
            now - Duration::days(3),
            "success",
        ),
        run(
            500_022,
            &red.commits[2].sha,
            now - Duration::days(4),
            "success",
        ),
    ];

    let mut ext = base_repo(9008, "external-ci", now);
    ext.archived = true;
    ext.commits = (0..2)
        .map(|k| commit("external-ci", k, &bob, now - Duration::days(6 + k as i64)))
        .collect();
    link_parents(&mut ext.commits);
    ext.statuses = vec![
        CommitStatus {
            sha: ext.commits[0].sha.clone(),
            context: "buildkite/edge".into(),
            state: "pending".into(),
            created_at: now - Duration::days(6),
            target_url: Some("https://buildkite.com/edge/external-ci/builds/2".into()),
            description: Some("Build running".into()),
        },
        CommitStatus {
            sha: ext.commits[0].sha.clone(),
            context: "buildkite/edge".into(),
            state: "success".into(),
            created_at: now - Duration::days(6) + Duration::minutes(30),
            target_url: Some("https://buildkite.com/edge/external-ci/builds/2".into()),
            description: Some("Build passed".into()),
        },
        CommitStatus {
            sha: ext.commits[1].sha.clone(),
            context: "buildkite/edge".into(),
            state: "failure".into(),
            created_at: now - Duration::days(7),
            target_url: None,
            description: None,
        },
    ];

    let t1 = now - Duration::days(100);
    let t2 = now - Duration::days(10);
    let window_url = "https://github.com/edge/window";
    let pin = |r: &str| Some(vec!["numpy".to_string(), r.to_string()]);
    let pypi = vec![
        project(
            "edge-window",
            Some(window_url),
            vec![
                PypiRelease {
                    version: "1.0.0".into(),
                    requires_dist: pin("torch>=2.4,<2.9"),
                    requires_python: Some(">=3.9".into()),
                    files: vec![
                        wheel("edge-window", "1.0.0", t1),
                        sdist("edge-window", "1.0.0", t1),
                    ],
                },
                PypiRelease {
                    version: "1.1.0rc1".into(),
                    requires_dist: pin("torch>=2.10"),
                    requires_python: Some(">=3.9".into()),
                    files: vec![wheel("edge-window", "1.1.0rc1", now - Duration::days(30))],
                },
                PypiRelease {
                    version: "1.1.0".into(),
                    requires_dist: pin("torch>=2.10"),
                    requires_python: Some(">=3.9".into()),
                    files: vec![
                        wheel("edge-window", "1.1.0", t2),
                        sdist("edge-window", "1.1.0", t2),
                    ],
                },
            ],
        ),
        project(
            "edge-sdist-only",
            Some("https://github.com/edge/red-ci"),
            vec![PypiRelease {
                version: "0.3.0".into(),
                requires_dist: pin("torch>=2.0"),
                requires_python: None,
                files: vec![sdist("edge-sdist-only", "0.3.0", t2)],
            }],
        ),
        project(
            "edge-nolink",
            None,
            vec![PypiRelease {
                version: "2.0.0".into(),
                requires_dist: pin("torch<2.6"),
                requires_python: None,
                files: vec![wheel("edge-nolink", "2.0.0", t2)],
            }],
        ),
        project(
            "edge-nopin",
            Some("https://github.com/edge/no-codeowners"),
            vec![PypiRelease {
                version: "0.1.0".into(),
                requires_dist: Some(vec!["torch".into(), "numpy (>=1.20)".into()]),
                requires_python: None,
                files: vec![wheel("edge-nopin", "0.1.0", t2)],
            }],
        ),
        project(
            "edge-nodeps",
            Some("https://github.com/edge/team-owners"),
            vec![
                PypiRelease {
                    version: "0.0.1".into(),
                    requires_dist: None,
                    requires_python: None,
                    files: Vec::new(),
                },
                PypiRelease {
                    version: "0.1.0".into(),
                    requires_dist: None,
                    requires_python: None,
                    files: vec![wheel("edge-nodeps", "0.1.0", t1)],
                },
                PypiRelease {
                    version: "0.2.0".into(),
                    requires_dist: pin("torch>=2.10"),
                    requires_python: None,
                    files: vec![PypiFile {
                        yanked: true,
                        yanked_reason: Some("broken".into()),
                        ..wheel("edge-nodeps", "0.2.0", t2)
                    }],
                },
            ],
        ),
        torch_project(now),
    ];
    let conda = vec![CondaPackage {
        owner: "conda-forge".into(),
        name: "edge-window".into(),
        summary: Some("edge window".into()),
        license: Some("MIT".into()),
        home: None,
        dev_url: Some(window_url.into()),
        doc_url: None,
        created_at: t1,
        files: vec![
            CondaFile {
                version: "1.0.0".into(),
                subdir: "noarch".into(),
                build: "pyhd8ed1ab_0".into(),
                build_number: 0,
                depends: vec!["python >=3.9".into(), "pytorch >=2.4,<2.9".into()],
                upload_time: t1 + Duration::days(1),
                size: 4321,
                md5: fake_sha("edge-conda-1")[..32].to_string(),
                sha256: None,
                has_timestamp: false,
                labels: vec!["main".into()],
            },
            CondaFile {
                version: "1.1.0".into(),
                subdir: "noarch".into(),
                build: "pyhd8ed1ab_0".into(),
                build_number: 0,
                depends: vec!["python >=3.9".into(), "pytorch >=2.10".into()],
                upload_time: t2 + Duration::milliseconds(99) + Duration::days(1),
                size: 4400,
                md5: fake_sha("edge-conda-2")[..32].to_string(),
                sha256: Some(fake_sha("edge-conda-2") + &fake_sha("x")[..24]),
                has_timestamp: true,
                labels: vec!["main".into()],
            },
        ],
    }];
    let entry = |name: &str, repos: &[&str], pypi: &[&str], conda: &[&str]| ProjectEntry {
        name: name.into(),
        repos: repos.iter().map(|s| s.to_string()).collect(),
        pypi: pypi.iter().map(|s| s.to_string()).collect(),
        conda: conda.iter().map(|s| s.to_string()).collect(),
    };
    World {
        now,
        repos: vec![w, renamed, empty, gone, no_owners, team, red, ext],
        pypi,
        conda,
        projects: vec![
            entry(
                "Edge Window",
                &["edge/window", "edge/renamed-old"],
                &["edge-window"],
                &["conda-forge/edge-window"],
            ),
            entry("Edge Empty", &["edge/empty"], &[], &[]),
            entry(
                "Edge Gone",
                &["edge/gone"],
                &["edge-missing"],
                &["conda-forge/edge-missing"],
            ),
            entry(
                "Edge No Owners",
                &["edge/no-codeowners"],
                &["edge-nopin"],
                &[],
            ),
            entry("Edge Team", &["edge/team-owners"], &["edge-nodeps"], &[]),
            entry("Edge Red", &["edge/red-ci"], &["edge-sdist-only"], &[]),
            entry(
                "Edge External",
                &["edge/external-ci"],
                &["edge-nolink"],
                &[],
            ),
        ],
        ..World::default()
    }
}
