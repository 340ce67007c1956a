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
    // One line, the cause once.
    assert_eq!(stderr(&out).trim().lines().count(), 1, "{}", stderr(&out));
    assert_eq!(
        stderr(&out).matches("No such file").count(),
        1,
        "{}",
        stderr(&out)
    );
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
        stderr(&out).contains("invalid value 'yaml' for '--format <FORMAT>'")
            && stderr(&out).contains("markdown, toml]"),
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

#[test]
fn completions_for_every_shell_and_the_manual_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = run(tacometer().args(["completions", shell]));
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("tacometer") && text.contains("check") && text.contains("markdown"),
            "{shell}: subcommands and --format values are completed"
        );
        // The script parses in the shell it is for, where that shell is installed.
        let binary = format!("/bin/{shell}");
        let syntax = match shell {
            "bash" | "zsh" => Some("-n"),
            "fish" => Some("--no-execute"),
            _ => None,
        };
        if let (Some(flag), true) = (syntax, std::path::Path::new(&binary).exists()) {
            let dir = tempfile::tempdir().expect("tempdir");
            let script = dir.path().join("completion");
            std::fs::write(&script, &text).expect("write");
            let check = run(std::process::Command::new(&binary).arg(flag).arg(&script));
            assert!(check.status.success(), "{shell}: {}", stderr(&check));
        }
    }
    let out = run(tacometer().args(["completions", "tcsh"]));
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );

    let out = run(tacometer().arg("man"));
    assert!(out.status.success(), "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH tacometer 1"), "{page}");
    assert!(page.contains("completions") && page.contains("review"));
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(tacometer()
        .args(["man", "--out"])
        .arg(dir.path().join("man1")));
    assert!(out.status.success(), "{}", stderr(&out));
    for page in ["tacometer.1", "tacometer-check.1", "tacometer-report.1"] {
        let text = std::fs::read_to_string(dir.path().join("man1").join(page)).expect(page);
        assert!(text.contains(".TH"), "{page}");
    }
}

#[test]
fn help_lists_values_and_examples() {
    let out = run(tacometer().args(["check", "--help"]));
    let text = stdout(&out);
    assert!(text.contains("Examples:"), "{text}");
    for value in ["table", "json", "csv", "markdown"] {
        assert!(text.contains(value), "--format lists {value}: {text}");
    }
    let out = run(tacometer().args(["report", "--help"]));
    assert!(stdout(&out).contains("[possible values: pass, caution, unknown, fail]"));
    let out = run(tacometer().args(["trend", "--help"]));
    assert!(
        stdout(&out).contains("contributors"),
        "--metric lists the ids"
    );
    let out = run(tacometer().args(["report", "--status", "passing"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("possible values"), "{}", stderr(&out));
    // Every command shows examples, and every --format its values.
    for command in [
        "check",
        "report",
        "review",
        "trend",
        "export",
        "site",
        "demo",
        "projects",
        "sql",
        "status",
        "completions",
        "man",
    ] {
        let text = stdout(&run(tacometer().args([command, "--help"])));
        assert!(text.contains("Examples:"), "{command} --help: {text}");
        if text.contains("--format") {
            assert!(
                text.to_lowercase().contains("possible values"),
                "{command} --format lists its values: {text}"
            );
        }
    }
}

/// Issue 12: `tacometer ... | head` ended in a broken-pipe error.
#[test]
fn a_reader_that_closes_early_ends_the_command_quietly() {
    use std::io::BufRead;
    use std::process::Stdio;
    // Far more output than a pipe holds, so the write after the close fails.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!(
            "[[projects]]\nname = \"Project {i}\"\nrepos = [\"owner{i}/repo{i}\"]\n"
        ));
    }
    let config = write_config(dir.path(), &text);
    let mut child = tacometer()
        .arg("--config")
        .arg(&config)
        .args(["projects", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    reader.read_line(&mut first).expect("a line");
    assert_eq!(first, "[\n");
    drop(reader);
    let out = child.wait_with_output().expect("ends");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "nothing said about the closed pipe");
}

#[test]
fn a_mistyped_project_gets_a_suggestion() {
    let out = run(tacometer().args(["check", "Ignte"]));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "tacometer: error: no project named `Ignte` in <built-in \
         config/pytorch-ecosystem.toml>; did you mean `Ignite`?\n"
    );
    let out = run(tacometer().args(["check", "Nothing Like Any Name"]));
    assert!(!stderr(&out).contains("did you mean"), "{}", stderr(&out));
}

/// Issue 12: without a token, `check --live` ran 22 s, then reported a failed
/// collection into a temporary path it had already deleted.
#[test]
fn check_live_without_a_token_fails_at_once_naming_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = std::time::Instant::now();
    let out = run(tacometer()
        .current_dir(dir.path())
        .args(["check", "--live", "someone/something"])
        // Nowhere to go: a request would fail only after its retries.
        .env("GITHUB_API_URL", "http://127.0.0.1:9"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("GITHUB_TOKEN"), "{err}");
    assert!(
        !err.contains("tacometer-live-") && !err.contains("collected"),
        "{err}"
    );
}
