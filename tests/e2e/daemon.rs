//! `tacometerd` end to end: the real binary collecting a generated world from the
//! fake upstream over loopback HTTP into a real DuckDB file.
//!
//! Longer than 500 lines on purpose: the lab (fake upstream, config, database)
//! and the comparison with the world's truth are shared by every collection
//! scenario.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tacometer_core::codeowners::parse_codeowners;
use tacometer_core::identity::identity;
use tacometer_core::store::Store;
use tacometer_fake::{FakeServer, GenSpec, World, generate, start};

use crate::util::{Reaped, run, stderr, tacometerd};

/// The canary token: it must never leave the process except towards the GitHub API.
pub const CANARY: &str = "ghp_CANARY0123456789abcdefghijklmnopqrstu";

/// A fake upstream, a config for its world and a database path.
pub struct Lab {
    /// Runs the fake server (kept alive with the lab).
    _rt: tokio::runtime::Runtime,
    /// The fake.
    pub fake: FakeServer,
    /// Temporary directory holding config and database (removed with the lab).
    _dir: tempfile::TempDir,
    /// Config file.
    pub config: PathBuf,
    /// Database file.
    pub db: PathBuf,
}

impl Lab {
    /// Starts the fake on an ephemeral port with `world` and writes a config for it
    /// (backfilling 365 days).
    pub fn new(world: World) -> Self {
        Self::with_backfill(world, 365)
    }

    /// Like [`Lab::new`] with another backfill.
    pub fn with_backfill(world: World, backfill_days: u32) -> Self {
        Self::with_settings(world, backfill_days, "item_timeout = \"60s\"\n", "")
    }

    /// Like [`Lab::new`] with another backfill, more `[collect]` lines, and
    /// more tables (e.g. `[store]`) after them.
    pub fn with_settings(world: World, backfill_days: u32, collect: &str, tables: &str) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let mut text = format!(
            "[collect]\nbackfill_days = {backfill_days}\n{collect}\n\
             [collect.requests_per_second]\n\"127.0.0.1\" = 1000\n\n{tables}\n"
        );
        for p in &world.projects {
            text.push_str(&format!(
                "\n[[projects]]\nname = {:?}\nrepos = {:?}\npypi = {:?}\nconda = {:?}\n",
                p.name, p.repos, p.pypi, p.conda
            ));
        }
        let fake = rt
            .block_on(start(world, "127.0.0.1:0".parse().expect("addr")))
            .expect("fake starts");
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("tacometer.toml");
        std::fs::write(&config, text).expect("config");
        let db = dir.path().join("history.duckdb");
        Self {
            _rt: rt,
            fake,
            _dir: dir,
            config,
            db,
        }
    }

    /// A `tacometerd` command aimed at the fake.
    pub fn daemon(&self) -> std::process::Command {
        let base = self.fake.base_url();
        let mut cmd = tacometerd();
        cmd.arg("--config")
            .arg(&self.config)
            .arg("--db")
            .arg(&self.db)
            .env("GITHUB_API_URL", &base)
            .env("PYPI_URL", &base)
            .env("ANACONDA_API_URL", &base)
            .env("GITHUB_TOKEN", CANARY)
            .env("RUST_LOG", "info");
        cmd
    }

    /// One `--once` pass; panics unless it exits 0.
    pub fn once(&self) -> Output {
        let out = run(self.daemon().arg("--once"));
        assert!(
            out.status.success(),
            "tacometerd --once failed: {}",
            stderr(&out)
        );
        out
    }
}

/// A generated world whose `now` is a little in the past, so pushes stay in the past too.
pub fn world(seed: u64, repos: usize, years: u32) -> World {
    generate(&GenSpec {
        seed,
        repos,
        years,
        now: Utc::now() - chrono::Duration::hours(2),
        ..GenSpec::default()
    })
}

/// GraphQL points and REST core requests of the last collection run.
fn last_run_spent(db: &Path) -> (i64, i64) {
    rows(
        db,
        "SELECT graphql_points, rest_requests FROM collection_runs ORDER BY run_id DESC LIMIT 1",
        |r| Ok((r.get(0)?, r.get(1)?)),
    )[0]
}

