//! The query side end to end: `check`, `report`, `review`, `trend` and `export`
//! from the real binary over real DuckDB files, against ground truth computed
//! independently from a generated world, and against golden files.
//!
//! Longer than 500 lines on purpose: the ground-truth comparison, golden files
//! and the commands' scenarios share one collected world.

use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;
use tacometer_core::identity::identity;
use tacometer_core::store::Store;
use tacometer_core::store::write::{
    CiRun, CommitAuthor, CommitRecord, FailureRecord, PackageSnapshot, PrMerge, Provenance,
    ReleaseRecord, RepoSnapshot, RepoWrite, TargetState,
};
use tacometer_fake::truth::{Ask, expected};

use crate::daemon::{Lab, world};
use crate::util::{run, stderr, stdout, tacometer, write_config};

/// `tacometer` on one database and config.
fn on(db: &Path, config: &Path) -> std::process::Command {
    let mut cmd = tacometer();
    cmd.arg("--db").arg(db).arg("--config").arg(config);
    cmd
}

/// The requirement `id` of a `check` document.
fn measure<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {doc}"))
}

fn check_json(lab: &Lab, project: &str, as_of: &str) -> Value {
    let out = run(
        on(&lab.db, &lab.config).args(["check", project, "--format", "json", "--as-of", as_of])
    );
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1 | 3)),
        "check {project} exited {code:?}: {}",
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("check prints JSON");
    let any = |status: &str| {
        v["requirements"]
            .as_array()
            .expect("requirements")
            .iter()
            .any(|m| m["status"] == status)
    };
    // 1: something fails; 3: nothing fails but something is unknown.
    let expected = if any("fail") {
        1
    } else if any("unknown") {
        3
    } else {
        0
    };
    assert_eq!(code, Some(expected), "exit code of {project}");
    v
}

#[test]
fn check_equals_the_worlds_ground_truth_today_and_six_months_back() {
    let w = world(61, 14, 2);
    let lab = Lab::new(w.clone());
    let before = Utc::now();
    lab.once();
    let after = Utc::now() + Duration::seconds(1);
    let bots: Vec<String> = vec!["pytorchbot".into(), "facebook-github-bot".into()];
    let permissive: Vec<String> = ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC"]
        .map(String::from)
        .to_vec();
    let today = DateTime::from_timestamp(after.timestamp(), 0).expect("now");
    // Six months back, as the TAC asks it: a date, meaning the end of that day.
    let back_day = (today - Duration::days(182)).format("%Y-%m-%d").to_string();
    let back = tacometer_core::time::parse_as_of(&back_day).expect("date");
    let stars = lab.fake.accounting().operations["Stargazers"].clone();
    eprintln!(
        "star backfill of {} repositories: {} requests, {} GraphQL points",
        w.repos.len(),
        stars.requests,
        stars.graphql_points
    );
    let trees = lab.fake.accounting().operations["TreeAt"].clone();
    let out = run(on(&lab.db, &lab.config).args([
        "sql",
        "SELECT count(*) AS repos, sum(states) AS states, sum(queries) AS queries, \
         max(queries) AS most FROM tree_backfill",
    ]));
    eprintln!(
        "tree backfill: {} requests, {} GraphQL points; {}; errors: {}",
        trees.requests,
        trees.graphql_points,
        stdout(&out).replace('\n', " "),
        stdout(&run(on(&lab.db, &lab.config).args([
            "sql",
            "SELECT target, message FROM collection_errors"
        ])))
        .replace('\n', " ")
    );
    let mut compared = 0;
    let mut nonzero = 0;
    let mut reconstructed = 0;
    // File-based requirements answered from a past tree, and those whose
    // status six months back differs from today's.
    let mut from_trees = 0;
    let mut files_changed = 0;
    let mut today_files: std::collections::BTreeMap<(String, String), Value> =
        std::collections::BTreeMap::new();
    // `ci`, `packages` and `pytorch_support` six months back: known ones say
    // they were reconstructed; some differ from today's.
    let past_ids = ["ci", "packages", "pytorch_support"];
    let mut past_known = std::collections::BTreeMap::<&str, usize>::new();
    let mut today_status = std::collections::BTreeMap::<(String, &str), Value>::new();
    let mut changed = std::collections::BTreeMap::<&str, usize>::new();
    let mut tally = std::collections::BTreeMap::<(bool, String, String), usize>::new();
    for (as_of, text) in [
        (today, tacometer_core::time::rfc3339(today)),
        (back, back_day),
    ] {
        for p in &w.projects {
            let got = check_json(&lab, &p.name, &text);
            assert_eq!(got["project"], p.name.as_str());
            assert_eq!(got["as_of"], tacometer_core::time::rfc3339(as_of));
            assert_eq!(got["window"]["days"], 90);
            let want = expected(
                &w,
                p,
                &Ask {
                    as_of,
                    window_days: 90,
                    collected_at: before,
                    bots: &bots,
                    permissive: &permissive,
                    backfill_days: 365,
                    star_pages: 100,
                },
            );
            if as_of == back {
                let m = measure(&got, "stars");
                assert_eq!(
                    m["status"] == "unknown",
                    want["stars"]["status"] == "unknown"
                );
                if m["value"].is_i64() {
                    assert!(
                        m["source"]
                            .as_str()
                            .is_some_and(|s| s.starts_with("reconstructed")),
                        "{m}"
                    );
                    reconstructed += 1;
                }
                for id in past_ids {
                    let m = measure(&got, id);
                    if m["status"] != "unknown" && m["source"] != "configuration" {
                        assert!(
                            m["source"]
                                .as_str()
                                .is_some_and(|s| s.starts_with("reconstructed")),
                            "{} {id} six months back: {m}",
                            p.name
                        );
                        *past_known.entry(id).or_default() += 1;
                    }
                    if today_status.get(&(p.name.clone(), id)) != Some(&m["status"]) {
                        *changed.entry(id).or_default() += 1;
                    }
                }
            } else {
                for id in past_ids {
                    today_status.insert((p.name.clone(), id), measure(&got, id)["status"].clone());
                }
            }
            for (id, truth) in want.as_object().expect("object") {
                let m = got["requirements"]
                    .as_array()
                    .expect("requirements")
                    .iter()
                    .find(|m| m["id"] == id.as_str())
                    .unwrap_or_else(|| panic!("{} has no {id}", p.name));
                assert_eq!(
                    m["status"], truth["status"],
                    "{} {id} as of {text}: got {m}, want {truth}",
                    p.name
                );
                let key = (p.name.clone(), id.clone());
                if as_of == today {
                    today_files.insert(key, m["status"].clone());
                } else {
                    if m["status"] != "unknown"
                        && (id.starts_with("files.") || id == "license" || id == "governance")
                    {
                        assert!(
                            m["source"]
                                .as_str()
                                .is_some_and(|s| s.starts_with("reconstructed from the tree")),
                            "{} {id}: {m}",
                            p.name
                        );
                        from_trees += 1;
                    }
                    let from_files = id.starts_with("files.")
                        || ["license", "maintainers", "governance"].contains(&id.as_str());
                    if from_files
                        && m["status"] != "unknown"
                        && today_files.get(&key) != Some(&m["status"])
                    {
                        files_changed += 1;
                    }
                }
                if let Some(v) = truth.get("value") {
                    assert_eq!(&m["value"], v, "{} {id} as of {text}: {m}", p.name);
                    if v.as_i64().is_some_and(|n| n > 0) {
                        nonzero += 1;
                    }
                }
                compared += 1;
                if past_ids.contains(&id.as_str()) {
                    let status = m["status"].as_str().unwrap_or_default().to_string();
                    *tally
                        .entry((as_of == back, id.clone(), status))
                        .or_default() += 1;
                }
            }
        }
    }
    assert!(compared > 100, "compared {compared} requirement values");
    assert_eq!(
        reconstructed,
        w.projects.len(),
        "every star count six months back is reconstructed"
    );
    assert!(nonzero > 20, "most counts are real, not zero: {nonzero}");
    eprintln!(
        "{from_trees} file requirements six months back answered from past trees; \
         {files_changed} of their statuses differ from today's"
    );
    assert!(
        from_trees >= 3 * w.projects.len(),
        "layout, license and governance six months back come from past trees: {from_trees}"
    );
    assert!(
        files_changed > 0,
        "the world's past differs from its present"
    );
    eprintln!(
        "compared {compared} values; known six months back: {past_known:?}; \
         statuses that differ from today's: {changed:?}; \
         (six months back?, id, status): {tally:?}"
    );
    for id in past_ids {
        let configured = w
            .projects
            .iter()
            .filter(|p| match id {
                "packages" => !p.pypi.is_empty() || !p.conda.is_empty(),
                "pytorch_support" => !p.pypi.is_empty(),
                _ => true,
            })
            .count();
        assert!(
            past_known.get(id).copied().unwrap_or(0) * 2 > configured,
            "most {id} six months back are answered from history: {past_known:?} of {configured}"
        );
    }
    assert!(
        changed.get("pytorch_support").is_some_and(|n| *n > 0)
            && changed.get("ci").is_some_and(|n| *n > 0),
        "the past is not today's answer again: {changed:?}"
    );
    // `report` gives the same documents as `check`.
    let out = run(on(&lab.db, &lab.config)
        .args(["report", "--format", "json", "--as-of"])
        .arg(tacometer_core::time::rfc3339(back)));
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let first = &w.projects[0].name;
    let from_check = check_json(&lab, first, &tacometer_core::time::rfc3339(back));
    let from_report = report
        .as_array()
        .expect("array")
        .iter()
        .find(|e| e["project"] == first.as_str())
        .expect("in report");
    assert_eq!(&from_check, from_report);
}

