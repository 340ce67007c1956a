//! Requirement measures on fixed rows, including rows exactly on the window's edges.

use chrono::TimeZone;

use super::*;
use crate::identity::identity;
use crate::store::write::{
    CommitAuthor, CommitRecord, Provenance, RepoSnapshot, RepoWrite, TargetState,
};

fn t(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, d, h, 0, 0)
        .single()
        .expect("valid")
}

fn person(login: Option<&str>, email: &str, bots: &[String]) -> CommitAuthor {
    let id = identity(login, Some(email), None);
    CommitAuthor {
        name: None,
        email: Some(email.into()),
        login: login.map(String::from),
        is_bot: crate::identity::is_bot(&id, bots),
        identity: id,
    }
}

fn commit(sha: &str, at: DateTime<Utc>, authors: Vec<CommitAuthor>) -> CommitRecord {
    CommitRecord {
        sha: sha.into(),
        committed_at: at,
        authored_at: at,
        parent_count: 1,
        authors,
    }
}

fn write(
    store: &mut Store,
    node: &str,
    observed: DateTime<Utc>,
    stars: i64,
    commits: Vec<CommitRecord>,
) {
    let p = Provenance {
        run_id: 1,
        observed_at: observed,
        source: "fixture".into(),
    };
    let w = RepoWrite {
        snapshot: RepoSnapshot {
            node_id: node.into(),
            name_with_owner: format!("o/{node}"),
            stars,
            ..RepoSnapshot::default()
        },
        commits,
        state: TargetState {
            target: format!("repo:o/{node}"),
            kind: "repo".into(),
            ..TargetState::default()
        },
        ..RepoWrite::default()
    };
    store.write_repo(&p, &w).expect("write fixture");
}

/// The as-of instant: the end of 2026-06-30; the 10-day window starts at the end of 06-20.
fn window() -> Window {
    let end = Utc
        .with_ymd_and_hms(2026, 6, 30, 23, 59, 59)
        .single()
        .expect("valid");
    Window::ending_at(end, 10)
}

#[test]
fn window_edges_co_authors_bots_noreply_and_shared_authors() {
    let bots = vec!["pytorchbot".to_string()];
    let mut store = Store::open_in_memory().expect("open");
    let w = window();
    let alice = || person(Some("alice"), "alice@example.com", &bots);
    let bob_noreply = || person(None, "123+Bob@users.noreply.github.com", &bots);
    let unlinked = || person(None, "Carol@Example.com", &bots);
    let dependabot = || {
        person(
            Some("dependabot[bot]"),
            "49699333+dependabot[bot]@users.noreply.github.com",
            &bots,
        )
    };
    let pytorchbot = || person(Some("pytorchbot"), "bot@example.com", &bots);
    write(
        &mut store,
        "R_a",
        t(30, 0),
        250,
        vec![
            commit("on-start-edge", w.start, vec![alice()]), // out: the start is exclusive
            commit(
                "just-after-start",
                w.start + Duration::seconds(1),
                vec![alice()],
            ),
            commit("co-authored", t(25, 1), vec![unlinked(), bob_noreply()]),
            commit("by-bots", t(26, 1), vec![dependabot(), pytorchbot()]),
            commit("on-end-edge", w.end, vec![alice()]), // in: the end is inclusive
            commit(
                "after-end",
                w.end + Duration::seconds(1),
                vec![person(Some("zed"), "z@x", &bots)],
            ),
            commit("shared", t(27, 1), vec![alice()]),
        ],
    );
    // A second repo of the same project: one commit also in the first repo, one new
    // commit by a person already counted.
    write(
        &mut store,
        "R_b",
        t(30, 0),
        10,
        vec![
            commit("shared", t(27, 1), vec![alice()]),
            commit("b-only", t(28, 1), vec![bob_noreply()]),
        ],
    );
    let nodes = vec!["R_a".to_string(), "R_b".to_string()];
    let shas = commits_in_window(&store, &nodes, &w).expect("commits");
    assert_eq!(
        shas,
        [
            "just-after-start",
            "co-authored",
            "by-bots",
            "shared",
            "b-only",
            "on-end-edge"
        ]
    );
    let people = contributors_in_window(&store, &nodes, &w, &bots).expect("people");
    assert_eq!(
        people,
        [
            ("alice".to_string(), 3),
            ("bob".to_string(), 2),
            ("carol@example.com".to_string(), 1),
        ],
        "co-authors count, noreply maps to the login, unlinked is the lower-cased email, bots are out"
    );
    let m = commits(&store, &nodes, &w, 6).expect("measure");
    assert_eq!(
        (m.value, m.status, m.margin),
        (Some(Value::Count(6)), Status::Caution, Some(0)),
        "exactly on the floor"
    );
    let m = contributors(&store, &nodes, &w, 5, &bots).expect("measure");
    assert_eq!(
        (m.value, m.status, m.margin),
        (Some(Value::Count(3)), Status::Fail, Some(-2))
    );
    let m = commits(&store, &nodes, &w, 5).expect("measure");
    assert_eq!(m.status, Status::Pass);
    assert_eq!(m.observed_at, Some(t(30, 0)));
}

