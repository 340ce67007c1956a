//! The periodic review, run the way the TAC's process runs it.
//!
//! For each active project as of an instant T:
//!
//! * the requirements it fails, each with the first day of its current failing
//!   streak, exact to the day: every day of the look-back
//!   (`[criteria] review_lookback_days`) is accounted for, nothing is sampled.
//!   The rolling counts come from one daily series in SQL (`daily_counts.sql`);
//!   the other requirements are evaluated as of the end of each day after
//!   something they read changed (`review_changes.sql`): between two changes
//!   the status stays the same. Those (project, day) probes are one batch, each
//!   probe running only the reads its requirements need. When the
//!   streak reaches a day history cannot answer, or runs through the whole
//!   look-back, the review says so and gives no date it does not know;
//! * the TAC's notice (`[[projects]] notified`) and the deadline it set,
//!   notice + `[criteria] remediation_days`; without a notice, the deadline a
//!   notice sent on the review's day would set;
//! * the requirements met with a caution, the ones not measured, and the
//!   rolling counts within `[criteria] at_risk_margin` of their threshold with
//!   the day each falls below it if nothing new lands;
//! * gaps in tacometer's own configuration (no package or repository
//!   configured), reported as such rather than as the project's failures.
//!
//! A little over 500 lines: the review's policy (streaks, deadlines, groups)
//! and its one result type, which read best together.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::config::{Config, Project};
use crate::model::ProjectStatus;
use crate::requirements::{
    self, CONFIGURATION, DailyProbe, Evaluation, Measure, Scope, Status, Value, Window, changes,
};
use crate::store::{Result, Store};

/// The review of every active project.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// The review's instant.
    #[serde(serialize_with = "crate::time::serde_rfc3339")]
    pub as_of: DateTime<Utc>,
    /// `[criteria] version`.
    pub criteria_version: String,
    /// Days from the TAC's notice to the deadline.
    pub remediation_days: u32,
    /// The at-risk margin, as a fraction of the threshold.
    pub at_risk_margin: f64,
    /// How many days back the start of a failure is looked for.
    pub lookback_days: u32,
    /// One review per active project: failing ones first (past their deadline
    /// first, then by deadline), then those with cautions or at risk.
    pub projects: Vec<ProjectReview>,
}

/// What the review says about one project.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectReview {
    /// Project name.
    pub project: String,
    /// The worst status among its requirements, configuration gaps left out.
    pub status: Status,
    /// The TAC's notice, when one was recorded in the config.
    pub notified: Option<NaiveDate>,
    /// Notice + `remediation_days`.
    pub deadline: Option<NaiveDate>,
    /// Days from the review's day to the deadline (negative: past it).
    pub days_left: Option<i64>,
    /// The deadline has passed and a requirement still fails.
    pub past_deadline: bool,
    /// Failing but not notified: the deadline a notice sent on the review's day
    /// would set.
    pub deadline_if_notified_today: Option<NaiveDate>,
    /// Requirements not met.
    pub failing: Vec<Failing>,
    /// Requirements met with a caution (a human look is needed).
    pub cautions: Vec<Finding>,
    /// Requirements that could not be measured.
    pub unknown: Vec<Finding>,
    /// Rolling counts met within the at-risk margin.
    pub at_risk: Vec<AtRisk>,
    /// Gaps in tacometer's own configuration for this project.
    pub config_problems: Vec<Finding>,
}

/// One requirement as found.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Requirement id.
    pub id: &'static str,
    /// The measured value (`None`: unknown).
    pub value: Option<Value>,
    /// The threshold.
    pub threshold: Value,
    /// The measure's sentence.
    pub detail: String,
}

impl Finding {
    fn of(m: &Measure) -> Self {
        Self {
            id: m.id,
            value: m.value.clone(),
            threshold: m.threshold.clone(),
            detail: m.detail.clone(),
        }
    }
}

/// Why the first failing day is not known exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SinceLimit {
    /// The day before the earliest known failing day cannot be answered from
    /// the collected history.
    History,
    /// It failed on every day of the look-back.
    Lookback,
}

