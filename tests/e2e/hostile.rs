//! A hostile upstream: each of the fake's hostile modes answers one route
//! (GitHub's GraphQL or PyPI) while the others behave, and a pass runs
//! through it. Nothing may panic, hang, grow without bound or leak the token;
//! the failure is recorded with a clean message and the other targets are
//! collected.

use std::path::Path;
use std::time::{Duration, Instant};

use tacometer_fake::{Faults, Hostile, RouteFault};

use crate::daemon::{CANARY, Lab, rows, world};
use crate::util::{run, stdout, tacometer};

/// `[collect] item_timeout` of these passes.
const ITEM_TIMEOUT: Duration = Duration::from_secs(3);

/// What a pass may take beyond `ITEM_TIMEOUT`: one backoff pause between
/// attempts (at most a few seconds under the limit) and the pass's own work
/// on a small world in the dev profile.
const SLACK: Duration = Duration::from_secs(12);

/// Peak resident memory allowed to the daemon, in kB.
const PEAK_KB: u64 = 200 * 1024;

/// What a terminal or a spreadsheet would act on, as the hostile answers
/// carry them.
const HOSTILE_TEXT: [&str; 5] = ["\u{1b}]0;", "\u{1b}[2J", "\u{1b}]8;", "\u{202e}", "\u{7}"];

struct Pass {
    took: Duration,
    peak_kb: u64,
    logs: String,
    success: bool,
}

/// Runs `tacometerd --once`, sampling its peak resident memory (Linux's
/// `VmHWM`) until it exits.
fn measured_pass(lab: &Lab, logs: &Path) -> Pass {
    let file = std::fs::File::create(logs).expect("log file");
    let started = Instant::now();
    let mut child = lab
        .daemon()
        .arg("--once")
        .stderr(file)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start tacometerd");
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    let status = loop {
        if let Some(kb) = std::fs::read_to_string(&status_file).ok().and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        }) {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("tacometerd still running after 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Pass {
        took: started.elapsed(),
        peak_kb,
        logs: std::fs::read_to_string(logs).unwrap_or_default(),
        success: status.success(),
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_pass_through_each_hostile_answer_ends_in_time_records_it_cleanly_and_leaks_nothing() {
    let modes = [
        Hostile::Huge,
        Hostile::Malformed,
        Hostile::DataNull,
        Hostile::Empty,
        Hostile::Trickle,
        Hostile::Endless,
        Hostile::ExtremeWait,
        Hostile::Echo,
    ];
    let w = world(47, 3, 1);
    let with_pypi = w.projects.iter().filter(|p| !p.pypi.is_empty()).count();
    assert!(with_pypi > 0, "the world has PyPI packages");
    let mut report = Vec::new();
    for mode in modes {
        for route in ["graphql", "pypi"] {
            // GitHub and PyPI are one loopback host here: allow it what the
            // two real hosts would have together, so that hostile answers
            // on one route do not queue the other's calls behind them.
            let lab = Lab::with_settings(
                w.clone(),
                30,
                &format!("item_timeout = \"{}s\"\n", ITEM_TIMEOUT.as_secs()),
                "[collect.max_in_flight]\n\"127.0.0.1\" = 16\n",
            );
            lab.fake.set_faults(Faults {
                routes: vec![RouteFault {
                    route: route.into(),
                    hostile: Some(mode),
                    ..RouteFault::default()
                }],
                ..Faults::default()
            });
            let logs = lab.config.with_file_name("daemon.log");
            let pass = measured_pass(&lab, &logs);
            let what = format!("{mode:?} on {route}");
            report.push(format!(
                "{what}: {:.1} s, peak {} MB",
                pass.took.as_secs_f64(),
                pass.peak_kb / 1024
            ));
            assert!(pass.success, "{what}: the pass failed: {}", pass.logs);
            assert!(!pass.logs.contains("panicked"), "{what}: {}", pass.logs);
            assert!(
                pass.took < ITEM_TIMEOUT + SLACK,
                "{what}: the pass took {:?}",
                pass.took
            );
            assert!(
                pass.peak_kb < PEAK_KB,
                "{what}: peak RSS {} kB",
                pass.peak_kb
            );
            assert!(
                !pass.logs.contains(CANARY),
                "{what}: the token is in the log"
            );
            for bad in HOSTILE_TEXT {
                assert!(!pass.logs.contains(bad), "{what}: {bad:?} reached the log");
            }

            // The failure is recorded, cleanly, against the hostile route's
            // targets; the other route's targets are collected.
            let errors: Vec<(String, String, String)> = rows(
                &lab.db,
                "SELECT target, kind, message FROM collection_errors ORDER BY target",
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            );
            let prefix = if route == "graphql" { "repo:" } else { "pypi:" };
            assert!(
                errors.iter().any(|(t, _, _)| t.starts_with(prefix)),
                "{what}: no failure recorded for {prefix} targets: {errors:?}"
            );
            for (target, kind, message) in &errors {
                assert!(
                    !message.contains(CANARY),
                    "{what}: token stored for {target}"
                );
                for bad in HOSTILE_TEXT {
                    assert!(
                        !message.contains(bad),
                        "{what}: {bad:?} stored for {target} ({kind}): {message:?}"
                    );
                }
            }
            let (repos, packages): (i64, i64) = rows(
                &lab.db,
                "SELECT (SELECT count(DISTINCT node_id) FROM repo_snapshots), \
                        (SELECT count(*) FROM package_snapshots WHERE ecosystem = 'pypi' \
                         AND package <> 'torch')",
                |r| Ok((r.get(0)?, r.get(1)?)),
            )[0];
            if route == "graphql" {
                assert!(packages > 0, "{what}: packages were not collected");
            } else {
                assert_eq!(repos, 3, "{what}: repositories were not collected");
            }

            // What `status` shows of it is clean too.
            let status = run(tacometer()
                .arg("--config")
                .arg(&lab.config)
                .arg("--db")
                .arg(&lab.db)
                .arg("status"));
            let shown = stdout(&status);
            assert!(!shown.contains(CANARY), "{what}: token in status");
            for bad in HOSTILE_TEXT {
                assert!(!shown.contains(bad), "{what}: {bad:?} in status");
            }
        }
    }
    eprintln!("{}", report.join("\n"));
}