#[test]
fn force_pushed_commits_stop_counting_once_removed() {
    let mut store = Store::open_in_memory().expect("open");
    let w = window();
    let a = person(Some("alice"), "a@x", &[]);
    write(
        &mut store,
        "R_a",
        t(22, 0),
        1,
        vec![
            commit("kept", t(22, 1), vec![a.clone()]),
            commit("gone", t(23, 1), vec![a.clone()]),
        ],
    );
    // A later pass re-reads the window and no longer sees `gone`.
    let p = Provenance {
        run_id: 1,
        observed_at: t(29, 0),
        source: "fixture".into(),
    };
    let refetch = RepoWrite {
        snapshot: RepoSnapshot {
            node_id: "R_a".into(),
            name_with_owner: "o/R_a".into(),
            stars: 1,
            ..RepoSnapshot::default()
        },
        commits: vec![commit("kept", t(22, 1), vec![a])],
        history_since: Some(t(21, 0)),
        state: TargetState {
            target: "repo:o/R_a".into(),
            kind: "repo".into(),
            ..TargetState::default()
        },
        ..RepoWrite::default()
    };
    store.write_repo(&p, &refetch).expect("refetch");
    let nodes = vec!["R_a".to_string()];
    assert_eq!(
        commits_in_window(&store, &nodes, &w).expect("now"),
        ["kept"]
    );
    // As of a date before the removal was seen, the commit still counted.
    let before = Window::ending_at(t(28, 0), 10);
    assert_eq!(
        commits_in_window(&store, &nodes, &before).expect("then"),
        ["kept", "gone"]
    );
}

#[test]
fn never_observed_is_unknown_not_zero() {
    let mut store = Store::open_in_memory().expect("open");
    write(&mut store, "R_a", t(20, 0), 200, Vec::new());
    let early = Window::ending_at(t(10, 0), 90);
    let m = stars(&store, "R_a", early.end, 200).expect("stars");
    assert_eq!(
        (m.status, m.value),
        (Status::Unknown, None),
        "no snapshot before the as-of date"
    );
    let m = commits(&store, &["R_a".to_string()], &early, 30).expect("commits");
    assert_eq!((m.status, m.value), (Status::Unknown, None));
    let m = stars(&store, "R_a", t(21, 0), 200).expect("stars");
    assert_eq!(
        (m.status, m.value, m.observed_at),
        (Status::Caution, Some(Value::Count(200)), Some(t(20, 0)))
    );
    let m = commits(
        &store,
        &["R_a".to_string()],
        &Window::ending_at(t(21, 0), 90),
        30,
    )
    .expect("commits");
    assert_eq!(
        (m.status, m.value),
        (Status::Fail, Some(Value::Count(0))),
        "observed and zero is a real zero"
    );
    assert_eq!(
        Status::worst([Status::Pass, Status::Caution]),
        Status::Caution
    );
    assert_eq!(Status::worst([Status::Fail, Status::Unknown]), Status::Fail);
    assert_eq!(
        Status::worst([Status::Pass, Status::Unknown]),
        Status::Unknown
    );
    assert_eq!(Status::worst([]), Status::Unknown);
}

fn facts(files: &[&str], license: Option<&str>) -> LayoutFacts {
    LayoutFacts {
        license: license.map(String::from),
        files: files.iter().map(|f| f.to_string()).collect(),
        observed_at: t(20, 0),
        source: "fixture".into(),
        ..LayoutFacts::default()
    }
}

#[test]
fn license_rules() {
    let permissive: Vec<String> = ["MIT", "Apache-2.0", "BSD-3-Clause"]
        .map(String::from)
        .to_vec();
    let status = |l: Option<&str>| license(Some(&facts(&[], l)), &permissive).status;
    assert_eq!(status(Some("Apache-2.0")), Status::Pass);
    assert_eq!(status(Some("NOASSERTION")), Status::Caution);
    assert_eq!(status(Some("GPL-3.0")), Status::Fail);
    assert_eq!(status(None), Status::Fail);
    assert_eq!(license(None, &permissive).status, Status::Unknown);
}