/// A failing requirement and its streak.
#[derive(Debug, Clone, Serialize)]
pub struct Failing {
    /// The requirement as found today.
    #[serde(flatten)]
    pub finding: Finding,
    /// The first day of the current failing streak, when known exactly (the
    /// day before it was measured and not failing).
    pub failing_since: Option<NaiveDate>,
    /// The earliest day known to be in the streak: the failure began on or
    /// before it (equal to `failing_since` when that is known).
    pub failing_on_or_before: NaiveDate,
    /// Why `failing_since` is not known, if it is not.
    pub since_limit: Option<SinceLimit>,
    /// The streak began after the recorded notice (the notice was about an
    /// earlier failure).
    pub began_after_notice: bool,
}

impl Failing {
    /// The start of the streak in words.
    pub fn since_text(&self, lookback_days: u32) -> String {
        match (self.failing_since, self.since_limit) {
            (Some(day), _) => day.to_string(),
            (None, Some(SinceLimit::History)) => format!(
                "on or before {} (history does not reach further back)",
                self.failing_on_or_before
            ),
            (None, _) => format!(
                "on or before {} (failing on every day of the {lookback_days}-day look-back)",
                self.failing_on_or_before
            ),
        }
    }
}

/// A rolling count met with little to spare.
#[derive(Debug, Clone, Serialize)]
pub struct AtRisk {
    /// Requirement id.
    pub id: &'static str,
    /// The count.
    pub value: Option<Value>,
    /// The threshold.
    pub threshold: Value,
    /// Count minus threshold.
    pub margin: Option<i64>,
    /// The day it falls below the threshold if nothing new lands.
    pub falls_below_on: Option<NaiveDate>,
}

/// The rolling counts, whose daily series comes from `daily_counts.sql`.
const COUNTS: [&str; 2] = ["commits", "contributors"];

/// Requirements that depend on the project's repositories (all but the package ones).
fn repo_based(id: &str) -> bool {
    !matches!(id, "packages" | "pytorch_support")
}

/// A project's failing requirements and their status on each day back
/// (index 0: the review's day).
type Series = HashMap<&'static str, Vec<Status>>;

/// How many (project, day) probes are evaluated in one batch (bounds memory).
const BATCH: usize = 8192;

/// Reviews every active project of `config` as of `as_of`.
pub fn review(store: &Store, config: &Config, as_of: DateTime<Utc>) -> Result<Review> {
    review_with(store, config, as_of, false)
}

/// [`review`] evaluating every failing requirement on every day of the
/// look-back instead of on the days after a change: slower, and the reference
/// the tests hold [`review`] to.
pub fn review_every_day(store: &Store, config: &Config, as_of: DateTime<Utc>) -> Result<Review> {
    review_with(store, config, as_of, true)
}

