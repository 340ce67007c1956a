//! Store tests: migrations on memory and file databases, version refusal, checksums.
//!
//! Longer than 500 lines on purpose: each case builds its rows in full, so a
//! reader sees the fixture beside the assertion.

use super::*;

/// Checksums of landed migrations. Append a line for each new migration; a
/// changed line means a landed migration was edited, which is never allowed.
const PINNED: &[(i64, &str, &str)] = &[
    (
        1,
        "0001_initial",
        "9ee4c80a6f84af766f1a9767d58e389a2a7c15d655e53c9456f5f93a91ad6deb",
    ),
    (
        2,
        "0002_package_requirements",
        "89e436cf17bbba4066dcfaeb79c17a6a0870705e0a7d6e70b6d32ac2cab8b636",
    ),
    (
        3,
        "0003_history_progress",
        "97c3cca28ee8619c565d254eb19fcab62822823e76d347ef4a8ae246e3be2897",
    ),
    (
        4,
        "0004_observations",
        "15b7361bce49034ad72a246e3652b3338f62088c530c5a5742c870a2f84adce0",
    ),
    (
        5,
        "0005_star_history",
        "ad80669ce632b8cb4a804b3a2bf314a288a1b026e6c74f50c4a43f753aded90c",
    ),
    (
        6,
        "0006_tree_history",
        "ba177f7c1cca855247f222996517f011e01ef11f728f2e8a114b1bc374708598",
    ),
    (
        7,
        "0007_release_requirements",
        "b9636b91165d99784cee0eaa7434dfd9781cea189ce8d91c36642eb54447859d",
    ),
    (
        8,
        "0008_snapshot_facts_hash",
        "d92117ef34af00e7cd1b7e8671fdec2f1a3f5cd51dd465e84dc21811faadcc78",
    ),
];

const TABLES: &[&str] = &[
    "collection_runs",
    "collection_errors",
    "collection_state",
    "http_cache",
    "rate_limit_observations",
    "repos",
    "repo_names",
    "repo_snapshots",
    "stargazers",
    "commits",
    "commit_authors",
    "commit_reachability",
    "pr_merges",
    "ci_runs",
    "package_snapshots",
    "releases",
    "torch_releases",
    "package_requirements",
    "release_changes",
    "history_progress",
    "star_days",
    "star_backfill",
    "tree_states",
    "tree_backfill",
    "release_requirements",
];

fn table_names(store: &Store) -> Vec<String> {
    let mut stmt = store
        .conn()
        .prepare(
            "SELECT table_name FROM information_schema.tables \
             WHERE table_schema = 'main' ORDER BY table_name",
        )
        .expect("prepare");
    stmt.query_map([], |r| r.get::<_, String>(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

fn count(store: &Store, sql: &str) -> i64 {
    store
        .conn()
        .query_row(sql, [], |r| r.get(0))
        .expect("count query")
}

#[test]
fn migration_checksums_are_pinned_and_every_file_is_embedded() {
    let listed: Vec<_> = MIGRATIONS
        .iter()
        .map(|m| (m.version, m.name, m.checksum()))
        .collect();
    assert_eq!(
        listed.len(),
        PINNED.len(),
        "pin every new migration in PINNED"
    );
    for ((v, name, sum), (pv, pname, psum)) in listed.iter().zip(PINNED) {
        assert_eq!((v, name), (pv, pname));
        assert_eq!(sum, psum, "migration {name} was edited after it landed");
    }
    // That every file of schema/migrations is listed, in order, is the
    // schema crate's own test.
}

#[test]
fn migrations_apply_to_an_empty_in_memory_database() {
    let store = Store::open_in_memory().expect("open");
    assert_eq!(store.schema_version().expect("version"), latest_version());
    let tables = table_names(&store);
    for t in TABLES {
        assert!(
            tables.iter().any(|x| x == t),
            "table {t} missing: {tables:?}"
        );
    }
}

#[test]
fn migrations_apply_to_a_file_and_reopening_is_a_no_op() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("h.duckdb");
    {
        let store = Store::open_write(&path, Duration::from_secs(1)).expect("create");
        assert_eq!(store.schema_version().expect("version"), latest_version());
        store
            .conn()
            .execute_batch(
                "INSERT INTO repos VALUES ('R_1', 7, TIMESTAMP '2026-01-01 00:00:00', 'test');",
            )
            .expect("insert");
    }
    let applied_before = {
        let store = Store::open_write(&path, Duration::from_secs(1)).expect("reopen");
        assert_eq!(count(&store, "SELECT count(*) FROM repos"), 1, "data kept");
        count(&store, "SELECT count(*) FROM schema_migrations")
    };
    let store = Store::open_write(&path, Duration::from_secs(1)).expect("reopen again");
    assert_eq!(
        count(&store, "SELECT count(*) FROM schema_migrations"),
        applied_before,
        "reopening applies nothing"
    );
    assert_eq!(applied_before, MIGRATIONS.len() as i64);
    drop(store);
    let reader = Store::open_read(&path, Duration::from_secs(1)).expect("read-only");
    assert_eq!(count(&reader, "SELECT count(*) FROM repos"), 1);
    let err = reader
        .conn()
        .execute_batch("DELETE FROM repos")
        .expect_err("read-only connections cannot write");
    assert!(
        err.to_string().to_lowercase().contains("read-only"),
        "{err}"
    );
}

#[test]
fn a_database_from_a_newer_version_is_refused_with_both_versions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("new.duckdb");
    {
        let store = Store::open_write(&path, Duration::from_secs(1)).expect("create");
        store
            .conn()
            .execute_batch(
                "INSERT INTO schema_migrations VALUES \
                 (99, '0099_future', 'x', TIMESTAMP '2030-01-01 00:00:00')",
            )
            .expect("stamp");
    }
    let expected = format!(
        "has schema version 99, but this tacometer knows versions 1 to {}",
        latest_version()
    );
    let err = Store::open_write(&path, Duration::from_secs(1)).expect_err("refused");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
    assert!(err.to_string().contains(&expected), "{err}");
    let err = Store::open_read(&path, Duration::from_secs(1)).expect_err("refused");
    assert!(err.to_string().contains(&expected), "{err}");
    // Refusing wrote nothing: the stamp is still there and the tables are intact.
    let raw = duckdb::Connection::open(&path).expect("raw open");
    let versions: i64 = raw
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .expect("read stamp");
    assert_eq!(versions, 99);
    let repos: i64 = raw
        .query_row("SELECT count(*) FROM repos", [], |r| r.get(0))
        .expect("tables intact");
    assert_eq!(repos, 0);
}

#[test]
fn an_edited_migration_is_detected_on_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("edited.duckdb");
    {
        let store = Store::open_write(&path, Duration::from_secs(1)).expect("create");
        store
            .conn()
            .execute_batch("UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1")
            .expect("tamper");
    }
    let err = Store::open_write(&path, Duration::from_secs(1)).expect_err("refused");
    assert!(
        err.to_string()
            .contains("migration 1 (0001_initial) differs"),
        "{err}"
    );
}