#[test]
fn layout_files_exact_variant_absent() {
    let f = facts(
        &[
            "LICENSE",
            "README.md",
            ".github/CONTRIBUTING.md",
            "docs/CODEOWNERS",
            "code_of_conduct.rst",
            "docs/README.md",
        ],
        None,
    );
    let got: Vec<(&str, Status, Option<Value>)> = files(Some(&f))
        .into_iter()
        .map(|m| (m.id, m.status, m.value))
        .collect();
    let text = |s: &str| Some(Value::Text(s.into()));
    assert_eq!(
        got,
        [
            ("files.license", Status::Caution, text("LICENSE")),
            ("files.readme", Status::Pass, text("README.md")),
            (
                "files.contributing",
                Status::Pass,
                text(".github/CONTRIBUTING.md")
            ),
            ("files.codeowners", Status::Pass, text("docs/CODEOWNERS")),
            (
                "files.code_of_conduct",
                Status::Caution,
                text("code_of_conduct.rst")
            ),
        ]
    );
    let empty = facts(&[], None);
    assert!(files(Some(&empty)).iter().all(|m| m.status == Status::Fail));
    assert!(files(None).iter().all(|m| m.status == Status::Unknown));
    assert_eq!(governance(Some(&empty)).status, Status::Fail);
    let mut linked = empty.clone();
    linked.readme_governance = true;
    assert_eq!(governance(Some(&linked)).status, Status::Caution);
    assert_eq!(
        governance(Some(&facts(&["GOVERNANCE.md"], None))).status,
        Status::Pass
    );
}

#[test]
fn maintainers_declared_teams_and_observed() {
    let mut store = Store::open_in_memory().expect("open");
    let w = window();
    let bots = vec!["pytorchbot".to_string()];
    let merge = |n: i64, by: &str, at: DateTime<Utc>| crate::store::write::PrMerge {
        number: n,
        merged_at: at,
        merged_by: Some(by.into()),
    };
    let p = Provenance {
        run_id: 1,
        observed_at: t(30, 0),
        source: "fixture".into(),
    };
    let rw = RepoWrite {
        snapshot: RepoSnapshot {
            node_id: "R_m".into(),
            name_with_owner: "o/m".into(),
            ..RepoSnapshot::default()
        },
        merges: vec![
            merge(1, "alice", t(25, 0)),
            merge(2, "bob", t(26, 0)),
            merge(3, "renovate[bot]", t(26, 0)),
            merge(4, "carol", w.start),
        ],
        state: TargetState {
            target: "repo:o/m".into(),
            kind: "repo".into(),
            ..TargetState::default()
        },
        ..RepoWrite::default()
    };
    store.write_repo(&p, &rw).expect("write");
    let mut f = facts(&["CODEOWNERS"], None);
    let measure =
        |f: &LayoutFacts| maintainers(&store, "R_m", &w, Some(f), 2, &bots).expect("measure");

    f.codeowners_users = vec!["alice".into(), "bob".into(), "pytorchbot".into()];
    let m = measure(&f);
    assert_eq!(
        (m.status, m.value.clone()),
        (Status::Caution, Some(Value::Count(2))),
        "exactly the floor; bots do not count"
    );

    f.maintainers_users = vec!["Dave".into(), "alice".into()];
    assert_eq!(
        measure(&f).status,
        Status::Pass,
        "MAINTAINERS adds people, distinct"
    );

    f.codeowners_users.clear();
    f.maintainers_users.clear();
    let m = measure(&f);
    assert_eq!(
        m.status,
        Status::Caution,
        "nobody declared, but two people merged in the window"
    );
    assert!(m.detail.contains("alice, bob"), "{}", m.detail);
    assert!(
        !m.detail.contains("carol"),
        "a merge on the window's start is outside"
    );

    let far = Window::ending_at(t(10, 0), 5);
    let m = maintainers(&store, "R_m", &far, Some(&f), 2, &bots).expect("measure");
    assert_eq!(m.status, Status::Fail);

    f.codeowners_teams = vec!["org/maintainers".into()];
    let m = maintainers(&store, "R_m", &far, Some(&f), 2, &bots).expect("measure");
    assert_eq!(
        m.status,
        Status::Caution,
        "team-only CODEOWNERS is caution, never a silent count"
    );
    assert!(m.detail.contains("org/maintainers"));
}