/// Where `check` of every project of `w` as of `as_of` (given to the CLI as
/// `text`) disagrees with the world's ground truth, one line each; and how
/// many values were compared.
fn truth_mismatches(
    lab: &Lab,
    w: &tacometer_fake::World,
    ask: &Ask<'_>,
    text: &str,
) -> (Vec<String>, usize) {
    let mut wrong = Vec::new();
    let mut compared = 0;
    for p in &w.projects {
        let got = check_json(lab, &p.name, text);
        for (id, truth) in expected(w, p, ask).as_object().expect("object") {
            let m = measure(&got, id);
            compared += 1;
            if m["status"] != truth["status"]
                || truth.get("value").is_some_and(|v| &m["value"] != v)
            {
                wrong.push(format!(
                    "{} {id} as of {text}: got {m}, want {truth}",
                    p.name
                ));
            }
        }
    }
    (wrong, compared)
}

#[test]
fn the_edge_world_equals_its_ground_truth_today_and_on_its_own_date() {
    // The edge world ends on its own date, half a year before this
    // collection: as of that date, stars, layout files, CODEOWNERS and the
    // license are known only from history.
    let mut w = tacometer_fake::edge::edge_world();
    // Torch pinned with environment markers and by URL.
    tacometer_fake::edge::add_torch_pins(&mut w);
    // A project whose second repository never existed.
    w.projects.push(tacometer_fake::world::ProjectEntry {
        name: "Edge Half There".into(),
        repos: vec!["edge/no-codeowners".into(), "edge/never-was".into()],
        pypi: Vec::new(),
        conda: Vec::new(),
    });
    let now = w.now;
    let window = w
        .repos
        .iter_mut()
        .find(|r| r.full_name() == "edge/window")
        .expect("edge/window");
    // Bob declared twice: by login, and by the e-mail his commits link to him.
    window.files.insert(
        ".github/CODEOWNERS".into(),
        "# owners\n* @alice @bob bob@example.org\n/docs/ @edge/docs-team\n".into(),
    );
    // Seven weeks before the world's date, CONTRIBUTING.md did not exist,
    // the license text was another, and CODEOWNERS named Alice alone.
    let changed = window
        .commits
        .iter()
        .find(|c| c.committed_at <= now - Duration::days(40))
        .map(|c| c.sha.clone())
        .expect("a commit 40 days before the world's date");
    for (path, before) in [
        ("CONTRIBUTING.md", None),
        ("LICENSE", Some("Some other terms\n")),
        (".github/CODEOWNERS", Some("* @alice\n")),
    ] {
        window.file_changes.push(tacometer_fake::world::FileChange {
            sha: changed.clone(),
            path: path.into(),
            before: before.map(String::from),
        });
    }
    let lab = Lab::new(w.clone());
    let before = Utc::now();
    lab.once();
    let after = Utc::now() + Duration::seconds(1);
    let today = DateTime::from_timestamp(after.timestamp(), 0).expect("now");
    let world_day = w.now.format("%Y-%m-%d").to_string();
    let world_end = tacometer_core::time::parse_as_of(&world_day).expect("date");
    let earlier_day = (w.now - Duration::days(50)).format("%Y-%m-%d").to_string();
    let earlier = tacometer_core::time::parse_as_of(&earlier_day).expect("date");
    let bots: Vec<String> = vec!["pytorchbot".into(), "facebook-github-bot".into()];
    let permissive: Vec<String> = ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC"]
        .map(String::from)
        .to_vec();
    let mut wrong = Vec::new();
    let mut compared = 0;
    for (as_of, text) in [
        (today, tacometer_core::time::rfc3339(today)),
        (world_end, world_day),
        (earlier, earlier_day.clone()),
    ] {
        let ask = Ask {
            as_of,
            window_days: 90,
            collected_at: before,
            bots: &bots,
            permissive: &permissive,
            backfill_days: 365,
            star_pages: 100,
        };
        let (mismatches, n) = truth_mismatches(&lab, &w, &ask, &text);
        wrong.extend(mismatches);
        compared += n;
    }
    eprintln!(
        "edge world: {compared} values compared, {} differ",
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(compared > 100, "compared {compared}");
    // Before the change, the past tree answers: no CONTRIBUTING.md, a
    // license text GitHub never judged, Alice and Dave (MAINTAINERS).
    let past = check_json(&lab, "Edge Window", &earlier_day);
    assert_eq!(measure(&past, "files.contributing")["status"], "fail");
    assert_eq!(measure(&past, "license")["status"], "unknown");
    assert_eq!(measure(&past, "maintainers")["value"], 2);
    let today_doc = check_json(&lab, "Edge Window", &tacometer_core::time::rfc3339(today));
    let m = measure(&today_doc, "maintainers");
    assert_eq!(m["value"], 3, "alice, bob once, dave: {m}");
    assert!(
        m["detail"]
            .as_str()
            .is_some_and(|d| d.contains("bob@example.org as bob")),
        "{m}"
    );
    // Only the torch entry whose marker holds on Linux counts; a URL pin
    // admits no release.
    let today_text = tacometer_core::time::rfc3339(today);
    let markers = check_json(&lab, "Edge Markers", &today_text);
    assert_eq!(measure(&markers, "pytorch_support")["status"], "pass");
    let url = check_json(&lab, "Edge URL Pin", &today_text);
    assert_eq!(measure(&url, "pytorch_support")["status"], "fail");
}

#[test]
fn stars_before_the_first_collection_are_known_up_to_the_page_cap() {
    let w = world(64, 14, 2);
    // Two pages of 100 stargazers per repository at most.
    let lab = Lab::with_settings(
        w.clone(),
        365,
        "item_timeout = \"60s\"\nstar_history_max_points = 2\n",
        "",
    );
    let before = Utc::now();
    lab.once();
    let acct = lab.fake.accounting();
    let stars = &acct.operations["Stargazers"];
    let repos: usize = w.projects.iter().map(|p| p.repos.len()).sum();
    eprintln!(
        "star backfill capped at 2 pages, {repos} repositories: {} requests, {} points",
        stars.requests, stars.graphql_points
    );
    assert!(
        stars.graphql_points <= 2 * repos.div_ceil(50) as u64,
        "two rounds of at most 50 repositories per point: {} points",
        stars.graphql_points
    );
    let today = Utc::now();
    let (mut known, mut capped) = (0, 0);
    for days in [30, 182] {
        let day = (today - Duration::days(days))
            .format("%Y-%m-%d")
            .to_string();
        let as_of = tacometer_core::time::parse_as_of(&day).expect("date");
        for p in &w.projects {
            let got = check_json(&lab, &p.name, &day);
            let want = expected(
                &w,
                p,
                &Ask {
                    as_of,
                    window_days: 90,
                    collected_at: before,
                    bots: &[],
                    permissive: &[],
                    backfill_days: 365,
                    star_pages: 2,
                },
            );
            let m = measure(&got, "stars");
            assert_eq!(
                (&m["status"], &m["value"]),
                (&want["stars"]["status"], &want["stars"]["value"]),
                "{} stars as of {day}: got {m}",
                p.name
            );
            if m["value"].is_i64() {
                known += 1;
            } else {
                assert!(
                    m["detail"]
                        .as_str()
                        .is_some_and(|d| d.contains("star_history_max_points")),
                    "the reason is the cap: {m}"
                );
                capped += 1;
            }
        }
    }
    assert!(known > 0 && capped > 0, "{known} known, {capped} capped");
    // A steady pass reads no star page again.
    lab.fake.reset_accounting();
    lab.once();
    assert!(
        !lab.fake.accounting().operations.contains_key("Stargazers"),
        "the star backfill is one-time"
    );
}

// ---- fixed rows, written through the store's writer ----

fn at(days_before: f64, end: DateTime<Utc>) -> DateTime<Utc> {
    end - Duration::seconds((days_before * 86_400.0) as i64)
}

fn author(login: Option<&str>, name: &str, email: &str) -> CommitAuthor {
    let id = identity(login, Some(email), Some(name));
    CommitAuthor {
        name: Some(name.into()),
        email: Some(email.into()),
        login: login.map(String::from),
        is_bot: id.ends_with("[bot]"),
        identity: id,
    }
}

fn commits(prefix: &str, n: usize, when: DateTime<Utc>, who: &[CommitAuthor]) -> Vec<CommitRecord> {
    (0..n)
        .map(|i| CommitRecord {
            sha: format!("{prefix}{i:038}"),
            committed_at: when + Duration::minutes(i as i64),
            authored_at: when,
            parent_count: 1,
            authors: vec![who[i % who.len()].clone()],
        })
        .collect()
}

struct Fixture {
    store: Store,
}

impl Fixture {
    fn new(db: &Path) -> Self {
        Self {
            store: Store::open_write(db, StdDuration::from_secs(5)).expect("open"),
        }
    }

    fn repo(
        &mut self,
        node: &str,
        slug: &str,
        observed: DateTime<Utc>,
        f: impl FnOnce(&mut RepoWrite),
    ) {
        let p = Provenance {
            run_id: 1,
            observed_at: observed,
            source: "github:graphql repos".into(),
        };
        let mut w = RepoWrite {
            snapshot: Some(RepoSnapshot {
                node_id: node.into(),
                name_with_owner: slug.into(),
                stars: 250,
                default_branch: Some("main".into()),
                head_oid: Some(format!("{node}head0000000000000000000000000000000")),
                license_spdx: Some("BSD-3-Clause".into()),
                layout_files: [
                    "README.md",
                    "LICENSE",
                    "CONTRIBUTING.md",
                    ".github/CODEOWNERS",
                    "CODE_OF_CONDUCT.md",
                ]
                .map(String::from)
                .to_vec(),
                codeowners_path: Some(".github/CODEOWNERS".into()),
                codeowners_teams: vec!["@golden/maintainers".into()],
                ci_head_state: Some("failure".into()),
                ..RepoSnapshot::default()
            }),
            state: Some(TargetState {
                target: format!("repo:{}", slug.to_lowercase()),
                kind: "repo".into(),
                node_id: Some(node.into()),
                ..TargetState::default()
            }),
            ..RepoWrite::default()
        };
        f(&mut w);
        self.store.write_repo(&p, &w).expect("write repo");
    }
}

/// The golden project: fixed rows as of the end of 2026-06-30.
fn golden_db(dir: &Path) -> (PathBuf, PathBuf) {
    let db = dir.join("golden.duckdb");
    let end = Utc
        .with_ymd_and_hms(2026, 6, 30, 23, 59, 59)
        .single()
        .expect("t");
    let mut fx = Fixture::new(&db);
    let people = [
        author(Some("alice"), "Alice", "alice@example.com"),
        author(None, "Bob", "4242+bob@users.noreply.github.com"),
        author(
            None,
            "=HYPERLINK(\"http://evil.example\")",
            "eve@example.com",
        ),
        author(
            Some("dependabot[bot]"),
            "dependabot[bot]",
            "49699333+dependabot[bot]@users.noreply.github.com",
        ),
    ];
    fx.repo("R_golden", "golden/core", at(5.0, end), |w| {
        w.commits = commits("a", 31, at(40.0, end), &people);
        w.ci = (0..4)
            .map(|i| CiRun {
                run_key: format!("actions:{i}"),
                provider: "actions".into(),
                name: Some("CI".into()),
                head_sha: Some(format!("sha{i}")),
                branch: Some("main".into()),
                event: Some("push".into()),
                status: Some("completed".into()),
                conclusion: Some(if i == 3 { "failure" } else { "success" }.into()),
                created_at: at(10.0 - i as f64, end),
                updated_at: None,
                url: Some(format!("https://github.com/golden/core/actions/runs/{i}")),
            })
            .collect();
        w.merges = vec![PrMerge {
            number: 7,
            merged_at: at(3.0, end),
            merged_by: Some("alice".into()),
        }];
    });
    fx.repo("R_golden", "golden/core", at(1.0, end), |w| {
        if let Some(s) = w.snapshot.as_mut() {
            s.stars = 260;
        }
    });
    let p = Provenance {
        run_id: 1,
        observed_at: at(1.0, end),
        source: "pypi:GET /pypi/golden/json".into(),
    };
    fx.store
        .write_torch_releases(
            &p,
            &[
                ("2.6.0".to_string(), Some(at(200.0, end))),
                ("2.7.0".to_string(), Some(at(100.0, end))),
                ("2.8.0".to_string(), Some(at(20.0, end))),
            ],
        )
        .expect("torch");
    fx.store
        .write_package(
            &p,
            &PackageSnapshot {
                ecosystem: "pypi".into(),
                package: "golden".into(),
                found: true,
                latest_version: Some("1.1".into()),
                repo_links: vec!["golden/core".into()],
                torch_requirement: Some(Some("<2.8,>=2.6".into())),
            },
            &[
                ReleaseRecord {
                    version: "1.0".into(),
                    released_at: Some(at(60.0, end)),
                    is_prerelease: Some(false),
                    yanked: false,
                    has_binary: true,
                    has_sdist: true,
                    requires_torch: None,
                },
                ReleaseRecord {
                    version: "1.1".into(),
                    released_at: Some(at(10.0, end)),
                    is_prerelease: Some(false),
                    yanked: true,
                    has_binary: true,
                    has_sdist: false,
                    requires_torch: Some("<2.8,>=2.6".into()),
                },
            ],
            &TargetState {
                target: "pypi:golden".into(),
                kind: "pypi".into(),
                ..TargetState::default()
            },
        )
        .expect("package");
    drop(fx);
    let config = write_config(
        dir,
        "[[projects]]\nname = \"Golden\"\nrepos = [\"golden/core\"]\npypi = [\"golden\"]\n",
    );
    (db, config)
}

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Compares with a golden file; `TACOMETER_UPDATE_GOLDEN=1` rewrites it.
fn assert_golden(name: &str, got: &str) {
    let path = golden_path(name);
    if std::env::var_os("TACOMETER_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        std::fs::write(&path, got).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (TACOMETER_UPDATE_GOLDEN=1 creates it)",
            path.display()
        )
    });
    assert_eq!(got, want, "{name} differs from its golden file");
}