#[test]
fn readers_need_an_existing_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("absent.duckdb");
    let err = Store::open_read(&path, Duration::from_millis(10)).expect_err("missing");
    assert!(err.to_string().starts_with("no database at"), "{err}");
    assert!(!path.exists(), "a reader never creates the file");
}

// Lock waits between processes are tested end to end in tests/e2e/locking.rs:
// DuckDB's file lock is per process, so one process cannot contend with itself.

#[test]
fn lock_holder_is_read_from_duckdb_message() {
    let msg = "IO Error: Could not set lock on file \"/x.duckdb\": Conflicting lock is held in \
               /usr/bin/tacometerd (PID 4242) by user root. See also https://duckdb.org";
    assert_eq!(lock_holder(msg), "/usr/bin/tacometerd (PID 4242)");
    assert_eq!(lock_holder("something else"), "another process");
}

mod writes {
    use super::*;
    use crate::store::write::*;
    use chrono::TimeZone;

    fn at(d: u32, h: u32) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc
            .with_ymd_and_hms(2026, 6, d, h, 0, 0)
            .single()
            .expect("valid time")
    }

    fn commit(sha: &str, day: u32, who: &[&str]) -> CommitRecord {
        CommitRecord {
            sha: sha.into(),
            committed_at: at(day, 12),
            authored_at: at(day, 11),
            parent_count: 1,
            authors: who
                .iter()
                .map(|w| CommitAuthor {
                    name: Some(w.to_string()),
                    email: Some(format!("{w}@example.com")),
                    login: Some(w.to_string()),
                    identity: w.to_string(),
                    is_bot: w.ends_with("[bot]"),
                })
                .collect(),
        }
    }

    fn state() -> TargetState {
        TargetState {
            target: "repo:pytorch/ignite".into(),
            kind: "repo".into(),
            node_id: Some("R_1".into()),
            ..TargetState::default()
        }
    }

    fn snapshot() -> RepoSnapshot {
        RepoSnapshot {
            node_id: "R_1".into(),
            database_id: Some(1),
            name_with_owner: "pytorch/ignite".into(),
            stars: 250,
            layout_files: vec!["README.md".into(), ".github/CODEOWNERS".into()],
            codeowners_users: vec!["alice".into(), "bob".into()],
            codeowners_teams: vec![],
            ..RepoSnapshot::default()
        }
    }

    #[test]
    fn writing_the_same_facts_twice_never_duplicates() {
        let mut store = Store::open_in_memory().expect("open");
        let run = store.begin_run("once", at(1, 0)).expect("run");
        let commits = vec![
            commit("a1", 1, &["alice", "carol"]),
            commit("b2", 2, &["dependabot[bot]"]),
        ];
        let ci = vec![CiRun {
            run_key: "actions:1".into(),
            provider: "actions".into(),
            name: Some("CI".into()),
            head_sha: Some("b2".into()),
            branch: Some("main".into()),
            event: Some("push".into()),
            status: Some("in_progress".into()),
            conclusion: None,
            created_at: at(2, 13),
            updated_at: None,
            url: None,
        }];
        for hour in [1, 2] {
            let p = Provenance {
                run_id: run,
                observed_at: at(3, hour),
                source: "test".into(),
            };
            let w = RepoWrite {
                snapshot: Some(snapshot()),
                commits: commits.clone(),
                ci: ci.clone(),
                state: Some(state()),
                ..RepoWrite::default()
            };
            store.write_repo(&p, &w).expect("write");
        }
        let n = |sql: &str| count(&store, sql);
        assert_eq!(n("SELECT count(*) FROM commits"), 2);
        assert_eq!(n("SELECT count(*) FROM commit_authors"), 3);
        assert_eq!(
            n("SELECT count(*) FROM repo_snapshots"),
            2,
            "snapshots are history"
        );
        assert_eq!(n("SELECT count(*) FROM repos"), 1);
        assert_eq!(n("SELECT count(*) FROM ci_runs"), 1);
        assert_eq!(
            n("SELECT len(layout_files) FROM repo_snapshots LIMIT 1"),
            2,
            "lists round-trip"
        );
        assert_eq!(
            n("SELECT len(codeowners_teams) FROM repo_snapshots LIMIT 1"),
            0,
            "an empty list stays empty"
        );
        // The run completes later: the same key now carries its conclusion.
        let mut done = ci.clone();
        done[0].status = Some("completed".into());
        done[0].conclusion = Some("success".into());
        let p = Provenance {
            run_id: run,
            observed_at: at(4, 0),
            source: "test".into(),
        };
        let w = RepoWrite {
            snapshot: Some(snapshot()),
            ci: done,
            state: Some(state()),
            ..RepoWrite::default()
        };
        store.write_repo(&p, &w).expect("write");
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM ci_runs WHERE conclusion = 'success'"
            ),
            1
        );
        assert_eq!(
            count(&store, "SELECT count(*) FROM ci_runs"),
            2,
            "the new state is a new observation; the old one is kept"
        );
        store.write_repo(&p, &w).expect("write again");
        assert_eq!(
            count(&store, "SELECT count(*) FROM ci_runs"),
            2,
            "an unchanged state adds nothing"
        );
    }

    /// Every written snapshot carries the hash of its facts, the same as
    /// migration 0008 computes for snapshots written before it; the star
    /// count is not part of it, a rule-read fact is.
    #[test]
    fn a_written_snapshot_carries_the_hash_migration_0008_computes() {
        let mut store = Store::open_in_memory().expect("open");
        let run = store.begin_run("once", at(1, 0)).expect("run");
        let mut more_stars = snapshot();
        more_stars.stars += 1000;
        let mut new_owner = snapshot();
        new_owner.codeowners_users.push("carol".into());
        for (hour, snap) in [(1, snapshot()), (2, more_stars), (3, new_owner)] {
            let p = Provenance {
                run_id: run,
                observed_at: at(3, hour),
                source: "test".into(),
            };
            let w = RepoWrite {
                snapshot: Some(snap),
                ..RepoWrite::default()
            };
            store.write_repo(&p, &w).expect("write");
        }
        let migration = MIGRATIONS
            .iter()
            .find(|m| m.version == 8)
            .expect("migration 8");
        let backfill = migration
            .sql
            .split("SET facts_hash = ")
            .nth(1)
            .and_then(|rest| rest.split(';').next())
            .expect("the backfill's expression");
        let hashes: Vec<(Option<u64>, u64)> = {
            let mut st = store
                .conn()
                .prepare(&format!(
                    "SELECT facts_hash, {backfill} FROM repo_snapshots ORDER BY observed_at"
                ))
                .expect("prepare");
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .map(|r| r.expect("row"))
                .collect()
        };
        assert_eq!(hashes.len(), 3);
        for (stored, migrated) in &hashes {
            assert_eq!(*stored, Some(*migrated), "writer and migration agree");
        }
        assert_eq!(hashes[0].0, hashes[1].0, "the star count is not hashed");
        assert_ne!(
            hashes[1].0, hashes[2].0,
            "a new code owner changes the hash"
        );
    }

    #[test]
    fn a_window_refetch_records_force_pushed_commits_as_removed() {
        let mut store = Store::open_in_memory().expect("open");
        let run = store.begin_run("once", at(1, 0)).expect("run");
        let p = Provenance {
            run_id: run,
            observed_at: at(5, 0),
            source: "test".into(),
        };
        let first = RepoWrite {
            snapshot: Some(snapshot()),
            commits: vec![
                commit("old", 1, &["alice"]),
                commit("gone", 3, &["bob"]),
                commit("kept", 4, &["bob"]),
            ],
            history_since: None,
            state: Some(state()),
            ..RepoWrite::default()
        };
        store.write_repo(&p, &first).expect("write");
        let p2 = Provenance {
            observed_at: at(6, 0),
            ..p.clone()
        };
        let refetch = RepoWrite {
            snapshot: Some(snapshot()),
            commits: vec![commit("kept", 4, &["bob"]), commit("new", 5, &["carol"])],
            history_since: Some(at(2, 0)),
            state: Some(state()),
            ..RepoWrite::default()
        };
        store.write_repo(&p2, &refetch).expect("write");
        let n = |sql: &str| count(&store, sql);
        assert_eq!(
            n("SELECT count(*) FROM commits"),
            4,
            "history is append-only"
        );
        assert_eq!(
            n("SELECT count(*) FROM commit_reachability WHERE sha = 'gone' AND NOT reachable"),
            1,
            "the force-pushed commit is marked"
        );
        assert_eq!(
            n("SELECT count(*) FROM commit_reachability"),
            1,
            "older commits are not judged"
        );
        assert_eq!(n("SELECT failures FROM collection_state"), 0);
        // The same re-read again: the commit is already gone, nothing new.
        let p3 = Provenance {
            observed_at: at(7, 0),
            ..p.clone()
        };
        store.write_repo(&p3, &refetch).expect("write");
        assert_eq!(count(&store, "SELECT count(*) FROM commit_reachability"), 1);
        // It comes back, then goes again: two more events, none rewritten.
        let mut back = refetch.clone();
        back.commits.push(commit("gone", 3, &["bob"]));
        let p4 = Provenance {
            observed_at: at(8, 0),
            ..p.clone()
        };
        store.write_repo(&p4, &back).expect("write");
        let p5 = Provenance {
            observed_at: at(9, 0),
            ..p.clone()
        };
        store.write_repo(&p5, &refetch).expect("write");
        let events: Vec<(bool, chrono::NaiveDateTime)> = {
            let mut st = store
                .conn()
                .prepare(
                    "SELECT reachable, observed_at FROM commit_reachability \
                     WHERE sha = 'gone' ORDER BY observed_at",
                )
                .expect("prepare");
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .map(|r| r.expect("row"))
                .collect()
        };
        assert_eq!(
            events,
            [
                (false, at(6, 0).naive_utc()),
                (true, at(8, 0).naive_utc()),
                (false, at(9, 0).naive_utc())
            ]
        );
    }

    #[test]
    fn failures_are_recorded_and_counted() {
        let mut store = Store::open_in_memory().expect("open");
        let run = store.begin_run("once", at(1, 0)).expect("run");
        let p = Provenance {
            run_id: run,
            observed_at: at(1, 1),
            source: "test".into(),
        };
        let f = FailureRecord {
            source: "POST /graphql".into(),
            http_status: Some(502),
            kind: "server".into(),
            message: "bad gateway".into(),
        };
        store
            .record_failure(&p, "repo:o/r", "repo", &f, at(1, 2))
            .expect("record");
        store
            .record_failure(&p, "repo:o/r", "repo", &f, at(1, 3))
            .expect("record");
        assert_eq!(count(&store, "SELECT failures FROM collection_state"), 2);
        assert_eq!(
            count(&store, "SELECT max(attempt) FROM collection_errors"),
            2
        );
        store
            .write_repo(
                &p,
                &RepoWrite {
                    snapshot: Some(snapshot()),
                    state: Some(TargetState {
                        target: "repo:o/r".into(),
                        kind: "repo".into(),
                        ..TargetState::default()
                    }),
                    ..RepoWrite::default()
                },
            )
            .expect("success");
        assert_eq!(count(&store, "SELECT failures FROM collection_state"), 0);
    }

    #[test]
    fn many_failures_are_one_write_counted_per_target() {
        let mut store = Store::open_in_memory().expect("open");
        let run = store.begin_run("once", at(1, 0)).expect("run");
        let failure = |target: &str, status: Option<i32>, message: &str| Failure {
            p: Provenance {
                run_id: run,
                observed_at: at(1, 1),
                source: "test".into(),
            },
            target: target.into(),
            kind: "repo".into(),
            error: FailureRecord {
                source: "POST /graphql".into(),
                http_status: status,
                kind: "not_found".into(),
                message: message.into(),
            },
            next_due_at: at(1, 5),
        };
        store
            .record_failures(&[failure("repo:a/x", Some(502), "first")])
            .expect("record");
        // A batch with a target seen before, a new one, the same target
        // twice, and no status.
        store
            .record_failures(&[
                failure("repo:a/x", None, "second, 'quoted'"),
                failure("repo:b/y", Some(404), "gone"),
                failure("repo:b/y", None, "gone again"),
            ])
            .expect("record");
        let rows: Vec<(String, i64, Option<i32>, String)> = {
            let mut stmt = store
                .raw_connection_for_tests()
                .prepare(
                    "SELECT target, attempt, http_status, message FROM collection_errors \
                     ORDER BY target, attempt",
                )
                .expect("prepare");
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows")
        };
        assert_eq!(
            rows,
            vec![
                ("repo:a/x".into(), 1, Some(502), "first".into()),
                ("repo:a/x".into(), 2, None, "second, 'quoted'".into()),
                ("repo:b/y".into(), 1, Some(404), "gone".into()),
                ("repo:b/y".into(), 2, None, "gone again".into()),
            ]
        );
        assert_eq!(
            count(
                &store,
                "SELECT failures FROM collection_state WHERE target = 'repo:b/y' \
                 AND last_error = 'gone again' AND next_due_at = TIMESTAMP '2026-06-01 05:00:00'"
            ),
            2
        );
        // Ten thousand at once.
        let many: Vec<Failure> = (0..10_000)
            .map(|i| failure(&format!("repo:ghost/{i}"), None, "missing"))
            .collect();
        store.record_failures(&many).expect("record many");
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM collection_state WHERE target LIKE 'repo:ghost/%'"
            ),
            10_000
        );
    }

    #[test]
    fn packages_and_release_changes_are_observations() {
        let mut store = Store::open_in_memory().expect("open");
        let run = store.begin_run("once", at(1, 0)).expect("run");
        let p = Provenance {
            run_id: run,
            observed_at: at(1, 1),
            source: "pypi:GET /pypi/x/json".into(),
        };
        let snap = PackageSnapshot {
            ecosystem: "pypi".into(),
            package: "x".into(),
            found: true,
            latest_version: Some("1.0".into()),
            repo_links: vec!["o/x".into()],
            torch_requirement: Some(Some(">=2.4".into())),
        };
        let mut rel = ReleaseRecord {
            version: "1.0".into(),
            released_at: Some(at(1, 0)),
            is_prerelease: None,
            yanked: false,
            has_binary: true,
            has_sdist: true,
            requires_torch: Some(">=2.4".into()),
        };
        let st = TargetState {
            target: "pypi:x".into(),
            kind: "pypi".into(),
            ..TargetState::default()
        };
        store
            .write_package(&p, &snap, std::slice::from_ref(&rel), &st)
            .expect("write");
        rel.yanked = true;
        rel.requires_torch = None;
        let p2 = Provenance {
            observed_at: at(2, 1),
            ..p.clone()
        };
        store
            .write_package(&p2, &snap, std::slice::from_ref(&rel), &st)
            .expect("write again");
        let n = |sql: &str| count(&store, sql);
        assert_eq!(n("SELECT count(*) FROM releases"), 1);
        assert_eq!(
            n("SELECT count(*) FROM releases \
               WHERE NOT yanked AND observed_at = TIMESTAMP '2026-06-01 01:00:00'"),
            1,
            "the release keeps its first observation"
        );
        assert_eq!(
            n(
                "SELECT count(*) FROM release_changes WHERE yanked AND has_binary \
               AND requires_torch = '>=2.4' AND observed_at = TIMESTAMP '2026-06-02 01:00:00'"
            ),
            1,
            "the yank is a change; an unstated torch requirement keeps the known one"
        );
        let p3 = Provenance {
            observed_at: at(3, 1),
            ..p.clone()
        };
        let mut same = rel.clone();
        same.requires_torch = Some(">=2.4".into());
        store
            .write_package(&p3, &snap, std::slice::from_ref(&same), &st)
            .expect("write unchanged");
        let n = |sql: &str| count(&store, sql);
        assert_eq!(
            n("SELECT count(*) FROM release_changes"),
            1,
            "values equal to the latest change add nothing"
        );
        assert_eq!(n("SELECT count(*) FROM package_snapshots"), 3);
        assert_eq!(
            n("SELECT count(*) FROM package_requirements \
               WHERE requires_torch AND torch_specifier = '>=2.4' AND version = '1.0'"),
            3,
            "the requirement is recorded beside each snapshot"
        );
        store
            .finish_run(run, at(2, 2), "ok", 3, 4, 5)
            .expect("finish");
        assert_eq!(n("SELECT graphql_points FROM collection_runs"), 3);
    }
}

