//! Collection that always converges: a backfill bigger than a pass resumes
//! where it stopped (also after `kill -9`), unchanged and slightly moved
//! repositories cost next to nothing, requests run concurrently within their
//! limits, and a database held by a reader only delays the daemon.

use std::time::{Duration, Instant};

use tacometer_core::store::Store;

use crate::daemon::{Lab, diff, facts, world};

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
    let store = Store::open_read(db, Duration::from_secs(30)).ok()?;
    store
        .conn()
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

    let lab = Lab::with_settings(
        w,
        730,
        "item_timeout = \"60s\"\n",
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
    let mut child = lab
        .daemon()
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("start tacometerd");
    // The first run has started.
    wait_until(Duration::from_secs(60), "the first run", || {
        run_status(&lab.db, 1).is_some()
    });
    // A reader holds the file three times longer than the daemon's lock_wait.
    {
        let _reader = Store::open_read(&lab.db, Duration::from_secs(30)).expect("reader opens");
        std::thread::sleep(Duration::from_secs(3));
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the daemon exited while the reader held the database: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    wait_until(Duration::from_secs(120), "the first run to finish", || {
        run_status(&lab.db, 1).is_some_and(|s| s != "running")
    });
    assert!(
        child.try_wait().expect("poll").is_none(),
        "the daemon keeps running after its pass"
    );
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().expect("wait");
    assert!(status.success(), "a stop request is a clean exit");
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
}
