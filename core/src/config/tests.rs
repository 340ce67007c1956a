//! Config tests: layering, validation messages with their places, token discovery.

use std::time::Instant;

use super::env::run_gh_auth_token;

use super::*;

fn err(text: &str) -> (usize, String, String) {
    match Config::parse(text, ConfigSource::File("t.toml".into())) {
        Err(ConfigError::Invalid {
            file,
            line,
            key,
            message,
            ..
        }) => {
            assert_eq!(file, "t.toml");
            (line, key, message)
        }
        other => panic!("expected an invalid-config error, got {other:?}"),
    }
}

const PROJECT: &str = "[[projects]]\nname = \"Ignite\"\nrepos = [\"pytorch/ignite\"]\n";

#[test]
fn defaults_are_the_tac_thresholds() {
    let c = Config::parse(PROJECT, ConfigSource::Builtin).expect("parses");
    assert_eq!(c.criteria.window_days.get(), 90);
    assert_eq!(
        (
            c.criteria.min_stars,
            c.criteria.min_commits,
            c.criteria.min_contributors
        ),
        (200, 30, 5)
    );
    assert_eq!(c.criteria.min_maintainers, 2);
    assert_eq!(c.collect.backfill_days.get(), 365);
    assert_eq!(c.collect.github_interval.0, Duration::from_secs(3600));
    assert_eq!(c.collect.star_history_max_points, 100);
    assert_eq!(c.projects[0].status, ProjectStatus::Active);
    assert_eq!(c.upstream.graphql_url(), "https://api.github.com/graphql");
}

#[test]
fn typo_in_a_key_names_file_line_and_key() {
    let (line, key, message) = err(&format!("[criteria]\nmin_star = 5\n{PROJECT}"));
    assert_eq!(line, 2);
    assert_eq!(key, "criteria.min_star");
    assert!(message.contains("unknown field `min_star`"), "{message}");
}

#[test]
fn the_column_counts_characters_not_bytes() {
    let text = format!("{PROJECT}category = \"é\" x\n");
    match Config::parse(&text, ConfigSource::File("t.toml".into())) {
        Err(ConfigError::Invalid { line, column, .. }) => assert_eq!((line, column), (4, 16)),
        other => panic!("expected an invalid-config error, got {other:?}"),
    }
}

#[test]
fn malformed_repo_slug_names_the_project_key() {
    let text = format!(
        "{PROJECT}\n[[projects]]\nname = \"B\"\nrepos = [\n  \"pytorch/ok\",\n  \"not a slug\",\n]\n"
    );
    let (line, key, message) = err(&text);
    assert_eq!(line, 7, "the line of the key whose value is wrong");
    assert_eq!(key, "projects[1].repos");
    assert!(message.contains("not a slug"), "{message}");
}

#[test]
fn negative_threshold_is_refused() {
    let (line, key, message) = err(&format!(
        "[criteria]\nversion = \"x\"\nmin_commits = -3\n{PROJECT}"
    ));
    assert_eq!(line, 3);
    assert_eq!(key, "criteria.min_commits");
    assert!(message.contains("-3"), "{message}");
}

#[test]
fn bad_duration_is_refused() {
    let (line, key, message) = err(&format!(
        "[collect]\ngithub_interval = \"every hour\"\n{PROJECT}"
    ));
    assert_eq!(line, 2);
    assert_eq!(key, "collect.github_interval");
    assert!(message.contains("every hour"), "{message}");
}

#[test]
fn the_star_history_cap_is_a_count_of_pages_and_zero_turns_it_off() {
    let c = Config::parse(
        &format!("[collect]\nstar_history_max_points = 0\n{PROJECT}"),
        ConfigSource::Builtin,
    )
    .expect("parses");
    assert_eq!(c.collect.star_history_max_points, 0);
    let (line, key, message) = err(&format!(
        "[collect]\nstar_history_max_points = -1\n{PROJECT}"
    ));
    assert_eq!((line, key.as_str()), (2, "collect.star_history_max_points"));
    assert!(message.contains("-1"), "{message}");
}