fn review_with(
    store: &Store,
    config: &Config,
    as_of: DateTime<Utc>,
    every_day: bool,
) -> Result<Review> {
    let criteria = &config.criteria;
    let backfill = config.collect.backfill_days.get();
    let lookback = criteria.review_lookback_days.get();
    let projects: Vec<&Project> = config
        .projects
        .iter()
        .filter(|p| p.status == ProjectStatus::Active)
        .collect();
    let scopes = requirements::resolve_scopes(store, &projects)?;
    let now: Vec<(&Scope, DateTime<Utc>)> = scopes.iter().map(|s| (s, as_of)).collect();
    // Two queries run at once from here on (see below).
    let _threads = store.share_threads(2);
    // What changed in the look-back does not depend on today's statuses: it
    // is read for every project on a second connection while this thread
    // evaluates today (nearly every project under review fails something,
    // and one DuckDB query seldom keeps every core busy), then today's
    // packages, which this thread would read last.
    let second = store.second()?;
    let (early, today) = std::thread::scope(|threads| {
        let (scopes, now) = (&scopes, &now);
        let (sent, packages) = std::sync::mpsc::channel();
        let early = threads.spawn(move || -> Result<_> {
            let all: Vec<usize> = (0..scopes.len()).collect();
            let changes = if every_day {
                None
            } else {
                Some(changed_at(&second, config, scopes, &all, as_of)?)
            };
            // (nobody receives when today's evaluation failed before its
            // package reads)
            let _ = sent.send(requirements::read_packages(&second, criteria, now)?);
            Ok(changes)
        });
        // The window facts of today's windows also tell, for the daily
        // series, whether collected history covers each day's window.
        let today =
            requirements::evaluate_keeping_counts(store, criteria, backfill, now, &[], || {
                packages.recv().ok()
            });
        let early = early
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        (early, today)
    });
    let (current, current_facts) = today?;
    let changes = early?;

    // Each failing requirement's status on every day back: [project][id] -> n.
    let mut series: Vec<Series> = vec![Series::new(); current.len()];

    // Rolling counts: one daily series for the projects failing one. The
    // other failing requirements: evaluated on the days after something they
    // read changed (`state_probes`).
    let count_failing: Vec<usize> = (0..current.len())
        .filter(|&i| {
            failing_ids(&current[i])
                .iter()
                .any(|id| COUNTS.contains(id))
        })
        .collect();
    let probes = state_probes(config, &current, as_of, changes.as_deref());
    // The daily counts go to a second connection while this thread reads the
    // repositories' state (one DuckDB query seldom keeps every core busy);
    // the two take about as long, so each then reads half of the packages
    // (whether a package's snapshot is stale needs no other read).
    let split = |p: requirements::Parts| p.packages;
    let mut here_probes: Vec<StateProbe> = probes
        .iter()
        .map(|&(at, p)| (at, if split(p) { p.without_packages() } else { p }))
        .filter(|&(_, p)| p != requirements::Parts::NONE)
        .collect();
    let mut package_probes: Vec<StateProbe> = probes
        .iter()
        .filter(|&&(_, p)| split(p))
        .map(|&(at, p)| (at, p.only_packages()))
        .collect();
    here_probes.extend(package_probes.drain(..package_probes.len() / 2));
    let second = if count_failing.is_empty() && package_probes.is_empty() {
        None
    } else {
        Some(store.second()?)
    };
    let (scopes, current, current_facts) = (&scopes, &current, &current_facts);
    let (elsewhere, here) = std::thread::scope(|threads| {
        let elsewhere = second.map(|second| {
            let (count_failing, package_probes) = (&count_failing, &package_probes);
            threads.spawn(move || -> Result<(Vec<Series>, Evaluated)> {
                let mut counted: Vec<Series> = vec![Series::new(); current.len()];
                if !count_failing.is_empty() {
                    count_series(
                        &second,
                        config,
                        scopes,
                        (current, current_facts),
                        count_failing,
                        as_of,
                        &mut counted,
                    )?;
                }
                let packages =
                    evaluate_states(&second, config, scopes, current, as_of, package_probes)?;
                Ok((counted, packages))
            })
        });
        let here = evaluate_states(store, config, scopes, current, as_of, &here_probes);
        let elsewhere =
            elsewhere.map(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        (elsewhere, here)
    });
    let mut evaluated = here?;
    if let Some(elsewhere) = elsewhere {
        let (counted, packages) = elsewhere?;
        for (i, s) in counted.into_iter().enumerate() {
            series[i].extend(s);
        }
        for (key, days) in packages {
            evaluated.entry(key).or_default().extend(days);
        }
    }
    for (i, s) in state_series(current, lookback, evaluated)
        .into_iter()
        .enumerate()
    {
        series[i].extend(s);
    }

    let mut reviews: Vec<ProjectReview> = current
        .iter()
        .enumerate()
        .map(|(i, e)| review_one(config, projects[i], e, &series[i], as_of))
        .collect();
    reviews.sort_by_key(|r| {
        (
            r.failing.is_empty(),
            r.days_left.unwrap_or(i64::MAX),
            r.cautions.is_empty() && r.at_risk.is_empty(),
            r.project.to_lowercase(),
        )
    });
    Ok(Review {
        as_of,
        criteria_version: criteria.version.clone(),
        remediation_days: criteria.remediation_days,
        at_risk_margin: criteria.at_risk_margin,
        lookback_days: lookback,
        projects: reviews,
    })
}

/// The requirements a project fails (its own failures, not gaps in
/// tacometer's configuration).
fn failing_ids(e: &Evaluation) -> Vec<&'static str> {
    e.requirements
        .iter()
        .filter(|m| m.status == Status::Fail && m.source != CONFIGURATION)
        .map(|m| m.id)
        .collect()
}

/// A (project, day back) probe and the reads it runs.
type StateProbe = ((usize, u32), requirements::Parts);

