//! Requirement measures on fixed rows, including rows exactly on the window's edges.
//!
//! Longer than 500 lines on purpose: each rule's cases build their rows in
//! full, so a reader sees the fixture beside the assertion.

use chrono::TimeZone;

use super::fetch::{self, Batch, ProbeScope};
use super::*;
use crate::identity::identity;
use crate::store::Store;
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
        snapshot: Some(RepoSnapshot {
            node_id: node.into(),
            name_with_owner: format!("o/{node}"),
            stars,
            ..RepoSnapshot::default()
        }),
        commits,
        state: Some(TargetState {
            target: format!("repo:o/{node}"),
            kind: "repo".into(),
            ..TargetState::default()
        }),
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

// Single-probe views of the batched fetches, so each rule is tested on fixed rows.

const BACKFILL: u32 = 365;

fn batch<'a>(nodes: &'a [String], packages: &'a [String], w: Window, bots: &[String]) -> Batch {
    Batch::new(
        &[ProbeScope {
            nodes,
            primary_resolved: !nodes.is_empty(),
            packages,
            window: w,
        }],
        bots,
    )
}

fn commits_in_window(
    store: &Store,
    nodes: &[String],
    w: &Window,
) -> crate::store::Result<Vec<String>> {
    let (_, rows) = fetch::evidence_list(store, &batch(nodes, &[], *w, &[]), "commits")?;
    Ok(rows[0]
        .iter()
        .map(|r| r[0].as_str().unwrap_or_default().to_string())
        .collect())
}

fn contributors_in_window(
    store: &Store,
    nodes: &[String],
    w: &Window,
    bots: &[String],
) -> crate::store::Result<Vec<(String, i64)>> {
    let (_, rows) = fetch::evidence_list(store, &batch(nodes, &[], *w, bots), "contributors")?;
    Ok(rows[0]
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap_or_default().to_string(),
                r[2].as_i64().unwrap_or(-1),
            )
        })
        .collect())
}

fn window_facts(store: &Store, nodes: &[String], w: &Window, bots: &[String]) -> WindowFacts {
    fetch::window_counts(store, &batch(nodes, &[], *w, bots), (30, 5)).expect("counts")[0].clone()
}

fn commits(store: &Store, nodes: &[String], w: &Window, min: u32) -> crate::store::Result<Measure> {
    Ok(super::commits(
        &window_facts(store, nodes, w, &[]),
        w,
        min,
        BACKFILL,
    ))
}

fn contributors(
    store: &Store,
    nodes: &[String],
    w: &Window,
    min: u32,
    bots: &[String],
) -> crate::store::Result<Measure> {
    Ok(super::contributors(
        &window_facts(store, nodes, w, bots),
        w,
        min,
        BACKFILL,
    ))
}

fn snapshot(store: &Store, node: &str, w: &Window) -> Option<Snapshot> {
    let nodes = [node.to_string()];
    fetch::snapshots(store, &batch(&nodes, &[], *w, &[])).expect("snapshots")[0].clone()
}

fn stars(
    store: &Store,
    node: &str,
    as_of: DateTime<Utc>,
    min: u32,
) -> crate::store::Result<Measure> {
    let w = Window::ending_at(as_of, 90);
    let nodes = [node.to_string()];
    let history = fetch::star_history(store, &batch(&nodes, &[], w, &[]))?;
    Ok(super::stars(
        snapshot(store, node, &w).as_ref(),
        history[0].as_ref(),
        min,
    ))
}

fn maintainers(
    store: &Store,
    node: &str,
    w: &Window,
    facts: Option<&LayoutFacts>,
    min: u32,
    bots: &[String],
) -> crate::store::Result<Measure> {
    let nodes = [node.to_string()];
    let b = batch(&nodes, &[], *w, bots);
    let mergers = fetch::mergers(store, &b)?;
    let links = fetch::email_logins(store, &b)?;
    Ok(super::maintainers(facts, &mergers[0], &links[0], min, bots))
}

fn ci(store: &Store, node: &str, w: &Window) -> crate::store::Result<Measure> {
    let nodes = [node.to_string()];
    let counts = fetch::ci_counts(store, &batch(&nodes, &[], *w, &[]))?;
    Ok(super::ci(snapshot(store, node, w).as_ref(), counts[0], w))
}

