//! `tacometer trend PROJECT --metric ID`: a requirement's rolling value over time.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use tacometer_core::config::Config;
use tacometer_core::output::{Format, Table};
use tacometer_core::requirements::{REQUIREMENT_IDS, Scope, Status, Value};
use tacometer_core::time::rfc3339;

use super::eval::{self, day, value_json, value_text, word};

/// Examples shown under `tacometer trend --help`.
const EXAMPLES: &str = "\
Examples:
  tacometer trend Ignite --metric commits          # 52 weekly points up to now
  tacometer trend Ignite --metric contributors --from 2026-01-01 --to 2026-06-30 --every 1d
  tacometer trend Ignite --metric stars --plot stars.svg";

/// Flags of `trend`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A configured project's name or repo, or any collected OWNER/REPO.
    project: String,
    /// The requirement to follow.
    #[arg(long, value_name = "ID", value_parser = clap::builder::PossibleValuesParser::new(REQUIREMENT_IDS))]
    metric: String,
    /// First point (a date or RFC 3339 instant); default: 51 steps before --to.
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last point; default now.
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Step between points (e.g. 1w, 1d, 30d).
    #[arg(long, value_name = "DURATION", default_value = "1w", value_parser = humantime::parse_duration)]
    every: StdDuration,
    /// Also draw a labelled chart with the threshold line into FILE.svg or FILE.png.
    #[arg(long, value_name = "FILE.svg|FILE.png")]
    plot: Option<PathBuf>,
    /// Output format (table adds a sparkline); default: table on a terminal, else json.
    #[arg(long, value_name = "FORMAT", value_parser = super::format_parser())]
    format: Option<Format>,
}

/// The most points one trend computes.
const MAX_POINTS: i64 = 2000;

/// One point of the series.
struct Point {
    at: DateTime<Utc>,
    value: Option<Value>,
    status: Status,
}

/// Runs `trend`.
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    if !REQUIREMENT_IDS.contains(&args.metric.as_str()) {
        anyhow::bail!(
            "--metric {}: unknown requirement; expected one of {}",
            args.metric,
            REQUIREMENT_IDS.join(", ")
        );
    }
    let step = Duration::from_std(args.every)
        .ok()
        .filter(|d| *d >= Duration::hours(1))
        .ok_or_else(|| anyhow::anyhow!("--every must be at least 1h"))?;
    let to = eval::as_of(args.to.as_deref())?;
    let from = match &args.from {
        Some(f) => eval::as_of(Some(f))?,
        None => to - step * 51,
    };
    if from > to {
        anyhow::bail!("--from {} is after --to {}", rfc3339(from), rfc3339(to));
    }
    let n = (to - from).num_seconds() / step.num_seconds() + 1;
    if n > MAX_POINTS {
        anyhow::bail!("{n} points requested; at most {MAX_POINTS}: use a longer --every");
    }
    // Points are laid back from --to, so the last one is exactly --to.
    let dates: Vec<DateTime<Utc>> = (0..n).rev().map(|i| to - step * i as i32).collect();
    let project = eval::project(config, &args.project)?;
    let store = eval::open(config)?;
    let scopes = eval::scopes(&store, &[&project])?;
    let scope: &Scope = &scopes[0];
    eval::require_history(&store, scope, &args.project, config)?;
    let probes: Vec<(&Scope, DateTime<Utc>)> = dates.iter().map(|d| (scope, *d)).collect();
    let evals = eval::evaluate(&store, config, &probes)?;
    let mut threshold = Value::Count(0);
    // The forecast of the newest point: the day the count falls below its
    // threshold if nothing new lands.
    let falls_below_on = evals
        .last()
        .and_then(|e| e.measure(&args.metric))
        .and_then(|m| m.falls_below_on);
    let points: Vec<Point> = evals
        .iter()
        .filter_map(|e| e.measure(&args.metric).map(|m| (e, m)))
        .map(|(e, m)| {
            threshold = m.threshold.clone();
            Point {
                at: e.as_of,
                value: m.value.clone(),
                status: m.status,
            }
        })
        .collect();
    if let Some(path) = &args.plot {
        let chart = crate::chart::Chart {
            title: format!(
                "{} of {} ({}-day rolling window)",
                args.metric,
                project.name,
                config.criteria.window_days.get()
            ),
            points: points
                .iter()
                .map(|p| (p.at, count(p.value.as_ref()), p.status))
                .collect(),
            threshold: count(Some(&threshold)),
            // The last point is --to: the instant the trend is read as of.
            as_of: Some(to),
            falls_below_on,
        };
        let bytes = match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("svg") => chart.svg()?.into_bytes(),
            Some(ext) if ext.eq_ignore_ascii_case("png") => chart.png()?,
            _ => anyhow::bail!(
                "--plot {}: name the chart file *.svg or *.png",
                path.display()
            ),
        };
        std::fs::write(path, bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    }
    let format = super::pick_format(args.format);
    if format == Format::Json {
        let doc = json!({
            "project": project.name,
            "metric": args.metric,
            "threshold": value_json(Some(&threshold)),
            "window_days": config.criteria.window_days.get(),
            "every_seconds": step.num_seconds(),
            "points": points.iter().map(|p| json!({
                "as_of": rfc3339(p.at),
                "value": value_json(p.value.as_ref()),
                "status": word(p.status),
            })).collect::<Vec<_>>(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(0);
    }
    if format == Format::Table {
        let counts: Vec<Option<i64>> = points.iter().map(|p| count(p.value.as_ref())).collect();
        writeln!(
            out,
            "{} of {} ({}-day window), {} points every {} from {} to {} (threshold {})",
            args.metric,
            project.name,
            config.criteria.window_days.get(),
            points.len(),
            humantime::format_duration(args.every),
            day(from),
            day(to),
            value_text(Some(&threshold))
        )?;
        writeln!(out, "{}", sparkline(&counts))?;
        let known: Vec<i64> = counts.iter().flatten().copied().collect();
        if let (Some(lo), Some(hi), Some(last)) =
            (known.iter().min(), known.iter().max(), points.last())
        {
            writeln!(
                out,
                "min {lo}, max {hi}, latest {} ({})\n",
                value_text(last.value.as_ref()),
                word(last.status)
            )?;
        } else {
            writeln!(out)?;
        }
    }
    let mut t = Table::new(["as_of", "value", "status"]);
    for p in &points {
        // Dates for people; CSV keeps the exact instant.
        let at = if format == Format::Csv {
            rfc3339(p.at)
        } else {
            eval::when(p.at)
        };
        t.push(vec![
            json!(at),
            value_json(p.value.as_ref()),
            json!(word(p.status)),
        ]);
    }
    if format == Format::Table {
        use crate::term::Fit::Keep;
        out.write_all(crate::term::render(&t, &[Keep, Keep, Keep], &[2]).as_bytes())?;
    } else {
        out.write_all(t.render(format).as_bytes())?;
    }
    Ok(0)
}

fn count(v: Option<&Value>) -> Option<i64> {
    match v {
        Some(Value::Count(n)) => Some(*n),
        _ => None,
    }
}

/// Block characters scaled from 0 to the maximum; unknown points are blank.
pub fn sparkline(values: &[Option<i64>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(x) => {
                let i = (x.max(&0) * 7 + max / 2) / max;
                BARS[usize::try_from(i).unwrap_or(0).min(7)]
            }
        })
        .collect()
}