/// Facts are observations (migration 0004): no statement of the store updates,
/// replaces or deletes a row of a fact table. Only the scheduler's memory may be
/// changed in place.
#[test]
fn only_the_schedulers_memory_is_updated_in_place() {
    const MEMORY: &[&str] = &["collection_runs", "collection_state", "http_cache"];
    let next_word = |text: &str| -> String {
        text.trim_start()
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or_default()
            .to_string()
    };
    for (file, src) in [
        ("write.rs", include_str!("write.rs")),
        ("mod.rs", include_str!("mod.rs")),
        ("query.rs", include_str!("query.rs")),
    ] {
        // One line of SQL text, so statements split over string continuations read as one.
        let sql = src.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(!sql.contains("DELETE FROM"), "{file} deletes rows");
        for (at, _) in sql.match_indices("OR REPLACE INTO ") {
            let table = next_word(&sql[at + "OR REPLACE INTO ".len()..]);
            assert!(
                MEMORY.contains(&table.as_str()),
                "{file} replaces rows of {table}"
            );
        }
        for (at, _) in sql.match_indices("UPDATE ") {
            let table = if sql[..at].ends_with("DO ") {
                // An upsert: the table is the one inserted into.
                let insert = sql[..at].rfind("INSERT INTO ").unwrap_or(0);
                next_word(&sql[insert + "INSERT INTO ".len()..])
            } else {
                next_word(&sql[at + "UPDATE ".len()..])
            };
            assert!(
                MEMORY.contains(&table.as_str()),
                "{file} updates rows of {table}"
            );
        }
    }
}

