//! The days on which a requirement other than the rolling counts can change
//! status, so that `review` evaluates it on those days only.
//!
//! A requirement's status as of an instant is a function of the rows the
//! batched reads see by then. Between two instants at which none of those
//! rows appears, leaves the counting window or is observed anew, the status
//! is the same; `review_changes.sql` lists those instants for each project,
//! and [`candidate_days`] turns them into the days back to evaluate. Every run
//! of equal days then has its newest day evaluated, which is all the streak
//! needs to stay exact to the day.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};

use super::Window;
use super::fetch::{Batch, RepoProbe, stamp};
use crate::store::{Result, Store, text_list};

const REVIEW_CHANGES: &str = tacometer_queries::sql::REVIEW_CHANGES;

/// Which reads a change affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The primary repository's snapshot (or, before its first, its history).
    Snapshot,
    /// Merged pull requests and the logins behind CODEOWNERS e-mail addresses.
    Mergers,
    /// CI runs.
    Ci,
    /// Package snapshots, releases and torch releases.
    Packages,
    /// Collection failures of a configured repository.
    Health,
}

impl Part {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "snapshot" => Self::Snapshot,
            "mergers" => Self::Mergers,
            "ci" => Self::Ci,
            "packages" => Self::Packages,
            "health" => Self::Health,
            _ => return None,
        })
    }

    /// Whether the requirement `id` reads what this part covers.
    fn affects(self, id: &str) -> bool {
        let package = matches!(id, "packages" | "pytorch_support");
        match self {
            Self::Snapshot => !package,
            Self::Mergers => id == "maintainers",
            Self::Ci => id == "ci",
            Self::Packages => package,
            Self::Health => true,
        }
    }
}

/// How a change moves the days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    /// What the part reads may differ before and after the instant.
    At,
    /// A dated row: it enters the window at the instant and leaves it one
    /// window later.
    Windowed,
    /// Values before the instant are reconstructed from history: every day
    /// before it may differ from the next.
    Before,
}

/// One change found for a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    pub part: Part,
    pub how: How,
    pub at: DateTime<Utc>,
}

