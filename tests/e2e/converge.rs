//! Collection that always converges: a backfill bigger than a pass resumes
//! where it stopped (also after `kill -9`), unchanged and slightly moved
//! repositories cost next to nothing, requests run concurrently within their
//! limits, and a database held by a reader only delays the daemon.

use std::time::{Duration, Instant};

use tacometer_core::store::Store;

use crate::daemon::{Lab, diff, facts, stop_within, world};
use crate::util::Reaped;

/// Waits until `f` holds, polling; panics after `limit`.
fn wait_until(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The status of a collection run, read without holding the file for long.
fn run_status(db: &std::path::Path, run_id: i64) -> Option<String> {
    let mut store = Store::open_read(db, Duration::from_secs(30)).ok()?;
    store
        .raw_connection_for_tests()
        .query_row(
            "SELECT status FROM collection_runs WHERE run_id = ?",
            [run_id],
            |r| r.get(0),
        )
        .ok()
}

#[test]
fn a_reader_holding_the_database_only_delays_the_daemon() {
    let w = world(51, 40, 1);
    let reference = Lab::with_backfill(w.clone(), 730);
    reference.once();
    let expected = facts(&reference.db);

    // A reader holds the file longer than a backfill's share of a pass: only
    // time spent asking GitHub counts against that share, so the first pass
    // still finishes every backfill.
    let lab = Lab::with_settings(
        w,
        730,
        "item_timeout = \"10s\"\n",
        "[store]\nlock_wait = \"1s\"\n",
    );
    // A slower upstream, so the first pass is still running when the reader comes.
    lab.fake.set_faults(tacometer_fake::Faults {
        seed: 3,
        routes: vec![tacometer_fake::RouteFault {
            route: "graphql".into(),
            latency_ms: 40,
            ..tacometer_fake::RouteFault::default()
        }],
        ..tacometer_fake::Faults::default()
    });
    let log = lab.config.with_file_name("daemon.log");
    let mut child = Reaped(
        lab.daemon()
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start tacometerd"),
    );
    // The first run has started.
    wait_until(Duration::from_secs(120), "the first run", || {
        run_status(&lab.db, 1).is_some()
    });
    // A reader holds the file 15 times the daemon's lock_wait, and longer than
    // its item_timeout.
    {
        let _reader = Store::open_read(&lab.db, Duration::from_secs(30)).expect("reader opens");
        std::thread::sleep(Duration::from_secs(15));
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the daemon exited while the reader held the database: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    wait_until(Duration::from_secs(300), "the first run to finish", || {
        run_status(&lab.db, 1).is_some_and(|s| s != "running")
    });
    assert!(
        child.try_wait().expect("poll").is_none(),
        "the daemon keeps running after its pass"
    );
    stop_within(&mut child, Duration::from_secs(10));
    let logs = std::fs::read_to_string(&log).expect("read log");
    assert!(
        logs.contains("waiting for the database"),
        "the daemon says it is waiting: {logs}"
    );
    assert_eq!(run_status(&lab.db, 1).as_deref(), Some("ok"));
    let got = facts(&lab.db);
    assert!(
        got == expected,
        "the data equals an undisturbed run: {}",
        diff(&got, &expected)
    );
    // Nothing was left to the next pass: it costs what an unchanged pass costs.
    lab.fake.set_faults(tacometer_fake::Faults::default());
    lab.fake.reset_accounting();
    lab.once();
    let next = lab.fake.accounting();
    assert!(
        next.graphql_points <= 2,
        "the pass after the held one spent {} points: {}",
        next.graphql_points,
        spent_by_operation(&next)
    );
}

/// GraphQL points by operation, for messages.
pub fn spent_by_operation(a: &tacometer_fake::Accounting) -> String {
    a.operations
        .iter()
        .filter(|(_, c)| c.graphql_points > 0)
        .map(|(op, c)| {
            format!(
                "{op} {} points in {} requests",
                c.graphql_points, c.requests
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A world of a few ordinary repositories and one with 20,000 commits in the
/// last 300 days (inside the 365-day backfill).
fn big_world() -> (tacometer_fake::World, String) {
    let mut w = world(61, 4, 1);
    let node = tacometer_fake::add_big_repo(
        &mut w,
        &tacometer_fake::BigRepoSpec {
            seed: 61,
            commits: 20_000,
            days: 300,
            ..tacometer_fake::BigRepoSpec::default()
        },
    );
    (w, node)
}

/// GitHub answering like the real one, scaled down: a fixed part and a part
/// per object, so a 100-commit history page takes several times longer than
/// a small query.
fn slow_github(lab: &Lab) {
    lab.fake.set_faults(tacometer_fake::Faults {
        seed: 9,
        routes: vec![tacometer_fake::RouteFault {
            route: "graphql".into(),
            latency_ms: 40,
            latency_per_object_us: 150,
            ..tacometer_fake::RouteFault::default()
        }],
        ..tacometer_fake::Faults::default()
    });
}

fn commits_of(db: &std::path::Path, node: &str) -> std::collections::BTreeSet<String> {
    let mut store = Store::open_read(db, Duration::from_secs(30)).expect("open");
    let conn = store.raw_connection_for_tests();
    let mut stmt = conn
        .prepare("SELECT sha FROM commits WHERE node_id = ?")
        .expect("prepare");
    stmt.query_map([node], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

/// Runs `check` on the big project (as of `as_of`, or now) and returns its
/// `commits` requirement.
fn big_commits(lab: &Lab, project: &str, as_of: Option<&str>) -> serde_json::Value {
    let mut cmd = crate::util::tacometer();
    cmd.arg("--db")
        .arg(&lab.db)
        .arg("--config")
        .arg(&lab.config)
        .args(["check", project, "--format", "json"]);
    if let Some(t) = as_of {
        cmd.args(["--as-of", t]);
    }
    let out = crate::util::run(&mut cmd);
    let doc: serde_json::Value =
        serde_json::from_str(&crate::util::stdout(&out)).expect("check json");
    doc["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .find(|r| r["id"] == "commits")
        .cloned()
        .expect("commits requirement")
}

#[test]
fn a_backfill_bigger_than_a_pass_converges_and_survives_kill_9() {
    let (w, node) = big_world();
    let truth: std::collections::BTreeSet<String> = w
        .repos
        .iter()
        .find(|r| r.id == node)
        .expect("big repo")
        .commits
        .iter()
        .map(|c| c.sha.clone())
        .collect();
    assert_eq!(truth.len(), 20_000);
    let project = w.projects.last().expect("big project").name.clone();

    // One uninterrupted backfill: the reference for time, points and data.
    let reference = Lab::with_settings(w.clone(), 365, "item_timeout = \"600s\"\n", "");
    slow_github(&reference);
    let started = Instant::now();
    reference.once();
    let uninterrupted = started.elapsed();
    let reference_points = reference.fake.accounting().graphql_points;
    assert_eq!(commits_of(&reference.db, &node), truth);
    let expected = facts(&reference.db);

    // Steps of a few seconds: no pass can finish the backfill. Before every
    // other pass, a run is killed with SIGKILL at a moment spread over it.
    let step = Duration::from_secs(15);
    let bound = uninterrupted.as_secs_f64() / step.as_secs_f64();
    let bound = bound.ceil() as usize + 2;
    eprintln!(
        "uninterrupted backfill: {:.1} s, {reference_points} points; bound {bound} passes",
        uninterrupted.as_secs_f64()
    );
    let lab = Lab::with_settings(w, 365, "item_timeout = \"15s\"\n", "");
    slow_github(&lab);
    let mut passes = 0;
    let mut kills = 0;
    let mut partial_seen = false;
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(250))
        .format("%Y-%m-%d")
        .to_string();
    loop {
        if passes % 2 == 1 {
            let mut child = lab.daemon().arg("--once").spawn().expect("start");
            std::thread::sleep(Duration::from_millis(1500 + (passes as u64 * 1613) % 6000));
            let _ = child.kill();
            let _ = child.wait();
            kills += 1;
        }
        lab.once();
        passes += 1;
        let stored = commits_of(&lab.db, &node).len();
        if stored == truth.len() {
            break;
        }
        if !partial_seen {
            // A partial backfill: a window it has not reached yet (250 days
            // back) reads unknown, never a partial count.
            let m = big_commits(&lab, &project, Some(&long_ago));
            assert_eq!(
                m["status"],
                "unknown",
                "{stored} of {} commits: {m}",
                truth.len()
            );
            assert!(m["value"].is_null(), "{m}");
            partial_seen = true;
        }
        assert!(
            passes < bound,
            "not converged after {passes} passes: {stored} of {} commits",
            truth.len()
        );
    }
    let points = lab.fake.accounting().graphql_points;
    eprintln!(
        "converged in {passes} passes (and {kills} runs killed), {points} points \
         ({:.2}x the uninterrupted backfill)",
        points as f64 / reference_points as f64
    );
    assert!(partial_seen, "no pass could finish the backfill");
    assert_eq!(commits_of(&lab.db, &node), truth, "every commit, no more");
    let got = facts(&lab.db);
    assert!(got == expected, "{}", diff(&got, &expected));
    assert!(
        points as f64 <= 1.1 * reference_points as f64,
        "{points} points against {reference_points} uninterrupted"
    );
    let m = big_commits(&lab, &project, None);
    assert_eq!(m["status"], "pass", "{m}");
    let m = big_commits(&lab, &project, Some(&long_ago));
    assert_ne!(m["status"], "unknown", "the whole backfill is known: {m}");
    assert_eq!(lab.fake.accounting().violations, 0);
}

#[test]
fn unchanged_and_slightly_moved_repositories_cost_next_to_nothing() {
    let w = world(71, 150, 1);
    let lab = Lab::new(w.clone());
    lab.once();
    let first = lab.fake.accounting();
    assert_eq!(first.violations, 0);
    let secondary: u64 = first.routes.values().map(|c| c.secondary_limited).sum();
    assert_eq!(secondary, 0, "no secondary-limit answers");
    assert!(
        first.max_in_flight >= 2,
        "repositories are collected concurrently (at most {} in flight)",
        first.max_in_flight
    );
    assert!(
        first.max_in_flight <= 4,
        "the per-host limit holds ({} in flight)",
        first.max_in_flight
    );
    let repos: usize = w.projects.iter().map(|p| p.repos.len()).sum();

    // Nothing changed upstream.
    lab.fake.reset_accounting();
    lab.once();
    let steady = lab.fake.accounting();
    eprintln!(
        "unchanged pass over {repos} repos: {} points, {} REST calls, {} answered 304",
        steady.graphql_points, steady.rest_calls, steady.not_modified
    );
    assert!(
        steady.graphql_points as f64 <= 0.1 * repos as f64,
        "{} points for {repos} repositories: {}",
        steady.graphql_points,
        spent_by_operation(&steady)
    );
    let actions = steady.routes.get("actions_runs").map_or(0, |c| c.requests);
    assert!(actions > 0);
    assert_eq!(
        steady.not_modified, actions,
        "every Actions request is a 304"
    );
    assert_eq!(steady.rest_calls, 0);

    // 15 repositories moved by 3 commits each.
    let moved: Vec<String> = w
        .projects
        .iter()
        .map(|p| p.repos[0].clone())
        .take(15)
        .collect();
    for repo in &moved {
        lab.fake
            .push(&tacometer_fake::PushSpec {
                repo: repo.clone(),
                commits: 3,
                stars: 0,
                runs: 0,
                conclusion: "success".into(),
                advance_secs: 60,
            })
            .expect("push");
    }
    lab.fake.reset_accounting();
    lab.once();
    let acct = lab.fake.accounting();
    let history = acct.operations.get("CommitHistory").expect("history read");
    eprintln!(
        "15 moved repos: {} points in all, {} for history over {} repos",
        acct.graphql_points,
        history.graphql_points,
        history.repos.len()
    );
    assert_eq!(history.repos.len(), 15, "history only for the moved repos");
    let mut per_repo: Vec<(u64, &String)> = history
        .repos
        .iter()
        .map(|(node, c)| (c.graphql_points, node))
        .collect();
    per_repo.sort();
    eprintln!("history points per moved repo: {per_repo:?}");
    // No window re-read (a 91-day page alone costs 3 points per repository):
    // one point per moved repository, with room for one exception of two.
    assert!(
        history.graphql_points <= 15 + 2,
        "{} history points for 15 moved repositories: {per_repo:?}",
        history.graphql_points
    );
    assert!(
        per_repo.iter().filter(|(p, _)| *p > 1).count() <= 1,
        "{per_repo:?}"
    );
}

/// One value of a cell read with a fresh read-only connection.
fn count(db: &std::path::Path, sql: &str, param: &str) -> i64 {
    let mut store = Store::open_read(db, Duration::from_secs(30)).expect("open history");
    store
        .raw_connection_for_tests()
        .query_row(sql, [param], |r| r.get(0))
        .expect(sql)
}

#[test]
fn a_past_answer_stays_the_same_after_force_pushes_yanks_and_reruns() {
    let w = world(81, 20, 1);
    // A project with a PyPI package whose primary repository has Actions
    // runs and commits in the last month (so a force-push takes commits out
    // of the counting window).
    let (project, repo, runs, package, version) = w
        .projects
        .iter()
        .find_map(|p| {
            let name = p.repos.first()?;
            let r = w
                .repos
                .iter()
                .find(|r| r.full_name().eq_ignore_ascii_case(name))?;
            r.commits
                .get(2)
                .filter(|c| c.committed_at > w.now - chrono::Duration::days(30))?;
            let mut runs: Vec<_> = r
                .workflow_runs
                .iter()
                .filter(|x| x.created_at <= w.now)
                .collect();
            runs.sort_by_key(|x| x.created_at);
            let runs: Vec<u64> = runs.iter().rev().take(3).map(|x| x.id).collect();
            let package = p.pypi.first()?;
            let release = w.pypi_project(package)?.releases.last()?;
            (runs.len() == 3).then(|| {
                (
                    p.name.clone(),
                    name.clone(),
                    runs,
                    package.clone(),
                    release.version.clone(),
                )
            })
        })
        .expect("a project with a package and Actions runs");
    let lab = Lab::new(w.clone());
    lab.once();
    // As of the world's date (before the first collection: reconstructed
    // state) and 40 days before it.
    let as_of = [
        tacometer_core::time::rfc3339(w.now),
        (w.now - chrono::Duration::days(40))
            .format("%Y-%m-%d")
            .to_string(),
    ];
    let cli = |args: &[&str]| {
        crate::util::run(
            crate::util::tacometer()
                .arg("--db")
                .arg(&lab.db)
                .arg("--config")
                .arg(&lab.config)
                .args(args),
        )
    };
    let answer = |t: &str| {
        let out = cli(&["report", "--format", "json", "--as-of", t]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "report: {}",
            crate::util::stderr(&out)
        );
        crate::util::stdout(&out)
    };
    let check =
        |t: &str| crate::util::stdout(&cli(&["check", &project, "--format", "json", "--as-of", t]));
    let before: Vec<(String, String)> = as_of.iter().map(|t| (answer(t), check(t))).collect();

    // Five later passes, each after a change upstream.
    let rerun = |id: u64, status: &str, conclusion: &str| tacometer_fake::Rerun {
        run_id: id,
        status: status.into(),
        conclusion: conclusion.into(),
    };
    let yank = |undo: bool| tacometer_fake::Yank {
        project: package.clone(),
        version: version.clone(),
        reason: Some("broken wheel".into()),
        undo,
    };
    let changes = [
        tacometer_fake::ChangeSpec {
            repo: repo.clone(),
            drop_commits: 2,
            commits: 1,
            ..Default::default()
        },
        tacometer_fake::ChangeSpec {
            reruns: vec![
                rerun(runs[0], "completed", "failure"),
                rerun(runs[1], "completed", "failure"),
            ],
            ..Default::default()
        },
        tacometer_fake::ChangeSpec {
            yank: vec![yank(false)],
            ..Default::default()
        },
        tacometer_fake::ChangeSpec {
            repo: repo.clone(),
            drop_commits: 1,
            commits: 2,
            reruns: vec![rerun(runs[2], "in_progress", "")],
            ..Default::default()
        },
        tacometer_fake::ChangeSpec {
            reruns: vec![rerun(runs[0], "completed", "success")],
            yank: vec![yank(true)],
            ..Default::default()
        },
    ];
    let mut dropped = Vec::new();
    for change in &changes {
        let result = lab.fake.change(&tacometer_fake::ChangeSpec {
            advance_secs: 600,
            ..change.clone()
        });
        dropped.extend(result.expect("change").dropped);
        lab.once();
    }
    // The changes reached the history.
    assert_eq!(dropped.len(), 3);
    for sha in &dropped {
        assert_eq!(
            count(
                &lab.db,
                "SELECT count(*) FROM commit_reachability WHERE sha = ? AND NOT reachable",
                sha
            ),
            1,
            "the force-pushed commit {sha} is recorded as gone (stored {} times; dropped {dropped:?})",
            count(&lab.db, "SELECT count(*) FROM commits WHERE sha = ?", sha)
        );
    }
    assert!(
        count(
            &lab.db,
            "SELECT count(*) FROM ci_runs WHERE run_key = ?",
            &format!("actions:{}", runs[0])
        ) >= 3,
        "each re-run of run {} is a new row",
        runs[0]
    );
    assert!(
        count(
            &lab.db,
            "SELECT count(*) FROM release_changes WHERE ecosystem = 'pypi' AND yanked \
             AND version = ?",
            &version
        ) >= 1,
        "the yank of {package} {version} is recorded"
    );
    // And the past answers did not move.
    for (t, (report, checked)) in as_of.iter().zip(&before) {
        let (report_now, check_now) = (answer(t), check(t));
        assert!(
            check_now == *checked,
            "check {project} --as-of {t} moved:\nbefore {checked}\nafter {check_now}"
        );
        if report_now != *report {
            let (old, new): (Vec<&str>, Vec<&str>) =
                (report.lines().collect(), report_now.lines().collect());
            let at = old.iter().zip(&new).position(|(a, b)| a != b).unwrap_or(0);
            let first = format!(
                "{}\nbefore {}\nafter  {}",
                old[at.saturating_sub(12)..at].join("\n"),
                old.get(at).unwrap_or(&""),
                new.get(at).unwrap_or(&"")
            );
            panic!("report --as-of {t} moved, first difference:\n{first}");
        }
    }
}