#[test]
fn golden_outputs_of_check_and_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, config) = golden_db(dir.path());
    let cmd = |args: &[&str]| {
        let out = run(on(&db, &config).args(args));
        (out.status.code(), stdout(&out), stderr(&out))
    };
    for (format, file) in [
        ("json", "check.json"),
        ("csv", "check.csv"),
        ("markdown", "check.md"),
    ] {
        let (code, out, err) = cmd(&[
            "check",
            "Golden",
            "--as-of",
            "2026-06-30",
            "--format",
            format,
        ]);
        assert_eq!(code, Some(1), "a requirement fails: exit 1 ({err})");
        assert_golden(file, &out);
    }
    let (code, out, err) = cmd(&["report", "--as-of", "2026-06-30", "--format", "markdown"]);
    assert_eq!(code, Some(0), "{err}");
    assert_golden("report.md", &out);
    // Tables fitted to a terminal of 80 and 160 columns (`COLUMNS`), dates as dates.
    for width in [80, 160] {
        let table = |args: &[&str]| {
            let out = run(on(&db, &config)
                .env("COLUMNS", width.to_string())
                .args(args));
            let text = stdout(&out);
            for line in text.lines() {
                assert!(
                    line.chars().count() <= width,
                    "wider than {width}: {line:?}"
                );
            }
            assert!(!text.contains("23:59:59"), "dates as dates: {text}");
            (out.status.code(), text, stderr(&out))
        };
        let (code, out, err) = table(&[
            "check",
            "Golden",
            "--as-of",
            "2026-06-30",
            "--format",
            "table",
        ]);
        assert_eq!(code, Some(1), "{err}");
        assert_golden(&format!("check.{width}.txt"), &out);
        let (code, out, err) = table(&["report", "--as-of", "2026-06-30", "--format", "table"]);
        assert_eq!(code, Some(0), "{err}");
        assert_golden(&format!("report.{width}.txt"), &out);
    }
    let (code, out, err) = cmd(&[
        "trend",
        "Golden",
        "--metric",
        "commits",
        "--to",
        "2026-06-30",
        "--every",
        "1w",
        "--format",
        "table",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert_golden("trend.txt", &out);
    // Charts: SVG with its threshold line and labels, PNG that decodes.
    let svg = dir.path().join("commits.svg");
    let png_path = dir.path().join("commits.png");
    for plot in [&svg, &png_path] {
        let out = run(on(&db, &config)
            .args([
                "trend",
                "Golden",
                "--metric",
                "commits",
                "--to",
                "2026-06-30",
                "--plot",
            ])
            .arg(plot));
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let text = std::fs::read_to_string(&svg).expect("svg");
    assert!(
        text.starts_with("<svg") && text.contains("threshold 30"),
        "{text}"
    );
    assert!(text.contains("2026-06-30") && text.contains("commits of Golden"));
    assert_eq!(
        text.matches("<circle").count(),
        41,
        "one dot per known point"
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).expect("png"),
    ));
    let reader = decoder.read_info().expect("a valid PNG");
    assert_eq!((reader.info().width, reader.info().height), (860, 360));
    let (code, _, err) = cmd(&[
        "trend",
        "Golden",
        "--metric",
        "commits",
        "--plot",
        "chart.gif",
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("chart.gif"), "{err}");
    // The verdicts the golden rows were built for.
    let (_, json, _) = cmd(&[
        "check",
        "Golden",
        "--as-of",
        "2026-06-30",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&json).expect("json");
    let status = |id: &str| {
        v["requirements"]
            .as_array()
            .expect("array")
            .iter()
            .find(|m| m["id"] == id)
            .map(|m| {
                (
                    m["status"].as_str().unwrap_or("").to_string(),
                    m["value"].clone(),
                )
            })
            .expect("present")
    };
    assert_eq!(status("commits"), ("pass".into(), Value::from(31)));
    assert_eq!(
        status("contributors"),
        ("fail".into(), Value::from(3)),
        "the bot is out"
    );
    assert_eq!(status("stars").0, "pass");
    assert_eq!(status("ci").0, "caution", "red head");
    assert_eq!(status("maintainers").0, "caution", "team-only CODEOWNERS");
    assert_eq!(
        status("pytorch_support").0,
        "caution",
        "admits 2.7 but not 2.8"
    );
    assert_eq!(
        status("packages").0,
        "pass",
        "1.0 has a wheel; the yanked 1.1 does not count"
    );
    assert_eq!(status("files.license").0, "caution");
    assert_eq!(status("governance").0, "fail");
    // An unknown project is an error naming it, exit 2.
    let (code, _, err) = cmd(&["check", "Nope Project"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("Nope Project"), "{err}");
    let (code, _, err) = cmd(&["trend", "Golden", "--metric", "starz"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("starz"), "{err}");
}

/// Status colours: `--color always` colours even a pipe, `never` and
/// `NO_COLOR` (under `auto`) never do, and data formats never carry escapes.
#[test]
fn table_colours_follow_color_and_no_color() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, config) = golden_db(dir.path());
    let check = |color: &str, env: &[(&str, &str)], format: &str| {
        let mut cmd = on(&db, &config);
        cmd.args(["--color", color, "check", "Golden", "--as-of", "2026-06-30"])
            .args(["--format", format]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        stdout(&out)
    };
    let escape = "\u{1b}[";
    let coloured = check("always", &[], "table");
    assert!(coloured.contains(escape), "{coloured}");
    assert!(
        check("always", &[("NO_COLOR", "1")], "table").contains(escape),
        "the flag wins over NO_COLOR"
    );
    assert!(!check("never", &[("CLICOLOR_FORCE", "1")], "table").contains(escape));
    assert!(check("auto", &[("CLICOLOR_FORCE", "1")], "table").contains(escape));
    assert!(
        !check(
            "auto",
            &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
            "table"
        )
        .contains(escape)
    );
    assert!(
        !check("auto", &[], "table").contains(escape),
        "a pipe is not a terminal"
    );
    for format in ["json", "csv", "markdown"] {
        assert!(!check("always", &[], format).contains(escape), "{format}");
    }
}

#[test]
fn export_lists_add_up_to_the_summary_and_are_neutralised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, config) = golden_db(dir.path());
    let out_dir = dir.path().join("evidence");
    let out = run(on(&db, &config)
        .args(["export", "Golden", "--as-of", "2026-06-30", "--out"])
        .arg(&out_dir));
    assert!(out.status.success(), "{}", stderr(&out));
    let read = |name: &str| -> Vec<csv::StringRecord> {
        let mut r = csv::Reader::from_path(out_dir.join(name)).expect("csv");
        r.records().map(|x| x.expect("row")).collect()
    };
    let summary = read("summary.csv");
    let value = |id: &str| -> String {
        summary
            .iter()
            .find(|r| &r[1] == id)
            .map(|r| r[3].to_string())
            .expect("row")
    };
    assert_eq!(summary.len(), 14, "one row per requirement");
    assert!(summary.iter().all(|r| &r[10] == "pytorch-ecosystem-1.0"));
    let commits = read("commits.csv");
    let people = read("contributors.csv");
    assert_eq!(value("commits"), commits.len().to_string());
    assert_eq!(value("contributors"), people.len().to_string());
    assert_eq!(read("stars.csv").len(), 2, "two snapshots");
    assert_eq!(read("ci.csv").len(), 4);
    assert_eq!(read("releases.csv").len(), 2);
    let text = std::fs::read_to_string(out_dir.join("contributors.csv")).expect("read");
    assert!(text.contains("'=HYPERLINK"), "formula neutralised: {text}");
    assert!(!text.contains(",=HYPERLINK"), "{text}");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).expect("m"))
            .expect("json");
    assert_eq!(manifest["criteria_version"], "pytorch-ecosystem-1.0");
    // Parquet: the same tables, read back by DuckDB.
    let pq = dir.path().join("pq");
    let out = run(on(&db, &config)
        .args([
            "export",
            "Golden",
            "--as-of",
            "2026-06-30",
            "--format",
            "parquet",
            "--out",
        ])
        .arg(&pq));
    assert!(out.status.success(), "{}", stderr(&out));
    let conn = duckdb::Connection::open_in_memory().expect("duckdb");
    let n: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM '{}'",
                pq.join("commits.parquet").display()
            ),
            [],
            |r| r.get(0),
        )
        .expect("read parquet");
    assert_eq!(n as usize, commits.len());
    let name: String = conn
        .query_row(
            &format!(
                "SELECT name FROM '{}' WHERE name LIKE '=%'",
                pq.join("contributors.parquet").display()
            ),
            [],
            |r| r.get(0),
        )
        .expect("raw name in parquet");
    assert!(name.starts_with("=HYPERLINK"), "Parquet keeps data as is");
}