/// The evaluated statuses of each (project, failing requirement): (day back,
/// status), in any order.
type Evaluated = HashMap<(usize, &'static str), Vec<(u32, Status)>>;

/// The failing requirements of project `i` of `current` other than the
/// rolling counts.
fn state_ids(current: &[Evaluation], i: usize) -> Vec<&'static str> {
    failing_ids(&current[i])
        .into_iter()
        .filter(|id| !COUNTS.contains(id))
        .collect()
}

/// The (project, day) probes that tell each failing requirement other than
/// the rolling counts on every day back, per project of `current`: the days
/// after something it reads changed (`changes`, per project of `current`),
/// or every day without them. Each probe runs the reads of the requirements
/// that need that day (`Parts::for_ids`): per probe, the union of those.
fn state_probes(
    config: &Config,
    current: &[Evaluation],
    as_of: DateTime<Utc>,
    changes: Option<&[Vec<changes::Change>]>,
) -> Vec<StateProbe> {
    let criteria = &config.criteria;
    let lookback = criteria.review_lookback_days.get();
    let mut probes: BTreeMap<(usize, u32), requirements::Parts> = BTreeMap::new();
    for i in 0..current.len() {
        for id in state_ids(current, i) {
            let reads = requirements::Parts::for_ids(&[id]);
            // Between two changes the status stays the same
            // (`requirements::changes`); the reference the tests compare
            // with evaluates every day.
            let days: Vec<u32> = match changes.and_then(|c| c.get(i)) {
                Some(c) => {
                    changes::candidate_days(c, &[id], as_of, lookback, criteria.window_days.get())
                }
                None => (1..=lookback).collect(),
            };
            for n in days {
                let p = probes.entry((i, n)).or_insert(requirements::Parts::NONE);
                *p = p.union(reads);
            }
        }
    }
    probes.into_iter().collect()
}

/// Evaluates `probes` in batches. A probe answers every failing requirement
/// whose reads it ran, also on days that requirement did not ask for: an
/// exact status more.
fn evaluate_states(
    store: &Store,
    config: &Config,
    scopes: &[Scope],
    current: &[Evaluation],
    as_of: DateTime<Utc>,
    probes: &[StateProbe],
) -> Result<Evaluated> {
    let criteria = &config.criteria;
    let backfill = config.collect.backfill_days.get();
    let mut evaluated = Evaluated::new();
    for chunk in probes.chunks(BATCH) {
        let at: Vec<(&Scope, DateTime<Utc>)> = chunk
            .iter()
            .map(|&((i, n), _)| (&scopes[i], as_of - Duration::days(i64::from(n))))
            .collect();
        let parts: Vec<requirements::Parts> = chunk.iter().map(|&(_, p)| p).collect();
        let evals = requirements::evaluate_parts(store, criteria, backfill, &at, &parts)?;
        for (&((i, n), parts), e) in chunk.iter().zip(&evals) {
            for id in state_ids(current, i) {
                if !parts.covers(requirements::Parts::for_ids(&[id])) {
                    continue;
                }
                let status = e.measure(id).map_or(Status::Unknown, |m| m.status);
                evaluated.entry((i, id)).or_default().push((n, status));
            }
        }
    }
    Ok(evaluated)
}

/// Each failing requirement's status on every day back (other than the
/// rolling counts), per project of `current`, from the evaluated days: the
/// status is the same on every day between two evaluated ones.
fn state_series(current: &[Evaluation], lookback: u32, mut evaluated: Evaluated) -> Vec<Series> {
    let mut series: Vec<Series> = vec![Series::new(); current.len()];
    for v in evaluated.values_mut() {
        v.sort_by_key(|&(n, _)| n);
    }
    for (i, s) in series.iter_mut().enumerate() {
        for id in state_ids(current, i) {
            let known = evaluated.get(&(i, id)).map_or(&[][..], Vec::as_slice);
            s.insert(id, changes::fill_days(Status::Fail, known, lookback));
        }
    }
    series
}