fn packages(
    store: &Store,
    keys: &[String],
    repos: &[String],
    as_of: DateTime<Utc>,
) -> crate::store::Result<Measure> {
    let seen = fetch::packages(store, &batch(&[], keys, Window::ending_at(as_of, 90), &[]))?;
    Ok(super::packages(&seen[0], keys, repos))
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
        snapshot: Some(RepoSnapshot {
            node_id: "R_a".into(),
            name_with_owner: "o/R_a".into(),
            stars: 1,
            ..RepoSnapshot::default()
        }),
        commits: vec![commit("kept", t(22, 1), vec![a])],
        history_since: Some(t(21, 0)),
        state: Some(TargetState {
            target: "repo:o/R_a".into(),
            kind: "repo".into(),
            ..TargetState::default()
        }),
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
    let m = commits(&store, &["R_never".to_string()], &early, 30).expect("commits");
    assert_eq!(
        (m.status, m.value),
        (Status::Unknown, None),
        "a repo never collected"
    );
    // History is dated upstream: a window before the first snapshot is known
    // when the backfill reached its start, and unknown when it did not.
    let f = window_facts(&store, &["R_a".to_string()], &early, &[]);
    assert_eq!(
        super::commits(&f, &early, 30, BACKFILL).status,
        Status::Fail
    );
    let m = super::commits(&f, &early, 30, 30);
    assert_eq!((m.status, m.value), (Status::Unknown, None));
    assert!(
        m.detail.contains("after the window's start"),
        "{}",
        m.detail
    );
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

/// Star pages as the backfill writes them (see `collect::stars`): stars on
/// the given (day, count) of June, newest page first.
fn star_pages(
    store: &mut Store,
    node: &str,
    anchor: i64,
    pages: &[&[(u32, i64)]],
    covered_from: DateTime<Utc>,
    capped: bool,
) {
    use crate::store::memory::StarProgress;
    use crate::store::write::StarPage;
    let mut out = Vec::new();
    for (i, days) in pages.iter().enumerate() {
        out.push(StarPage {
            progress: StarProgress {
                node_id: node.into(),
                anchor_stars: anchor,
                anchored_at: t(25, 12),
                since: t(1, 0),
                max_pages: 2,
                cursor: Some(format!("c{i}")),
                pages: i as i64 + 1,
                stars_read: 0,
                covered_from,
                done: i + 1 == pages.len(),
                capped,
                source: "github:fake (Stargazers)".into(),
                started_at: t(25, 12),
            },
            days: days
                .iter()
                .map(|(d, n)| (t(*d, 0).date_naive(), *n))
                .collect(),
        });
    }
    let p = Provenance {
        run_id: 1,
        observed_at: t(25, 12),
        source: "github:fake (Stargazers)".into(),
    };
    store.write_star_pages(&p, &out).expect("star pages");
}

#[test]
fn stars_before_the_first_snapshot_are_reconstructed_from_starred_at() {
    let mut store = Store::open_in_memory().expect("open");
    write(&mut store, "R_a", t(25, 10), 230, Vec::new());
    // 230 stars when the list was read; day 20 spans both pages (3 + 4).
    star_pages(
        &mut store,
        "R_a",
        230,
        &[&[(24, 10), (22, 5), (20, 3)], &[(20, 4), (12, 8)]],
        DateTime::<Utc>::UNIX_EPOCH,
        false,
    );
    let end_of = |d: u32| t(d + 1, 0) - chrono::Duration::microseconds(1);
    let at = |as_of: DateTime<Utc>| stars(&store, "R_a", as_of, 200).expect("stars");
    // The end of day 23: everything but day 24's 10 stars.
    let m = at(end_of(23));
    assert_eq!(
        (m.status, m.value.clone()),
        (Status::Pass, Some(Value::Count(220)))
    );
    assert!(
        m.source.starts_with("reconstructed from starredAt"),
        "{}",
        m.source
    );
    assert!(
        m.detail.contains("lower bound") && m.detail.contains("2026-06-23"),
        "{}",
        m.detail
    );
    assert_eq!(m.observed_at, Some(t(25, 12)));
    // The export's star list shows the same count, saying where it is from.
    let nodes = ["R_a".to_string()];
    let (_, rows) = fetch::evidence_list(
        &store,
        &batch(&nodes, &[], Window::ending_at(end_of(23), 90), &[]),
        "stars",
    )
    .expect("list");
    assert_eq!(rows[0].len(), 1, "{:?}", rows[0]);
    assert_eq!(rows[0][0][1], serde_json::json!(220));
    assert!(
        rows[0][0][3]
            .as_str()
            .is_some_and(|s| s.starts_with("reconstructed"))
    );
    // Both pages of day 20 count after it: 230 - 10 - 5 - 7.
    assert_eq!(at(end_of(19)).value, Some(Value::Count(208)));
    assert_eq!(at(end_of(20)).value, Some(Value::Count(215)));
    // An instant inside a day counts to the end of the day before.
    assert_eq!(at(t(20, 12)).value, Some(Value::Count(208)));
    // Before the first star read: the rest of the anchor, 200, exactly at the floor.
    let m = at(end_of(5));
    assert_eq!(
        (m.status, m.value),
        (Status::Caution, Some(Value::Count(200)))
    );
    // From the first snapshot on, snapshots answer.
    let m = at(t(25, 11));
    assert_eq!(
        (m.value, m.source.as_str()),
        (Some(Value::Count(230)), "fixture")
    );

    // A list read only back to day 20 at 06:00 (the cap): days ending before are unknown.
    write(&mut store, "R_b", t(25, 10), 5000, Vec::new());
    star_pages(
        &mut store,
        "R_b",
        5000,
        &[&[(24, 100)], &[(20, 100)]],
        t(20, 6),
        true,
    );
    let m = stars(&store, "R_b", end_of(20), 200).expect("stars");
    assert_eq!(m.value, Some(Value::Count(4900)));
    let m = stars(&store, "R_b", end_of(19), 200).expect("stars");
    assert_eq!((m.status, m.value), (Status::Unknown, None));
    assert!(m.detail.contains("star_history_max_points"), "{}", m.detail);
    // Never read: unknown, saying so.
    write(&mut store, "R_c", t(25, 10), 5, Vec::new());
    let m = stars(&store, "R_c", end_of(19), 200).expect("stars");
    assert_eq!(m.status, Status::Unknown);
    assert!(m.detail.contains("not been read"), "{}", m.detail);
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
fn community_files_from_the_owners_github_repository_are_caution_naming_it() {
    let f = facts(
        &[
            "README.md",
            "LICENSE.md",
            "edge/.github:CONTRIBUTING.md",
            "edge/.github:.github/CODE-OF-CONDUCT.md",
            "edge/.github:docs/GOVERNANCE.md",
            "edge/.github:README.md",
        ],
        None,
    );
    let m = files(Some(&f));
    let contributing = &m[2];
    assert_eq!(contributing.status, Status::Caution);
    assert_eq!(
        contributing.value,
        Some(Value::Text("edge/.github:CONTRIBUTING.md".into()))
    );
    assert_eq!(
        contributing.detail,
        "no CONTRIBUTING.md in the repository itself; GitHub shows CONTRIBUTING.md from \
         edge/.github, the owner's default for repositories without their own"
    );
    assert_eq!(m[4].status, Status::Caution, "{}", m[4].detail);
    assert!(
        m[4].detail
            .contains(".github/CODE-OF-CONDUCT.md from edge/.github")
    );
    assert_eq!(
        (m[0].status, m[1].status),
        (Status::Pass, Status::Pass),
        "the repository's own files"
    );
    assert_eq!(
        m[3].status,
        Status::Fail,
        "CODEOWNERS never comes from the owner's defaults"
    );
    let g = governance(Some(&f));
    assert_eq!(g.status, Status::Caution);
    assert!(
        g.detail.contains("docs/GOVERNANCE.md from edge/.github"),
        "{}",
        g.detail
    );
    let own = facts(&["CONTRIBUTING.md", "edge/.github:CONTRIBUTING.md"], None);
    assert_eq!(
        files(Some(&own))[2].status,
        Status::Pass,
        "its own file wins"
    );
    let no_license = facts(&["edge/.github:LICENSE.md"], None);
    assert_eq!(
        files(Some(&no_license))[0].status,
        Status::Fail,
        "a license is never a default"
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
        snapshot: Some(RepoSnapshot {
            node_id: "R_m".into(),
            name_with_owner: "o/m".into(),
            ..RepoSnapshot::default()
        }),
        merges: vec![
            merge(1, "alice", t(25, 0)),
            merge(2, "bob", t(26, 0)),
            merge(3, "renovate[bot]", t(26, 0)),
            merge(4, "carol", w.start),
        ],
        state: Some(TargetState {
            target: "repo:o/m".into(),
            kind: "repo".into(),
            ..TargetState::default()
        }),
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
fn an_email_that_belongs_to_a_declared_login_counts_once() {
    let mut f = facts(&["CODEOWNERS"], None);
    f.codeowners_users = vec!["alice".into()];
    f.maintainers_users = vec!["bob".into()];
    f.codeowners_emails = vec![
        "Alice@Example.org".into(),
        "12345+Bob@users.noreply.github.com".into(),
        "carol@example.org".into(),
    ];
    let links = [("alice@example.org".to_string(), "alice".to_string())];
    let m = super::maintainers(Some(&f), &[], &links, 3, &[]);
    assert_eq!(
        (m.status, m.value.clone()),
        (Status::Caution, Some(Value::Count(3))),
        "alice, bob and carol@example.org: {}",
        m.detail
    );
    assert!(
        m.detail
            .starts_with("declared: alice, bob, carol@example.org;"),
        "{}",
        m.detail
    );
    assert!(
        m.detail.contains(
            "e-mail addresses counted as logins: 12345+bob@users.noreply.github.com as bob \
             (a GitHub noreply address), alice@example.org as alice (its commits are linked \
             to that login)"
        ),
        "{}",
        m.detail
    );
    let m = super::maintainers(Some(&f), &[], &[], 3, &[]);
    assert_eq!(
        m.value,
        Some(Value::Count(4)),
        "without the link the address is a person of its own"
    );
}

#[test]
fn email_logins_come_from_commits_made_by_the_as_of_date() {
    let mut store = Store::open_in_memory().expect("open");
    let snapshot = |commits: Vec<CommitRecord>| RepoWrite {
        snapshot: Some(RepoSnapshot {
            node_id: "R_e".into(),
            name_with_owner: "o/e".into(),
            layout_files: vec![".github/CODEOWNERS".into()],
            codeowners_path: Some(".github/CODEOWNERS".into()),
            codeowners_users: vec!["alice".into()],
            codeowners_emails: vec!["alice@example.org".into(), "dan@example.org".into()],
            ..RepoSnapshot::default()
        }),
        commits,
        state: Some(TargetState {
            target: "repo:o/e".into(),
            kind: "repo".into(),
            ..TargetState::default()
        }),
        ..RepoWrite::default()
    };
    let p = |observed| Provenance {
        run_id: 1,
        observed_at: observed,
        source: "fixture".into(),
    };
    store
        .write_repo(&p(t(15, 0)), &snapshot(Vec::new()))
        .expect("write");
    // Alice's address is linked to her login by a commit of another repo
    // made on day 18 (and collected on day 20); Dan's commits are not linked
    // to any login.
    let alice = CommitAuthor {
        name: Some("Alice".into()),
        email: Some("Alice@example.org".into()),
        login: Some("Alice".into()),
        identity: "alice".into(),
        is_bot: false,
    };
    let dan = CommitAuthor {
        name: Some("Dan".into()),
        email: Some("dan@example.org".into()),
        login: None,
        identity: "dan@example.org".into(),
        is_bot: false,
    };
    let other = RepoWrite {
        node_id: "R_other".into(),
        commits: vec![
            commit("e1", t(18, 0), vec![alice]),
            commit("e2", t(14, 0), vec![dan]),
        ],
        ..RepoWrite::default()
    };
    store.write_repo(&p(t(20, 0)), &other).expect("write");
    let nodes = ["R_e".to_string()];
    let count = |as_of: DateTime<Utc>| {
        let w = Window::ending_at(as_of, 10);
        let b = batch(&nodes, &[], w, &[]);
        let links = fetch::email_logins(&store, &b).expect("links");
        let snap = fetch::snapshots(&store, &b).expect("snapshots")[0].clone();
        let m = super::maintainers(snap.as_ref().map(|s| &s.layout), &[], &links[0], 2, &[]);
        (links[0].clone(), m.value)
    };
    assert_eq!(
        count(t(21, 0)),
        (
            vec![("alice@example.org".to_string(), "alice".to_string())],
            Some(Value::Count(2))
        ),
        "alice and dan@example.org"
    );
    assert_eq!(
        count(t(19, 0)),
        count(t(21, 0)),
        "the link is dated by its commit, not by when it was collected"
    );
    assert_eq!(
        count(t(17, 0)),
        (Vec::new(), Some(Value::Count(3))),
        "no commit had linked the address yet"
    );
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
            snapshot: Some(RepoSnapshot {
                node_id: "R_c".into(),
                name_with_owner: "o/c".into(),
                default_branch: Some("main".into()),
                head_oid: Some("abcdef0123456789".into()),
                ci_head_state: head.map(String::from),
                ..RepoSnapshot::default()
            }),
            ci: runs,
            state: Some(TargetState {
                target: "repo:o/c".into(),
                kind: "repo".into(),
                ..TargetState::default()
            }),
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
        torch_requirement: None,
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
    let m = packages(&store, &["pypi:sdistonly".to_string()], &repos, t(21, 0)).expect("m");
    assert!(
        m.detail.contains("ships only an sdist (latest 1.0)"),
        "{}",
        m.detail
    );
    assert_eq!(status(&["pypi:gone"]), Status::Fail);
    assert_eq!(
        status(&["pypi:gone", "pypi:good"]),
        Status::Pass,
        "one good package is enough"
    );
    assert_eq!(status(&[]), Status::Fail, "nothing configured");
    let m = packages(&store, &[], &repos, t(21, 0)).expect("measure");
    assert_eq!(m.source, CONFIGURATION, "machine-checkable config gap");
    assert!(
        m.detail.contains("tacometer's configuration"),
        "{}",
        m.detail
    );
    let keys = vec!["pypi:good".to_string()];
    let m = packages(&store, &keys, &repos, t(19, 0)).expect("measure");
    assert_eq!(
        m.status,
        Status::Unknown,
        "not observed before the as-of date"
    );
}

#[test]
fn packages_judge_the_latest_release_at_the_as_of_date() {
    use crate::store::write::{PackageSnapshot, ReleaseRecord};
    let mut store = Store::open_in_memory().expect("open");
    let rel = |v: &str, day: u32, binary: bool, sdist: bool| ReleaseRecord {
        version: v.into(),
        released_at: Some(t(day, 9)),
        is_prerelease: None,
        yanked: false,
        has_binary: binary,
        has_sdist: sdist,
        requires_torch: None,
    };
    let mut write = |pkg: &str, observed: DateTime<Utc>, releases: &[ReleaseRecord]| {
        let p = Provenance {
            run_id: 1,
            observed_at: observed,
            source: format!("GET /pypi/{pkg}/json"),
        };
        let snap = PackageSnapshot {
            ecosystem: "pypi".into(),
            package: pkg.into(),
            found: true,
            latest_version: None,
            repo_links: vec!["o/r".into()],
            torch_requirement: None,
        };
        store
            .write_package(&p, &snap, releases, &TargetState::default())
            .expect("write package");
    };
    // `later`: 1.0 with a wheel, then (day 15) 2.0 with an sdist only.
    write("later", t(12, 0), &[rel("1.0", 10, true, true)]);
    write(
        "later",
        t(20, 0),
        &[rel("1.0", 10, true, true), rel("2.0", 15, false, true)],
    );
    // `backport`: 1.8.5 (sdist only) uploaded after 2.0.0 (wheel); a newer
    // pre-release without a wheel.
    write(
        "backport",
        t(20, 0),
        &[
            rel("2.0.0", 5, true, true),
            rel("1.8.5", 16, false, true),
            rel("2.1.0rc1", 18, false, true),
        ],
    );
    // `nofiles`: the latest release has no files; an old one had a wheel.
    write(
        "nofiles",
        t(20, 0),
        &[rel("0.9", 2, true, false), rel("1.0", 11, false, false)],
    );
    let repos = vec!["o/r".to_string()];
    let judge = |key: &str, at: DateTime<Utc>| {
        packages(&store, &[key.to_string()], &repos, at).expect("measure")
    };
    let m = judge("pypi:later", t(13, 0));
    assert_eq!(
        m.status,
        Status::Pass,
        "1.0 is the latest then: {}",
        m.detail
    );
    assert!(
        m.detail.contains("pypi:later 1.0 (uploaded on 2026-06-10)"),
        "{}",
        m.detail
    );
    let m = judge("pypi:later", t(21, 0));
    assert_eq!(
        m.status,
        Status::Caution,
        "an older wheel does not make the latest sdist-only release pass"
    );
    assert_eq!(
        m.detail,
        "pypi:later 2.0, the latest release, ships only an sdist; the newest binary is 1.0 \
         uploaded on 2026-06-10"
    );
    let m = judge("pypi:backport", t(21, 0));
    assert_eq!(
        m.status,
        Status::Pass,
        "2.0.0 is the latest (highest final version), not the later 1.8.5 upload nor the rc: {}",
        m.detail
    );
    let m = judge("pypi:nofiles", t(21, 0));
    assert_eq!(m.status, Status::Caution);
    assert!(
        m.detail.contains("1.0, the latest release, ships no files; the newest binary is 0.9 uploaded on 2026-06-02"),
        "{}",
        m.detail
    );
}

#[test]
fn a_stale_package_snapshot_answers_nothing_while_a_fresh_repository_still_does() {
    // The repository collected on day 29, the package last on day 20.
    let c = Collected::new(&[29], &[20]);
    // Day 22: both answer (the package two days old).
    let e = c.judge("2026-06-22", false);
    let m = e.measure("packages").expect("packages");
    assert!(!m.detail.starts_with("nothing collected"), "{}", m.detail);
    // Day 30: the package's snapshot is ten days old, the repository's one.
    let e = c.judge("2026-06-30", false);
    for id in ["packages", "pytorch_support"] {
        let m = e.measure(id).expect("present");
        assert_eq!(m.status, Status::Unknown, "{id}");
        assert!(
            m.detail.starts_with(
                "nothing collected after 2026-06-20T00:00:00Z: the packages' latest snapshot is 10 days"
            ),
            "{id}: {}",
            m.detail
        );
    }
    let stars = e.measure("stars").expect("stars");
    assert_eq!(stars.value, Some(Value::Count(500)), "{}", stars.detail);
}

/// A project of one repository and one PyPI package, the repository
/// snapshotted on `repo_days` and the package on `package_days` (June 2026),
/// and how it is judged on a date: all of it, or its package reads alone.
struct Collected {
    store: Store,
    config: crate::config::Config,
}

impl Collected {
    fn new(repo_days: &[u32], package_days: &[u32]) -> Self {
        use crate::store::write::PackageSnapshot;
        let mut store = Store::open_in_memory().expect("open");
        for &d in repo_days {
            let repo = RepoWrite {
                snapshot: Some(RepoSnapshot {
                    node_id: "R_a".into(),
                    name_with_owner: "o/R_a".into(),
                    stars: 500,
                    ..RepoSnapshot::default()
                }),
                state: Some(TargetState {
                    target: "repo:o/r_a".into(),
                    kind: "repo".into(),
                    node_id: Some("R_a".into()),
                    ..TargetState::default()
                }),
                ..RepoWrite::default()
            };
            let p = Provenance {
                run_id: 1,
                observed_at: t(d, 0),
                source: "fixture".into(),
            };
            store.write_repo(&p, &repo).expect("write repo");
        }
        for &d in package_days {
            let p = Provenance {
                run_id: 1,
                observed_at: t(d, 0),
                source: "GET /pypi/pkg/json".into(),
            };
            let snap = PackageSnapshot {
                ecosystem: "pypi".into(),
                package: "pkg".into(),
                found: true,
                latest_version: Some("1.0".into()),
                repo_links: vec!["o/r_a".into()],
                torch_requirement: None,
            };
            store
                .write_package(&p, &snap, &[], &TargetState::default())
                .expect("write package");
        }
        let config = crate::config::Config::parse(
            r#"
            [[projects]]
            name = "Pkg"
            repos = ["o/R_a"]
            pypi = ["pkg"]
            "#,
            crate::config::ConfigSource::Builtin,
        )
        .expect("config");
        Self { store, config }
    }

    /// The evaluation on `date`, of every requirement or (`packages_only`)
    /// of the package reads alone, as `review` asks for its package probes.
    fn judge(&self, date: &str, packages_only: bool) -> Evaluation {
        let projects: Vec<&crate::config::Project> = self.config.projects.iter().collect();
        let scopes = resolve_scopes(&self.store, &projects).expect("scopes");
        let as_of = crate::time::parse_as_of(date).expect("date");
        let probes = [(&scopes[0], as_of)];
        let parts = match packages_only {
            true => vec![Parts {
                packages: true,
                ..Parts::NONE
            }],
            false => Vec::new(),
        };
        let (mut e, _) = evaluate_keeping_counts(
            &self.store,
            &self.config.criteria,
            365,
            &probes,
            &parts,
            || None,
        )
        .expect("evaluate");
        e.remove(0)
    }
}

/// Whether `packages` and `pytorch_support` are unknown for a stale package
/// snapshot, saying so.
fn packages_stale(e: &Evaluation) -> bool {
    ["packages", "pytorch_support"].iter().all(|id| {
        let m = e.measure(id).expect("present");
        m.status == Status::Unknown && m.detail.contains("the packages' latest snapshot is")
    })
}

/// Staleness of packages goes by the packages' own collection: a repository
/// collected on and a package whose collection ended is stale, a package
/// still collected beside a repository whose collection ended is not, and a
/// probe reading the packages alone says the same as one reading everything.
#[test]
fn a_package_is_stale_by_its_own_collection_not_its_repositorys() {
    // The repository collected through day 29; the package last on day 10.
    let c = Collected::new(&[20, 29], &[10]);
    for packages_only in [false, true] {
        let e = c.judge("2026-06-25", packages_only);
        assert!(
            packages_stale(&e),
            "{packages_only}: {:?}",
            e.measure("packages")
        );
        assert!(
            e.measure("packages")
                .expect("packages")
                .detail
                .contains("15 days"),
            "{:?}",
            e.measure("packages")
        );
    }
    let stars = c.judge("2026-06-25", false);
    let stars = stars.measure("stars").expect("stars");
    assert_eq!(stars.value, Some(Value::Count(500)), "{}", stars.detail);

    // The repository's collection ended on day 5; the package was collected
    // on days 10 and 28: on day 20 its day-10 snapshot was simply its latest.
    let c = Collected::new(&[5], &[10, 28]);
    for packages_only in [false, true] {
        let e = c.judge("2026-06-20", packages_only);
        assert!(
            !packages_stale(&e),
            "{packages_only}: {:?}",
            e.measure("packages")
        );
    }
    let e = c.judge("2026-06-20", false);
    let stars = e.measure("stars").expect("stars");
    assert_eq!(stars.status, Status::Unknown, "{}", stars.detail);
    assert!(
        stars
            .detail
            .contains("the primary repository's latest snapshot is 15 days"),
        "{}",
        stars.detail
    );
    // After the package's last collection, it too is stale.
    assert!(packages_stale(&c.judge("2026-07-02", false)));
}

#[test]
fn torch_pin_against_the_latest_two_minors() {
    let day = |d: u32| t(d, 0);
    let torch: Vec<TorchRelease> = [
        ("2.7.0", 1),
        ("2.7.1", 3),
        ("2.8.0", 5),
        ("2.9.0rc1", 7),
        ("2.9.0", 10),
    ]
    .iter()
    .map(|(v, d)| TorchRelease {
        version: v.to_string(),
        released_at: day(*d),
    })
    .collect();
    assert_eq!(
        latest_minors(&torch, day(8)),
        [(2, 8), (2, 7)],
        "rc ignored"
    );
    assert_eq!(latest_minors(&torch, day(11)), [(2, 9), (2, 8)]);
    let seen = |spec: Option<&str>| PackageSeen {
        key: "pypi:pkg".into(),
        found: true,
        links: vec![],
        observed_at: day(9),
        collected_until: day(9),
        source: "fixture".into(),
        releases: Vec::new(),
        torch: Some(("1.0".into(), spec.map(String::from))),
        reconstructed: None,
    };
    let keys = vec!["pypi:pkg".to_string()];
    let target = crate::config::TargetEnvironment::default();
    let judge = |spec: Option<&str>, at: u32| {
        pytorch_support(&[seen(spec)], &keys, &torch, day(at), &target)
    };
    let m = judge(Some(">=2.4,<2.9"), 11);
    assert_eq!(m.status, Status::Caution, "admits 2.8 but not 2.9");
    assert!(m.detail.contains("admits 2.8 but not 2.9"), "{}", m.detail);
    assert_eq!(m.threshold, Value::Text("torch 2.9 and 2.8".into()));
    assert_eq!(
        judge(Some(">=2.4,<2.9"), 8).status,
        Status::Pass,
        "before 2.9"
    );
    assert_eq!(judge(Some(">=2.10"), 11).status, Status::Fail);
    assert_eq!(judge(Some("==2.8.*"), 11).status, Status::Caution);
    assert_eq!(judge(Some(""), 11).status, Status::Pass, "unbounded");
    let m = judge(None, 11);
    assert_eq!(m.status, Status::Caution, "no torch dependency declared");
    assert_eq!(m.value, Some(Value::Text("no torch dependency".into())));
    assert_eq!(judge(Some("~=banana"), 11).status, Status::Caution);
    assert_eq!(
        pytorch_support(&[], &keys, &torch, day(11), &target).status,
        Status::Unknown,
        "no snapshot by then"
    );
    assert_eq!(
        pytorch_support(&[seen(Some(">=2"))], &[], &torch, day(11), &target).status,
        Status::Unknown,
        "no PyPI package configured"
    );
    assert_eq!(
        pytorch_support(&[seen(Some(">=2"))], &keys, &torch[..1], day(11), &target).status,
        Status::Unknown,
        "only one torch minor known"
    );
}

#[test]
fn gone_and_unresolved_repos_make_what_they_measure_unknown_with_the_reason() {
    use crate::store::write::FailureRecord;
    let mut store = Store::open_in_memory().expect("open");
    let alice = person(Some("alice"), "a@x", &[]);
    let repo = |commits: Vec<CommitRecord>| RepoWrite {
        snapshot: Some(RepoSnapshot {
            node_id: "R_p".into(),
            name_with_owner: "o/primary".into(),
            stars: 500,
            license_spdx: Some("MIT".into()),
            ..RepoSnapshot::default()
        }),
        commits,
        state: Some(TargetState {
            target: "repo:o/primary".into(),
            kind: "repo".into(),
            node_id: Some("R_p".into()),
            ..TargetState::default()
        }),
        ..RepoWrite::default()
    };
    let p = |at: DateTime<Utc>| Provenance {
        run_id: 1,
        observed_at: at,
        source: "fixture".into(),
    };
    let fail = |store: &mut Store, target: &str, at: DateTime<Utc>, kind: &str, message: &str| {
        let record = FailureRecord {
            source: "POST graphql".into(),
            http_status: Some(200),
            kind: kind.into(),
            message: message.into(),
        };
        store
            .record_failure(&p(at), target, "repo", &record, at)
            .expect("record failure");
    };
    let commits: Vec<CommitRecord> = (0..3)
        .map(|i| commit(&format!("g{i}"), t(9, i), vec![alice.clone()]))
        .collect();
    store
        .write_repo(&p(t(10, 0)), &repo(commits))
        .expect("write");
    fail(&mut store, "repo:o/second", t(5, 0), "server", "HTTP 502");
    fail(
        &mut store,
        "repo:o/primary",
        t(12, 0),
        "not_found",
        "repository o/primary is gone (node R_p)",
    );
    let config = crate::config::Config::parse(
        "[[projects]]\nname = \"Gone\"\nrepos = [\"o/primary\", \"o/second\"]\n",
        crate::config::ConfigSource::Builtin,
    )
    .expect("config");
    let projects: Vec<&crate::config::Project> = config.projects.iter().collect();
    let scopes = resolve_scopes(&store, &projects).expect("scopes");
    assert_eq!(scopes[0].resolved, [Some("R_p".to_string()), None]);
    let at = |store: &Store, day: u32| {
        evaluate_at(store, &config.criteria, 365, &scopes, t(day, 12))
            .expect("evaluate")
            .remove(0)
    };

    // Day 11: the primary is collected; the second repository never resolved.
    let e = at(&store, 11);
    let commits = e.measure("commits").expect("commits");
    assert_eq!(commits.status, Status::Unknown);
    assert_eq!(
        commits.detail,
        "the repository o/second never resolved to a GitHub repository: its last collection by \
         the as-of date failed on 2026-06-05T00:00:00Z (server: HTTP 502)"
    );
    assert_eq!(
        commits.value, None,
        "a partial count is never reported as known"
    );
    assert_eq!(e.measure("contributors").expect("m").detail, commits.detail);
    assert_eq!(
        e.measure("stars").expect("m").status,
        Status::Pass,
        "from the primary"
    );
    assert_eq!(e.measure("license").expect("m").status, Status::Pass);

    // Day 13: the primary is gone upstream: everything it measures is unknown.
    let e = at(&store, 13);
    let gone = "the primary repository o/primary is gone upstream: GitHub answered NOT_FOUND \
                on 2026-06-12T00:00:00Z (repository o/primary is gone (node R_p))";
    for id in super::REQUIREMENT_IDS {
        let m = e.measure(id).expect("measure");
        match *id {
            "packages" | "pytorch_support" => assert_ne!(m.detail, gone, "{id}"),
            "commits" | "contributors" => {
                assert_eq!(m.status, Status::Unknown, "{id}");
                assert!(m.detail.starts_with(gone), "{id}: {}", m.detail);
                assert!(
                    m.detail.contains("o/second never resolved"),
                    "{id}: {}",
                    m.detail
                );
            }
            _ => {
                assert_eq!(
                    (m.status, &m.detail),
                    (Status::Unknown, &gone.to_string()),
                    "{id}"
                );
                assert_eq!(m.value, None, "{id}");
                assert_eq!(
                    m.observed_at,
                    Some(t(12, 0)),
                    "{id}: when it was found gone"
                );
            }
        }
    }

    // Day 16: it is back (a new snapshot after the failure): known again.
    store
        .write_repo(&p(t(15, 0)), &repo(Vec::new()))
        .expect("write");
    let e = at(&store, 16);
    assert_eq!(e.measure("stars").expect("m").status, Status::Pass);
    assert_eq!(
        at(&store, 13).measure("stars").expect("m").status,
        Status::Unknown,
        "a past answer stays what it was"
    );
}

#[test]
fn evaluation_of_a_renamed_repo_with_two_repos_and_its_json() {
    let mut store = Store::open_in_memory().expect("open");
    let alice = person(Some("alice"), "a@x", &[]);
    let mut rename = |name: &str, at: DateTime<Utc>, commits: Vec<CommitRecord>| {
        let p = Provenance {
            run_id: 1,
            observed_at: at,
            source: "fixture".into(),
        };
        let w = RepoWrite {
            snapshot: Some(RepoSnapshot {
                node_id: "R_a".into(),
                name_with_owner: name.into(),
                stars: 500,
                license_spdx: Some("MIT".into()),
                layout_files: vec!["README.md".into(), "LICENSE".into()],
                ..RepoSnapshot::default()
            }),
            commits,
            state: Some(TargetState {
                target: format!("repo:{}", name.to_lowercase()),
                kind: "repo".into(),
                node_id: Some("R_a".into()),
                ..TargetState::default()
            }),
            ..RepoWrite::default()
        };
        store.write_repo(&p, &w).expect("write");
    };
    rename(
        "old/name",
        t(20, 0),
        vec![commit("c1", t(19, 0), vec![alice.clone()])],
    );
    // Collected within 2 days of the as-of date, like the second repo: every
    // repo in scope must be current for the counts to be known.
    rename(
        "New/Name",
        t(29, 0),
        vec![commit("c2", t(24, 0), vec![alice.clone()])],
    );
    write(
        &mut store,
        "R_b",
        t(30, 0),
        3,
        vec![commit(
            "c3",
            t(24, 0),
            vec![person(Some("bob"), "b@x", &[])],
        )],
    );
    let config = crate::config::Config::parse(
        r#"
        [[projects]]
        name = "Renamed"
        repos = ["old/name", "o/R_b"]
        "#,
        crate::config::ConfigSource::Builtin,
    )
    .expect("config");
    let projects: Vec<&crate::config::Project> = config.projects.iter().collect();
    let scopes = resolve_scopes(&store, &projects).expect("scopes");
    assert_eq!(
        scopes[0].nodes,
        ["R_a", "R_b"],
        "the old name still resolves"
    );
    assert!(scopes[0].primary_resolved);
    let as_of = crate::time::parse_as_of("2026-06-30").expect("date");
    let e = evaluate_at(&store, &config.criteria, 365, &scopes, as_of).expect("evaluate");
    let e = &e[0];
    let ids: Vec<&str> = e.requirements.iter().map(|m| m.id).collect();
    assert_eq!(ids, REQUIREMENT_IDS);
    let get = |id: &str| e.measure(id).expect("present");
    assert_eq!(
        get("commits").value,
        Some(Value::Count(3)),
        "over both repos: {}",
        get("commits").detail
    );
    assert_eq!(get("contributors").value, Some(Value::Count(2)));
    assert_eq!(
        get("stars").value,
        Some(Value::Count(500)),
        "from the primary only"
    );
    assert_eq!(get("license").status, Status::Pass);
    assert_eq!(get("files.readme").status, Status::Pass);
    assert_eq!(
        get("files.license").status,
        Status::Caution,
        "LICENSE is a variant"
    );
    assert_eq!(get("packages").status, Status::Fail, "none configured");
    assert_eq!(e.status, Status::Fail);
    let json = serde_json::to_value(e).expect("json");
    assert_eq!(json["as_of"], "2026-06-30T23:59:59.999999Z");
    assert_eq!(json["window"]["start"], "2026-04-01T23:59:59.999999Z");
    assert_eq!(json["window"]["days"], 90);
    assert_eq!(json["criteria_version"], "pytorch-ecosystem-1.0");
    assert_eq!(json["repos"], serde_json::json!(["old/name", "o/R_b"]));
    let commits = &json["requirements"][1];
    assert_eq!(commits["id"], "commits");
    assert_eq!(commits["value"], 3);
    assert_eq!(commits["threshold"], 30);
    assert_eq!(commits["margin"], -27);
    assert_eq!(commits["status"], "fail");
    assert_eq!(
        commits["observed_at"], "2026-06-30T00:00:00Z",
        "when the counted commits were fetched"
    );
    // A week later nothing was collected: past [criteria] staleness_days
    // (3) the snapshot answers nothing for that date.
    let later = crate::time::parse_as_of("2026-07-07").expect("date");
    let e = evaluate_at(&store, &config.criteria, 365, &scopes, later).expect("evaluate");
    for m in &e[0].requirements {
        if m.source == super::CONFIGURATION {
            // No package configured: a gap in the configuration, not stale data.
            assert!(["packages", "pytorch_support"].contains(&m.id), "{}", m.id);
            continue;
        }
        assert_eq!(
            (m.status, m.value.clone()),
            (Status::Unknown, None),
            "{}",
            m.id
        );
        if ["commits", "contributors"].contains(&m.id) {
            // The counting window is not covered by collected history.
            assert!(
                m.detail.contains("last collected"),
                "{}: {}",
                m.id,
                m.detail
            );
            continue;
        }
        assert!(
            m.detail
                .starts_with("nothing collected after 2026-06-29T00:00:00Z: the primary")
                && m.detail.contains("staleness_days = 3"),
            "{}: {}",
            m.id,
            m.detail
        );
    }
    // The same for a date far past the last collection, where a years-old
    // snapshot once answered `stars: pass`.
    let far = crate::time::parse_as_of("9999-12-31").expect("date");
    let e = evaluate_at(&store, &config.criteria, 365, &scopes, far).expect("evaluate");
    let stars = e[0].measure("stars").expect("stars");
    assert_eq!((stars.status, stars.value.clone()), (Status::Unknown, None));
    // Allowed a longer staleness, the snapshot answers a week later; the
    // counting window is still not fully known.
    let mut lenient = config.criteria.clone();
    lenient.staleness_days = std::num::NonZeroU32::new(30).expect("non-zero");
    let e = evaluate_at(&store, &lenient, 365, &scopes, later).expect("evaluate");
    assert_eq!(
        e[0].measure("stars").expect("stars").value,
        Some(Value::Count(500))
    );
    let m = e[0].measure("commits").expect("commits");
    assert_eq!((m.status, m.value.clone()), (Status::Unknown, None));
    assert!(m.detail.contains("last collected"), "{}", m.detail);
}

#[test]
fn spelling_variants_teams_emails_and_unjudged_ci() {
    let f = facts(
        &[
            "LICENCE",
            "docs/CODE-OF-CONDUCT.md",
            ".github/CODE-OF-CONDUCT.md",
        ],
        None,
    );
    let m = files(Some(&f));
    assert_eq!(m[0].status, Status::Caution, "LICENCE is a license variant");
    assert_eq!(
        m[4].status,
        Status::Caution,
        "CODE-OF-CONDUCT.md in .github/"
    );
    let f = facts(&["COPYING"], None);
    assert_eq!(files(Some(&f))[0].status, Status::Caution);
    let f = facts(&["LICENSE-APACHE", "LICENSE-MIT"], None);
    assert_eq!(files(Some(&f))[0].status, Status::Caution);
    let m = governance(Some(&facts(&[], None)));
    assert!(m.detail.contains("docs/"), "{}", m.detail);

    let mut f = facts(&["CODEOWNERS"], None);
    f.codeowners_users = vec!["alice".into(), "bob".into(), "carol".into()];
    assert_eq!(
        super::maintainers(Some(&f), &[], &[], 2, &[]).status,
        Status::Pass
    );
    f.codeowners_teams = vec!["@org/core".into()];
    assert_eq!(
        super::maintainers(Some(&f), &[], &[], 2, &[]).status,
        Status::Caution,
        "a team that cannot be expanded always needs a look"
    );
    let mut f = facts(&["CODEOWNERS"], None);
    f.codeowners_users = vec!["alice".into()];
    f.codeowners_emails = vec!["dan@example.com".into()];
    let m = super::maintainers(Some(&f), &[], &[], 2, &[]);
    assert_eq!(
        (m.status, m.value),
        (Status::Caution, Some(Value::Count(2))),
        "an e-mail owner is a person"
    );

    let snap = Snapshot {
        stars: 1,
        layout: facts(&[], None),
        ci_head_state: Some("success".into()),
        head_oid: Some("abc".into()),
        name_with_owner: "o/r".into(),
    };
    let m = super::ci(
        Some(&snap),
        CiCounts {
            runs: 3,
            judged: 0,
            green: 0,
        },
        &window(),
    );
    assert_eq!((m.status, m.value), (Status::Caution, None), "{}", m.detail);
}

/// Writes one page of history with its progress, as the collector's walker does.
fn write_page(
    store: &mut Store,
    node: &str,
    observed: DateTime<Utc>,
    commits: Vec<CommitRecord>,
    progress: &crate::store::memory::HistoryProgress,
) {
    let p = Provenance {
        run_id: 1,
        observed_at: observed,
        source: "fixture".into(),
    };
    let w = RepoWrite {
        node_id: node.into(),
        commits,
        progress: Some(progress.clone()),
        ..RepoWrite::default()
    };
    store.write_repo(&p, &w).expect("write page");
}

#[test]
fn a_partial_backfill_counts_only_windows_it_reaches() {
    use crate::store::memory::HistoryProgress;
    let mut store = Store::open_in_memory().expect("open");
    let now = t(30, 12);
    let mut progress = HistoryProgress {
        node_id: "R_big".into(),
        head_oid: Some("h".into()),
        synced_at: Some(now),
        backfill_oid: "h".into(),
        backfill_since: t(1, 0),
        started_at: now,
        ..HistoryProgress::default()
    };
    // The step started: the snapshot is written, no page yet.
    write(&mut store, "R_big", now, 500, Vec::new());
    write_page(&mut store, "R_big", now, Vec::new(), &progress);
    let nodes = ["R_big".to_string()];
    let w = Window::ending_at(t(30, 12), 10);
    let m = commits(&store, &nodes, &w, 1).expect("commits");
    assert_eq!((m.status, m.value), (Status::Unknown, None));
    assert!(m.detail.contains("first page"), "{}", m.detail);

    // A first page reaches back to the 25th: a 10-day window is not covered yet.
    let page: Vec<CommitRecord> = (0..5)
        .map(|i| {
            commit(
                &format!("p1-{i}"),
                t(29 - i, 0),
                vec![person(Some("a"), "a@x", &[])],
            )
        })
        .collect();
    progress.covered_from = Some(t(25, 0));
    progress.backfill_cursor = Some("c1".into());
    write_page(&mut store, "R_big", now, page, &progress);
    let m = commits(&store, &nodes, &w, 1).expect("commits");
    assert_eq!(
        (m.status, m.value),
        (Status::Unknown, None),
        "a partial count is never known"
    );
    assert!(m.detail.contains("reaches back to"), "{}", m.detail);
    // ... but a 3-day window inside what was fetched is: (27 12:00, 30 12:00]
    // holds the commits of the 28th and 29th.
    let short = Window::ending_at(t(30, 12), 3);
    let m = commits(&store, &nodes, &short, 1).expect("commits");
    assert_eq!((m.status, m.value), (Status::Pass, Some(Value::Count(2))));

    // The backfill finishes: the 10-day window is known.
    let page: Vec<CommitRecord> = (0..5)
        .map(|i| {
            commit(
                &format!("p2-{i}"),
                t(24 - i, 0),
                vec![person(Some("b"), "b@x", &[])],
            )
        })
        .collect();
    progress.covered_from = Some(progress.backfill_since);
    progress.backfill_cursor = None;
    progress.backfill_done = true;
    write_page(&mut store, "R_big", now, page, &progress);
    let m = commits(&store, &nodes, &w, 1).expect("commits");
    // Days 21..29 are in the window (20, 30]: commits on 29,28,27,26,25 and 24,23,22,21.
    assert_eq!((m.status, m.value), (Status::Pass, Some(Value::Count(9))));
    let stored = store
        .history_progress("R_big")
        .expect("read")
        .expect("progress");
    assert_eq!(stored, progress, "progress reads back as written");
}

/// Facts that change upstream are observations: an answer as of a past instant
/// stays what it was after later collection, while an answer as of now follows
/// the change.
mod observations {
    use super::*;
    use crate::store::write::{CiRun, PackageSnapshot, ReleaseRecord};

    const NODE: &str = "R_o";

    fn scope() -> Scope {
        Scope {
            project: "Observed".into(),
            repos: vec!["o/observed".into()],
            nodes: vec![NODE.into()],
            resolved: vec![Some(NODE.into())],
            primary_resolved: true,
            packages: vec!["pypi:pkg".into()],
        }
    }

    fn criteria() -> crate::config::Criteria {
        crate::config::Config::parse(
            "[[projects]]\nname = \"Observed\"\nrepos = [\"o/observed\"]\n",
            crate::config::ConfigSource::Builtin,
        )
        .expect("config")
        .criteria
    }

    fn run(key: &str, created: DateTime<Utc>, conclusion: &str, updated: DateTime<Utc>) -> CiRun {
        CiRun {
            run_key: key.into(),
            provider: "actions".into(),
            name: Some("CI".into()),
            head_sha: Some(format!("sha-{key}")),
            branch: Some("main".into()),
            event: Some("push".into()),
            status: Some("completed".into()),
            conclusion: Some(conclusion.into()),
            created_at: created,
            updated_at: Some(updated),
            url: None,
        }
    }

    fn release(yanked: bool) -> ReleaseRecord {
        ReleaseRecord {
            version: "1.0".into(),
            released_at: Some(t(1, 0)),
            is_prerelease: Some(false),
            yanked,
            has_binary: true,
            has_sdist: false,
            requires_torch: None,
        }
    }

    /// One collection pass at `at`: the repo (with `commits`, complete since
    /// `since` when given, and `ci`) and the package with its release.
    fn pass(
        store: &mut Store,
        at: DateTime<Utc>,
        commits: Vec<CommitRecord>,
        since: Option<DateTime<Utc>>,
        ci: Vec<CiRun>,
        yanked: bool,
    ) {
        let p = Provenance {
            run_id: 1,
            observed_at: at,
            source: "fixture".into(),
        };
        let w = RepoWrite {
            snapshot: Some(RepoSnapshot {
                node_id: NODE.into(),
                name_with_owner: "o/observed".into(),
                stars: 300,
                default_branch: Some("main".into()),
                head_oid: Some("head".into()),
                ci_head_state: Some("success".into()),
                ..RepoSnapshot::default()
            }),
            commits,
            ci,
            history_since: since,
            state: Some(TargetState {
                target: "repo:o/observed".into(),
                kind: "repo".into(),
                node_id: Some(NODE.into()),
                ..TargetState::default()
            }),
            ..RepoWrite::default()
        };
        store.write_repo(&p, &w).expect("write repo");
        let snap = PackageSnapshot {
            ecosystem: "pypi".into(),
            package: "pkg".into(),
            found: true,
            latest_version: Some("1.0".into()),
            repo_links: vec!["o/observed".into()],
            torch_requirement: None,
        };
        store
            .write_package(&p, &snap, &[release(yanked)], &TargetState::default())
            .expect("write package");
    }

    /// Everything `check` and `export` say as of `at`: the evaluation and
    /// every evidence list.
    fn answer(store: &Store, at: DateTime<Utc>) -> serde_json::Value {
        let c = criteria();
        let scopes = [scope()];
        let e = evaluate_at(store, &c, 365, &scopes, at).expect("evaluate");
        let mut out = serde_json::json!({ "evaluation": e[0] });
        for list in ["commits", "contributors", "stars", "ci", "releases"] {
            let (cols, rows) = evidence(store, &c, &scopes, at, list).expect("list");
            out[list] = serde_json::json!({ "columns": cols, "rows": rows[0] });
        }
        out
    }

    fn measure(answer: &serde_json::Value, id: &str) -> serde_json::Value {
        answer["evaluation"]["requirements"]
            .as_array()
            .expect("requirements")
            .iter()
            .find(|m| m["id"] == id)
            .cloned()
            .expect("measure")
    }

    fn shas(answer: &serde_json::Value) -> Vec<String> {
        answer["commits"]["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r[0].as_str().expect("sha").to_string())
            .collect()
    }

    #[test]
    fn past_answers_survive_a_ci_rerun_a_yank_and_force_pushes() {
        let mut store = Store::open_in_memory().expect("open");
        let a = person(Some("alice"), "a@x", &[]);
        let all = || {
            vec![
                commit("c1", t(5, 0), vec![a.clone()]),
                commit("c2", t(8, 0), vec![a.clone()]),
                commit("c3", t(9, 0), vec![a.clone()]),
            ]
        };
        let without_c2 = || {
            all()
                .into_iter()
                .filter(|c| c.sha != "c2")
                .collect::<Vec<_>>()
        };
        let red = run("actions:1", t(8, 1), "failure", t(8, 2));
        let green = run("actions:2", t(9, 1), "success", t(9, 2));
        pass(
            &mut store,
            t(10, 0),
            all(),
            None,
            vec![red.clone(), green.clone()],
            false,
        );

        // As of T, before anything changed.
        let t0 = t(11, 0);
        let then = answer(&store, t0);
        assert_eq!(measure(&then, "ci")["value"], 50, "{then}");
        assert_eq!(measure(&then, "packages")["status"], "pass", "{then}");
        assert_eq!(shas(&then), ["c1", "c2", "c3"]);
        let mut past = vec![(t0, then)];
        let unchanged = |store: &Store, past: &[(DateTime<Utc>, serde_json::Value)]| {
            for (at, before) in past {
                assert_eq!(
                    &answer(store, *at),
                    before,
                    "the answer as of {at} changed after later collection"
                );
            }
        };

        // The red run is re-run and passes, the release is yanked, c2 is force-pushed away.
        let rerun = run("actions:1", t(8, 1), "success", t(13, 0));
        pass(
            &mut store,
            t(14, 0),
            without_c2(),
            Some(t(7, 0)),
            vec![rerun.clone(), green.clone()],
            true,
        );
        unchanged(&store, &past);
        let now = answer(&store, t(14, 12));
        assert_eq!(measure(&now, "ci")["value"], 100, "{now}");
        assert_eq!(measure(&now, "packages")["status"], "caution", "{now}");
        assert_eq!(now["releases"]["rows"][0][5], true, "yanked as of now");
        assert_eq!(shas(&now), ["c1", "c3"]);
        let ci_rows = now["ci"]["rows"].as_array().expect("ci rows");
        assert_eq!(
            ci_rows
                .iter()
                .map(|r| r[6].as_str().unwrap_or_default())
                .collect::<Vec<_>>(),
            ["success", "success"],
            "the list shows each run as of now: {now}"
        );
        past.push((t(14, 12), now));

        // c2 comes back.
        pass(
            &mut store,
            t(16, 0),
            all(),
            Some(t(7, 0)),
            vec![rerun.clone(), green.clone()],
            true,
        );
        unchanged(&store, &past);
        let now = answer(&store, t(16, 12));
        assert_eq!(shas(&now), ["c1", "c2", "c3"]);
        past.push((t(16, 12), now));

        // ... and goes again; the run fails on a second re-run; the yank is undone.
        let rerun_red = run("actions:1", t(8, 1), "failure", t(17, 0));
        pass(
            &mut store,
            t(18, 0),
            without_c2(),
            Some(t(7, 0)),
            vec![rerun_red, green],
            false,
        );
        unchanged(&store, &past);
        let now = answer(&store, t(18, 12));
        assert_eq!(shas(&now), ["c1", "c3"]);
        assert_eq!(measure(&now, "ci")["value"], 50, "{now}");
        assert_eq!(measure(&now, "packages")["status"], "pass", "{now}");

        let n = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).expect("n") };
        assert_eq!(n("SELECT count(*) FROM ci_runs"), 4, "every state kept");
        assert_eq!(n("SELECT count(*) FROM release_changes"), 2);
        assert_eq!(n("SELECT count(*) FROM commit_reachability"), 3);
    }

    #[test]
    fn a_run_first_collected_after_the_as_of_date_reads_as_first_seen() {
        let mut store = Store::open_in_memory().expect("open");
        pass(&mut store, t(10, 0), Vec::new(), None, Vec::new(), false);
        let w = Window::ending_at(t(11, 0), 10);
        let counts = |store: &Store| {
            fetch::ci_counts(store, &batch(&[NODE.to_string()], &[], w, &[])).expect("ci")[0]
        };
        assert_eq!(counts(&store).runs, 0);
        // A backfill at day 20 finds a run created on day 9, still in progress;
        // it completes red by day 22.
        let mut running = run("actions:9", t(9, 0), "failure", t(9, 0));
        running.status = Some("in_progress".into());
        running.conclusion = None;
        pass(&mut store, t(20, 0), Vec::new(), None, vec![running], false);
        let first = counts(&store);
        assert_eq!(
            (first.runs, first.judged),
            (1, 0),
            "created by then, read as first seen"
        );
        pass(
            &mut store,
            t(22, 0),
            Vec::new(),
            None,
            vec![run("actions:9", t(9, 0), "failure", t(21, 0))],
            false,
        );
        assert_eq!(counts(&store), first, "later states do not reach back");
        let now = Window::ending_at(t(22, 0), 20);
        let c = fetch::ci_counts(&store, &batch(&[NODE.to_string()], &[], now, &[])).expect("ci");
        assert_eq!((c[0].runs, c[0].judged, c[0].green), (1, 1, 0));
    }

    /// A database written by schema version 2 (runs replaced in place, releases
    /// updated in place, one removal per commit) reads the same after 0004.
    #[test]
    fn migration_carries_rows_over_and_answers_stay_the_same() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("v2.duckdb");
        {
            let store = Store::open_write_at_version(&path, 2).expect("create at v2");
            assert_eq!(store.schema_version().expect("version"), 2);
            store
                .conn()
                .execute_batch(
                    "INSERT INTO repos VALUES ('R_o', 1, TIMESTAMP '2026-06-10 00:00:00', 'f');
                     INSERT INTO repo_names VALUES
                         ('R_o', 'o/observed', TIMESTAMP '2026-06-10 00:00:00', 'f');
                     INSERT INTO repo_snapshots (node_id, observed_at, run_id, source,
                         name_with_owner, stars, default_branch, head_oid, ci_head_state)
                     VALUES ('R_o', TIMESTAMP '2026-06-10 00:00:00', 1, 'f', 'o/observed', 300,
                             'main', 'head', 'success');
                     INSERT INTO commits VALUES
                         ('R_o', 'c1', TIMESTAMP '2026-06-05 00:00:00',
                          TIMESTAMP '2026-06-05 00:00:00', 1,
                          TIMESTAMP '2026-06-10 00:00:00', 1, 'f'),
                         ('R_o', 'c2', TIMESTAMP '2026-06-08 00:00:00',
                          TIMESTAMP '2026-06-08 00:00:00', 1,
                          TIMESTAMP '2026-06-10 00:00:00', 1, 'f');
                     INSERT INTO commit_authors VALUES
                         ('R_o', 'c1', 0, NULL, 'a@x', 'alice', 'alice', false),
                         ('R_o', 'c2', 0, NULL, 'a@x', 'alice', 'alice', false);
                     INSERT INTO commit_removals VALUES
                         ('R_o', 'c2', TIMESTAMP '2026-06-12 00:00:00', 2, 'f');
                     INSERT INTO ci_runs VALUES
                         ('R_o', 'actions:1', 'actions', 'CI', 's1', 'main', 'push',
                          'completed', 'failure', TIMESTAMP '2026-06-08 01:00:00', NULL, NULL,
                          TIMESTAMP '2026-06-10 00:00:00', 'f'),
                         ('R_o', 'actions:2', 'actions', 'CI', 's2', 'main', 'push',
                          'completed', 'success', TIMESTAMP '2026-06-09 01:00:00', NULL, NULL,
                          TIMESTAMP '2026-06-10 00:00:00', 'f');
                     INSERT INTO package_snapshots VALUES
                         ('pypi', 'pkg', TIMESTAMP '2026-06-10 00:00:00', 1, 'f', true, '1.1',
                          ['o/observed']);
                     INSERT INTO releases VALUES
                         ('pypi', 'pkg', '1.0', TIMESTAMP '2026-06-01 00:00:00', false, false,
                          true, true, NULL, TIMESTAMP '2026-06-10 00:00:00', 1, 'f'),
                         ('pypi', 'pkg', '1.1', TIMESTAMP '2026-06-02 00:00:00', false, true,
                          false, true, NULL, TIMESTAMP '2026-06-10 00:00:00', 1, 'f');",
                )
                .expect("v2 rows");
        }
        let store = Store::open_write(&path, std::time::Duration::from_secs(1)).expect("migrate");
        assert_eq!(
            store.schema_version().expect("version"),
            crate::store::latest_version()
        );
        let n = |sql: &str| -> i64 { store.conn().query_row(sql, [], |r| r.get(0)).expect("n") };
        assert_eq!(
            n("SELECT count(*) FROM ci_runs WHERE conclusion = 'failure' \
               AND observed_at = TIMESTAMP '2026-06-10 00:00:00'"),
            1
        );
        assert_eq!(n("SELECT count(*) FROM ci_runs"), 2);
        assert_eq!(
            n(
                "SELECT count(*) FROM commit_reachability WHERE sha = 'c2' AND NOT reachable \
               AND observed_at = TIMESTAMP '2026-06-12 00:00:00' AND run_id = 2"
            ),
            1
        );
        assert_eq!(
            n("SELECT count(*) FROM information_schema.tables \
               WHERE table_name IN ('commit_removals', 'ci_runs_before_0004')"),
            0,
            "the old and the temporary table are gone"
        );
        assert_eq!(n("SELECT count(*) FROM releases"), 2);
        assert_eq!(n("SELECT count(*) FROM release_changes"), 0);
        // What schema version 2 answered for these rows.
        let shas_at = |at: DateTime<Utc>| shas(&answer(&store, at));
        assert_eq!(shas_at(t(11, 0)), ["c1", "c2"], "before the removal");
        assert_eq!(shas_at(t(12, 0)), ["c1"], "removed at or before the end");
        let a = answer(&store, t(11, 0));
        assert_eq!(measure(&a, "ci")["value"], 50, "{a}");
        assert_eq!(measure(&a, "packages")["status"], "pass", "{a}");
        let rows = a["releases"]["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][2], "1.1");
        assert_eq!(rows[0][5], true, "1.1 yanked");
        // The next pass adds observations to the carried-over rows.
        drop(store);
        let mut store =
            Store::open_write(&path, std::time::Duration::from_secs(1)).expect("reopen");
        let rerun = run("actions:1", t(8, 1), "success", t(13, 0));
        pass(&mut store, t(14, 0), Vec::new(), None, vec![rerun], false);
        assert_eq!(measure(&answer(&store, t(11, 0)), "ci")["value"], 50);
        assert_eq!(measure(&answer(&store, t(14, 12)), "ci")["value"], 100);
    }
}

/// `daily_counts.sql` against `window_counts.sql` run once per day: on every
/// day back, the daily series gives the same `commits` and `contributors` as
/// the single-window query, with commits exactly on day boundaries, a sha in
/// two repos, a bot, a co-author and a commit force-pushed away then restored.
#[test]
fn the_daily_series_equals_one_window_query_per_day() {
    let mut store = Store::open_in_memory().expect("open");
    let bots = vec!["pytorchbot".to_string()];
    let end = window().end;
    let people: Vec<CommitAuthor> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|l| person(Some(l), &format!("{l}@example.org"), &bots))
        .chain([person(Some("pytorchbot"), "bot@example.org", &bots)])
        .collect();
    let mut one = Vec::new();
    let mut two = Vec::new();
    // A spread of commits over 40 days, some exactly n days before the end.
    for i in 0..120u32 {
        let at = end - Duration::hours(i64::from(i * 8)) - Duration::minutes(i64::from(i % 3));
        let mut authors = vec![people[(i as usize * 7) % people.len()].clone()];
        if i % 11 == 0 {
            authors.push(people[(i as usize + 1) % 5].clone());
        }
        let c = commit(&format!("s{i:03}"), at, authors);
        if i % 4 == 0 {
            two.push(c.clone());
        }
        if i % 4 != 1 {
            one.push(c);
        }
    }
    write(&mut store, "N1", end, 10, one);
    write(&mut store, "N2", end, 10, two);
    // s040 (13.3 days back, so in the windows of days 4-13) was force-pushed
    // away from both repos 9 days back and came back to N1 6 days back: it
    // counts on days 4-6 and 10-13, not 7-9.
    for (node, at, reachable) in [
        ("N1", end - Duration::days(9), false),
        ("N2", end - Duration::days(9), false),
        ("N1", end - Duration::days(6), true),
    ] {
        store
            .conn()
            .execute(
                "INSERT INTO commit_reachability VALUES (?, 's040', ?, ?, 1, 'fixture')",
                duckdb::params![node, at.naive_utc(), reachable],
            )
            .expect("event");
    }
    let nodes = vec!["N1".to_string(), "N2".to_string()];
    let days = 30;
    let series = fetch::daily_counts(
        &store,
        &[DailyProbe {
            nodes: &nodes,
            at: end,
        }],
        days,
        10,
        &bots,
    )
    .expect("daily");
    let mut nonzero = 0;
    for n in 0..=days {
        let w = Window::ending_at(end - Duration::days(i64::from(n)), 10);
        let f = window_facts(&store, &nodes, &w, &bots);
        assert_eq!(
            series[0][n as usize],
            (f.commits, f.contributors),
            "day {n} back"
        );
        if f.commits > 0 {
            nonzero += 1;
        }
    }
    assert!(nonzero > 20, "the fixture has commits on most days");
    let listed = |n: i64| {
        let w = Window::ending_at(end - Duration::days(n), 10);
        commits_in_window(&store, &nodes, &w)
            .expect("list")
            .contains(&"s040".to_string())
    };
    assert_eq!(
        (4..=13).map(listed).collect::<Vec<_>>(),
        [
            true, true, true, false, false, false, true, true, true, true
        ],
        "the removal shapes the series"
    );
}

#[test]
fn the_forecast_is_the_day_the_threshold_th_newest_item_leaves_the_window() {
    let w = window();
    let nth = Utc
        .with_ymd_and_hms(2026, 6, 25, 3, 0, 0)
        .single()
        .expect("t");
    // The 10-day window loses it at the end of 07-05.
    assert_eq!(
        falls_below_on(31, 30, Some(nth), &w),
        NaiveDate::from_ymd_opt(2026, 7, 5)
    );
    assert_eq!(falls_below_on(29, 30, Some(nth), &w), None, "already below");
    assert_eq!(
        falls_below_on(3, 0, Some(nth), &w),
        None,
        "nothing falls below 0"
    );
    let mut store = Store::open_in_memory().expect("open");
    let who = vec![person(Some("a"), "a@example.org", &[])];
    let rows: Vec<CommitRecord> = (0..4u32)
        .map(|i| {
            commit(
                &format!("f{i}"),
                w.end - Duration::days(i64::from(i)),
                who.clone(),
            )
        })
        .collect();
    write(&mut store, "F1", w.end, 10, rows);
    let nodes = vec!["F1".to_string()];
    let b = batch(&nodes, &[], w, &[]);
    let f = fetch::window_counts(&store, &b, (3, 1)).expect("counts")[0].clone();
    assert_eq!(f.commits, 4);
    assert_eq!(
        f.nth_commit_at,
        Some(w.end - Duration::days(2)),
        "third newest"
    );
    assert_eq!(f.nth_person_at, Some(w.end), "a's last commit");
    let m = super::commits(&f, &w, 3, BACKFILL);
    assert_eq!(
        m.falls_below_on,
        Some((w.end - Duration::days(2) + Duration::days(10)).date_naive())
    );
}

/// The layout facts of `node` as of `as_of` reconstructed from past trees.
fn tree_facts(store: &Store, node: &str, as_of: DateTime<Utc>) -> Option<LayoutFacts> {
    let nodes = [node.to_string()];
    let w = Window::ending_at(as_of, 90);
    fetch::tree_states(store, &batch(&nodes, &[], w, &[])).expect("tree states")[0].clone()
}

#[test]
fn files_and_the_license_before_the_first_snapshot_come_from_past_trees() {
    use crate::store::trees::{TreeBackfill, TreeState};
    let mut store = Store::open_in_memory().expect("open");
    // The first snapshot, on day 25: head `c3`, MIT recognised.
    let p = Provenance {
        run_id: 1,
        observed_at: t(25, 10),
        source: "fixture".into(),
    };
    store
        .write_repo(
            &p,
            &RepoWrite {
                snapshot: Some(RepoSnapshot {
                    node_id: "R_t".into(),
                    name_with_owner: "o/R_t".into(),
                    stars: 300,
                    head_oid: Some("c3".into()),
                    license_spdx: Some("MIT".into()),
                    layout_files: vec!["LICENSE".into(), "README.md".into()],
                    ..RepoSnapshot::default()
                }),
                ..RepoWrite::default()
            },
        )
        .expect("snapshot");
    let state =
        |oid: &str, day: u32, files: &[&str], license: &[&str], owners: &[&str]| TreeState {
            commit_oid: oid.into(),
            committed_at: t(day, 0),
            layout_files: files.iter().map(|s| s.to_string()).collect(),
            license_files: license.iter().map(|s| s.to_string()).collect(),
            codeowners_users: owners.iter().map(|s| s.to_string()).collect(),
            ..TreeState::default()
        };
    // Day 2: no license file; day 8: another license text and CODEOWNERS;
    // day 14: today's license, CONTRIBUTING.md, two owners.
    let states = [
        state("c0", 2, &["README.md"], &[], &[]),
        state(
            "c1",
            8,
            &["CODEOWNERS", "LICENSE", "README.md"],
            &["LICENSE=old"],
            &["alice"],
        ),
        state(
            "c3",
            14,
            &["CODEOWNERS", "CONTRIBUTING.md", "LICENSE", "README.md"],
            &["LICENSE=new"],
            &["alice", "bob"],
        ),
    ];
    store
        .write_tree_backfill(
            &Provenance {
                run_id: 1,
                observed_at: t(25, 11),
                source: "github:fixture (TreeAt)".into(),
            },
            &TreeBackfill {
                node_id: "R_t".into(),
                since: t(2, 0),
                reference_oid: "c3".into(),
                queries: 4,
            },
            &states,
        )
        .expect("trees");
    let permissive = vec!["MIT".to_string()];
    // Before the oldest tree read: unknown.
    assert!(tree_facts(&store, "R_t", t(1, 12)).is_none());
    // Day 5: no license file (fail), no CONTRIBUTING.md.
    let f = tree_facts(&store, "R_t", t(5, 0)).expect("day 5");
    assert!(
        f.source
            .starts_with("reconstructed from the tree of commit c0"),
        "{}",
        f.source
    );
    let m = license(Some(&f), &permissive);
    assert_eq!((m.status, m.value.clone()), (Status::Fail, None));
    let files = super::files(Some(&f));
    assert_eq!(files[2].id, "files.contributing");
    assert_eq!(files[2].status, Status::Fail);
    assert!(
        files[2].source.starts_with("reconstructed"),
        "{}",
        files[2].source
    );
    // Day 10: a license file GitHub never judged: unknown, saying why.
    let f = tree_facts(&store, "R_t", t(10, 0)).expect("day 10");
    let m = license(Some(&f), &permissive);
    assert_eq!(m.status, Status::Unknown);
    assert!(
        m.detail.contains("LICENSE=old") && m.detail.contains("c1"),
        "{}",
        m.detail
    );
    assert_eq!(f.codeowners_users, vec!["alice"]);
    // Day 20: the license files of the first snapshot's head: MIT.
    let f = tree_facts(&store, "R_t", t(20, 0)).expect("day 20");
    let m = license(Some(&f), &permissive);
    assert_eq!(
        (m.status, m.value),
        (Status::Pass, Some(Value::Text("MIT".into())))
    );
    assert_eq!(super::files(Some(&f))[2].status, Status::Pass);
    // From the first snapshot on, the snapshot answers and trees are not read.
    assert!(tree_facts(&store, "R_t", t(26, 0)).is_none());
    assert!(snapshot(&store, "R_t", &Window::ending_at(t(26, 0), 90)).is_some());
}

/// Before the first snapshot, `packages`, `pytorch_support` and `ci` are
/// answered from dated history where it reaches, and say so.
mod before_the_first_snapshot {
    use super::*;
    use crate::store::write::{CiRun, PackageSnapshot, ReleaseMetadata, ReleaseRecord};

    fn rel(v: &str, day: u32, binary: bool, yanked: bool) -> ReleaseRecord {
        ReleaseRecord {
            version: v.into(),
            released_at: Some(t(day, 9)),
            is_prerelease: None,
            yanked,
            has_binary: binary,
            has_sdist: true,
            requires_torch: None,
        }
    }

    /// A package first collected on day 20 (latest 2.0), its releases, and
    /// the metadata of `read` releases (`(version, torch entries, links)`).
    fn package(
        store: &mut Store,
        key: (&str, &str),
        found: bool,
        releases: &[ReleaseRecord],
        read: &[(&str, Option<&str>, &[&str])],
    ) {
        let p = Provenance {
            run_id: 1,
            observed_at: t(20, 0),
            source: format!("GET /pypi/{}/json", key.1),
        };
        let snap = PackageSnapshot {
            ecosystem: key.0.into(),
            package: key.1.into(),
            found,
            latest_version: None,
            repo_links: vec!["o/r".into()],
            torch_requirement: None,
        };
        store
            .write_package(&p, &snap, releases, &TargetState::default())
            .expect("write package");
        for (version, torch, links) in read {
            let p = Provenance {
                source: format!("GET /pypi/{}/{version}/json", key.1),
                ..p.clone()
            };
            let meta = ReleaseMetadata {
                version: (*version).into(),
                torch_requirement: torch.map(String::from),
                repo_links: links.iter().map(|l| l.to_string()).collect(),
            };
            store
                .write_release_metadata(&p, key.0, key.1, &meta)
                .expect("write metadata");
        }
    }

    fn seen(store: &Store, key: &str, at: DateTime<Utc>) -> Vec<PackageSeen> {
        let keys = [key.to_string()];
        fetch::packages(store, &batch(&[], &keys, Window::ending_at(at, 90), &[]))
            .expect("packages")
            .remove(0)
    }

    fn judge(store: &Store, key: &str, at: DateTime<Utc>) -> (Measure, Measure) {
        let keys = [key.to_string()];
        let s = seen(store, key, at);
        let torch: Vec<TorchRelease> = [("2.4.0", 1), ("2.5.0", 2)]
            .iter()
            .map(|(v, d)| TorchRelease {
                version: (*v).into(),
                released_at: t(*d, 0),
            })
            .collect();
        let target = crate::config::TargetEnvironment::default();
        (
            super::super::packages(&s, &keys, &["o/r".to_string()]),
            pytorch_support(&s, &keys, &torch, at, &target),
        )
    }

    #[test]
    fn packages_and_torch_come_from_the_release_that_was_the_latest_then() {
        let mut store = Store::open_in_memory().expect("open");
        // 1.0 (day 5, wheel), 1.5 (day 10, yanked), 2.0 (day 15, sdist only);
        // the metadata of 1.0 and 2.0 was read.
        package(
            &mut store,
            ("pypi", "pkg"),
            true,
            &[
                rel("1.0", 5, true, false),
                rel("1.5", 10, true, true),
                rel("2.0", 15, false, false),
            ],
            &[
                ("1.0", Some("torch>=2.4"), &["o/r"]),
                ("2.0", None, &["o/r"]),
            ],
        );
        let (m, torch) = judge(&store, "pypi:pkg", t(12, 0));
        assert_eq!(
            m.status,
            Status::Pass,
            "1.0 then (1.5 is yanked): {}",
            m.detail
        );
        assert!(m.source.starts_with("reconstructed"), "{}", m.source);
        assert!(m.source.contains("GET /pypi/pkg/1.0/json"), "{}", m.source);
        assert!(
            m.detail
                .starts_with("reconstructed from release upload times")
                && m.detail.contains("pypi:pkg 1.0 (uploaded on 2026-06-05)"),
            "{}",
            m.detail
        );
        assert_eq!(torch.status, Status::Pass, "{}", torch.detail);
        assert_eq!(torch.value, Some(Value::Text("torch>=2.4".into())));
        assert!(
            torch.source.starts_with("reconstructed"),
            "{}",
            torch.source
        );
        assert!(
            torch.detail.contains("pkg 1.0 requires torch>=2.4"),
            "{}",
            torch.detail
        );

        let (m, torch) = judge(&store, "pypi:pkg", t(16, 0));
        assert_eq!(m.status, Status::Caution, "2.0 ships only an sdist");
        assert!(
            m.detail
                .contains("the newest binary is 1.0 uploaded on 2026-06-05"),
            "{}",
            m.detail
        );
        assert_eq!(torch.status, Status::Caution);
        assert!(
            torch
                .detail
                .contains("pkg 2.0 declares no torch dependency"),
            "{}",
            torch.detail
        );

        let (m, torch) = judge(&store, "pypi:pkg", t(3, 0));
        assert_eq!(
            (m.status, m.value.clone()),
            (Status::Fail, Some(Value::Text("pypi:pkg".into()))),
            "nothing uploaded yet"
        );
        assert!(
            m.detail
                .contains("had no release uploaded by the as-of date"),
            "{}",
            m.detail
        );
        assert_eq!(torch.status, Status::Unknown);

        let (m, _) = judge(&store, "pypi:pkg", t(21, 0));
        assert!(
            !m.source.starts_with("reconstructed"),
            "a snapshot answers from day 20"
        );
    }

    #[test]
    fn what_history_cannot_tell_stays_unknown_with_the_reason() {
        let mut store = Store::open_in_memory().expect("open");
        // 0.9's metadata was not read (it was the latest before the backfill).
        package(
            &mut store,
            ("pypi", "old"),
            true,
            &[rel("0.9", 2, true, false), rel("1.0", 15, true, false)],
            &[("1.0", Some("torch>=2.4"), &["o/r"])],
        );
        package(&mut store, ("pypi", "gone"), false, &[], &[]);
        let (m, torch) = judge(&store, "pypi:old", t(10, 0));
        assert_eq!((m.status, m.value.clone()), (Status::Unknown, None));
        assert!(
            m.detail.contains("the metadata of pypi:old 0.9") && m.detail.contains("backfill_days"),
            "{}",
            m.detail
        );
        assert!(m.source.starts_with("reconstructed"), "{}", m.source);
        assert_eq!(torch.status, Status::Unknown);
        assert!(torch.detail.contains("pypi:old 0.9"), "{}", torch.detail);
        let (m, _) = judge(&store, "pypi:old", t(16, 0));
        assert_eq!(m.status, Status::Pass, "1.0's metadata was read");

        let (m, torch) = judge(&store, "pypi:gone", t(10, 0));
        assert_eq!(m.status, Status::Unknown, "not known to have existed then");
        assert!(m.detail.contains("was not on the index"), "{}", m.detail);
        assert_eq!(torch.status, Status::Unknown);

        // Conda has no per-version metadata: the package's links answer.
        package(
            &mut store,
            ("conda", "conda-forge/pkg"),
            true,
            &[rel("1.0", 5, true, false)],
            &[],
        );
        let (m, _) = judge(&store, "conda:conda-forge/pkg", t(10, 0));
        assert_eq!(m.status, Status::Pass, "{}", m.detail);
    }

    fn ci_run(
        key: &str,
        provider: &str,
        sha: &str,
        created: DateTime<Utc>,
        conclusion: &str,
        updated: Option<DateTime<Utc>>,
    ) -> CiRun {
        CiRun {
            run_key: key.into(),
            provider: provider.into(),
            name: Some(
                if provider == "status" {
                    "buildkite"
                } else {
                    "CI"
                }
                .into(),
            ),
            head_sha: Some(sha.into()),
            branch: (provider == "actions").then(|| "main".into()),
            event: (provider == "actions").then(|| "push".into()),
            status: Some("completed".into()),
            conclusion: Some(conclusion.into()),
            created_at: created,
            updated_at: updated,
            url: None,
        }
    }

    /// A repo first collected on day 30, with commits c1 (day 10) and c2
    /// (day 20) and their CI.
    fn repo() -> Store {
        let mut store = Store::open_in_memory().expect("open");
        let a = person(Some("alice"), "a@x", &[]);
        let p = Provenance {
            run_id: 1,
            observed_at: t(30, 0),
            source: "fixture".into(),
        };
        let w = RepoWrite {
            snapshot: Some(RepoSnapshot {
                node_id: "R_p".into(),
                name_with_owner: "o/p".into(),
                default_branch: Some("main".into()),
                head_oid: Some("c2".into()),
                ci_head_state: Some("failure".into()),
                ..RepoSnapshot::default()
            }),
            commits: vec![
                commit("c1", t(10, 0), vec![a.clone()]),
                commit("c2", t(20, 0), vec![a]),
            ],
            ci: vec![
                ci_run(
                    "actions:1",
                    "actions",
                    "c1",
                    t(10, 1),
                    "success",
                    Some(t(10, 2)),
                ),
                ci_run("status:c1:bk", "status", "c1", t(10, 1), "success", None),
                ci_run(
                    "actions:2",
                    "actions",
                    "c2",
                    t(20, 1),
                    "failure",
                    Some(t(20, 3)),
                ),
                ci_run(
                    "check:c2:CI",
                    "check",
                    "c2",
                    t(20, 1),
                    "failure",
                    Some(t(20, 3)),
                ),
            ],
            state: Some(TargetState {
                target: "repo:o/p".into(),
                kind: "repo".into(),
                node_id: Some("R_p".into()),
                ..TargetState::default()
            }),
            ..RepoWrite::default()
        };
        store.write_repo(&p, &w).expect("write repo");
        store
    }

    fn ci_at(store: &Store, at: DateTime<Utc>, backfill: u32) -> Measure {
        let scope = Scope {
            project: "P".into(),
            repos: vec!["o/p".into()],
            nodes: vec!["R_p".into()],
            resolved: vec![Some("R_p".into())],
            primary_resolved: true,
            packages: Vec::new(),
        };
        let criteria = crate::config::Criteria {
            window_days: std::num::NonZeroU32::new(10).expect("10"),
            ..crate::config::Criteria::default()
        };
        let e = evaluate_at(store, &criteria, backfill, &[scope], at).expect("evaluate");
        e[0].measure("ci").cloned().expect("ci")
    }

    #[test]
    fn ci_reads_the_head_at_the_as_of_date_from_its_dated_runs() {
        let store = repo();
        let m = ci_at(&store, t(15, 0), 365);
        assert_eq!(
            (m.status, m.value.clone()),
            (Status::Pass, Some(Value::Count(100))),
            "c1 was the head, green: {}",
            m.detail
        );
        assert!(m.source.starts_with("reconstructed"), "{}", m.source);
        assert!(
            m.detail
                .contains("head c1 (committed 2026-06-10) was success then"),
            "{}",
            m.detail
        );

        let m = ci_at(&store, t(20, 2), 365);
        assert_eq!(m.status, Status::Caution);
        assert!(
            m.detail
                .contains("head c2 (committed 2026-06-20) was pending then"),
            "{}",
            m.detail
        );

        let m = ci_at(&store, t(25, 0), 365);
        assert_eq!(
            (m.status, m.value.clone()),
            (Status::Caution, Some(Value::Count(0))),
            "the check run repeats the Actions run and counts once: {}",
            m.detail
        );
        assert!(m.detail.contains("was failure then"), "{}", m.detail);

        let m = ci_at(&store, t(9, 0), 365);
        assert_eq!(m.status, Status::Fail, "no CI in the window: {}", m.detail);

        let m = ci_at(&store, t(15, 0), 10);
        assert_eq!(
            m.status,
            Status::Unknown,
            "history does not reach the window"
        );
        assert!(m.detail.contains("backfill days"), "{}", m.detail);

        let m = ci_at(&store, t(30, 0), 365);
        assert!(
            !m.source.starts_with("reconstructed"),
            "the snapshot answers"
        );
        assert_eq!(m.status, Status::Caution);
    }
}