/// The end of the review day of the review scenarios.
fn review_day() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 30, 23, 59, 59)
        .single()
        .expect("t")
}

/// `n` committers with logins.
fn team(n: usize) -> Vec<CommitAuthor> {
    (0..n)
        .map(|i| {
            author(
                Some(&format!("dev{i}")),
                "Dev",
                &format!("dev{i}@example.com"),
            )
        })
        .collect()
}

#[test]
fn review_finds_the_exact_first_failing_day_and_the_deadline_from_the_notice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("review.duckdb");
    let end = review_day();
    let team = team(6);
    let mut fx = Fixture::new(&db);
    // A commit d days back is in the 90-day window of the day n back when
    // d - 90 < n <= d. 40 commits 130.5 days back leave the window of day 41:
    // failing since 40 days ago. The second project's leave on day 13.
    fx.repo("R_old", "late/old", at(1.0, end), |w| {
        w.commits = commits("b", 40, at(130.5, end), &team);
    });
    fx.repo("R_new", "late/new", at(1.0, end), |w| {
        w.commits = commits("c", 40, at(102.5, end), &team);
    });
    // 20 commits 11.5 days back (days 0-11) and 20 commits 98.5 days back
    // (days 9-98): 40 on days 9-11 only, 20 on every other day. The weekly
    // points 7 and 14 both fail; the streak began 8 days back.
    fx.repo("R_gap", "late/gap", at(1.0, end), |w| {
        let mut c = commits("e", 20, at(11.5, end), &team);
        c.extend(commits("f", 20, at(98.5, end), &team));
        w.commits = c;
    });
    fx.repo("R_ok", "late/ok", at(1.0, end), |w| {
        w.commits = commits("d", 32, at(20.0, end), &team);
    });
    // CODE_OF_CONDUCT.md was there 60 days back and gone from 25.5 days back:
    // the snapshot of every day from 25 days back on lacks it.
    fx.repo("R_coc", "late/coc", at(60.0, end), |w| {
        w.commits = commits("g", 40, at(30.0, end), &team);
    });
    for back in [25.5, 1.0] {
        fx.repo("R_coc", "late/coc", at(back, end), |w| {
            if let Some(s) = w.snapshot.as_mut() {
                s.layout_files.retain(|f| f != "CODE_OF_CONDUCT.md");
            }
        });
    }
    drop(fx);
    let config = write_config(
        dir.path(),
        "[criteria]\nremediation_days = 30\n\n\
         [[projects]]\nname = \"Forty\"\nrepos = [\"late/old\"]\nnotified = 2026-08-25\n\n\
         [[projects]]\nname = \"Twelve\"\nrepos = [\"late/new\"]\n\n\
         [[projects]]\nname = \"Gap\"\nrepos = [\"late/gap\"]\nnotified = 2026-09-01\n\n\
         [[projects]]\nname = \"Conduct\"\nrepos = [\"late/coc\"]\n\n\
         [[projects]]\nname = \"Fine\"\nrepos = [\"late/ok\"]\n",
    );
    let out = run(on(&db, &config).args(["review", "--as-of", "2026-09-30", "--format", "json"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["remediation_days"], 30);
    assert_eq!(v["lookback_days"], 182);
    let project = |name: &str| -> Value {
        v["projects"]
            .as_array()
            .expect("projects")
            .iter()
            .find(|p| p["project"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} reviewed: {v}"))
    };
    let failing = |name: &str, id: &str| -> Value {
        project(name)["failing"]
            .as_array()
            .and_then(|f| f.iter().find(|x| x["id"] == id).cloned())
            .unwrap_or(Value::Null)
    };
    let forty = failing("Forty", "commits");
    assert_eq!(forty["failing_since"], "2026-08-21", "{forty}");
    assert_eq!(forty["since_limit"], Value::Null);
    assert_eq!(forty["began_after_notice"], false);
    let p = project("Forty");
    assert_eq!(p["notified"], "2026-08-25");
    assert_eq!(p["deadline"], "2026-09-24", "notice + 30 days");
    assert_eq!(p["days_left"], -6);
    assert_eq!(p["past_deadline"], true);
    let twelve = failing("Twelve", "commits");
    assert_eq!(twelve["failing_since"], "2026-09-18", "{twelve}");
    let p = project("Twelve");
    assert_eq!(p["notified"], Value::Null);
    assert_eq!(p["deadline"], Value::Null, "no notice, no deadline");
    assert_eq!(p["deadline_if_notified_today"], "2026-10-30");
    let gap = failing("Gap", "commits");
    assert_eq!(gap["failing_since"], "2026-09-22", "{gap}");
    assert_eq!(gap["began_after_notice"], true, "the notice predates it");
    assert_eq!(project("Gap")["days_left"], 1);
    let coc = failing("Conduct", "files.code_of_conduct");
    assert_eq!(coc["failing_since"], "2026-09-05", "{coc}");
    // CI: no runs anywhere. Before the first snapshot (yesterday) the runs
    // are history, which reaches back past the look-back: failing on every
    // day of it, and no start date is invented.
    let ci = failing("Twelve", "ci");
    assert_eq!(ci["failing_since"], Value::Null, "{ci}");
    assert_eq!(ci["since_limit"], "lookback");
    assert_eq!(ci["failing_on_or_before"], "2026-04-01");
    let fine = project("Fine");
    assert!(
        fine["failing"]
            .as_array()
            .expect("failing")
            .iter()
            .all(|f| f["id"] != "commits")
    );
    let risk = fine["at_risk"]
        .as_array()
        .expect("at risk")
        .iter()
        .find(|a| a["id"] == "commits")
        .cloned()
        .unwrap_or_else(|| panic!("32 is within 10% of 30: {fine}"));
    // The 30th newest of the 32 commits (20 days back, 2 minutes in) leaves
    // the window at the end of the day 90 days after it.
    assert_eq!(risk["falls_below_on"], "2026-12-10", "{risk}");
    let config_ids: Vec<&str> = fine["config_problems"]
        .as_array()
        .expect("config problems")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(
        config_ids.contains(&"packages"),
        "no package configured is tacometer's gap: {fine}"
    );
    assert!(
        fine["failing"]
            .as_array()
            .expect("failing")
            .iter()
            .all(|f| f["id"] != "packages"),
        "and not the project's failure"
    );
    // `check` gives the same forecast.
    let out =
        run(on(&db, &config).args(["check", "Fine", "--as-of", "2026-09-30", "--format", "json"]));
    let c: Value = serde_json::from_slice(&out.stdout).expect("check json");
    let commits = c["requirements"]
        .as_array()
        .expect("requirements")
        .iter()
        .find(|m| m["id"] == "commits")
        .cloned()
        .expect("commits");
    assert_eq!(commits["falls_below_on"], "2026-12-10");
    // The table says it in words, rows grouped by project.
    let out = run(on(&db, &config).args(["review", "--as-of", "2026-09-30", "--format", "table"]));
    let text = stdout(&out);
    assert!(text.contains("2026-09-24: past it by 6 days"), "{text}");
    assert!(
        text.contains("not notified (notified today: 2026-10-30)"),
        "{text}"
    );
    assert!(text.contains("falls below on 2026-12-10"), "{text}");
    assert!(text.contains("config problem"), "{text}");
    assert!(
        text.contains("history does not reach further back"),
        "{text}"
    );
    let rows: Vec<&str> = text.lines().collect();
    let first = |name: &str| rows.iter().position(|l| l.starts_with(name)).expect("row");
    let last = |name: &str| rows.iter().rposition(|l| l.starts_with(name)).expect("row");
    assert!(
        last("Forty") < first("Gap") || last("Gap") < first("Forty"),
        "grouped: {text}"
    );
}

#[test]
fn check_live_collects_an_untracked_repo_on_the_spot() {
    let w = world(62, 3, 1);
    let target = w.projects[0].clone();
    let lab = Lab::new(w);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        dir.path(),
        "[collect.requests_per_second]\n\"127.0.0.1\" = 1000\n\n\
         [[projects]]\nname = \"Someone else\"\nrepos = [\"other/repo\"]\n",
    );
    let base = lab.fake.base_url();
    let mut cmd = tacometer();
    cmd.current_dir(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["check", "--live", &target.repos[0], "--format", "json"])
        .env("GITHUB_API_URL", &base)
        .env("PYPI_URL", &base)
        .env("ANACONDA_API_URL", &base)
        .env("GITHUB_TOKEN", crate::daemon::CANARY);
    for p in &target.pypi {
        cmd.args(["--pypi", p]);
    }
    let out = run(&mut cmd);
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["repos"][0], target.repos[0].as_str());
    let commits = v["requirements"]
        .as_array()
        .expect("array")
        .iter()
        .find(|m| m["id"] == "commits")
        .expect("commits");
    assert!(commits["value"].is_i64(), "measured live: {commits}");
    assert!(stderr(&out).contains("collected"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(crate::daemon::CANARY));
    assert!(
        !dir.path().join("tacometer.duckdb").exists(),
        "a temporary database, not the default one"
    );
    // Without --live, an untracked repo with no history is an error that says what to do.
    lab.once();
    let out = run(tacometer()
        .arg("--config")
        .arg(&lab.config)
        .arg("--db")
        .arg(&lab.db)
        .args(["check", "nobody/tracks-this"]));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("nobody/tracks-this") && err.contains("--live"),
        "{err}"
    );
}