#[test]
fn zero_window_and_missing_projects_are_refused() {
    let (line, key, _) = err(&format!("[criteria]\nwindow_days = 0\n{PROJECT}"));
    assert_eq!((line, key.as_str()), (2, "criteria.window_days"));
    let (_, key, message) = err("[criteria]\nmin_stars = 10\n");
    assert_eq!(key, "projects");
    assert!(message.contains("missing field"), "{message}");
}

#[test]
fn duplicate_project_and_unknown_project_key() {
    let (line, _, message) = err(&format!("{PROJECT}{PROJECT}"));
    assert_eq!(line, 4);
    assert!(message.contains("duplicate project name"), "{message}");
    let (line, key, _) = err(&format!("{PROJECT}stars = 3\n"));
    assert_eq!((line, key.as_str()), (4, "projects[0].stars"));
    let (_, key, _) = err(&format!("{PROJECT}status = \"dormant\"\n"));
    assert_eq!(key, "projects[0].status");
}

#[test]
fn target_environment_defaults_to_linux_x86_64_and_the_newest_cpython() {
    let c = Config::parse(PROJECT, ConfigSource::Builtin).expect("parses");
    let t = &c.criteria.target_environment;
    assert_eq!(
        (t.platform, t.machine.as_str(), t.python),
        (TargetPlatform::Linux, "x86_64", PythonMinor(3, 14))
    );
    assert_eq!(t.to_string(), "linux x86_64, CPython 3.14");
    let inline = format!(
        "[criteria]\ntarget_environment = {{ platform = \"macos\", machine = \"arm64\", \
         python = \"3.12\" }}\n{PROJECT}"
    );
    let c = Config::parse(&inline, ConfigSource::Builtin).expect("inline table");
    assert_eq!(
        c.criteria.target_environment,
        TargetEnvironment {
            platform: TargetPlatform::Macos,
            machine: "arm64".into(),
            python: PythonMinor(3, 12),
        }
    );
    let table = format!("[criteria.target_environment]\nplatform = \"windows\"\n{PROJECT}");
    let c = Config::parse(&table, ConfigSource::Builtin).expect("sub-table");
    let t = &c.criteria.target_environment;
    assert_eq!(
        (t.platform, t.machine.as_str(), t.python),
        (TargetPlatform::Windows, "x86_64", PythonMinor(3, 14)),
        "keys not given keep their defaults"
    );
}

#[test]
fn bad_target_environment_names_its_key() {
    let (line, key, message) = err(&format!(
        "[criteria]\nversion = \"x\"\ntarget_environment = {{ python = \"3\" }}\n{PROJECT}"
    ));
    assert_eq!((line, key.as_str()), (3, "criteria.target_environment"));
    assert!(message.contains("`3` is not a Python version"), "{message}");
    let (line, key, message) = err(&format!(
        "[criteria.target_environment]\nplatform = \"linux\"\nos = \"posix\"\n{PROJECT}"
    ));
    assert_eq!((line, key.as_str()), (3, "criteria.target_environment.os"));
    assert!(message.contains("unknown field `os`"), "{message}");
    let (_, key, message) = err(&format!(
        "[criteria.target_environment]\nplatform = \"beos\"\n{PROJECT}"
    ));
    assert_eq!(key, "criteria.target_environment.platform");
    assert!(message.contains("beos"), "{message}");
}

