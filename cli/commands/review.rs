//! `tacometer review`: the periodic review. For each active project, the
//! requirements it fails, since when (from history), the end of its 30-day
//! remediation window, and the requirements within 10% of their threshold.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use tacometer_core::config::Config;
use tacometer_core::model::ProjectStatus;
use tacometer_core::output::{Format, Table};
use tacometer_core::requirements::{Evaluation, Scope, Status, Value};
use tacometer_core::time::rfc3339;

use super::eval;

/// Days a failing project has to fix things before it is retired.
pub const REMEDIATION_DAYS: i64 = 30;
/// How far back the start of a failure is looked for, in weeks: weekly points
/// find the week it began in, daily points inside that week find the day.
pub const LOOKBACK_WEEKS: i64 = 26;
/// A passing count within this fraction above its threshold is at risk.
const AT_RISK: f64 = 0.10;

/// Flags of `review`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Review as of this date (its end, UTC) or RFC 3339 instant; default now.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Output format: table, json, csv or markdown.
    #[arg(long, value_name = "FORMAT")]
    format: Option<Format>,
}

/// One failing requirement of a project.
#[derive(Debug, Serialize)]
struct Failing {
    id: &'static str,
    value: serde_json::Value,
    threshold: serde_json::Value,
    /// The first day of the current failing streak (daily resolution).
    failing_since: String,
    /// False when it failed on every day looked at: it started on or before.
    since_exact: bool,
    /// The end of the remediation window.
    deadline: String,
    /// Days from the as-of date to the deadline (negative: past it).
    days_left: i64,
    past_deadline: bool,
    detail: String,
}

/// A requirement met with less than 10% to spare.
#[derive(Debug, Serialize)]
struct AtRisk {
    id: &'static str,
    value: serde_json::Value,
    threshold: serde_json::Value,
    margin: Option<i64>,
}

#[derive(Debug, Serialize)]
struct ProjectReview {
    project: String,
    status: Status,
    failing: Vec<Failing>,
    at_risk: Vec<AtRisk>,
}

