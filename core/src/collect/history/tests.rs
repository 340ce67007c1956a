//! The walk's planning on fixed progress: first sight, pages, forward walks and force pushes.
#![allow(clippy::unwrap_used)]
use super::*;

fn t(day: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + day * 86_400, 0).unwrap()
}

fn settings() -> Settings {
    Settings {
        backfill_days: 365,
        window_days: 90,
        overlap: Duration::from_secs(86_400),
        step: Duration::from_secs(60),
    }
}

fn commit(sha: &str, day: i64, parents: i32) -> CommitRecord {
    CommitRecord {
        sha: sha.into(),
        committed_at: t(day),
        authored_at: t(day),
        parent_count: parents,
        authors: Vec::new(),
    }
}

fn head(oid: &str, day: i64) -> HeadAt<'_> {
    HeadAt {
        oid,
        committed_at: Some(t(day)),
    }
}

#[test]
fn first_sight_starts_a_backfill_from_the_head() {
    let p = initial(None, "R", head("h1", 400), None, t(400), &settings());
    assert_eq!(p.backfill_oid, "h1");
    assert_eq!(p.backfill_since, t(35));
    assert_eq!(p.head_oid.as_deref(), Some("h1"));
    assert_eq!(p.covered_from, None, "no page stored: nothing covered");
    assert!(!p.backfill_done);
}

#[test]
fn history_collected_before_progress_counts_as_backfilled() {
    let legacy = Legacy {
        first_seen: t(400),
        head: "old".into(),
    };
    let p = initial(
        None,
        "R",
        head("h2", 410),
        Some(legacy),
        t(410),
        &settings(),
    );
    assert!(p.backfill_done);
    assert_eq!(p.covered_from, Some(t(35)));
    assert_eq!(p.head_oid.as_deref(), Some("old"));
}

#[test]
fn backfill_pages_move_coverage_back_and_end_at_since_or_the_root() {
    let mut p = initial(None, "R", head("h1", 400), None, t(400), &settings());
    note_backfill_page(
        &mut p,
        &[commit("a", 399, 1), commit("b", 300, 1)],
        Some("c1".into()),
    );
    assert_eq!(p.covered_from, Some(t(300)));
    assert_eq!(p.backfill_cursor.as_deref(), Some("c1"));
    note_backfill_page(&mut p, &[commit("c", 200, 1)], None);
    assert!(p.backfill_done);
    assert_eq!(p.covered_from, Some(t(35)), "complete back to since");
    let mut young = initial(None, "R", head("h1", 400), None, t(400), &settings());
    note_backfill_page(
        &mut young,
        &[commit("a", 399, 1), commit("root", 390, 0)],
        None,
    );
    assert_eq!(
        young.covered_from,
        Some(DateTime::<Utc>::UNIX_EPOCH),
        "the first commit reached: nothing older exists"
    );
    assert_eq!(young.pages, 1);
    assert_eq!(young.commits, 2);
}

#[test]
fn a_moved_head_walks_forward_to_the_old_head_minus_the_overlap() {
    let s = settings();
    let mut p = initial(None, "R", head("h1", 400), None, t(400), &s);
    assert!(
        !plan_forward(&mut p, head("h1", 400), t(401), &s),
        "head did not move"
    );
    assert!(plan_forward(&mut p, head("h2", 402), t(402), &s));
    assert_eq!(p.forward_oid.as_deref(), Some("h2"));
    assert_eq!(p.forward_since, Some(t(399)));
    // The walk met the old head: history is up to h2.
    p.forward_met = true;
    assert!(finish_forward(&mut p, t(402), &s));
    assert_eq!(p.head_oid.as_deref(), Some("h2"));
    assert_eq!(p.head_committed_at, Some(t(402)));
    assert_eq!(p.forward_oid, None);
    assert_eq!(p.synced_at, Some(t(402)));
}

#[test]
fn a_force_push_turns_the_forward_walk_into_a_window_reread() {
    let s = settings();
    let mut p = initial(None, "R", head("h1", 400), None, t(400), &s);
    assert!(plan_forward(&mut p, head("x9", 402), t(402), &s));
    assert!(!finish_forward(&mut p, t(402), &s), "old head not met");
    assert!(p.forward_reread);
    assert_eq!(p.forward_since, Some(t(402 - 91)));
    assert_eq!(p.forward_oid.as_deref(), Some("x9"));
    assert!(
        finish_forward(&mut p, t(403), &s),
        "a finished re-read is up to date"
    );
    assert_eq!(p.head_oid.as_deref(), Some("x9"));
    assert!(!p.forward_reread);
}
