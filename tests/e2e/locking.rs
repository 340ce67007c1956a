//! Access discipline between processes: DuckDB lets one process hold a file
//! read-write and locks everyone else out, readers included. A reader must wait
//! (bounded) for the writer's short transaction instead of failing at once, and
//! give up with a message naming the holder; no data is lost either way.

use std::path::Path;
use std::process::Stdio;
use std::thread::sleep;
use std::time::{Duration, Instant};

use tacometer_core::store::Store;

use crate::util::{stderr, stdout, tacometer};

/// Creates a migrated database with `n` collection runs.
pub fn seed(db: &Path, n: usize) {
    let mut store = Store::open_write(db, Duration::from_secs(5)).expect("create database");
    for _ in 0..n {
        insert_run(&mut store);
    }
}

fn insert_run(store: &mut Store) {
    store
        .raw_connection_for_tests()
        .execute(
            "INSERT INTO collection_runs (started_at, kind, status, tool_version) \
             VALUES (TIMESTAMP '2026-11-01 00:00:00', 'once', 'ok', 'test')",
            [],
        )
        .expect("insert run");
}

fn count_runs(db: &Path) -> i64 {
    Store::open_read(db, Duration::from_secs(5))
        .expect("reopen")
        .row_count("collection_runs")
        .expect("count")
}

#[test]
fn a_reader_waits_for_the_writer_then_reads_what_it_committed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.duckdb");
    seed(&db, 1);

    // This process is the writer: it holds the file and an open transaction.
    let mut writer = Store::open_write(&db, Duration::from_secs(5)).expect("writer");
    let tx = writer
        .raw_connection_for_tests()
        .transaction()
        .expect("begin");
    tx.execute(
        "INSERT INTO collection_runs (started_at, kind, status, tool_version) \
         VALUES (TIMESTAMP '2026-11-02 00:00:00', 'once', 'ok', 'test')",
        [],
    )
    .expect("insert inside the transaction");

    // A second process reads, with time to wait.
    let started = Instant::now();
    let child = tacometer()
        .arg("--db")
        .arg(&db)
        .args([
            "--lock-wait",
            "30s",
            "sql",
            "SELECT count(*) AS n FROM collection_runs",
        ])
        .args(["--format", "csv"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start reader");
    sleep(Duration::from_millis(1500));
    let mut child = child;
    assert!(
        child.try_wait().expect("poll reader").is_none(),
        "the reader is still waiting while the writer holds the file"
    );

    tx.commit().expect("commit");
    drop(writer); // the daemon closes the file after each write transaction

    let out = child.wait_with_output().expect("reader finishes");
    assert!(out.status.success(), "reader failed: {}", stderr(&out));
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert_eq!(stdout(&out), "n\n2\n", "the reader sees the committed row");
    assert_eq!(count_runs(&db), 2);
}

#[test]
fn a_reader_that_cannot_get_in_gives_up_naming_the_holder_and_nothing_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.duckdb");
    seed(&db, 2);

    let mut writer = Store::open_write(&db, Duration::from_secs(5)).expect("writer");
    let tx = writer
        .raw_connection_for_tests()
        .transaction()
        .expect("begin");
    tx.execute(
        "INSERT INTO collection_runs (started_at, kind, status, tool_version) \
         VALUES (TIMESTAMP '2026-11-03 00:00:00', 'once', 'ok', 'test')",
        [],
    )
    .expect("insert inside the transaction");

    let started = Instant::now();
    let out = tacometer()
        .arg("--db")
        .arg(&db)
        .args([
            "--lock-wait",
            "700ms",
            "sql",
            "SELECT count(*) FROM collection_runs",
        ])
        .output()
        .expect("run reader");
    let waited = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("database {} is busy", db.display())),
        "{err}"
    );
    assert!(
        err.contains(&format!("(PID {})", std::process::id())),
        "the message names the holding process: {err}"
    );
    assert!(err.contains("gave up after waiting"), "{err}");
    assert!(
        waited >= Duration::from_millis(700),
        "it waited its bound first"
    );

    // The writer is unaffected and commits; nothing was lost or corrupted.
    tx.commit().expect("commit after the reader gave up");
    insert_run(&mut writer);
    drop(writer);
    assert_eq!(count_runs(&db), 4);
    let mut integrity = Store::open_write(&db, Duration::from_secs(5)).expect("reopen for writing");
    let n: i64 = integrity
        .raw_connection_for_tests()
        .query_row(
            "SELECT count(DISTINCT run_id) FROM collection_runs",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(n, 4, "run ids stay unique");
}

#[test]
fn report_and_check_wait_for_the_writer_then_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.duckdb");
    seed(&db, 1);
    let config = crate::util::write_config(
        dir.path(),
        "[[projects]]\nname = \"Waits\"\nrepos = [\"o/waits\"]\n",
    );
    let writer = Store::open_write(&db, Duration::from_secs(5)).expect("writer");
    let spawn = |args: &[&str]| {
        tacometer()
            .arg("--db")
            .arg(&db)
            .arg("--config")
            .arg(&config)
            .args(["--lock-wait", "30s"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start reader")
    };
    let mut report = spawn(&["report", "--format", "json", "--as-of", "2026-11-01"]);
    let mut trend = spawn(&["review", "--format", "json", "--as-of", "2026-11-01"]);
    sleep(Duration::from_millis(1500));
    assert!(report.try_wait().expect("poll").is_none(), "report waits");
    assert!(trend.try_wait().expect("poll").is_none(), "review waits");
    drop(writer);
    for child in [report, trend] {
        let out = child.wait_with_output().expect("reader ends");
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
        assert!(v.is_array() || v["projects"].is_array(), "{v}");
    }
    assert_eq!(count_runs(&db), 1, "readers never write");
}

#[test]
fn a_reader_gets_in_between_the_writes_of_a_busy_writer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.duckdb");
    seed(&db, 1);
    // This process writes like a daemon in a busy pass: open, write, close,
    // and open again at once, with no pause of its own.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.clone(), std::sync::Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut writes = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut store = Store::open_write(&db, Duration::from_secs(60)).expect("writer");
                insert_run(&mut store);
                writes += 1;
            }
            writes
        })
    };
    sleep(Duration::from_millis(500));
    let out = tacometer()
        .arg("--db")
        .arg(&db)
        .args([
            "--lock-wait",
            "20s",
            "sql",
            "SELECT count(*) AS n FROM collection_runs",
        ])
        .args(["--format", "csv"])
        .output()
        .expect("run reader");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.join().expect("writer thread");
    assert!(out.status.success(), "the reader got in: {}", stderr(&out));
    let n: i64 = stdout(&out)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .expect("a count");
    assert!(n >= 2, "the reader saw the writer's rows ({n})");
    assert!(writes >= 2, "the writer kept writing ({writes} writes)");
    assert_eq!(
        count_runs(&db),
        1 + i64::from(writes),
        "every write is kept"
    );
}