#[test]
fn environment_overrides_file_and_flags_override_environment() {
    let mut env = BTreeMap::new();
    env.insert("TACOMETER_DB".to_string(), "/data/env.duckdb".to_string());
    env.insert(
        "GITHUB_API_URL".to_string(),
        "http://127.0.0.1:9/".to_string(),
    );
    env.insert("GH_TOKEN".to_string(), "tok-from-gh".to_string());
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        format!("[store]\npath = \"file.duckdb\"\n[github]\ntokens = [\"pool-1\"]\n{PROJECT}"),
    )
    .expect("write");
    let o = Overrides {
        config: Some(file.clone()),
        db: None,
    };
    let c = Config::load(&o, &env).expect("loads");
    assert_eq!(c.store.path, PathBuf::from("/data/env.duckdb"));
    assert_eq!(c.upstream.github_api_url, "http://127.0.0.1:9");
    assert_eq!(c.upstream.graphql_url(), "http://127.0.0.1:9/graphql");
    let tokens: Vec<_> = c
        .github
        .tokens
        .iter()
        .map(|t| t.expose().to_string())
        .collect();
    assert_eq!(tokens, ["tok-from-gh", "pool-1"]);
    let o = Overrides {
        config: Some(file),
        db: Some("flag.duckdb".into()),
    };
    assert_eq!(
        Config::load(&o, &env).expect("loads").store.path,
        PathBuf::from("flag.duckdb")
    );
    env.insert("PYPI_URL".to_string(), "ftp://x".to_string());
    let e = Config::load(&o, &env).expect_err("bad url");
    assert!(e.to_string().contains("PYPI_URL"), "{e}");
}

/// A fixed environment whose `gh` answers with `token` (and records the host asked).
struct WithGh {
    vars: BTreeMap<String, String>,
    token: Option<&'static str>,
    asked: std::cell::RefCell<Vec<String>>,
}

impl Environment for WithGh {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.var(name)
    }
    fn gh_auth_token(&self, hostname: &str) -> Option<Secret> {
        self.asked.borrow_mut().push(hostname.to_string());
        self.token.map(Secret::new)
    }
}

#[test]
fn gh_is_the_last_resort_for_a_token() {
    let tokens = |c: &Config| -> Vec<String> {
        c.github
            .tokens
            .iter()
            .map(|t| t.expose().to_string())
            .collect()
    };
    let env = |vars: &[(&str, &str)], token| WithGh {
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        token,
        asked: Default::default(),
    };
    let load = |text: &str, env: &WithGh| {
        let mut c = Config::parse(text, ConfigSource::Builtin).expect("parses");
        c.apply_env(env).expect("env");
        let from_gh = c.github_token_from_gh(env);
        (c, from_gh)
    };

    // Nothing else: gh's token, asked for github.com.
    let e = env(&[], Some("gho_from_gh"));
    let (c, from_gh) = load(PROJECT, &e);
    assert!(from_gh);
    assert_eq!(tokens(&c), ["gho_from_gh"]);
    assert_eq!(*e.asked.borrow(), ["github.com"]);

    // GITHUB_TOKEN wins over GH_TOKEN, and gh is not asked.
    let e = env(
        &[("GITHUB_TOKEN", "env-1"), ("GH_TOKEN", "env-2")],
        Some("gho_from_gh"),
    );
    let (c, from_gh) = load(PROJECT, &e);
    assert!(!from_gh);
    assert_eq!(tokens(&c), ["env-1"]);
    assert!(e.asked.borrow().is_empty());

    // A configured pool is used as is: gh is not asked.
    let e = env(&[], Some("gho_from_gh"));
    let (c, _) = load(&format!("[github]\ntokens = [\"a\", \"b\"]\n{PROJECT}"), &e);
    assert_eq!(tokens(&c), ["a", "b"]);
    assert!(e.asked.borrow().is_empty());

    // No gh (or a failing one): no token, and that is not an error.
    let e = env(&[], None);
    let (c, from_gh) = load(PROJECT, &e);
    assert!(!from_gh && c.github.tokens.is_empty());

    // GitHub Enterprise: gh is asked for that host.
    let e = env(
        &[("GITHUB_API_URL", "https://ghe.example.com/api/v3")],
        Some("t"),
    );
    load(PROJECT, &e);
    assert_eq!(*e.asked.borrow(), ["ghe.example.com"]);

    // systemd credentials: one token per line (comments and blanks skipped),
    // after the environment's token and before the file's pool (a token the
    // pool already has keeps its place); gh not asked.
    let creds = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        creds.path().join(super::CREDENTIAL_NAME),
        "# the collector's tokens\ncred-1\n\n  cred-2  \n",
    )
    .expect("write credential");
    let dir = creds.path().to_str().expect("utf-8 path").to_string();
    let e = env(
        &[
            ("CREDENTIALS_DIRECTORY", dir.as_str()),
            ("GITHUB_TOKEN", "env-1"),
        ],
        Some("gho_from_gh"),
    );
    let (c, from_gh) = load(
        &format!("[github]\ntokens = [\"a\", \"cred-2\"]\n{PROJECT}"),
        &e,
    );
    assert!(!from_gh);
    assert_eq!(tokens(&c), ["env-1", "cred-1", "a", "cred-2"]);
    // A credentials directory without the file is no error, and no token.
    let empty = tempfile::tempdir().expect("tempdir");
    let dir = empty.path().to_str().expect("utf-8 path").to_string();
    let e = env(&[("CREDENTIALS_DIRECTORY", dir.as_str())], None);
    let (c, _) = load(PROJECT, &e);
    assert!(c.github.tokens.is_empty());
}