#[test]
fn query_connections_cannot_touch_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("q.duckdb");
    drop(Store::open_write(&path, Duration::from_secs(1)).expect("create"));
    let store = Store::open_query(&path, Duration::from_secs(1)).expect("open");
    let target = dir.path().join("out.csv");
    let err = store
        .conn()
        .execute_batch(&format!("COPY (SELECT 1) TO '{}'", target.display()))
        .expect_err("no file access");
    assert!(!target.exists(), "{err}");
    assert!(
        store
            .conn()
            .execute_batch("SET enable_external_access = true")
            .is_err()
    );
    let t = store
        .run_user_sql("SELECT 1 AS one, [1, 2] AS l, TIMESTAMP '2026-06-01 00:00:00' AS t")
        .expect("query");
    assert_eq!(t.columns, ["one", "l", "t"]);
    assert_eq!(t.rows[0][0], serde_json::json!(1));
    assert_eq!(t.rows[0][1], serde_json::json!([1, 2]));
    assert_eq!(t.rows[0][2], serde_json::json!("2026-06-01T00:00:00Z"));
    let reader = Store::open_read(&path, Duration::from_secs(1)).expect("open");
    assert!(
        matches!(reader.run_user_sql("SELECT 1"), Err(StoreError::Invalid(_))),
        "user SQL only on a sandboxed connection"
    );
}

