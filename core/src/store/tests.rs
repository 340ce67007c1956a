//! Store tests: migrations on memory and file databases, version refusal, checksums.

use super::*;

/// Checksums of landed migrations. Append a line for each new migration; a
/// changed line means a landed migration was edited, which is never allowed.
const PINNED: &[(i64, &str, &str)] = &[(
    1,
    "0001_initial",
    "d6dfb6a0232ba456dba97fd6e1a491a8fde63ebcd05d9698ba4b56aae344a89a",
)];

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
    "pr_merges",
    "ci_runs",
    "package_snapshots",
    "releases",
    "torch_releases",
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
    assert_eq!(listed.len(), PINNED.len(), "pin every new migration in PINNED");
    for ((v, name, sum), (pv, pname, psum)) in listed.iter().zip(PINNED) {
        assert_eq!((v, name), (pv, pname));
        assert_eq!(sum, psum, "migration {name} was edited after it landed");
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/migrations");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("schema/migrations")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let names: Vec<String> = MIGRATIONS.iter().map(|m| format!("{}.sql", m.name)).collect();
    assert_eq!(files, names, "every file in schema/migrations is embedded, in order");
    for (i, m) in MIGRATIONS.iter().enumerate() {
        assert_eq!(m.version, i as i64 + 1, "versions are consecutive");
        assert!(m.name.starts_with(&format!("{:04}_", m.version)));
    }
}

#[test]
fn migrations_apply_to_an_empty_in_memory_database() {
    let store = Store::open_in_memory().expect("open");
    assert_eq!(store.schema_version().expect("version"), latest_version());
    let tables = table_names(&store);
    for t in TABLES {
        assert!(tables.iter().any(|x| x == t), "table {t} missing: {tables:?}");
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
    assert!(err.to_string().to_lowercase().contains("read-only"), "{err}");
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
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| r.get(0))
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
    assert!(err.to_string().contains("migration 1 (0001_initial) differs"), "{err}");
}

#[test]
fn readers_need_an_existing_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("absent.duckdb");
    let err = Store::open_read(&path, Duration::from_millis(10)).expect_err("missing");
    assert!(err.to_string().starts_with("no database at"), "{err}");
    assert!(!path.exists(), "a reader never creates the file");
}

#[test]
fn lock_conflicts_wait_then_name_the_holder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("locked.duckdb");
    let writer = Store::open_write(&path, Duration::from_secs(1)).expect("create");
    let started = Instant::now();
    let err = Store::open_read(&path, Duration::from_millis(300)).expect_err("locked");
    assert!(started.elapsed() >= Duration::from_millis(300), "it waited its bound");
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("is busy"), "{err}");
    drop(writer);
    Store::open_read(&path, Duration::from_millis(300)).expect("free again");
}

#[test]
fn lock_holder_is_read_from_duckdb_message() {
    let msg = "IO Error: Could not set lock on file \"/x.duckdb\": Conflicting lock is held in \
               /usr/bin/tacometerd (PID 4242) by user root. See also https://duckdb.org";
    assert_eq!(lock_holder(msg), "/usr/bin/tacometerd (PID 4242)");
    assert_eq!(lock_holder("something else"), "another process");
}