#[cfg(unix)]
#[test]
fn an_unreadable_credential_is_an_error_naming_the_file() {
    let creds = tempfile::tempdir().expect("tempdir");
    // A directory where the file should be: reading it fails, not with NotFound.
    std::fs::create_dir(creds.path().join(super::CREDENTIAL_NAME)).expect("mkdir");
    let mut env = BTreeMap::new();
    env.insert(
        "CREDENTIALS_DIRECTORY".to_string(),
        creds.path().to_str().expect("utf-8").to_string(),
    );
    let mut c = Config::parse(PROJECT, ConfigSource::Builtin).expect("parses");
    let err = c.apply_env(&env).expect_err("unreadable credential");
    assert!(err.to_string().contains("github-token"), "{err}");
}

#[cfg(unix)]
#[test]
fn gh_auth_token_runs_the_program_and_trusts_only_a_clean_exit() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let script = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    };
    let ok = script(
        "gh-ok",
        "test \"$*\" = \"auth token --hostname github.com\" || exit 3\n\
         echo '  gho_canary123  '; echo 'noise' >&2",
    );
    let fails = script("gh-fails", "echo 'gho_not_logged_in'; exit 1");
    let empty = script("gh-empty", "exit 0");
    let slow = script("gh-slow", "exec sleep 30");
    let short = Duration::from_secs(5);
    let run = |p: &Path, t| run_gh_auth_token(p.as_os_str(), "github.com", t);
    assert_eq!(
        run(&ok, short).map(|s| s.expose().to_string()).as_deref(),
        Some("gho_canary123")
    );
    assert!(run(&fails, short).is_none(), "a failing gh gives no token");
    assert!(run(&empty, short).is_none(), "no output, no token");
    let started = Instant::now();
    assert!(run(&slow, Duration::from_millis(300)).is_none());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a slow gh is given up on"
    );
    assert!(run(&dir.path().join("no-such-gh"), short).is_none());
}

#[test]
fn gh_hostname_follows_the_api_url() {
    assert_eq!(
        gh_hostname("https://api.github.com").as_deref(),
        Some("github.com")
    );
    assert_eq!(
        gh_hostname("https://ghe.example.com/api/v3").as_deref(),
        Some("ghe.example.com")
    );
    assert_eq!(
        gh_hostname("http://127.0.0.1:8080").as_deref(),
        Some("127.0.0.1")
    );
}

#[test]
fn secrets_never_print() {
    let s = Secret::new("ghp_canary");
    assert_eq!(format!("{s} {s:?}"), "*** Secret(***)");
    assert_eq!(serde_json::to_string(&s).expect("json"), "\"***\"");
}