#[test]
fn a_gone_or_unresolved_repo_is_unknown_with_the_same_reason_in_check_report_and_export() {
    // `Edge Gone`'s only repository is deleted upstream; `Edge Partly Gone`
    // adds that repository to a healthy primary.
    let mut w = tacometer_fake::edge::edge_world();
    w.projects.push(tacometer_fake::world::ProjectEntry {
        name: "Edge Partly Gone".into(),
        repos: vec!["edge/window".into(), "edge/gone".into()],
        pypi: vec!["edge-window".into()],
        conda: Vec::new(),
    });
    let lab = Lab::new(w);
    lab.once();
    let as_of = tacometer_core::time::rfc3339(Utc::now() + Duration::seconds(1));
    let check = |project: &str| check_json(&lab, project, &as_of);
    let out = run(on(&lab.db, &lab.config).args(["report", "--format", "json", "--as-of", &as_of]));
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
    let evidence = lab.db.with_extension("evidence");
    let out = run(on(&lab.db, &lab.config)
        .args(["export", "--all", "--as-of", &as_of, "--out"])
        .arg(&evidence));
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: Vec<csv::StringRecord> = csv::Reader::from_path(evidence.join("summary.csv"))
        .expect("summary.csv")
        .records()
        .map(|r| r.expect("row"))
        .collect();
    let measure = |doc: &Value, id: &str| -> Value {
        doc["requirements"]
            .as_array()
            .expect("requirements")
            .iter()
            .find(|m| m["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id} in {doc}"))
    };
    let summary_row = |project: &str, id: &str| -> (String, String) {
        summary
            .iter()
            .find(|r| &r[0] == project && &r[1] == id)
            .map(|r| (r[2].to_string(), r[11].to_string()))
            .unwrap_or_else(|| panic!("no summary row for {project} {id}"))
    };
    let cases: [(&str, &[&str], &[&str]); 2] = [
        (
            "Edge Gone",
            &[
                "stars",
                "commits",
                "contributors",
                "maintainers",
                "ci",
                "license",
                "files.readme",
                "governance",
            ],
            &[],
        ),
        (
            "Edge Partly Gone",
            &["commits", "contributors"],
            &["stars", "license", "files.readme"],
        ),
    ];
    for (project, unknown, known) in cases {
        let from_check = check(project);
        let from_report = report
            .as_array()
            .expect("array")
            .iter()
            .find(|e| e["project"] == project)
            .unwrap_or_else(|| panic!("{project} is in the report"));
        assert_eq!(
            &from_check, from_report,
            "check and report agree on {project}"
        );
        for id in unknown {
            let m = measure(&from_check, id);
            assert_eq!(m["status"], "unknown", "{project} {id}: {m}");
            assert_eq!(m["value"], Value::Null, "{project} {id}");
            let detail = m["detail"].as_str().expect("detail");
            assert!(
                detail.contains(
                    "edge/gone is gone upstream or never existed: GitHub answered \
                                 NOT_FOUND on"
                ),
                "{project} {id}: {detail}"
            );
            assert_eq!(
                summary_row(project, id),
                ("unknown".to_string(), detail.to_string()),
                "the export says the same for {project} {id}"
            );
        }
        for id in known {
            let m = measure(&from_check, id);
            assert_ne!(m["status"], "unknown", "{project} {id}: {m}");
            assert_eq!(
                summary_row(project, id).0,
                m["status"].as_str().expect("status")
            );
        }
    }
    // `status` knows the same.
    let out = run(on(&lab.db, &lab.config).args(["status", "--format", "json"]));
    assert!(
        stdout(&out).contains("NOT_FOUND"),
        "status reports the missing repository: {}",
        stdout(&out)
    );
}