#[test]
fn a_duckdb_error_prints_its_message_once_without_the_drivers_placeholder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("e.duckdb");
    drop(Store::open_write(&path, Duration::from_secs(1)).expect("create"));
    let store = Store::open_query(&path, Duration::from_secs(1)).expect("open");
    let err = store
        .run_user_sql("SELECT nonsense")
        .expect_err("no such column");
    assert!(matches!(err, StoreError::Db { .. }), "{err}");
    // The CLI prints the whole chain (`{:#}`): DuckDB's message must be in it once.
    let chain = format!("{:#}", anyhow::Error::from(err));
    assert!(
        chain.starts_with("prepare query `SELECT nonsense`: Binder Error: "),
        "{chain}"
    );
    assert_eq!(chain.matches("Binder Error").count(), 1, "{chain}");
    assert!(!chain.contains("Error code"), "{chain}");
    assert!(!chain.contains("Unknown error code"), "{chain}");
    // A failure DuckDB reports without a message says so, not "Unknown error code".
    let bare = StoreError::db(
        "read x",
        duckdb::Error::DuckDBFailure(duckdb::ffi::Error::new(1), None),
    );
    assert_eq!(bare.to_string(), "read x: DuckDB failed without saying why");
}

/// Creates a DuckDB file at `path` with `sql` run in it, as another program would.
fn raw_database(path: &std::path::Path, sql: &str) {
    let conn = duckdb::Connection::open(path).expect("raw open");
    conn.execute_batch(sql).expect("raw sql");
}

