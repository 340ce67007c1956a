//! The CLI's configuration handling and `projects` command, run as a user would.

use serde_json::Value;

use crate::util::{run, stderr, stdout, tacometer, write_config};

#[test]
fn projects_lists_the_shipped_ecosystem_by_default() {
    let out = run(tacometer().args(["projects", "--format", "json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    let projects = v.as_array().expect("array");
    assert_eq!(projects.len(), 147);
    let ignite = projects
        .iter()
        .find(|p| p["name"] == "Ignite")
        .expect("Ignite listed");
    assert_eq!(ignite["repos"][0], "pytorch/ignite");
    assert_eq!(ignite["pypi"][0], "pytorch-ignite");
    assert_eq!(ignite["conda"][0], "pytorch/ignite");
    assert_eq!(ignite["status"], "active");

    let out = run(tacometer().args(["projects", "--status", "retired", "--format", "csv"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.lines().count(),
        1 + 68,
        "header plus the 68 archived projects"
    );
    assert!(
        text.contains("OpenMMLab,retired,open-mmlab (org)"),
        "{text}"
    );
}

#[test]
fn projects_from_csv_reproduces_the_shipped_config() {
    let csv = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/core/config/pytorch-ecosystem-projects.csv"
    );
    let out = run(tacometer().args(["projects", "--from-csv", csv, "--format", "toml"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let shipped = include_str!("../../core/config/pytorch-ecosystem.toml");
    assert_eq!(stdout(&out), shipped);
}

#[test]
fn config_errors_name_file_line_and_key_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            "[criteria]\nmin_contributers = 5\n",
            2,
            "criteria.min_contributers",
        ),
        ("[criteria]\nmin_stars = -200\n", 2, "criteria.min_stars"),
        (
            "[collect]\npackages_interval = \"6 hours-ish\"\n",
            2,
            "collect.packages_interval",
        ),
        ("[criteria]\n", 0, ""),
    ];
    for (head, line, key) in cases {
        let text =
            format!("{head}\n[[projects]]\nname = \"X\"\nrepos = [\"pytorch/ignite\", \"nope\"]\n");
        let path = write_config(dir.path(), &text);
        let out = run(tacometer().arg("--config").arg(&path).arg("projects"));
        assert_eq!(out.status.code(), Some(2), "{head}");
        let err = stderr(&out);
        let (line, key) = if line == 0 {
            (5, "projects[0].repos")
        } else {
            (line, key)
        };
        let expected = format!("{}:{line}:", path.display());
        assert!(err.contains(&expected), "{err} should contain {expected}");
        assert!(
            err.contains(&format!("key `{key}`")),
            "{err} should name {key}"
        );
    }
}

#[test]
fn missing_config_file_and_bad_flags_are_errors() {
    let out = run(tacometer().args(["--config", "/nonexistent/t.toml", "projects"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read config file /nonexistent/t.toml"));
    let out = run(tacometer()
        .env("TACOMETER_CONFIG", "/nonexistent/env.toml")
        .arg("projects"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/env.toml"),
        "{}",
        stderr(&out)
    );
    let out = run(tacometer().args(["projects", "--format", "yaml"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown format `yaml`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sql_reads_the_history_and_refuses_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.duckdb");
    let out = run(tacometer().arg("--db").arg(&db).args(["sql", "SELECT 1"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no database at"), "{}", stderr(&out));
    assert!(!db.exists(), "a reader never creates the database");

    crate::locking::seed(&db, 3);
    let out = run(tacometer().arg("--db").arg(&db).args([
        "sql",
        "SELECT count(*) AS n, max(kind) AS kind FROM collection_runs",
        "--format",
        "csv",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "n,kind\n3,once\n");

    for write in [
        "DELETE FROM collection_runs",
        "CREATE TABLE x (a INT)",
        "COPY (SELECT 1) TO 'leak.csv'",
    ] {
        let out = run(tacometer()
            .current_dir(dir.path())
            .arg("--db")
            .arg(&db)
            .args(["sql", write]));
        assert_eq!(out.status.code(), Some(2), "{write} must fail");
    }
    assert!(!dir.path().join("leak.csv").exists());
    let out = run(tacometer().arg("--db").arg(&db).args([
        "sql",
        "SELECT count(*) AS n FROM collection_runs",
        "--format",
        "json",
    ]));
    let v: Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(v[0]["n"], 3, "nothing was deleted");
}

#[test]
fn a_failing_query_prints_duckdbs_message_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.duckdb");
    crate::locking::seed(&db, 1);
    let out = run(tacometer()
        .arg("--db")
        .arg(&db)
        .args(["sql", "SELECT nonsense"]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(
        err,
        "tacometer: error: prepare query `SELECT nonsense`: Binder Error: Referenced column \
         \"nonsense\" was not found because the FROM clause is missing\n\
         \n\
         LINE 1: SELECT nonsense\n\
         \x20              ^^^^^^^^\n",
        "printed once, without the driver's \"Unknown error code\""
    );
}

/// Issue 12, item 8: `sql --format csv` neutralised formulas like the
/// evidence CSVs, so a value read back was not the value stored.
#[test]
fn sql_csv_writes_values_as_they_are() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.duckdb");
    crate::locking::seed(&db, 1);
    let out = run(tacometer().arg("--db").arg(&db).args([
        "sql",
        "SELECT '=HYPERLINK(\"x\")' AS f, '@SUM(A1)' AS a, '-cmd' AS m, -3 AS n",
        "--format",
        "csv",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "f,a,m,n\n\"=HYPERLINK(\"\"x\"\")\",@SUM(A1),-cmd,-3\n"
    );
}

#[test]
fn sql_shows_nested_and_special_values_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("h.duckdb");
    crate::locking::seed(&db, 1);
    let query = "SELECT {'a': 1, 'b': 'x'}::STRUCT(a INTEGER, b VARCHAR) AS s, \
                 MAP {'k': 1} AS m, INTERVAL 1 DAY AS i, TIME '12:34:56' AS t, \
                 'inf'::DOUBLE AS pinf, '-inf'::DOUBLE AS ninf, 'nan'::DOUBLE AS nan, NULL AS z";
    let sql = |format: &str| {
        let out = run(tacometer()
            .arg("--db")
            .arg(&db)
            .args(["sql", query, "--format", format]));
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        stdout(&out)
    };
    let json: Value = serde_json::from_str(&sql("json")).expect("valid JSON");
    assert_eq!(
        json,
        serde_json::json!([{"s": {"a": 1, "b": "x"}, "m": {"k": 1}, "i": "1 day",
                            "t": "12:34:56", "pinf": "inf", "ninf": "-inf", "nan": "nan",
                            "z": null}])
    );
    assert_eq!(
        sql("csv"),
        "s,m,i,t,pinf,ninf,nan,z\n\
         \"{\"\"a\"\":1,\"\"b\"\":\"\"x\"\"}\",\"{\"\"k\"\":1}\",1 day,12:34:56,inf,-inf,nan,\n"
    );
    assert_eq!(
        sql("markdown"),
        "| s | m | i | t | pinf | ninf | nan | z |\n|---|---|---|---|---|---|---|---|\n\
         | {\"a\":1,\"b\":\"x\"} | {\"k\":1} | 1 day | 12:34:56 | inf | -inf | nan |  |\n"
    );
    let table = sql("table");
    assert!(
        !table.contains("Struct(") && !table.contains("Interval {"),
        "{table}"
    );
    assert!(
        table.contains("{\"a\":1,\"b\":\"x\"}  {\"k\":1}  1 day  12:34:56  inf   -inf  nan"),
        "{table}"
    );
}