#[test]
fn review_keys_and_the_tacs_notice() {
    let c = Config::parse(PROJECT, ConfigSource::Builtin).expect("parses");
    assert_eq!(c.criteria.remediation_days, 30);
    assert!((c.criteria.at_risk_margin - 0.10).abs() < 1e-9);
    assert_eq!(c.criteria.review_lookback_days.get(), 182);
    assert_eq!(c.projects[0].notified, None);
    let text = format!(
        "[criteria]\nremediation_days = 45\nat_risk_margin = 0.2\nreview_lookback_days = 90\n\n\
         {PROJECT}notified = 2026-10-01\n"
    );
    let c = Config::parse(&text, ConfigSource::Builtin).expect("parses");
    assert_eq!(c.criteria.remediation_days, 45);
    assert_eq!(c.criteria.review_lookback_days.get(), 90);
    assert_eq!(c.projects[0].notified, NaiveDate::from_ymd_opt(2026, 10, 1));
    let (line, key, message) = err(&format!("[criteria]\nat_risk_margin = 1.5\n\n{PROJECT}"));
    assert_eq!((line, key.as_str()), (2, "criteria.at_risk_margin"));
    assert!(message.contains("between 0 and 1"), "{message}");
    let (line, key, message) = err(&format!("{PROJECT}notified = \"next week\"\n"));
    assert_eq!(line, 4);
    assert!(key.ends_with("notified"), "{key}");
    assert!(message.contains("not a date"), "{message}");
}

/// Issue 11, items 2 and 10: counts and durations that parse but cannot be
/// meant (a window ending in the year -6187, passes back to back) are refused
/// at their line, from one table of ranges.
#[test]
fn every_count_and_duration_has_a_range() {
    for (setting, line, key) in [
        (
            "[criteria]\nwindow_days = 4294967295",
            2,
            "criteria.window_days",
        ),
        (
            "[criteria]\nwindow_days = 3000000",
            2,
            "criteria.window_days",
        ),
        (
            "[criteria]\nreview_lookback_days = 100000",
            2,
            "criteria.review_lookback_days",
        ),
        (
            "[criteria]\nremediation_days = 4294967295",
            2,
            "criteria.remediation_days",
        ),
        (
            "[collect]\nbackfill_days = 4294967295",
            2,
            "collect.backfill_days",
        ),
        (
            "[collect]\ngithub_interval = \"1ns\"",
            2,
            "collect.github_interval",
        ),
        (
            "[collect]\npackages_interval = \"1s\"",
            2,
            "collect.packages_interval",
        ),
        (
            "[collect]\nitem_timeout = \"400days\"",
            2,
            "collect.item_timeout",
        ),
        ("[collect]\nconcurrency = 100000", 2, "collect.concurrency"),
        ("[store]\nlock_wait = \"3years\"", 2, "store.lock_wait"),
    ] {
        let (l, k, message) = err(&format!("{setting}\n{PROJECT}"));
        assert_eq!((l, k.as_str()), (line, key), "{setting}");
        assert!(message.contains("out of range"), "{setting}: {message}");
    }
    let ok = Config::parse(
        &format!("[criteria]\nwindow_days = 365\n[collect]\ngithub_interval = \"5m\"\n{PROJECT}"),
        ConfigSource::Builtin,
    );
    assert!(ok.is_ok(), "values inside the ranges load: {ok:?}");
}

/// A value out of range is found however its key is spelled, and the error
/// names the key and the line of the value.
#[test]
fn a_value_out_of_range_is_found_however_its_key_is_spelled() {
    for (setting, line, key) in [
        ("criteria.window_days = 3661", 1, "criteria.window_days"),
        (
            "criteria = { window_days = 3661 }",
            1,
            "criteria.window_days",
        ),
        (
            "[criteria]\n\"window_days\" = 3661",
            2,
            "criteria.window_days",
        ),
        (
            "[collect.requests_per_second]\n\"api.github.com\" = 10\n\"pypi.org\" = 2000000",
            3,
            "collect.requests_per_second",
        ),
        (
            "[criteria]\npermissive_licenses = [\n  \"MIT\",\n  \"not spdx\",\n]",
            4,
            "criteria.permissive_licenses",
        ),
    ] {
        let (l, k, message) = err(&format!("{setting}\n{PROJECT}"));
        assert_eq!((l, k.as_str()), (line, key), "{setting}: {message}");
    }
}