pub fn rows<T>(db: &Path, sql: &str, f: impl Fn(&duckdb::Row<'_>) -> duckdb::Result<T>) -> Vec<T> {
    let mut store = Store::open_read(db, Duration::from_secs(10)).expect("open history");
    let mut stmt = store
        .raw_connection_for_tests()
        .prepare(sql)
        .expect("prepare");
    stmt.query_map([], |r| f(r))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

/// Everything the history holds that must equal the world's ground truth.
#[derive(PartialEq, Eq)]
pub struct Facts {
    commits: BTreeSet<(String, String)>,
    authors: BTreeSet<(String, String, i32, String)>,
    actions: BTreeSet<(String, String, Option<String>)>,
    releases: BTreeSet<(String, String, String)>,
}

impl std::fmt::Debug for Facts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} commits, {} authors, {} actions runs, {} releases",
            self.commits.len(),
            self.authors.len(),
            self.actions.len(),
            self.releases.len()
        )
    }
}

/// Says how two fact sets differ (a few examples of each difference).
pub fn diff(got: &Facts, want: &Facts) -> String {
    fn part<T: Ord + std::fmt::Debug>(name: &str, a: &BTreeSet<T>, b: &BTreeSet<T>) -> String {
        let missing: Vec<_> = b.difference(a).take(3).collect();
        let extra: Vec<_> = a.difference(b).take(3).collect();
        if missing.is_empty() && extra.is_empty() {
            return String::new();
        }
        format!(
            "{name}: {} missing (e.g. {missing:?}), {} extra (e.g. {extra:?}); ",
            b.difference(a).count(),
            a.difference(b).count()
        )
    }
    part("commits", &got.commits, &want.commits)
        + &part("authors", &got.authors, &want.authors)
        + &part("actions", &got.actions, &want.actions)
        + &part("releases", &got.releases, &want.releases)
}