/// Runs `review` (exit 0; the verdicts are in the output).
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let as_of = eval::as_of(args.as_of.as_deref())?;
    let store = eval::open(config)?;
    let projects: Vec<_> = config
        .projects
        .iter()
        .filter(|p| p.status == ProjectStatus::Active)
        .collect();
    let scopes = eval::scopes(&store, &projects)?;
    let current = eval::evaluate_at(&store, config, &scopes, as_of)?;
    // The failing projects' history: weekly points back, then daily points
    // inside the week each failure began in. (A pass between two weekly points
    // is not seen; the weekly sampling keeps a review of hundreds of failing
    // projects to a few batches.)
    let failing: Vec<usize> = current
        .iter()
        .enumerate()
        .filter(|(_, e)| e.requirements.iter().any(|m| m.status == Status::Fail))
        .map(|(i, _)| i)
        .collect();
    let mut seen: HashMap<(usize, i64), Evaluation> = HashMap::new();
    let weekly: Vec<(usize, i64)> = failing
        .iter()
        .flat_map(|&i| (1..=LOOKBACK_WEEKS).map(move |w| (i, 7 * w)))
        .collect();
    remember(&mut seen, &weekly, &scopes, as_of, &store, config)?;
    let mut daily: BTreeSet<(usize, i64)> = BTreeSet::new();
    for &i in &failing {
        for m in current[i]
            .requirements
            .iter()
            .filter(|m| m.status == Status::Fail)
        {
            let status = |n: i64| {
                seen.get(&(i, n))
                    .and_then(|e| e.measure(m.id))
                    .map(|x| x.status)
            };
            let w = (1..=LOOKBACK_WEEKS)
                .find(|w| status(7 * w) != Some(Status::Fail))
                .unwrap_or(LOOKBACK_WEEKS + 1);
            if w <= LOOKBACK_WEEKS {
                daily.extend((7 * (w - 1) + 1..7 * w).map(|n| (i, n)));
            }
        }
    }
    let daily: Vec<(usize, i64)> = daily.into_iter().collect();
    remember(&mut seen, &daily, &scopes, as_of, &store, config)?;
    let mut reviews = Vec::new();
    for (i, e) in current.iter().enumerate() {
        let status = |n: i64, id: &str| {
            seen.get(&(i, n))
                .and_then(|e| e.measure(id))
                .map(|m| m.status)
        };
        reviews.push(review(e, &status, as_of));
    }
    let format = super::pick_format(args.format);
    if format == Format::Json {
        let doc = json!({
            "as_of": rfc3339(as_of),
            "criteria_version": config.criteria.version,
            "remediation_days": REMEDIATION_DAYS,
            "projects": reviews,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(0);
    }
    let mut t = Table::new([
        "project",
        "requirement",
        "finding",
        "value",
        "threshold",
        "failing_since",
        "deadline",
        "remaining",
    ]);
    let mut rows: Vec<(i64, Vec<serde_json::Value>)> = Vec::new();
    for r in &reviews {
        for f in &r.failing {
            let since = if f.since_exact {
                f.failing_since.clone()
            } else {
                format!("on or before {}", f.failing_since)
            };
            let remaining = if f.past_deadline {
                format!("past the 30-day window by {} days", -f.days_left)
            } else {
                format!("{} days left", f.days_left)
            };
            rows.push((
                f.days_left,
                vec![
                    json!(r.project),
                    json!(f.id),
                    json!("fail"),
                    f.value.clone(),
                    f.threshold.clone(),
                    json!(since),
                    json!(f.deadline),
                    json!(remaining),
                ],
            ));
        }
        for a in &r.at_risk {
            rows.push((
                i64::MAX,
                vec![
                    json!(r.project),
                    json!(a.id),
                    json!("at risk"),
                    a.value.clone(),
                    a.threshold.clone(),
                    json!(""),
                    json!(""),
                    json!(format!("margin {}", a.margin.unwrap_or(0))),
                ],
            ));
        }
    }
    rows.sort_by_key(|r| r.0);
    for (_, row) in rows {
        t.push(row);
    }
    out.write_all(t.render(format).as_bytes())?;
    if format == Format::Table {
        let failing = reviews.iter().filter(|r| !r.failing.is_empty()).count();
        let overdue = reviews
            .iter()
            .filter(|r| r.failing.iter().any(|f| f.past_deadline))
            .count();
        let at_risk = reviews
            .iter()
            .filter(|r| r.failing.is_empty() && !r.at_risk.is_empty())
            .count();
        writeln!(
            out,
            "\nreview as of {}: {} active projects, {failing} failing ({overdue} past their \
             {REMEDIATION_DAYS}-day window), {at_risk} more at risk (within 10% of a threshold)",
            rfc3339(as_of),
            reviews.len()
        )?;
    }
    Ok(0)
}

/// Evaluates the (project, days back) points and keeps them in `seen`.
fn remember(
    seen: &mut HashMap<(usize, i64), Evaluation>,
    points: &[(usize, i64)],
    scopes: &[Scope],
    as_of: DateTime<Utc>,
    store: &tacometer_core::store::Store,
    config: &Config,
) -> anyhow::Result<()> {
    let probes: Vec<(&Scope, DateTime<Utc>)> = points
        .iter()
        .map(|&(i, n)| (&scopes[i], as_of - Duration::days(n)))
        .collect();
    let evals = eval::evaluate(store, config, &probes)?;
    seen.extend(points.iter().copied().zip(evals));
    Ok(())
}

/// The review of one project; `status(n, id)` is a requirement's status `n`
/// days before the as-of date, where it was evaluated.
fn review(
    e: &Evaluation,
    status: &dyn Fn(i64, &str) -> Option<Status>,
    as_of: DateTime<Utc>,
) -> ProjectReview {
    let mut failing = Vec::new();
    let mut at_risk = Vec::new();
    for m in &e.requirements {
        let value = eval::value_json(m.value.as_ref());
        let threshold = eval::value_json(Some(&m.threshold));
        if m.status == Status::Fail {
            // The streak: the week it began in, then the day within that week.
            let fails = |n: i64| status(n, m.id) == Some(Status::Fail);
            let week = (1..=LOOKBACK_WEEKS).find(|w| !fails(7 * w));
            // Exact when the day before the streak was measured and not failing;
            // when it was unknown (nothing collected yet) or the streak runs
            // through the whole look-back, the failure started on or before.
            let (streak, exact) = match week {
                None => (7 * LOOKBACK_WEEKS, false),
                Some(w) => {
                    let mut n = 7 * (w - 1);
                    while n + 1 < 7 * w && fails(n + 1) {
                        n += 1;
                    }
                    let before = status(n + 1, m.id);
                    (n, before.is_some_and(|s| s != Status::Unknown))
                }
            };
            let since = as_of - Duration::days(streak);
            let since_day = since.date_naive();
            let deadline = since_day + Duration::days(REMEDIATION_DAYS);
            let days_left = (deadline - as_of.date_naive()).num_days();
            failing.push(Failing {
                id: m.id,
                value,
                threshold,
                failing_since: since_day.to_string(),
                since_exact: exact,
                deadline: deadline.to_string(),
                days_left,
                past_deadline: days_left < 0,
                detail: m.detail.clone(),
            });
        } else if matches!(m.status, Status::Pass | Status::Caution)
            && let (Some(Value::Count(v)), Value::Count(th)) = (&m.value, &m.threshold)
            && *th > 0
            && *v >= *th
            && (*v as f64) <= (*th as f64) * (1.0 + AT_RISK)
        {
            at_risk.push(AtRisk {
                id: m.id,
                value,
                threshold,
                margin: m.margin,
            });
        }
    }
    ProjectReview {
        project: e.project.clone(),
        status: e.status,
        failing,
        at_risk,
    }
}