#[test]
fn community_files_from_the_owners_github_repository_are_caution_naming_it() {
    let mut w = tacometer_fake::edge::edge_world();
    tacometer_fake::edge::add_owner_defaults(
        &mut w,
        "edge",
        &[
            ("CONTRIBUTING.md", "# Contributing to edge projects\n"),
            (".github/CODE_OF_CONDUCT.md", "# Code of conduct\n"),
            ("profile/README.md", "# Edge\n"),
        ],
    );
    let lab = Lab::new(w);
    lab.once();
    let as_of = tacometer_core::time::rfc3339(Utc::now() + Duration::seconds(1));
    let measure = |project: &str, id: &str| -> Value {
        check_json(&lab, project, &as_of)["requirements"]
            .as_array()
            .expect("requirements")
            .iter()
            .find(|m| m["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{project} has no {id}"))
    };
    // `edge/no-codeowners` has no community files of its own.
    let m = measure("Edge No Owners", "files.contributing");
    assert_eq!(m["status"], "caution", "{m}");
    assert_eq!(m["value"], "edge/.github:CONTRIBUTING.md");
    assert!(
        m["detail"]
            .as_str()
            .is_some_and(|d| d.contains("GitHub shows CONTRIBUTING.md from edge/.github")),
        "{m}"
    );
    let m = measure("Edge No Owners", "files.code_of_conduct");
    assert_eq!(m["status"], "caution", "{m}");
    assert_eq!(m["value"], "edge/.github:.github/CODE_OF_CONDUCT.md");
    assert_eq!(
        measure("Edge No Owners", "governance")["status"],
        "fail",
        "no default governance document"
    );
    assert_eq!(
        measure("Edge Window", "files.contributing")["status"],
        "pass",
        "a repository's own file wins"
    );
    // The reviewer's checklist links to the file where it lives.
    let out = run(on(&lab.db, &lab.config).args([
        "check",
        "Edge No Owners",
        "--format",
        "markdown",
        "--as-of",
        &as_of,
    ]));
    let text = stdout(&out);
    assert!(
        text.contains("<https://github.com/edge/.github/blob/HEAD/CONTRIBUTING.md>"),
        "{text}"
    );
}

/// A small deterministic generator for the scenario below.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[test]
fn review_on_the_days_after_changes_equals_review_on_every_day() {
    // Six projects whose facts keep changing through the look-back: layout
    // files come and go, the license changes, stars wander around the floor,
    // the head's CI flips, CI runs and merges enter and leave the window,
    // releases are uploaded and yanked, torch releases move, and one
    // repository is gone upstream for a while. `review` evaluates the state
    // requirements only on the days after a change; it must say exactly what
    // evaluating every day says.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("changes.duckdb");
    let end = review_day();
    let team = team(3);
    let mut dice = Dice(0x5eed_cafe);
    let mut fx = Fixture::new(&db);
    let mut config = String::from("[criteria]\nremediation_days = 30\n");
    for r in 0..6usize {
        let node = format!("R_chg{r}");
        let slug = format!("chg/r{r}");
        let step = if r < 2 { 1 } else { 3 };
        // The last repository is first collected 60 days back.
        let first = if r == 5 { 60 } else { 200 };
        let mut files: Vec<&str> = vec![
            "README.md",
            "LICENSE",
            "CONTRIBUTING.md",
            ".github/CODEOWNERS",
            "CODE_OF_CONDUCT.md",
        ];
        let mut license = "BSD-3-Clause";
        let mut stars: i64 = 195 + (r as i64) * 2;
        let mut head = "success";
        let mut day = first;
        while day >= 1 {
            // The fourth repository is gone upstream from 50 to 40 days back.
            let gone = r == 3 && (40..50).contains(&day);
            if gone {
                if day == 49 {
                    let p = Provenance {
                        run_id: 1,
                        observed_at: at(day as f64, end),
                        source: "github:graphql repos".into(),
                    };
                    fx.store
                        .record_failure(
                            &p,
                            &format!("repo:{slug}"),
                            "repo",
                            &FailureRecord {
                                source: "POST graphql (SnapshotRepos)".into(),
                                http_status: Some(200),
                                kind: "not_found".into(),
                                message: format!("GitHub has no repository {slug}"),
                            },
                            at(day as f64 - 1.0, end),
                        )
                        .expect("failure");
                }
                day -= step;
                continue;
            }
            for f in [
                "CODE_OF_CONDUCT.md",
                "CONTRIBUTING.md",
                ".github/CODEOWNERS",
            ] {
                if dice.chance(4) {
                    if files.contains(&f) {
                        files.retain(|x| *x != f);
                    } else {
                        files.push(f);
                    }
                }
            }
            if dice.chance(3) {
                license = if license == "MIT" { "GPL-3.0" } else { "MIT" };
            }
            if dice.chance(10) {
                head = if head == "success" {
                    "failure"
                } else {
                    "success"
                };
            }
            stars += (dice.next() % 5) as i64 - 2;
            let (ci, merges, commits_today) = (dice.chance(8), dice.chance(5), dice.chance(30));
            let layout: Vec<String> = files.iter().map(|f| f.to_string()).collect();
            let (lic, st, hd) = (license, stars, head);
            let sha_day = day;
            fx.repo(&node, &slug, at(day as f64 + 0.3, end), |w| {
                if let Some(s) = w.snapshot.as_mut() {
                    s.layout_files = layout;
                    s.license_spdx = Some(lic.into());
                    s.stars = st;
                    s.ci_head_state = Some(hd.into());
                }
                if commits_today {
                    w.commits = commits(
                        &format!("{r}d{sha_day}x"),
                        2,
                        at(sha_day as f64 + 0.5, end),
                        &team,
                    );
                }
                if ci {
                    w.ci = vec![CiRun {
                        run_key: format!("actions:{r}-{sha_day}"),
                        provider: "actions".into(),
                        name: Some("CI".into()),
                        head_sha: Some(format!("sha{r}-{sha_day}")),
                        branch: Some("main".into()),
                        event: Some("push".into()),
                        status: Some("completed".into()),
                        conclusion: Some(
                            if hd == "success" {
                                "success"
                            } else {
                                "failure"
                            }
                            .into(),
                        ),
                        created_at: at(sha_day as f64 + 0.6, end),
                        updated_at: None,
                        url: None,
                    }];
                }
                if merges {
                    w.merges = vec![PrMerge {
                        number: sha_day as i64,
                        merged_at: at(sha_day as f64 + 0.7, end),
                        merged_by: Some(format!("dev{}", sha_day % 3)),
                    }];
                }
            });
            day -= step;
        }
        let pypi = if r < 3 {
            format!("pypi = [\"chg{r}\"]\n")
        } else {
            String::new()
        };
        config.push_str(&format!(
            "\n[[projects]]\nname = \"Changing {r}\"\nrepos = [\"{slug}\"]\n{pypi}"
        ));
    }
    // Packages: releases uploaded through the look-back, the latest yanked a
    // while after, and torch moving on.
    for r in 0..3usize {
        let mut released: Vec<ReleaseRecord> = Vec::new();
        for (i, back) in [250.0, 170.0, 120.0 - 10.0 * r as f64, 70.0, 30.0]
            .iter()
            .enumerate()
        {
            released.push(ReleaseRecord {
                version: format!("1.{i}"),
                released_at: Some(at(*back, end)),
                is_prerelease: Some(false),
                yanked: false,
                has_binary: i % 2 == 0 || r == 1,
                has_sdist: true,
                requires_torch: None,
            });
            for observed in [*back - 0.2, *back - 15.0] {
                let mut seen = released.clone();
                if observed < *back - 1.0
                    && r == 2
                    && let Some(last) = seen.last_mut()
                {
                    last.yanked = true;
                }
                let p = Provenance {
                    run_id: 1,
                    observed_at: at(observed, end),
                    source: format!("pypi:GET /pypi/chg{r}/json"),
                };
                fx.store
                    .write_package(
                        &p,
                        &PackageSnapshot {
                            ecosystem: "pypi".into(),
                            package: format!("chg{r}"),
                            found: true,
                            latest_version: Some(format!("1.{i}")),
                            repo_links: vec![format!("chg/r{r}")],
                            torch_requirement: Some(Some(
                                if i < 3 { ">=2.5" } else { ">=2.7" }.into(),
                            )),
                        },
                        &seen,
                        &TargetState {
                            target: format!("pypi:chg{r}"),
                            kind: "package".into(),
                            ..TargetState::default()
                        },
                    )
                    .expect("package");
            }
        }
    }
    let p = Provenance {
        run_id: 1,
        observed_at: at(1.0, end),
        source: "pypi:GET /pypi/torch/json".into(),
    };
    fx.store
        .write_torch_releases(
            &p,
            &[
                ("2.5.0".to_string(), Some(at(400.0, end))),
                ("2.6.0".to_string(), Some(at(200.0, end))),
                ("2.7.0".to_string(), Some(at(100.0, end))),
                ("2.8.0".to_string(), Some(at(20.0, end))),
            ],
        )
        .expect("torch");
    drop(fx);
    let config = tacometer_core::config::Config::parse(
        &config,
        tacometer_core::config::ConfigSource::Builtin,
    )
    .expect("config");
    let store = Store::open_read(&db, StdDuration::from_secs(5)).expect("open");
    let fast = tacometer_core::review::review(&store, &config, end).expect("review");
    let every = tacometer_core::review::review_every_day(&store, &config, end).expect("every day");
    let (fast, every) = (
        serde_json::to_value(&fast).expect("json"),
        serde_json::to_value(&every).expect("json"),
    );
    assert_eq!(fast, every);
    // Not vacuous: some state requirement's streak began inside the look-back.
    let exact: Vec<String> = every["projects"]
        .as_array()
        .expect("projects")
        .iter()
        .flat_map(|p| p["failing"].as_array().cloned().unwrap_or_default())
        .filter(|f| !matches!(f["id"].as_str(), Some("commits" | "contributors")))
        .filter(|f| f["failing_since"].is_string())
        .map(|f| format!("{} since {}", f["id"], f["failing_since"]))
        .collect();
    assert!(
        exact.len() >= 4,
        "streaks with an exact start: {exact:?}\n{every}"
    );
}

