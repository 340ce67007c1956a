//! `tacometer status`: collection health per target, the last run, and what
//! is left of GitHub's budget per resource (GraphQL points, REST core requests).
//! With `--check`, also a verdict and an exit code for monitoring
//! (`tacometer_core::health`).

use std::io::Write;
use std::time::Duration;

use serde_json::{Value, json};
use tacometer_core::collect::http::Budget;
use tacometer_core::config::Config;
use tacometer_core::health::{self, Policy};
use tacometer_core::output::Format;
use tacometer_core::store::{RunRecord, Store};
use tacometer_core::time::rfc3339;

const EXAMPLES: &str = "\
Examples:
  tacometer status                                 # every target's last success and error
  tacometer status --failing                       # only the targets failing now
  tacometer status --check                         # exit 0 healthy, 3 stale, 1 a target keeps failing
  tacometer status --check --max-age 26h --max-failures 5";

/// Flags of `status`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Output format; default: table on a terminal, else json.
    #[arg(long, value_name = "FORMAT", value_parser = super::format_parser())]
    format: Option<Format>,
    /// Only targets whose last attempt failed.
    #[arg(long)]
    failing: bool,
    /// Also judge collection health and exit non-zero when it is unhealthy:
    /// 3 when collection is stale (no successful pass, or the newest ended
    /// more than --max-age ago), 1 when a configured target keeps failing
    /// (its last --max-failures attempts failed), 0 when neither.
    #[arg(long)]
    check: bool,
    /// With --check: how old the newest successful pass may be (default:
    /// twice the shortest of [collect] github_interval and packages_interval).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, requires = "check")]
    max_age: Option<Duration>,
    /// With --check: consecutive failures after which a target keeps failing.
    #[arg(long, value_name = "N", default_value_t = health::DEFAULT_MAX_FAILURES,
          value_parser = clap::value_parser!(u32).range(1..), requires = "check")]
    max_failures: u32,
}

/// The budgets `status` always shows, with their names and units.
const RESOURCES: &[(&str, &str, &str)] = &[
    ("graphql", "GraphQL", "points"),
    ("core", "REST core", "requests"),
];

/// Runs `status`.
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let store = Store::open_read(&config.store.path, config.store.lock_wait.0)?;
    let targets = store.collection_targets(args.failing)?;
    let budgets = store.latest_budgets()?;
    let last = store.last_run()?;
    let format = super::pick_format(args.format);
    let check = if args.check {
        let mut policy = Policy::for_config(config);
        policy.max_failures = args.max_failures;
        if let Some(age) = args.max_age {
            policy.max_age = age;
        }
        Some(health::assess(&store, config, chrono::Utc::now(), policy)?)
    } else {
        None
    };
    let code = check.as_ref().map_or(0, health::Assessment::exit_code);
    if format == Format::Json {
        let targets: Value = serde_json::from_str(&targets.render(Format::Json))?;
        let mut doc = json!({
            "last_run": last.as_ref().map(run_json),
            "github_budget": budgets_json(&budgets),
            "targets": targets,
        });
        if let Some(check) = &check {
            doc["check"] = check.json();
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(code);
    }
    if format == Format::Table {
        if let Some(run) = &last {
            writeln!(
                out,
                "last run {} ({}): {}, started {}, GraphQL points {}, REST core requests {}, \
                 package requests {}",
                run.run_id,
                run.kind,
                run.status,
                rfc3339(run.started_at),
                run.graphql_points,
                run.rest_requests,
                run.other_requests
            )?;
        }
        for line in budget_lines(&budgets) {
            writeln!(out, "{line}")?;
        }
        writeln!(out)?;
    }
    if format == Format::Table {
        // Fitted to the terminal: the error text wraps, the rest is kept.
        use crate::term::Fit::{Keep, Wrap};
        let fit: Vec<_> = targets
            .columns
            .iter()
            .map(|c| if c.contains("error") { Wrap } else { Keep })
            .collect();
        out.write_all(crate::term::render(&targets, &fit, &[]).as_bytes())?;
    } else {
        out.write_all(targets.render(format).as_bytes())?;
    }
    if let Some(check) = &check {
        // CSV stays one table: the verdict goes to stderr there.
        for line in check.lines() {
            if format == Format::Csv {
                eprintln!("{line}");
            } else {
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(code)
}

fn run_json(run: &RunRecord) -> Value {
    json!({
        "run_id": run.run_id,
        "kind": run.kind,
        "status": run.status,
        "started_at": rfc3339(run.started_at),
        "finished_at": run.finished_at.map(rfc3339),
        "graphql_points": run.graphql_points,
        "rest_requests": run.rest_requests,
        "other_requests": run.other_requests,
    })
}

/// `{"graphql": {...} | null, "core": {...} | null, <other resources seen>: {...}}`.
fn budgets_json(budgets: &[Budget]) -> Value {
    let mut doc = serde_json::Map::new();
    for (resource, _, _) in RESOURCES {
        doc.insert((*resource).to_string(), Value::Null);
    }
    for b in budgets {
        doc.insert(
            b.resource.clone(),
            json!({
                "host": b.host,
                "limit": b.limit,
                "remaining": b.remaining,
                "used": b.used,
                "reset_at": b.reset_at.map(rfc3339),
                "observed_at": rfc3339(b.observed_at),
            }),
        );
    }
    Value::Object(doc)
}

/// One line per budget: GraphQL and REST core always (`not seen yet` when
/// never recorded), then any other resource GitHub reported.
fn budget_lines(budgets: &[Budget]) -> Vec<String> {
    let line = |name: &str, unit: &str, b: &Budget| {
        format!(
            "GitHub {name} budget: {} of {} {unit} left, resets {} (seen {})",
            b.remaining,
            b.limit,
            b.reset_at.map_or_else(|| "-".to_string(), rfc3339),
            rfc3339(b.observed_at)
        )
    };
    let mut lines = Vec::new();
    for (resource, name, unit) in RESOURCES {
        lines.push(match budgets.iter().find(|b| b.resource == *resource) {
            Some(b) => line(name, unit, b),
            None => format!("GitHub {name} budget: not seen yet"),
        });
    }
    for b in budgets
        .iter()
        .filter(|b| RESOURCES.iter().all(|(r, _, _)| *r != b.resource))
    {
        lines.push(line(&b.resource, "requests", b));
    }
    lines
}
