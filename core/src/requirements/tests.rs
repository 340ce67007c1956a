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
        (Some(6), Status::Caution, Some(0)),
        "exactly on the floor"
    );
    let m = contributors(&store, &nodes, &w, 5, &bots).expect("measure");
    assert_eq!(
        (m.value, m.status, m.margin),
        (Some(3), Status::Fail, Some(-2))
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
        (Status::Caution, Some(200), Some(t(20, 0)))
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
        (Status::Fail, Some(0)),
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
