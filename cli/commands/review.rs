//! `tacometer review`: the periodic review (the policy is in
//! `tacometer_core::review`): per active project, the failing requirements with
//! the exact day each began, the TAC's notice and the deadline it set, cautions,
//! unmeasured requirements, rolling counts at risk with the day they fall below
//! their threshold, and gaps in tacometer's own configuration.

use std::io::Write;

use serde_json::json;
use tacometer_core::config::Config;
use tacometer_core::output::{Format, Table};
use tacometer_core::review::{ProjectReview, Review, review};

use super::eval;

/// Examples shown under `tacometer review --help`.
const EXAMPLES: &str = "\
Examples:
  tacometer review                                 # as of now
  tacometer review --as-of 2026-06-30 --format markdown > review.md";

/// Flags of `review`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Review as of this date (its end, UTC) or RFC 3339 instant; default now.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Output format; default: table on a terminal, else json.
    #[arg(long, value_name = "FORMAT", value_parser = super::format_parser())]
    format: Option<Format>,
}

/// Runs `review` (exit 0; the verdicts are in the output).
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let as_of = eval::as_of(args.as_of.as_deref())?;
    let store = eval::open(config)?;
    let r = review(&store, config, as_of)?;
    let format = super::pick_format(args.format);
    if format == Format::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?;
        return Ok(0);
    }
    if format == Format::Table {
        use crate::term::Fit::{Keep, Wrap};
        let fit = [Wrap, Keep, Keep, Wrap, Wrap, Wrap, Wrap, Wrap];
        out.write_all(crate::term::render(&table(&r), &fit, &[2]).as_bytes())?;
    } else {
        out.write_all(table(&r).render(format).as_bytes())?;
    }
    if format == Format::Table {
        writeln!(out, "\n{}", footer(&r))?;
    }
    Ok(0)
}

/// The deadline column of a failing project.
fn deadline(p: &ProjectReview) -> String {
    match (p.deadline, p.days_left, p.deadline_if_notified_today) {
        (Some(d), Some(left), _) if left < 0 => {
            format!("{d}: past it by {} days", -left)
        }
        (Some(d), Some(left), _) => format!("{d}: {left} days left"),
        (_, _, Some(would)) => format!("not notified (notified today: {would})"),
        _ => String::new(),
    }
}

/// One row per finding, grouped by project (in the review's order).
pub fn table(r: &Review) -> Table {
    let mut t = Table::new([
        "project",
        "requirement",
        "finding",
        "value",
        "threshold",
        "since",
        "deadline",
        "note",
    ]);
    for p in &r.projects {
        let due = deadline(p);
        for f in &p.failing {
            let note = if f.began_after_notice {
                format!(
                    "began after the notice of {}: {}",
                    p.notified.map(|d| d.to_string()).unwrap_or_default(),
                    f.finding.detail
                )
            } else {
                f.finding.detail.clone()
            };
            t.push(vec![
                json!(p.project),
                json!(f.finding.id),
                json!("fail"),
                eval::value_json(f.finding.value.as_ref()),
                eval::value_json(Some(&f.finding.threshold)),
                json!(f.since_text(r.lookback_days)),
                json!(due),
                json!(note),
            ]);
        }
        for a in &p.at_risk {
            let note = match a.falls_below_on {
                Some(d) => format!("falls below on {d} if nothing new lands"),
                None => String::new(),
            };
            t.push(vec![
                json!(p.project),
                json!(a.id),
                json!("at risk"),
                eval::value_json(a.value.as_ref()),
                eval::value_json(Some(&a.threshold)),
                json!(""),
                json!(""),
                json!(note),
            ]);
        }
        for (word, list) in [("caution", &p.cautions), ("unknown", &p.unknown)] {
            for f in list.iter() {
                t.push(vec![
                    json!(p.project),
                    json!(f.id),
                    json!(word),
                    eval::value_json(f.value.as_ref()),
                    eval::value_json(Some(&f.threshold)),
                    json!(""),
                    json!(""),
                    json!(f.detail),
                ]);
            }
        }
        for f in &p.config_problems {
            t.push(vec![
                json!(p.project),
                json!(f.id),
                json!("config problem"),
                json!(""),
                json!(""),
                json!(""),
                json!(""),
                json!(format!("tacometer's config: {}", f.detail)),
            ]);
        }
    }
    t
}

/// The summary line under the table.
pub fn footer(r: &Review) -> String {
    let count = |f: &dyn Fn(&ProjectReview) -> bool| r.projects.iter().filter(|p| f(p)).count();
    let failing = count(&|p| !p.failing.is_empty());
    let overdue = count(&|p| p.past_deadline);
    let unnotified = count(&|p| !p.failing.is_empty() && p.notified.is_none());
    let cautions = count(&|p| !p.cautions.is_empty());
    let at_risk = count(&|p| !p.at_risk.is_empty());
    let config = count(&|p| !p.config_problems.is_empty());
    format!(
        "review as of {}: {} active projects; {failing} failing ({overdue} past their \
         deadline, {unnotified} not notified yet; deadline = notice + {} days); {cautions} \
         with cautions; {at_risk} with a count at risk (within {:.0}% of its threshold); \
         {config} with gaps in tacometer's config",
        eval::when(r.as_of),
        r.projects.len(),
        r.remediation_days,
        r.at_risk_margin * 100.0
    )
}