#[test]
fn tacometers_tables_are_read_from_the_migrations() {
    let store = Store::open_in_memory().expect("memory");
    let mut made = table_names(&store);
    made.retain(|t| t != "schema_migrations");
    let parsed: Vec<String> = contents::tacometer_tables().into_iter().collect();
    assert_eq!(parsed, made, "every table the migrations leave, no other");
    let mut listed: Vec<&str> = TABLES.to_vec();
    listed.sort_unstable();
    assert_eq!(parsed, listed);
}

#[test]
fn another_programs_duckdb_file_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("shop.duckdb");
    raw_database(
        &path,
        "CREATE TABLE people (id INT, name VARCHAR); INSERT INTO people VALUES (1, 'a'); \
         CREATE TABLE orders (id INT); CREATE SCHEMA archive; CREATE TABLE archive.old (x INT); \
         CREATE VIEW names AS SELECT name FROM people; CREATE SEQUENCE ids;",
    );
    let before = std::fs::read(&path).expect("read");
    let err = Store::open_write(&path, Duration::from_secs(1)).expect_err("refused");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "{} is a DuckDB database but not a tacometer one: it has tables orders, people, \
             archive.old, view names, sequence ids and no tacometer schema; refusing to write \
             to it",
            path.display()
        )
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "not a byte written"
    );
    let err = Store::open_read(&path, Duration::from_secs(1)).expect_err("refused");
    assert!(
        err.to_string().ends_with(
            "it has tables orders, people, archive.old, view names, sequence ids and no \
             tacometer schema; refusing to read it"
        ),
        "{err}"
    );
    let err = Store::open_query(&path, Duration::from_secs(1)).expect_err("refused");
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), before);

    // A table of the same common name as tacometer's record of migrations
    // (another migration tool's) is not taken for it.
    let other = dir.path().join("app.duckdb");
    raw_database(
        &other,
        "CREATE TABLE schema_migrations (version BIGINT, dirty BOOLEAN); \
         INSERT INTO schema_migrations VALUES (20240101120000, false); \
         CREATE TABLE commits (sha VARCHAR); CREATE TABLE repos (id VARCHAR);",
    );
    let before = std::fs::read(&other).expect("read");
    let err = Store::open_write(&other, Duration::from_secs(1)).expect_err("refused");
    assert!(
        err.to_string()
            .contains("it has tables commits, repos, schema_migrations and no tacometer schema"),
        "{err}"
    );
    assert_eq!(std::fs::read(&other).expect("read"), before);

    // Many tables: the first eight are named.
    let many = dir.path().join("many.duckdb");
    let sql: String = (0..12)
        .map(|i| format!("CREATE TABLE t{i:02} (x INT);"))
        .collect();
    raw_database(&many, &sql);
    let err = Store::open_write(&many, Duration::from_secs(1)).expect_err("refused");
    assert!(
        err.to_string().contains(
            "it has tables t00, t01, t02, t03, t04, t05, t06, t07 and 4 more and no tacometer schema"
        ),
        "{err}"
    );
}