/// What changed, per project of `which`, in the look-back and the counting
/// window before it (`review_changes.sql`).
fn changed_at(
    store: &Store,
    config: &Config,
    scopes: &[Scope],
    which: &[usize],
    as_of: DateTime<Utc>,
) -> Result<Vec<Vec<changes::Change>>> {
    let criteria = &config.criteria;
    let lookback = criteria.review_lookback_days.get();
    let days = criteria.window_days.get();
    let window = Window {
        start: as_of - Duration::days(i64::from(lookback) + 2 + i64::from(days)),
        end: as_of,
        days,
    };
    let batch = requirements::scope_batch(scopes, which, window, &criteria.bots);
    let repos = requirements::repo_probes(which.iter().map(|&i| (&scopes[i], as_of)));
    changes::review_changes(store, &batch, &window, criteria.min_stars, &repos)
}

/// The daily statuses of `commits` and `contributors` for the projects in
/// `which`, from one `daily_counts.sql` query; a day whose window the
/// collected history does not cover is unknown.
fn count_series(
    store: &Store,
    config: &Config,
    scopes: &[Scope],
    (current, current_facts): (&[Evaluation], &[requirements::fetch::WindowFacts]),
    which: &[usize],
    as_of: DateTime<Utc>,
    series: &mut [Series],
) -> Result<()> {
    let criteria = &config.criteria;
    let backfill = config.collect.backfill_days.get();
    let lookback = criteria.review_lookback_days.get();
    let days = criteria.window_days.get();
    let probes: Vec<DailyProbe<'_>> = which
        .iter()
        .map(|&i| DailyProbe {
            nodes: &scopes[i].nodes,
            at: as_of,
        })
        .collect();
    let counts = requirements::fetch::daily_counts(store, &probes, lookback, days, &criteria.bots)?;
    for (c, &i) in which.iter().enumerate() {
        for (slot, id) in COUNTS.iter().enumerate() {
            let failing = current[i]
                .measure(id)
                .is_some_and(|m| m.status == Status::Fail);
            if !failing {
                continue;
            }
            let floor = i64::from(if slot == 0 {
                criteria.min_commits
            } else {
                criteria.min_contributors
            });
            let statuses = (0..=lookback)
                .map(|n| {
                    let w = Window::ending_at(as_of - Duration::days(i64::from(n)), days);
                    if requirements::history_covers(&current_facts[i], &w, backfill).is_err() {
                        return Status::Unknown;
                    }
                    let (commits, people) = counts[c][n as usize];
                    Status::for_count(if slot == 0 { commits } else { people }, floor)
                })
                .collect();
            series[i].insert(id, statuses);
        }
    }
    Ok(())
}

/// The review of one project; `series(id)` is a failing requirement's status
/// on each day back (index 0: the review's day).
fn review_one(
    config: &Config,
    project: &Project,
    e: &Evaluation,
    series: &Series,
    as_of: DateTime<Utc>,
) -> ProjectReview {
    let criteria = &config.criteria;
    let lookback = criteria.review_lookback_days.get();
    let today = as_of.date_naive();
    let no_repo = project.repos.is_empty();
    let mut r = ProjectReview {
        project: e.project.clone(),
        status: Status::Pass,
        notified: project.notified,
        deadline: None,
        days_left: None,
        past_deadline: false,
        deadline_if_notified_today: None,
        failing: Vec::new(),
        cautions: Vec::new(),
        unknown: Vec::new(),
        at_risk: Vec::new(),
        config_problems: Vec::new(),
    };
    if no_repo {
        r.config_problems.push(Finding {
            id: "repos",
            value: None,
            threshold: Value::Text("a GitHub repository".into()),
            detail: "no GitHub repository is configured for the project, so nothing that \
                     comes from one can be measured"
                .into(),
        });
    }
    let mut statuses = Vec::new();
    for m in &e.requirements {
        if m.source == CONFIGURATION || (no_repo && repo_based(m.id)) {
            if m.source == CONFIGURATION {
                r.config_problems.push(Finding::of(m));
            }
            continue;
        }
        statuses.push(m.status);
        match m.status {
            Status::Fail => r.failing.push(streak(
                m,
                series.get(m.id).map(Vec::as_slice),
                as_of,
                lookback,
            )),
            Status::Caution => r.cautions.push(Finding::of(m)),
            Status::Unknown => r.unknown.push(Finding::of(m)),
            Status::Pass => {}
        }
        if let (Status::Pass | Status::Caution, Some(Value::Count(v)), Value::Count(th)) =
            (m.status, &m.value, &m.threshold)
            && *th > 0
            && *v >= *th
            && (*v as f64) <= (*th as f64) * (1.0 + criteria.at_risk_margin)
        {
            r.at_risk.push(AtRisk {
                id: m.id,
                value: m.value.clone(),
                threshold: m.threshold.clone(),
                margin: m.margin,
                falls_below_on: m.falls_below_on,
            });
        }
    }
    r.status = Status::worst(statuses);
    let days = i64::from(criteria.remediation_days);
    if let Some(notice) = project.notified {
        let deadline = notice + Duration::days(days);
        r.deadline = Some(deadline);
        let left = (deadline - today).num_days();
        r.days_left = Some(left);
        r.past_deadline = left < 0 && !r.failing.is_empty();
        for f in &mut r.failing {
            f.began_after_notice = f.failing_since.is_some_and(|since| since > notice);
        }
    } else if !r.failing.is_empty() {
        r.deadline_if_notified_today = Some(today + Duration::days(days));
    }
    r
}