#[cfg(unix)]
#[test]
fn export_replaces_links_in_the_output_directory_instead_of_writing_through_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, config) = golden_db(dir.path());
    let out_dir = dir.path().join("evidence");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let mut victims = Vec::new();
    for name in ["summary.csv", "manifest.json", "commits.parquet"] {
        let victim = dir.path().join(format!("victim-{name}"));
        std::fs::write(&victim, "precious\n").expect("victim");
        std::os::unix::fs::symlink(&victim, out_dir.join(name)).expect("plant link");
        victims.push(victim);
    }
    for format in ["csv", "parquet"] {
        let out = run(on(&db, &config)
            .args([
                "export",
                "Golden",
                "--as-of",
                "2026-06-30",
                "--force",
                "--format",
                format,
            ])
            .arg("--out")
            .arg(&out_dir));
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        for victim in &victims {
            assert_eq!(
                std::fs::read_to_string(victim).expect("victim"),
                "precious\n",
                "{format}: {} was written through a link",
                victim.display()
            );
        }
    }
    for name in ["manifest.json", "commits.parquet"] {
        let meta = std::fs::symlink_metadata(out_dir.join(name)).expect("exported");
        assert!(meta.is_file(), "{name} is a file of its own now");
    }
    // The link at summary.csv was replaced by the CSV export, then removed
    // with the rest of the CSV files by the Parquet export.
    assert!(!out_dir.join("summary.csv").exists());
    let left: Vec<String> = std::fs::read_dir(&out_dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "no staging left behind: {left:?}");
}

#[test]
fn export_removes_only_the_files_its_earlier_export_recorded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, config) = golden_db(dir.path());
    let out_dir = dir.path().join("evidence");
    let export = |format: &str| {
        let out = run(on(&db, &config)
            .args([
                "export",
                "Golden",
                "--as-of",
                "2026-06-30",
                "--force",
                "--format",
                format,
            ])
            .arg("--out")
            .arg(&out_dir));
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        stdout(&out)
    };
    let files = || -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&out_dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let manifest_files = || -> Vec<String> {
        let m: Value = serde_json::from_str(
            &std::fs::read_to_string(out_dir.join("manifest.json")).expect("manifest"),
        )
        .expect("json");
        let mut names: Vec<String> = m["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| f["file"].as_str().expect("name").to_string())
            .collect();
        names.sort();
        names
    };
    let bundle = |ext: &str| -> Vec<String> {
        let mut names: Vec<String> = [
            "summary",
            "commits",
            "contributors",
            "stars",
            "ci",
            "releases",
        ]
        .iter()
        .map(|n| format!("{n}.{ext}"))
        .collect();
        names.sort();
        names
    };
    let with = |mut names: Vec<String>, more: &[&str]| -> Vec<String> {
        names.extend(more.iter().map(|s| s.to_string()));
        names.sort();
        names
    };
    export("csv");
    // Files tacometer did not write stay, whatever their names.
    std::fs::write(out_dir.join("notes.csv"), "mine\n").expect("notes");
    std::fs::write(out_dir.join("other.parquet"), "mine\n").expect("other");
    let said = export("parquet");
    assert!(
        said.contains("removed the earlier export's summary.csv, commits.csv"),
        "{said}"
    );
    assert_eq!(
        files(),
        with(
            bundle("parquet"),
            &["manifest.json", "notes.csv", "other.parquet"]
        )
    );
    assert_eq!(manifest_files(), bundle("parquet"));
    export("csv");
    assert_eq!(
        files(),
        with(
            bundle("csv"),
            &["manifest.json", "notes.csv", "other.parquet"]
        )
    );
    assert_eq!(manifest_files(), bundle("csv"));

    // A manifest naming files an export never writes, or outside the
    // directory, removes nothing of them.
    let outside = dir.path().join("outside.csv");
    std::fs::write(&outside, "mine\n").expect("outside");
    std::fs::write(
        out_dir.join("manifest.json"),
        serde_json::json!({"tool": "tacometer 0.1.0", "files": [
            {"file": "notes.csv"}, {"file": "../outside.csv"},
            {"file": outside.display().to_string()}, {"file": "summary.csv"},
        ]})
        .to_string(),
    )
    .expect("forged manifest");
    export("parquet");
    assert!(out_dir.join("notes.csv").exists());
    assert!(outside.exists());
    assert!(
        !out_dir.join("summary.csv").exists(),
        "recorded and its own: removed"
    );
    assert!(
        out_dir.join("commits.csv").exists(),
        "not recorded in the manifest it found: kept"
    );
}

/// Exports `Golden` as of 2026-06-30 into `out` with `more` flags.
fn export_golden(db: &Path, config: &Path, out: &Path, more: &[&str]) -> std::process::Output {
    run(on(db, config)
        .args(["export", "Golden", "--as-of", "2026-06-30"])
        .args(more)
        .arg("--out")
        .arg(out))
}

/// The files of a bundle directory, by name.
fn bundle_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// `path` quoted as a DuckDB string literal.
fn sql_path(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', "''"))
}