#[test]
fn an_empty_duckdb_file_is_initialised_by_a_writer_and_named_empty_to_a_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.duckdb");
    raw_database(&path, "SELECT 1");
    let err = Store::open_read(&path, Duration::from_secs(1)).expect_err("nothing to read");
    assert!(matches!(err, StoreError::Empty(_)), "{err}");
    assert!(err.to_string().contains("is empty"), "{err}");
    let store = Store::open_write(&path, Duration::from_secs(1)).expect("initialised");
    assert_eq!(store.schema_version().expect("version"), latest_version());
    drop(store);
    Store::open_read(&path, Duration::from_secs(1)).expect("readable now");
}

#[test]
fn a_history_without_its_record_of_migrations_is_damaged_and_never_migrated() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, damage) in [
        ("dropped.duckdb", "DROP TABLE schema_migrations"),
        ("emptied.duckdb", "DELETE FROM schema_migrations"),
    ] {
        let path = dir.path().join(name);
        {
            let store = Store::open_write(&path, Duration::from_secs(1)).expect("create");
            store
                .conn()
                .execute_batch(&format!(
                    "INSERT INTO repos VALUES ('R_1', 7, TIMESTAMP '2026-01-01 00:00:00', 'test'); \
                     {damage}"
                ))
                .expect("damage");
        }
        let total = contents::tacometer_tables().len();
        let expected = format!(
            "database {} is damaged: it has {total} of tacometer's {total} tables but no record \
             of its schema version (the schema_migrations table is missing or empty), so which \
             migrations it holds cannot be told; tacometer will neither read nor migrate it. \
             Restore it from a backup, or move it aside and run `tacometerd --once` to collect \
             a new history",
            path.display()
        );
        let err = Store::open_write(&path, Duration::from_secs(1)).expect_err("refused");
        assert!(matches!(err, StoreError::Damaged { .. }), "{err}");
        assert_eq!(err.to_string(), expected);
        let err = Store::open_read(&path, Duration::from_secs(1)).expect_err("refused");
        assert_eq!(err.to_string(), expected);
        // Nothing was migrated over it: the history is as it was.
        let raw = duckdb::Connection::open(&path).expect("raw open");
        let repos: i64 = raw
            .query_row("SELECT count(*) FROM repos", [], |r| r.get(0))
            .expect("repos");
        assert_eq!(repos, 1, "{name}");
    }
}