/// `review_changes.sql` for a batch of one probe per project, each with
/// `window` (whose `days` are the counting window's), which spans the look-back and one counting window before it; `repos` are the
/// configured repositories of each probe.
pub(crate) fn review_changes(
    store: &Store,
    b: &Batch,
    window: &Window,
    min_stars: u32,
    repos: &[RepoProbe<'_>],
) -> Result<Vec<Vec<Change>>> {
    let mut out = vec![Vec::new(); b.len];
    let list = |f: &dyn Fn(&RepoProbe<'_>) -> String| text_list(repos.iter().map(f));
    let (pkg_k, pkg_key) = b.package_lists();
    let extra = vec![
        duckdb::types::Value::BigInt(i64::from(min_stars)),
        text_list(pkg_k),
        text_list(pkg_key),
        list(&|r| r.k.to_string()),
        list(&|r| r.slug.to_lowercase()),
        list(&|r| r.node.unwrap_or_default().to_string()),
        duckdb::types::Value::Text(stamp(window.start)),
        duckdb::types::Value::Text(stamp(window.end)),
        duckdb::types::Value::Int(i32::try_from(window.days).unwrap_or(i32::MAX)),
    ];
    let name = "review_changes.sql";
    b.each_with(store, name, REVIEW_CHANGES, extra, |r| {
        let k = usize::try_from(r.get::<_, i32>(0)?).unwrap_or(usize::MAX);
        let part = Part::parse(&r.get::<_, String>(1)?);
        let how = match r.get::<_, String>(2)?.as_str() {
            "at" => How::At,
            "windowed" => How::Windowed,
            _ => How::Before,
        };
        // A repository that failed and never came back has no snapshot after.
        let Some(at) = r.get::<_, Option<NaiveDateTime>>(3)? else {
            return Ok(());
        };
        if let (Some(part), Some(slot)) = (part, out.get_mut(k)) {
            slot.push(Change {
                part,
                how,
                at: at.and_utc(),
            });
        }
        Ok(())
    })?;
    Ok(out)
}

/// The days back (1 ..= `lookback`, day `n` ending at `as_of - n days`) on
/// which the requirements `ids` are evaluated: day 1, and for every change
/// that affects one of them, the days around the instant it happens (a row
/// leaving the window counts `window_days` after its date). A change at an
/// instant in (end of day `m`, end of day `m - 1`] can make day `m` differ
/// from day `m - 1`: day `m` is taken, the newest of the older run, and day
/// `m - 1` too, so that a query counting a row exactly at a day's end as
/// outside (the instant then ends day `m - 1`) is covered as well. Every run
/// of days between two changes then has its newest day evaluated. Sorted, no
/// repeats.
pub(crate) fn candidate_days(
    changes: &[Change],
    ids: &[&str],
    as_of: DateTime<Utc>,
    lookback: u32,
    window_days: u32,
) -> Vec<u32> {
    let mut days = vec![false; lookback as usize + 2];
    let mut mark = |n: i64| {
        if (1..=i64::from(lookback)).contains(&n) {
            days[n as usize] = true;
        }
    };
    mark(1);
    // Day m such that the instant lies in (end of day m, end of day m - 1].
    let day_of = |t: DateTime<Utc>| -> i64 {
        let behind = (as_of - t).num_microseconds().unwrap_or(i64::MAX);
        behind.div_euclid(86_400_000_000).saturating_add(1)
    };
    let window = Duration::days(i64::from(window_days));
    for c in changes
        .iter()
        .filter(|c| ids.iter().any(|id| c.part.affects(id)))
    {
        let instants: &[DateTime<Utc>] = match c.how {
            How::At => &[c.at],
            How::Windowed => &[c.at, c.at + window],
            How::Before => {
                // Every day that ends before the instant.
                let first = day_of(c.at).max(1);
                for n in first..=i64::from(lookback) {
                    mark(n);
                }
                &[c.at]
            }
        };
        for t in instants {
            let m = day_of(*t);
            mark(m - 1);
            mark(m);
        }
    }
    (1..=lookback).filter(|&n| days[n as usize]).collect()
}

/// The status of every day back (index 0: the review's day, `today`) from the
/// statuses of the `evaluated` days (ascending, day 1 first, each with its
/// status): a day not evaluated has the status of the nearest newer day that
/// was, which lies in the same run of unchanged days.
pub(crate) fn fill_days<S: Copy>(today: S, evaluated: &[(u32, S)], lookback: u32) -> Vec<S> {
    let mut out = Vec::with_capacity(lookback as usize + 1);
    out.push(today);
    let mut current = today;
    let mut next = evaluated.iter().peekable();
    for n in 1..=lookback {
        while let Some((d, s)) = next.peek() {
            if *d > n {
                break;
            }
            current = *s;
            next.next();
        }
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn as_of() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 30, 23, 59, 59)
            .single()
            .expect("t")
    }

    fn change(part: Part, how: How, days_back: f64) -> Change {
        Change {
            part,
            how,
            at: as_of() - Duration::seconds((days_back * 86_400.0) as i64),
        }
    }

    #[test]
    fn a_change_marks_the_days_around_it_for_the_requirements_it_affects() {
        let c = [change(Part::Snapshot, How::At, 10.5)];
        // 10.5 days back lies between the ends of days 11 and 10.
        assert_eq!(
            candidate_days(&c, &["license"], as_of(), 30, 90),
            vec![1, 10, 11]
        );
        // Packages do not read snapshots.
        assert_eq!(candidate_days(&c, &["packages"], as_of(), 30, 90), vec![1]);
        let ci = [change(Part::Ci, How::At, 3.0)];
        assert_eq!(candidate_days(&ci, &["stars"], as_of(), 30, 90), vec![1]);
        // Exactly at the end of day 3: day 3 sees it, day 4 does not.
        assert_eq!(candidate_days(&ci, &["ci"], as_of(), 30, 90), vec![1, 3, 4]);
    }

    #[test]
    fn a_windowed_row_counts_again_when_it_leaves_the_window() {
        let c = [change(Part::Mergers, How::Windowed, 100.25)];
        // Enters 100.25 days back (day 101), leaves 10.25 days back (day 11).
        assert_eq!(
            candidate_days(&c, &["maintainers"], as_of(), 182, 90),
            vec![1, 10, 11, 100, 101]
        );
    }

    #[test]
    fn before_a_first_snapshot_every_day_counts() {
        let c = [change(Part::Snapshot, How::Before, 5.5)];
        let days = candidate_days(&c, &["stars"], as_of(), 12, 90);
        assert_eq!(days, vec![1, 5, 6, 7, 8, 9, 10, 11, 12]);
    }

    #[test]
    fn days_not_evaluated_take_the_status_of_the_nearest_newer_evaluated_day() {
        let filled = fill_days('F', &[(1, 'F'), (4, 'P'), (6, 'F')], 7);
        assert_eq!(filled, vec!['F', 'F', 'F', 'F', 'P', 'P', 'F', 'F']);
    }
}