/// Issue 12, item 6: a second export into the same directory silently
/// replaced the first bundle.
#[test]
fn export_refuses_a_directory_that_is_not_empty_unless_forced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, config) = golden_db(dir.path());
    let out_dir = dir.path().join("evidence");
    // A directory that exists but is empty is fine, as is a missing one.
    std::fs::create_dir(&out_dir).expect("mkdir");
    let out = export_golden(&db, &config, &out_dir, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest = std::fs::read(out_dir.join("manifest.json")).expect("manifest");
    // The directory now holds a bundle: refused, in one line naming it and --force.
    let out = export_golden(&db, &config, &out_dir, &["--format", "parquet"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains(&out_dir.display().to_string()) && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(out_dir.join("manifest.json")).expect("manifest"),
        manifest,
        "the earlier bundle is untouched"
    );
    assert!(
        !bundle_files(&out_dir)
            .iter()
            .any(|f| f.ends_with(".parquet"))
    );
    // Any file makes a directory not empty.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).expect("mkdir");
    std::fs::write(other.join("notes.txt"), "mine\n").expect("notes");
    let out = export_golden(&db, &config, &other, &[]);
    assert_eq!(out.status.code(), Some(2));
    // With --force: the bundle is replaced, the other file stays.
    let out = export_golden(&db, &config, &other, &["--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(other.join("notes.txt").exists());
    let out = export_golden(&db, &config, &out_dir, &["--force", "--format", "parquet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!out_dir.join("summary.csv").exists());
}

/// Issue 12, item 8: Parquet went through a CSV with types guessed from
/// column names. Read back by DuckDB, each file has the typed columns of its
/// query and the rows of the CSV; the manifest records each file's size,
/// rows and SHA-256; every list carries its provenance.
#[test]
fn export_parquet_is_typed_and_holds_the_rows_of_the_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, config) = golden_db(dir.path());
    let csv_dir = dir.path().join("csv");
    let pq_dir = dir.path().join("pq");
    for (out_dir, format) in [(&csv_dir, "csv"), (&pq_dir, "parquet")] {
        let out = export_golden(&db, &config, out_dir, &["--format", format]);
        assert!(out.status.success(), "{format}: {}", stderr(&out));
    }
    let conn = duckdb::Connection::open_in_memory().expect("duckdb");
    let expected: [(&str, &[(&str, &str)]); 6] = [
        (
            "summary",
            &[
                ("margin", "BIGINT"),
                ("window_start", "TIMESTAMP"),
                ("window_end", "TIMESTAMP"),
                ("observed_at", "TIMESTAMP"),
                ("falls_below_on", "DATE"),
                ("value", "VARCHAR"),
            ],
        ),
        (
            "commits",
            &[
                ("committed_at", "TIMESTAMP"),
                ("is_merge", "BOOLEAN"),
                ("authors", "VARCHAR[]"),
                ("observed_at", "TIMESTAMP"),
                ("source", "VARCHAR"),
            ],
        ),
        (
            "contributors",
            &[
                ("commits", "BIGINT"),
                ("first_commit", "TIMESTAMP"),
                ("last_commit", "TIMESTAMP"),
                ("observed_at", "TIMESTAMP"),
                ("source", "VARCHAR"),
            ],
        ),
        (
            "stars",
            &[
                ("observed_at", "TIMESTAMP"),
                ("stars", "BIGINT"),
                ("source", "VARCHAR"),
            ],
        ),
        (
            "ci",
            &[
                ("created_at", "TIMESTAMP"),
                ("observed_at", "TIMESTAMP"),
                ("source", "VARCHAR"),
            ],
        ),
        (
            "releases",
            &[
                ("released_at", "TIMESTAMP"),
                ("yanked", "BOOLEAN"),
                ("observed_at", "TIMESTAMP"),
                ("source", "VARCHAR"),
            ],
        ),
    ];
    let manifest = |d: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("manifest.json")).expect("manifest"))
            .expect("json")
    };
    let (csv_manifest, pq_manifest) = (manifest(&csv_dir), manifest(&pq_dir));
    assert_eq!(pq_manifest["format"], "parquet");
    assert_eq!(pq_manifest["redacted_emails"], false);
    for (name, types) in expected {
        let parquet = pq_dir.join(format!("{name}.parquet"));
        let described: Vec<(String, String)> = conn
            .prepare(&format!("DESCRIBE SELECT * FROM {}", sql_path(&parquet)))
            .expect("describe")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect();
        eprintln!("{name}.parquet: {described:?}");
        for (column, ty) in types {
            assert!(
                described.iter().any(|(c, t)| c == column && t == ty),
                "{name}.parquet has {column} {ty}: {described:?}"
            );
        }
        // The same columns, in the same order, as the CSV's header.
        let mut reader = csv::Reader::from_path(csv_dir.join(format!("{name}.csv"))).expect("csv");
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        let columns: Vec<String> = described.iter().map(|(c, _)| c.clone()).collect();
        assert_eq!(header, columns, "{name}: CSV and Parquet columns");
        let csv_rows = reader.records().count();
        let pq_rows: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM {}", sql_path(&parquet)),
                [],
                |r| r.get(0),
            )
            .expect("count");
        eprintln!("{name}: {csv_rows} CSV rows, {pq_rows} Parquet rows");
        assert_eq!(pq_rows as usize, csv_rows, "{name}: rows");
        assert!(csv_rows > 0, "{name} has rows to compare");
        // Every file says where each row came from.
        for provenance in ["observed_at", "source"] {
            assert!(
                columns.iter().any(|c| c == provenance),
                "{name}: {columns:?}"
            );
        }
        // The manifests: rows, size and digest of each file as written.
        for (m, d, ext) in [
            (&csv_manifest, &csv_dir, "csv"),
            (&pq_manifest, &pq_dir, "parquet"),
        ] {
            let file = format!("{name}.{ext}");
            let entry = m["files"]
                .as_array()
                .expect("files")
                .iter()
                .find(|f| f["file"] == file.as_str())
                .unwrap_or_else(|| panic!("{file} in the manifest"))
                .clone();
            let (bytes, sha256) =
                tacometer_core::store::file_sha256(&d.join(&file)).expect("digest");
            assert_eq!(entry["rows"], csv_rows, "{file}");
            assert_eq!(entry["bytes"], bytes, "{file}");
            assert_eq!(entry["sha256"], sha256.as_str(), "{file}");
            assert_eq!(
                entry["columns"]
                    .as_array()
                    .expect("columns")
                    .iter()
                    .map(|c| c["name"].as_str().expect("name").to_string())
                    .collect::<Vec<_>>(),
                columns,
                "{file}"
            );
        }
    }
    // Values are typed, not text: commits are in the window, the authors a list.
    let (authors, latest): (i64, String) = conn
        .query_row(
            &format!(
                "SELECT max(len(authors)), strftime(max(committed_at), '%Y-%m-%d') FROM {}",
                sql_path(&pq_dir.join("commits.parquet"))
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("commits");
    assert_eq!(authors, 1);
    assert!(latest.as_str() <= "2026-06-30", "{latest}");
}

/// Issue 12, item 6: `contributors.csv` carried e-mail addresses with no way
/// to redact them. With `--redact-emails` no address is left in any file,
/// and an address becomes the same token in every file and format.
#[test]
fn a_redacted_export_has_no_address_left_in_any_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, config) = golden_db(dir.path());
    let conn = duckdb::Connection::open_in_memory().expect("duckdb");
    let pattern = tacometer_core::store::EMAIL_PATTERN;
    // Rows of `file` holding an address (any column, as text).
    let addresses = |file: &Path| -> i64 {
        let sql = if file.extension().is_some_and(|e| e == "parquet") {
            format!(
                "SELECT count(*) FROM {} t WHERE regexp_matches(t::VARCHAR, '{pattern}')",
                sql_path(file)
            )
        } else {
            format!(
                "SELECT count(*) FROM read_text({}) WHERE regexp_matches(content, '{pattern}')",
                sql_path(file)
            )
        };
        conn.query_row(&sql, [], |r| r.get(0)).expect("scan")
    };
    let plain = dir.path().join("plain");
    let out = export_golden(&db, &config, &plain, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        addresses(&plain.join("contributors.csv")) > 0,
        "the fixture has an address to redact"
    );
    let token = |file: &Path, column: &str| -> String {
        conn.query_row(
            &format!(
                "SELECT {column} FROM {} WHERE {column} LIKE 'sha256:%' ORDER BY 1 LIMIT 1",
                if file.extension().is_some_and(|e| e == "parquet") {
                    sql_path(file)
                } else {
                    format!("read_csv({}, all_varchar = true)", sql_path(file))
                }
            ),
            [],
            |r| r.get(0),
        )
        .expect("a token")
    };
    let mut tokens = Vec::new();
    for format in ["csv", "parquet"] {
        let out_dir = dir.path().join(format!("redacted-{format}"));
        let out = export_golden(
            &db,
            &config,
            &out_dir,
            &["--redact-emails", "--format", format],
        );
        assert!(out.status.success(), "{format}: {}", stderr(&out));
        let files = bundle_files(&out_dir);
        assert_eq!(files.len(), 7, "{files:?}");
        for file in &files {
            assert_eq!(addresses(&out_dir.join(file)), 0, "{format}: {file}");
        }
        let manifest: Value = serde_json::from_str(
            &std::fs::read_to_string(out_dir.join("manifest.json")).expect("manifest"),
        )
        .expect("json");
        assert_eq!(manifest["redacted_emails"], true);
        assert!(
            manifest["redaction"]
                .as_str()
                .is_some_and(|r| r.starts_with("sha256:"))
        );
        tokens.push(token(
            &out_dir.join(format!("contributors.{format}")),
            "identity",
        ));
    }
    // eve@example.com, the one contributor known by address.
    assert_eq!(tokens[0], tokens[1], "the same token in CSV and Parquet");
    let expected: String = conn
        .query_row(
            "SELECT 'sha256:' || left(sha256('eve@example.com'), 12)",
            [],
            |r| r.get(0),
        )
        .expect("sha256");
    assert_eq!(tokens[0], expected);
}