/// Issue 11, item 9: an upstream URL is http(s) with a host and no
/// credentials, in the file and in the environment; a URL variable set to
/// nothing is an error, not the public upstream with the token attached.
#[test]
fn upstream_urls_are_checked_in_the_file_and_the_environment() {
    for (url, says) in [
        ("file:///etc/passwd", "`file:` URL"),
        ("gopher://example.org", "`gopher:` URL"),
        ("http://u:secret@127.0.0.1:9", "user name or password"),
        ("not a url", "not a URL"),
        // an encoded international host name that does not decode
        ("http://xn--0", "invalid international domain name"),
    ] {
        let (line, key, message) = err(&format!("[upstream]\npypi_url = \"{url}\"\n{PROJECT}"));
        assert_eq!((line, key.as_str()), (2, "upstream.pypi_url"), "{url}");
        assert!(message.contains(says), "{url}: {message}");
        assert!(
            !message.contains("secret"),
            "the password is not repeated: {message}"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("c.toml");
    std::fs::write(&file, PROJECT).expect("write");
    let o = Overrides {
        config: Some(file),
        db: None,
    };
    for (var, value, says) in [
        ("GITHUB_API_URL", "", "set but empty"),
        ("PYPI_URL", "", "set but empty"),
        (
            "GITHUB_API_URL",
            "http://u:secret@127.0.0.1:9",
            "user name or password",
        ),
        ("ANACONDA_API_URL", "file:///etc/passwd", "`file:` URL"),
    ] {
        let env = BTreeMap::from([(var.to_string(), value.to_string())]);
        let e = Config::load(&o, &env).expect_err(var).to_string();
        assert!(e.contains(var) && e.contains(says), "{var}={value}: {e}");
        assert!(!e.contains("secret"), "{e}");
    }
}

/// Issue 11, item 7: `[github] tokens = "..."` written as a string printed
/// the secret in the config error.
#[test]
fn a_malformed_token_setting_does_not_repeat_the_token() {
    for setting in [
        "[github]\ntokens = \"ghp_SECRET123\"",
        "[github]\ntokens = [\"ghp_SECRET123\", 5]",
        // a quoted or indented header is a header too
        "[\"github\"]\ntokens = \"ghp_SECRET123\"",
        "  [github]\n  tokens = \"ghp_SECRET123\"",
        // a line that only starts with `[` names no table
        "[github]\n[tokens = [\"ghp_SECRET123\"]",
    ] {
        let (line, key, message) = err(&format!("{setting}\n{PROJECT}"));
        assert_eq!(line, 2, "{setting}");
        assert!(key.starts_with("github"), "{key}");
        assert!(!message.contains("ghp_SECRET123"), "{message}");
    }
}

/// A token left where a key goes (here the `[github]` header and `tokens =`
/// deleted, which makes the list a table header) is not repeated as the
/// unknown key's name.
#[test]
fn a_token_in_the_place_of_a_key_is_not_repeated() {
    for text in [
        " [\"ghp_000A0A00aAa000aAaA00AAaA\"]\n",
        "github_pat_11AB_cd = 1\n",
        "[criteria]\ngho_abc = \"x\"\n",
    ] {
        let e = Config::parse(text, ConfigSource::File("t.toml".into()))
            .expect_err(text)
            .to_string();
        assert!(e.starts_with("t.toml:"), "{e}");
        assert!(e.contains("***"), "{e}");
        for secret in ["ghp_000A", "github_pat_11AB_cd", "gho_abc"] {
            assert!(!e.contains(secret), "{e}");
        }
    }
}

#[test]
fn token_shaped_words_are_hidden_and_other_text_kept() {
    use super::validate::hide_tokens;
    assert_eq!(
        hide_tokens("unknown field `ghp_AbC123`, expected one of `criteria`"),
        "unknown field `***`, expected one of `criteria`"
    );
    assert_eq!(hide_tokens("a.github_pat_x_y.b"), "a.***.b");
    // a word that only contains a prefix is not a token
    assert_eq!(hide_tokens("xghp_1 sighs_2"), "xghp_1 sighs_2");
    assert_eq!(hide_tokens("ghp_"), "***");
}