/// A failing requirement's streak from its daily statuses (index 0: the
/// review's day, failing). The streak's first day is exact when the day before
/// it was measured and not failing.
fn streak(m: &Measure, days: Option<&[Status]>, as_of: DateTime<Utc>, lookback: u32) -> Failing {
    let day = |n: usize| (as_of - Duration::days(n as i64)).date_naive();
    let days = days.unwrap_or(&[Status::Fail]);
    let end = days
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, s)| **s != Status::Fail);
    let (earliest, since, limit) = match end {
        Some((n, Status::Unknown)) => (day(n - 1), None, Some(SinceLimit::History)),
        Some((n, _)) => (day(n - 1), Some(day(n - 1)), None),
        None if days.len() > lookback as usize => {
            (day(lookback as usize), None, Some(SinceLimit::Lookback))
        }
        // No series was computed: only today is known.
        None => (day(days.len() - 1), None, Some(SinceLimit::History)),
    };
    Failing {
        finding: Finding::of(m),
        failing_since: since,
        failing_on_or_before: earliest,
        since_limit: limit,
        began_after_notice: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn measure(id: &'static str, status: Status) -> Measure {
        Measure {
            id,
            status,
            value: Some(Value::Count(10)),
            threshold: Value::Count(30),
            margin: Some(-20),
            observed_at: None,
            source: "test".into(),
            detail: String::new(),
            falls_below_on: None,
        }
    }

    fn t() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 30, 23, 59, 59)
            .single()
            .expect("t")
    }

    #[test]
    fn a_streak_starts_the_day_after_the_last_day_it_passed() {
        use Status::*;
        let days = [Fail, Fail, Fail, Pass, Fail, Fail];
        let f = streak(&measure("commits", Fail), Some(&days), t(), 5);
        assert_eq!(f.failing_since, NaiveDate::from_ymd_opt(2026, 9, 28));
        assert_eq!(f.since_limit, None);
        assert_eq!(f.failing_on_or_before, f.failing_since.expect("exact"));
    }

    #[test]
    fn a_streak_reaching_unknown_days_gives_no_invented_date() {
        use Status::*;
        let days = [Fail, Fail, Unknown, Unknown];
        let f = streak(&measure("stars", Fail), Some(&days), t(), 3);
        assert_eq!(f.failing_since, None);
        assert_eq!(f.since_limit, Some(SinceLimit::History));
        assert_eq!(
            f.failing_on_or_before,
            NaiveDate::from_ymd_opt(2026, 9, 29).expect("d")
        );
        assert!(f.since_text(3).contains("history does not reach"));
    }

    #[test]
    fn a_streak_through_the_whole_look_back_says_so() {
        let days = [Status::Fail; 4];
        let f = streak(&measure("ci", Status::Fail), Some(&days), t(), 3);
        assert_eq!(f.failing_since, None);
        assert_eq!(f.since_limit, Some(SinceLimit::Lookback));
        assert_eq!(
            f.failing_on_or_before,
            NaiveDate::from_ymd_opt(2026, 9, 27).expect("d")
        );
        assert!(
            f.since_text(3).contains("3-day look-back"),
            "{}",
            f.since_text(3)
        );
    }
}
