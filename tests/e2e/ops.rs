//! Operating the daemon: `tacometerd --listen` (`/metrics`, `/healthz`),
//! `tacometer status --check` and its exit codes, and logs without colours.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::daemon::{Lab, stop_within, world};
use crate::util::{Reaped, run, stderr, stdout, tacometer};

/// A loopback address nothing listens on (for the daemon's `--listen`).
fn free_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr")
}

/// `GET path` over plain HTTP/1.0: the status and body, or `None` while
/// nothing answers.
fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n")?.1.to_string();
    Some((status, body))
}

/// The value of one series (name with its labels) in a Prometheus text scrape.
fn series(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Polls `f` every 50 ms until it returns `Some`, for at most `limit`.
fn wait_for<T>(limit: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends SIGTERM and waits for a clean exit.
fn stop(mut child: Reaped) {
    stop_within(&mut child, Duration::from_secs(10));
}

/// GraphQL answers `ms` late, so a pass lasts long enough to be watched.
fn slow_graphql(lab: &Lab, ms: u64) {
    lab.fake.set_faults(tacometer_fake::Faults {
        seed: 1,
        routes: vec![tacometer_fake::RouteFault {
            route: "graphql".into(),
            latency_ms: ms,
            ..tacometer_fake::RouteFault::default()
        }],
        ..tacometer_fake::Faults::default()
    });
}

/// The daemon of `lab` serving `/metrics` and `/healthz` on a free port.
fn listening_daemon(lab: &Lab) -> (Reaped, SocketAddr) {
    let addr = free_addr();
    let child = lab
        .daemon()
        .args(["--listen", &addr.to_string()])
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    (Reaped(child), addr)
}

#[test]
fn metrics_move_during_a_pass() {
    let lab = Lab::with_backfill(world(61, 12, 1), 60);
    slow_graphql(&lab, 150);
    let (child, addr) = listening_daemon(&lab);
    // Scrape during the pass: GitHub's budget goes down as its answers come in.
    let mut during: Vec<f64> = Vec::new();
    // And the pass's progress: (targets done, targets planned).
    let mut progress: Vec<(f64, f64)> = Vec::new();
    let after = wait_for(Duration::from_secs(180), "the first pass to end", || {
        let (status, text) = get(addr, "/metrics")?;
        assert_eq!(status, 200, "{text}");
        if series(&text, "tacometer_pass_running") == Some(1.0) {
            if let Some(left) = series(&text, "tacometer_github_graphql_points_remaining") {
                during.push(left);
            }
            if let (Some(done), Some(planned)) = (
                series(&text, "tacometer_pass_targets_done"),
                series(&text, "tacometer_pass_targets_planned"),
            ) {
                progress.push((done, planned));
            }
        }
        (series(&text, "tacometer_passes_total{outcome=\"ok\"}") == Some(1.0)).then_some(text)
    });
    stop(child);
    assert!(
        during.len() >= 2,
        "scrapes during the pass saw the GraphQL budget: {during:?}"
    );
    during.dedup();
    assert!(
        during.last() < during.first(),
        "the budget moved during the pass: {during:?}"
    );
    // Every configured repository, package and torch itself is planned; the
    // count of those done only goes up, and ends at all of them.
    let world = lab.fake.world();
    let targets: std::collections::BTreeSet<String> = world
        .projects
        .iter()
        .flat_map(|p| {
            p.repos
                .iter()
                .map(|r| format!("repo:{}", r.to_lowercase()))
                .chain(
                    p.pypi
                        .iter()
                        .map(|n| format!("pypi:{}", n.to_lowercase().replace(['_', '.'], "-")))
                        .chain(p.conda.iter().map(|n| format!("conda:{n}"))),
                )
        })
        .chain(["torch:torch".to_string()])
        .collect();
    let planned = series(&after, "tacometer_pass_targets_planned").expect("planned");
    assert_eq!(planned, targets.len() as f64, "{targets:?}\n{after}");
    assert_eq!(series(&after, "tacometer_pass_targets_done"), Some(planned));
    assert!(
        progress.windows(2).all(|w| w[0].0 <= w[1].0),
        "done only goes up: {progress:?}"
    );
    assert!(
        progress.iter().any(|&(done, planned)| done < planned),
        "a scrape saw the pass part-way: {progress:?}"
    );
    let final_left = series(&after, "tacometer_github_graphql_points_remaining").expect("budget");
    assert!(final_left <= *during.last().expect("one"), "{after}");
    let limit = lab.fake.world().limits.graphql as f64;
    assert_eq!(
        series(&after, "tacometer_github_graphql_points_limit"),
        Some(limit)
    );
    assert!(
        series(&after, "tacometer_github_rest_requests_remaining").is_some(),
        "{after}"
    );
    assert_eq!(series(&after, "tacometer_pass_running"), Some(0.0));
    let spent = series(&after, "tacometer_github_graphql_points_spent_total").expect("spent");
    assert!(spent > 0.0, "{after}");
    let age = series(&after, "tacometer_last_success_age_seconds").expect("age");
    assert!((0.0..60.0).contains(&age), "{after}");
    assert!(
        !after.contains(crate::daemon::CANARY),
        "no token in the metrics"
    );
    eprintln!(
        "scrape after the first pass:\n{}",
        after
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn healthz_and_status_check_follow_staleness_and_failing_targets() {
    let mut w = world(67, 8, 1);
    // One configured repository is gone upstream: it fails every pass.
    let gone = w.projects[2].repos[0].clone();
    for r in w.repos.iter_mut() {
        if r.full_name() == gone || r.former_names.contains(&gone) {
            r.deleted = true;
        }
    }
    let lab = Lab::with_backfill(w, 60);
    let check = |extra: &[&str]| {
        let out = run(tacometer()
            .arg("--db")
            .arg(&lab.db)
            .arg("--config")
            .arg(&lab.config)
            .args(["status", "--check", "--format", "json"])
            .args(extra));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out))
            .unwrap_or_else(|e| panic!("status json: {e}: {}", stderr(&out)));
        (out.status.code(), doc["check"].clone())
    };

    // Logs without colours when stderr is not a terminal.
    let out = lab.once();
    assert!(!stderr(&out).contains('\u{1b}'), "{}", stderr(&out));
    // One failure of the gone repository: fresh, nothing keeps failing yet.
    let (code, doc) = check(&[]);
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(doc["healthy"], true);
    assert_eq!(doc["failing"], serde_json::json!([]));

    // Its third failure in a row: it keeps failing (exit 1), unless more are allowed.
    lab.once();
    lab.once();
    let (code, doc) = check(&[]);
    assert_eq!(code, Some(1), "{doc}");
    let target = format!("repo:{}", gone.to_lowercase());
    assert_eq!(doc["failing"][0]["target"], target.as_str(), "{doc}");
    assert_eq!(doc["failing"][0]["failures"], 3);
    assert_eq!(check(&["--max-failures", "4"]).0, Some(0));
    let table = run(tacometer()
        .arg("--db")
        .arg(&lab.db)
        .arg("--config")
        .arg(&lab.config)
        .args(["status", "--check", "--format", "table"]));
    assert_eq!(table.status.code(), Some(1));
    assert!(
        stdout(&table).contains(&format!("check: {target} keeps failing")),
        "{}",
        stdout(&table)
    );

    // Three hours later, with no pass since: stale (exit 3), and /healthz 503.
    {
        let conn = duckdb::Connection::open(&lab.db).expect("open");
        conn.execute_batch(
            "UPDATE collection_runs SET started_at = started_at - INTERVAL 3 HOUR, \
             finished_at = finished_at - INTERVAL 3 HOUR",
        )
        .expect("age the runs");
    }
    let (code, doc) = check(&[]);
    assert_eq!(code, Some(3), "{doc}");
    assert_eq!(doc["stale"], true);
    assert_eq!(
        check(&["--max-age", "4h"]).0,
        Some(1),
        "fresh enough for 4h"
    );

    // The daemon restarted: until its pass ends, collection is as stale as
    // the database says.
    slow_graphql(&lab, 1500);
    let (child, addr) = listening_daemon(&lab);
    let (status, body) = wait_for(Duration::from_secs(30), "/healthz", || {
        get(addr, "/healthz")
    });
    assert_eq!(status, 503, "{body}");
    assert!(
        body.starts_with("stale: the last successful pass ended 3h"),
        "{body}"
    );
    let (_, metrics) = get(addr, "/metrics").expect("metrics");
    let age = series(&metrics, "tacometer_last_success_age_seconds").expect("age");
    assert!(age > 3.0 * 3600.0 - 60.0, "{metrics}");
    assert_eq!(
        series(
            &metrics,
            &format!("tacometer_target_consecutive_failures{{target=\"{target}\"}}")
        ),
        Some(3.0),
        "{metrics}"
    );
    // Upstream answers promptly again: the pass ends and collection is fresh.
    lab.fake.set_faults(tacometer_fake::Faults::default());
    let body = wait_for(Duration::from_secs(180), "/healthz 200", || {
        get(addr, "/healthz").and_then(|(s, b)| (s == 200).then_some(b))
    });
    assert!(
        body.starts_with("ok: the last successful pass ended"),
        "{body}"
    );
    let (_, metrics) = get(addr, "/metrics").expect("metrics");
    assert_eq!(
        series(&metrics, "tacometer_failures_total{kind=\"not_found\"}"),
        Some(1.0),
        "{metrics}"
    );
    stop(child);
    // Fresh again; the gone repository still keeps failing.
    assert_eq!(check(&[]).0, Some(1));
    assert_eq!(check(&["--max-failures", "10"]).0, Some(0));
}