#[test]
fn ci_green_red_absent_and_low_pass_rate() {
    let w = window();
    let run = |key: &str, at: DateTime<Utc>, conclusion: &str| crate::store::write::CiRun {
        run_key: key.into(),
        provider: "actions".into(),
        name: Some("CI".into()),
        head_sha: None,
        branch: Some("main".into()),
        event: Some("push".into()),
        status: Some("completed".into()),
        conclusion: Some(conclusion.into()),
        created_at: at,
        updated_at: None,
        url: None,
    };
    let setup = |head: Option<&str>, runs: Vec<crate::store::write::CiRun>| {
        let mut store = Store::open_in_memory().expect("open");
        let p = Provenance {
            run_id: 1,
            observed_at: t(30, 0),
            source: "fixture".into(),
        };
        let rw = RepoWrite {
            snapshot: RepoSnapshot {
                node_id: "R_c".into(),
                name_with_owner: "o/c".into(),
                default_branch: Some("main".into()),
                head_oid: Some("abcdef0123456789".into()),
                ci_head_state: head.map(String::from),
                ..RepoSnapshot::default()
            },
            ci: runs,
            state: TargetState {
                target: "repo:o/c".into(),
                kind: "repo".into(),
                ..TargetState::default()
            },
            ..RepoWrite::default()
        };
        store.write_repo(&p, &rw).expect("write");
        store
    };
    let green = setup(
        Some("success"),
        vec![
            run("a:1", t(25, 0), "success"),
            run("a:2", t(26, 0), "cancelled"),
        ],
    );
    let m = ci(&green, "R_c", &w).expect("ci");
    assert_eq!((m.status, m.value), (Status::Pass, Some(Value::Count(100))));

    let red = setup(Some("failure"), vec![run("a:1", t(25, 0), "success")]);
    assert_eq!(ci(&red, "R_c", &w).expect("ci").status, Status::Caution);

    let flaky = setup(
        Some("success"),
        vec![
            run("a:1", t(25, 0), "failure"),
            run("a:2", t(25, 1), "failure"),
            run("a:3", t(26, 0), "success"),
        ],
    );
    let m = ci(&flaky, "R_c", &w).expect("ci");
    assert_eq!(
        (m.status, m.value),
        (Status::Caution, Some(Value::Count(33)))
    );

    let absent = setup(Some("success"), vec![run("a:1", w.start, "success")]);
    let m = ci(&absent, "R_c", &w).expect("ci");
    assert_eq!(
        m.status,
        Status::Fail,
        "a run on the window's start is outside: no activity"
    );

    let never = Store::open_in_memory().expect("open");
    assert_eq!(ci(&never, "R_c", &w).expect("ci").status, Status::Unknown);
}

#[test]
fn packages_binary_link_back_sdist_only_and_missing() {
    use crate::store::write::{PackageSnapshot, ReleaseRecord};
    let mut store = Store::open_in_memory().expect("open");
    let p = Provenance {
        run_id: 1,
        observed_at: t(20, 0),
        source: "fixture".into(),
    };
    let st = TargetState::default();
    let rel = |v: &str, binary: bool, sdist: bool, yanked: bool| ReleaseRecord {
        version: v.into(),
        released_at: Some(t(10, 0)),
        is_prerelease: None,
        yanked,
        has_binary: binary,
        has_sdist: sdist,
        requires_torch: None,
    };
    let snap = |pkg: &str, found: bool, links: &[&str]| PackageSnapshot {
        ecosystem: "pypi".into(),
        package: pkg.into(),
        found,
        latest_version: None,
        repo_links: links.iter().map(|l| l.to_string()).collect(),
    };
    store
        .write_package(
            &p,
            &snap("good", true, &["o/r"]),
            &[rel("1.0", true, true, false)],
            &st,
        )
        .expect("w");
    store
        .write_package(
            &p,
            &snap("nolink", true, &["x/y"]),
            &[rel("1.0", true, false, false)],
            &st,
        )
        .expect("w");
    store
        .write_package(
            &p,
            &snap("sdistonly", true, &["o/r"]),
            &[
                rel("1.0", false, true, false),
                rel("0.9", true, false, true),
            ],
            &st,
        )
        .expect("w");
    store
        .write_package(&p, &snap("gone", false, &[]), &[], &st)
        .expect("w");
    let repos = vec!["O/R".to_string()];
    let status = |keys: &[&str]| {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        packages(&store, &keys, &repos, t(21, 0))
            .expect("measure")
            .status
    };
    assert_eq!(status(&["pypi:good"]), Status::Pass);
    assert_eq!(
        status(&["pypi:nolink"]),
        Status::Caution,
        "exists but does not link back"
    );
    assert_eq!(
        status(&["pypi:sdistonly"]),
        Status::Caution,
        "the only wheel is yanked"
    );
    assert_eq!(status(&["pypi:gone"]), Status::Fail);
    assert_eq!(
        status(&["pypi:gone", "pypi:good"]),
        Status::Pass,
        "one good package is enough"
    );
    assert_eq!(status(&[]), Status::Fail, "nothing configured");
    let keys = vec!["pypi:good".to_string()];
    let m = packages(&store, &keys, &repos, t(19, 0)).expect("measure");
    assert_eq!(
        m.status,
        Status::Unknown,
        "not observed before the as-of date"
    );
}