/// Reads the facts from the database.
pub fn facts(db: &Path) -> Facts {
    Facts {
        commits: rows(db, "SELECT node_id, sha FROM commits", |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .into_iter()
        .collect(),
        authors: rows(
            db,
            "SELECT node_id, sha, position, identity FROM commit_authors",
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .into_iter()
        .collect(),
        actions: rows(
            db,
            "SELECT node_id, run_key, conclusion FROM ci_runs WHERE provider = 'actions' \
             QUALIFY row_number() OVER (PARTITION BY node_id, run_key \
                                        ORDER BY observed_at DESC) = 1",
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .into_iter()
        .collect(),
        releases: rows(
            db,
            "SELECT ecosystem, package, version FROM releases",
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .into_iter()
        .collect(),
    }
}

/// Checks the database against the world, for history since `since`.
fn assert_matches_world(db: &Path, world: &World, since: DateTime<Utc>) {
    let tracked: BTreeSet<String> = world
        .projects
        .iter()
        .flat_map(|p| p.repos.iter().map(|r| r.to_lowercase()))
        .collect();
    let repos: Vec<_> = world
        .repos
        .iter()
        .filter(|r| !r.deleted)
        .filter(|r| {
            tracked.contains(&r.full_name().to_lowercase())
                || r.former_names
                    .iter()
                    .any(|n| tracked.contains(&n.to_lowercase()))
        })
        .collect();
    assert!(repos.len() > 30, "a world of realistic size");
    let list = tacometer_core::store::texts;
    // The latest snapshot of every repository, in one query.
    let latest: BTreeMap<String, (i64, Vec<String>, Vec<String>)> = rows(
        db,
        "SELECT node_id, stars, layout_files, codeowners_users FROM repo_snapshots \
         QUALIFY row_number() OVER (PARTITION BY node_id ORDER BY observed_at DESC) = 1",
        |r| Ok((r.get(0)?, (r.get(1)?, list(r.get(2)?), list(r.get(3)?)))),
    )
    .into_iter()
    .collect();
    let got = facts(db);
    let margin = chrono::Duration::minutes(10);
    let mut expected_commits = 0;
    for repo in &repos {
        let name = repo.full_name();
        let (stars, layout, users) = latest
            .get(&repo.id)
            .unwrap_or_else(|| panic!("no snapshot of {name}"));
        assert_eq!(*stars, repo.stars.len() as i64, "stars of {name}");
        for c in &repo.commits {
            let key = (repo.id.clone(), c.sha.clone());
            if c.committed_at > since + margin {
                expected_commits += 1;
                assert!(
                    got.commits.contains(&key),
                    "commit {} of {name} missing",
                    c.sha
                );
                let mut people = vec![&c.author];
                people.extend(c.co_authors.iter());
                for (i, p) in people.iter().enumerate() {
                    let id = identity(p.login.as_deref(), Some(&p.email), Some(&p.name));
                    let key = (repo.id.clone(), c.sha.clone(), i as i32, id.clone());
                    assert!(
                        got.authors.contains(&key),
                        "author {i} ({id}) of {} in {name}",
                        c.sha
                    );
                }
            } else if c.committed_at < since - margin {
                assert!(
                    !got.commits.contains(&key),
                    "commit {} is older than the backfill",
                    c.sha
                );
            }
        }
        let branch = repo.default_branch.clone().unwrap_or_default();
        for run in repo
            .workflow_runs
            .iter()
            .filter(|r| r.head_branch == branch)
        {
            if run.created_at > since + margin {
                let key = (
                    repo.id.clone(),
                    format!("actions:{}", run.id),
                    run.conclusion.clone(),
                );
                assert!(got.actions.contains(&key), "run {} of {name}", run.id);
            }
        }
        for f in [
            "README.md",
            "LICENSE",
            "CONTRIBUTING.md",
            "CODE_OF_CONDUCT.md",
        ] {
            let present = repo.files.contains_key(f);
            assert_eq!(layout.iter().any(|x| x == f), present, "{f} in {name}");
        }
        let owners_file = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]
            .iter()
            .find_map(|p| repo.files.get(*p));
        let expected = owners_file
            .map(|t| parse_codeowners(t).users)
            .unwrap_or_default();
        assert_eq!(users, &expected, "CODEOWNERS users of {name}");
    }
    assert!(
        expected_commits > 200,
        "the world has real history ({expected_commits})"
    );
    for p in &world.pypi {
        if world
            .projects
            .iter()
            .any(|e| e.pypi.iter().any(|n| n == &p.name))
        {
            for r in &p.releases {
                let normalized = p.name.to_lowercase().replace(['_', '.'], "-");
                let key = ("pypi".to_string(), normalized, r.version.clone());
                assert!(got.releases.contains(&key), "release {key:?}");
            }
        }
    }
}

#[test]
fn a_first_pass_stores_the_world_and_later_passes_only_what_changed() {
    let lab = Lab::new(world(11, 175, 2));
    let started = Utc::now();
    let first = lab.once();
    let world = lab.fake.world();
    assert_matches_world(&lab.db, &world, started - chrono::Duration::days(365));
    let first_acct = lab.fake.accounting();
    eprintln!(
        "first pass: {} requests, {} GraphQL points, {} REST calls",
        first_acct.requests, first_acct.graphql_points, first_acct.rest_calls
    );
    assert_eq!(first_acct.violations, 0);
    let logs = crate::util::stderr(&first);
    assert!(!logs.contains(CANARY), "the token leaked into the logs");
    // The run records GraphQL points and REST core requests apart, as GitHub charged them.
    assert_eq!(
        last_run_spent(&lab.db),
        (
            first_acct.graphql_points as i64,
            first_acct.rest_calls as i64
        ),
        "GraphQL points and REST core requests of the first run"
    );

    // Steady state: nothing changed upstream.
    lab.fake.reset_accounting();
    lab.once();
    let steady = lab.fake.accounting();
    eprintln!(
        "steady pass: {} requests, {} GraphQL points, {} REST calls, {} answered 304",
        steady.requests, steady.graphql_points, steady.rest_calls, steady.not_modified
    );
    assert!(
        steady.graphql_points <= 10,
        "steady pass spent {} points: {}",
        steady.graphql_points,
        crate::converge::spent_by_operation(&steady)
    );
    assert_eq!(steady.rest_calls, 0, "every REST call was answered 304");
    let actions = steady.routes.get("actions_runs").map_or(0, |c| c.requests);
    assert_eq!(steady.not_modified, actions);
    assert_eq!(
        last_run_spent(&lab.db),
        (steady.graphql_points as i64, 0),
        "answers 304 cost no REST core request"
    );
    let before = facts(&lab.db);

    // A push: new commits, stars and CI runs on a few repos.
    let pushed: Vec<String> = world
        .projects
        .iter()
        .take(5)
        .map(|p| p.repos[0].clone())
        .collect();
    for repo in &pushed {
        lab.fake
            .push(&tacometer_fake::PushSpec {
                repo: repo.clone(),
                commits: 4,
                stars: 3,
                runs: 2,
                conclusion: "success".into(),
                advance_secs: 60,
            })
            .expect("push");
    }
    lab.once();
    let after = facts(&lab.db);
    let world = lab.fake.world();
    assert_matches_world(&lab.db, &world, started - chrono::Duration::days(365));
    let new_commits: Vec<_> = after.commits.difference(&before.commits).collect();
    assert_eq!(
        new_commits.len(),
        5 * 4,
        "exactly the pushed commits are new"
    );
    assert!(before.commits.is_subset(&after.commits));
    let new_runs = after.actions.len() - before.actions.len();
    assert_eq!(new_runs, 5 * 2, "exactly the pushed runs are new");
    let dup: i64 = rows(
        &lab.db,
        "SELECT count(*) - count(DISTINCT (node_id, sha)) FROM commits",
        |r| r.get(0),
    )[0];
    assert_eq!(dup, 0);

    // `tacometer status` reports every collected target and the budget GitHub announced.
    let out = run(crate::util::tacometer()
        .arg("--db")
        .arg(&lab.db)
        .args(["status", "--format", "json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let status: serde_json::Value =
        serde_json::from_str(&crate::util::stdout(&out)).expect("status json");
    let targets = status["targets"].as_array().expect("targets");
    let repo_targets = targets.iter().filter(|t| t["kind"] == "repo").count();
    assert_eq!(
        repo_targets,
        lab.fake
            .world()
            .projects
            .iter()
            .map(|p| p.repos.len())
            .sum::<usize>()
    );
    assert!(
        targets
            .iter()
            .all(|t| t["failures"] == 0 && !t["last_success_at"].is_null())
    );
    // One budget per resource, each with its own limit and reset, as GitHub
    // (here the fake, with `x-ratelimit-resource`) announced them.
    let limits = lab.fake.world().limits;
    for (resource, limit) in [("graphql", limits.graphql), ("core", limits.core)] {
        let b = &status["github_budget"][resource];
        assert_eq!(b["limit"], limit, "{resource}: {b}");
        assert!(
            b["remaining"]
                .as_i64()
                .is_some_and(|r| r > 0 && r < limit as i64),
            "{resource} was spent from: {b}"
        );
        assert!(b["reset_at"].is_string(), "{resource}: {b}");
    }
    assert_eq!(status["last_run"]["status"], "ok");
    assert!(status["last_run"]["graphql_points"].as_i64().is_some());
    assert!(status["last_run"]["rest_requests"].as_i64().is_some());
    let resources = rows(
        &lab.db,
        "SELECT DISTINCT resource FROM rate_limit_observations ORDER BY 1",
        |r| r.get::<_, String>(0),
    );
    assert_eq!(resources, ["core", "graphql"]);
    let out = run(crate::util::tacometer()
        .arg("--db")
        .arg(&lab.db)
        .args(["status", "--format", "table"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let table = crate::util::stdout(&out);
    for line in [
        "GitHub GraphQL budget: ",
        "GitHub REST core budget: ",
        "points left, resets ",
        "requests left, resets ",
    ] {
        assert!(table.contains(line), "{line} in {table}");
    }
    assert!(!table.contains("not seen yet"), "{table}");

    let db_bytes = std::fs::read(&lab.db).expect("read db");
    assert!(
        !db_bytes
            .windows(CANARY.len())
            .any(|w| w == CANARY.as_bytes()),
        "the token reached the database file"
    );
}

#[test]
fn faults_and_a_missing_repo_converge_on_the_clean_data() {
    let mut w = world(23, 175, 1);
    // One tracked repository is gone upstream.
    let gone = w.projects[3].repos[0].clone();
    for r in w.repos.iter_mut() {
        if r.full_name() == gone || r.former_names.contains(&gone) {
            r.deleted = true;
        }
    }
    let clean = Lab::with_backfill(w.clone(), 730);
    clean.once();
    let expected = facts(&clean.db);

    let faulty = Lab::with_backfill(w, 730);
    let route = |name: &str| tacometer_fake::RouteFault {
        route: name.to_string(),
        error_rate: 0.04,
        drop_rate: 0.03,
        malformed_rate: 0.03,
        ..tacometer_fake::RouteFault::default()
    };
    faulty.fake.set_faults(tacometer_fake::Faults {
        seed: 5,
        routes: ["graphql", "actions_runs", "pypi", "anaconda"]
            .map(route)
            .to_vec(),
        ..tacometer_fake::Faults::default()
    });
    let mut passes = 0;
    loop {
        passes += 1;
        faulty.once();
        if facts(&faulty.db) == expected || passes == 4 {
            break;
        }
    }
    let got = facts(&faulty.db);
    assert!(
        got == expected,
        "not converged after {passes} passes: {}",
        diff(&got, &expected)
    );
    let errors: Vec<(String, String)> = rows(
        &faulty.db,
        "SELECT DISTINCT target, kind FROM collection_errors WHERE kind = 'not_found'",
        |r| Ok((r.get(0)?, r.get(1)?)),
    );
    assert!(
        errors
            .iter()
            .any(|(t, _)| t == &format!("repo:{}", gone.to_lowercase())),
        "the missing repo is reported: {errors:?}"
    );
}

#[test]
fn rate_limits_are_obeyed_and_the_pass_completes_after_the_wait() {
    let w = world(31, 40, 1);
    let lab = Lab::with_backfill(w.clone(), 730);
    lab.fake.set_faults(tacometer_fake::Faults {
        seed: 1,
        exhaust: Some(tacometer_fake::Exhaust {
            resource: "graphql".into(),
            reset_in_secs: 2,
            status: 403,
            token: None,
            new_style: false,
        }),
        secondary: Some(tacometer_fake::SecondaryLimit {
            every: 0,
            next: 2,
            max_concurrent: 0,
            retry_after_secs: 1,
            status: 403,
            graphql_status: 403,
        }),
        ..tacometer_fake::Faults::default()
    });
    lab.once();
    let acct = lab.fake.accounting();
    assert_eq!(
        acct.violations, 0,
        "requests sent while told to wait: {:?}",
        acct.violation_log
    );
    let limited: u64 = acct
        .routes
        .values()
        .map(|c| c.rate_limited + c.secondary_limited)
        .sum();
    assert!(limited > 0, "the limits were actually hit");
    let clean = Lab::with_backfill(w, 730);
    clean.once();
    let (got, want) = (facts(&lab.db), facts(&clean.db));
    assert!(
        got == want,
        "the pass completed after waiting: {}",
        diff(&got, &want)
    );
}

#[test]
fn sigterm_stops_promptly_and_kill_9_never_corrupts() {
    let w = world(41, 60, 1);
    let reference = Lab::with_backfill(w.clone(), 730);
    reference.once();
    let expected = facts(&reference.db);

    let lab = Lab::with_backfill(w, 730);
    lab.fake.set_faults(tacometer_fake::Faults {
        seed: 2,
        routes: vec![tacometer_fake::RouteFault {
            route: "graphql".into(),
            latency_ms: 30,
            ..tacometer_fake::RouteFault::default()
        }],
        ..tacometer_fake::Faults::default()
    });
    // SIGTERM mid-pass.
    let mut child = Reaped(lab.daemon().arg("--once").spawn().expect("start"));
    std::thread::sleep(Duration::from_millis(1500));
    stop_within(&mut child, Duration::from_secs(5));

    // kill -9 at spread-out moments, 20 times.
    for i in 0..20u64 {
        let mut child = lab.daemon().arg("--once").spawn().expect("start");
        std::thread::sleep(Duration::from_millis(150 + (i * 97) % 900));
        let _ = child.kill();
        let _ = child.wait();
    }
    lab.fake.set_faults(tacometer_fake::Faults::default());
    lab.once();
    let got = facts(&lab.db);
    assert!(
        got == expected,
        "interrupted history differs: {}",
        diff(&got, &expected)
    );
}

/// Sends SIGTERM to `child` and waits for it; panics unless it exits cleanly
/// within `limit`. Returns how long it took.
pub fn stop_within(child: &mut std::process::Child, limit: Duration) -> Duration {
    let sent = std::time::Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let code = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if sent.elapsed() > limit {
            let _ = child.kill();
            panic!("still running {limit:?} after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(code.success(), "a stop request is a clean exit: {code}");
    sent.elapsed()
}

#[test]
fn sigterm_stops_promptly_while_thousands_of_missing_repositories_are_recorded() {
    // 10,000 configured projects whose repositories GitHub does not have
    // (and 5 it has): the pass records a failure for each.
    let mut ghosts = String::new();
    for i in 0..10_000 {
        ghosts.push_str(&format!(
            "[[projects]]\nname = \"Ghost {i}\"\nrepos = [\"ghost-org/ghost-{i}\"]\n"
        ));
    }
    let lab = Lab::with_settings(world(43, 5, 1), 30, "item_timeout = \"60s\"\n", &ghosts);
    // Early (names being resolved) and later (failures being written), counted
    // from the pass's first request: before it, the process may not yet
    // listen for signals.
    let resolving = |lab: &Lab| {
        lab.fake
            .accounting()
            .operations
            .get("FindRepos")
            .map_or(0, |o| o.requests)
    };
    for wait_ms in [500u64, 3_500] {
        let before = resolving(&lab);
        let mut child = Reaped(
            lab.daemon()
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("start"),
        );
        let started = std::time::Instant::now();
        while resolving(&lab) == before {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the pass never asked GitHub for the names"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(wait_ms));
        let took = stop_within(&mut child, Duration::from_secs(5));
        eprintln!("stopped {took:?} after SIGTERM ({wait_ms} ms into the pass)");
    }
    // The interrupted passes left a database the next pass completes: every
    // missing repository recorded, with what GitHub said.
    lab.once();
    let recorded: Vec<(i64, i64)> = rows(
        &lab.db,
        "SELECT count(DISTINCT target), count(*) FILTER (WHERE message NOT LIKE \
         'GitHub has no repository ghost-org/ghost-% (NOT_FOUND)') \
         FROM collection_errors WHERE kind = 'not_found' AND target LIKE 'repo:ghost-org/%'",
        |r| Ok((r.get(0)?, r.get(1)?)),
    );
    assert_eq!(recorded, vec![(10_000, 0)]);
}

/// A directory to put on `PATH` holding an executable `gh` that runs `body`.
#[cfg(unix)]
fn fake_gh(body: Option<&str>) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(body) = body {
        let path = dir.path().join("gh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write gh");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    dir
}

#[cfg(unix)]
#[test]
fn the_token_of_gh_auth_token_reaches_github_and_nowhere_else() {
    const GH_CANARY: &str = "gho_GHCANARY0123456789abcdefghijklmnopqr";
    let mut w = world(41, 4, 1);
    // The fake refuses any other token, so every success below carried this one.
    w.limits.tokens = vec![GH_CANARY.to_string()];
    let lab = Lab::new(w);
    let gh = fake_gh(Some(&format!(
        "[ \"$1 $2 $3 $4\" = \"auth token --hostname 127.0.0.1\" ] || exit 2\n\
         echo 'a warning on stderr' >&2\n\
         echo '{GH_CANARY}'"
    )));
    let out = run(lab
        .daemon()
        .env_remove("GITHUB_TOKEN")
        .env("PATH", gh.path())
        .arg("--once"));
    let logs = stderr(&out);
    assert!(out.status.success(), "{logs}");
    assert!(logs.contains("`gh auth token`"), "{logs}");
    assert!(!logs.contains(GH_CANARY), "the token leaked into the logs");
    let acct = lab.fake.accounting();
    assert!(
        acct.tokens.get(GH_CANARY).is_some_and(|c| c.requests > 0),
        "GitHub was sent gh's token: {:?}",
        acct.tokens.keys().count()
    );
    assert_eq!(acct.violations, 0);
    let failing: i64 = rows(
        &lab.db,
        "SELECT count(*) FROM collection_state WHERE failures > 0",
        |r| r.get(0),
    )[0];
    assert_eq!(failing, 0, "everything was collected with gh's token");
    let db_bytes = std::fs::read(&lab.db).expect("read db");
    assert!(
        !db_bytes
            .windows(GH_CANARY.len())
            .any(|w| w == GH_CANARY.as_bytes()),
        "the token reached the database file"
    );
}

#[cfg(unix)]
#[test]
fn without_a_token_a_failing_or_missing_gh_means_no_token() {
    const PRINTED: &str = "gho_PRINTEDBUTFAILED0123456789abcdefghij";
    let lab = Lab::new(world(43, 2, 1));
    for body in [Some(format!("echo '{PRINTED}'\nexit 1")), None] {
        let gh = fake_gh(body.as_deref());
        lab.fake.reset_accounting();
        let out = run(lab
            .daemon()
            .env_remove("GITHUB_TOKEN")
            .env("PATH", gh.path())
            .arg("--once"));
        let logs = stderr(&out);
        assert!(out.status.success(), "a missing token is not fatal: {logs}");
        assert!(logs.contains("no GitHub token"), "{logs}");
        assert!(!logs.contains(PRINTED), "a failing gh's output is not used");
        let acct = lab.fake.accounting();
        assert!(acct.tokens.is_empty(), "no token was sent");
        let refused = acct
            .routes
            .get("graphql")
            .and_then(|c| c.statuses.get("401"))
            .copied()
            .unwrap_or(0);
        assert!(refused > 0, "GitHub was asked without a token and refused");
    }
}

#[test]
fn a_database_not_tacometers_or_without_its_schema_record_stops_both_binaries() {
    let lab = Lab::new(world(7, 1, 1));
    // Another program's DuckDB file: refused, not a byte written.
    {
        let conn = duckdb::Connection::open(&lab.db).expect("raw open");
        conn.execute_batch(
            "CREATE TABLE people (id INT, name VARCHAR); INSERT INTO people VALUES (1, 'a'); \
             CREATE TABLE orders (id INT);",
        )
        .expect("foreign tables");
    }
    let before = std::fs::read(&lab.db).expect("read");
    let out = run(lab.daemon().arg("--once"));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let wanted = format!(
        "tacometerd: error: {} is a DuckDB database but not a tacometer one: it has tables \
         orders, people and no tacometer schema; refusing to write to it\n",
        lab.db.display()
    );
    assert!(stderr(&out).ends_with(&wanted), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&lab.db).expect("read"),
        before,
        "file unchanged"
    );
    let out = run(crate::util::tacometer()
        .arg("--config")
        .arg(&lab.config)
        .arg("--db")
        .arg(&lab.db)
        .arg("report"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).ends_with("and no tacometer schema; refusing to read it\n"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(&lab.db).expect("read"),
        before,
        "file unchanged"
    );

    // A real history whose record of migrations was dropped: damaged, and
    // neither binary suggests or attempts a migration over it.
    std::fs::remove_file(&lab.db).expect("remove");
    lab.once();
    let commits = |db: &Path| -> i64 {
        let conn = duckdb::Connection::open(db).expect("raw open");
        conn.query_row("SELECT count(*) FROM commits", [], |r| r.get(0))
            .expect("count")
    };
    let kept = commits(&lab.db);
    assert!(kept > 0, "the world has commits");
    duckdb::Connection::open(&lab.db)
        .expect("raw open")
        .execute_batch("DROP TABLE schema_migrations")
        .expect("drop");
    for out in [
        run(crate::util::tacometer()
            .arg("--config")
            .arg(&lab.config)
            .arg("--db")
            .arg(&lab.db)
            .arg("report")),
        run(lab.daemon().arg("--once")),
    ] {
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(
                "is damaged: it has 25 of tacometer's 25 tables but no record of its schema version"
            ),
            "{err}"
        );
        assert!(
            err.contains("Restore it from a backup, or move it aside"),
            "{err}"
        );
        assert!(
            !err.contains("already exists"),
            "no migration attempted: {err}"
        );
        assert!(!err.contains("to upgrade it"), "{err}");
    }
    assert_eq!(commits(&lab.db), kept, "the history is untouched");
}