#[test]
fn user_sql_shows_structs_maps_intervals_times_and_infinities_as_values() {
    use serde_json::json;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("types.duckdb");
    drop(Store::open_write(&path, Duration::from_secs(1)).expect("create"));
    let store = Store::open_query(&path, Duration::from_secs(1)).expect("open");
    let cases: &[(&str, serde_json::Value)] = &[
        (
            "{'a': 1, 'b': 'x'}::STRUCT(a INTEGER, b VARCHAR)",
            json!({"a": 1, "b": "x"}),
        ),
        (
            "{'n': {'m': [1, 2]}, 'z': NULL}",
            json!({"n": {"m": [1, 2]}, "z": null}),
        ),
        ("MAP {'k': 1, 'j': 2}", json!({"k": 1, "j": 2})),
        ("MAP {1: 'a', 20: 'b'}", json!({"1": "a", "20": "b"})),
        ("INTERVAL 1 DAY", json!("1 day")),
        ("INTERVAL '1 day 2 hours'", json!("1 day 02:00:00")),
        (
            "INTERVAL '1 year 2 months 3 days 04:05:06.789'",
            json!("1 year 2 months 3 days 04:05:06.789"),
        ),
        ("INTERVAL '-1 day -2 hours'", json!("-1 day -02:00:00")),
        ("INTERVAL '-90 minutes'", json!("-01:30:00")),
        ("INTERVAL '-14 months'", json!("-1 year -2 months")),
        ("INTERVAL '0 seconds'", json!("00:00:00")),
        ("INTERVAL '100000 hours'", json!("100000:00:00")),
        ("TIME '12:34:56'", json!("12:34:56")),
        ("TIME '01:02:03.5'", json!("01:02:03.5")),
        ("TIME '00:00:00.000001'", json!("00:00:00.000001")),
        ("TIME '24:00:00'", json!("24:00:00")),
        ("'inf'::DOUBLE", json!("inf")),
        ("'-inf'::DOUBLE", json!("-inf")),
        ("'nan'::DOUBLE", json!("nan")),
        ("'inf'::FLOAT", json!("inf")),
        ("0.1::FLOAT", json!(0.1)),
        ("2.5::DOUBLE", json!(2.5)),
        ("'infinity'::TIMESTAMP", json!("infinity")),
        ("'-infinity'::DATE", json!("-infinity")),
        ("[1.5, 'inf'::DOUBLE]", json!([1.5, "inf"])),
        ("union_value(num := 2)", json!(2)),
        // Types the driver's row reader panics on.
        ("NULL", json!(null)),
        ("[NULL, NULL]", json!([null, null])),
        ("TIME_NS '12:00:00.123456789'", json!("12:00:00.123456789")),
        // The rest as before.
        ("'a'::ENUM('a', 'b')", json!("a")),
        (
            "170141183460469231731687303715884105727::HUGEINT",
            json!("170141183460469231731687303715884105727"),
        ),
        ("-5::HUGEINT", json!(-5)),
        ("1.25::DECIMAL(10, 2)", json!(1.25)),
        ("DATE '2026-06-01'", json!("2026-06-01")),
        (
            "TIMESTAMP '2026-06-01 12:00:00.5'",
            json!("2026-06-01T12:00:00.500Z"),
        ),
        (
            "TIMESTAMPTZ '2026-06-01 12:00:00+00'",
            json!("2026-06-01T12:00:00Z"),
        ),
        (
            "TIMESTAMP_NS '2026-06-01 12:00:00'",
            json!("2026-06-01T12:00:00Z"),
        ),
        ("[1, 2]::INTEGER[2]", json!([1, 2])),
        ("'\\x01\\x02'::BLOB", json!("<2 bytes>")),
        ("'text'", json!("text")),
        ("true", json!(true)),
        ("300::USMALLINT", json!(300)),
    ];
    for (sql, want) in cases {
        let t = store
            .run_user_sql(&format!("SELECT {sql} AS v"))
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(&t.rows[0][0], want, "{sql}");
    }
    // Every format shows the same values, none as Rust debug text.
    let t = store
        .run_user_sql(
            "SELECT {'a': 1, 'b': 'x'} AS s, MAP {'k': 1} AS m, INTERVAL '1 day 2 hours' AS i, \
             TIME '12:34:56' AS t, 'inf'::DOUBLE AS f, 'nan'::DOUBLE AS n",
        )
        .expect("query");
    assert_eq!(
        t.render(crate::output::Format::Csv),
        "s,m,i,t,f,n\n\"{\"\"a\"\":1,\"\"b\"\":\"\"x\"\"}\",\"{\"\"k\"\":1}\",1 day 02:00:00,\
         12:34:56,inf,nan\n"
    );
    assert_eq!(
        t.render(crate::output::Format::Markdown),
        "| s | m | i | t | f | n |\n|---|---|---|---|---|---|\n\
         | {\"a\":1,\"b\":\"x\"} | {\"k\":1} | 1 day 02:00:00 | 12:34:56 | inf | nan |\n"
    );
    assert_eq!(
        t.render(crate::output::Format::Table),
        "s                m        i               t         f    n\n\
         {\"a\":1,\"b\":\"x\"}  {\"k\":1}  1 day 02:00:00  12:34:56  inf  nan\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&t.render(crate::output::Format::Json)).expect("valid JSON");
    assert_eq!(
        json,
        json!([{"s": {"a": 1, "b": "x"}, "m": {"k": 1}, "i": "1 day 02:00:00",
                "t": "12:34:56", "f": "inf", "n": "nan"}])
    );
}
