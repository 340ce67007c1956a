//! `tacometer status`: collection health per target, and GitHub's budget.

use std::io::Write;

use serde_json::json;
use tacometer_core::config::Config;
use tacometer_core::output::Format;
use tacometer_core::store::Store;

/// Flags of `status`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format: table, json, csv or markdown.
    #[arg(long, value_name = "FORMAT")]
    format: Option<Format>,
    /// Only targets whose last attempt failed.
    #[arg(long)]
    failing: bool,
}

const TARGETS: &str = "
SELECT s.target,
       s.kind,
       s.last_success_at,
       s.last_error_at,
       CASE WHEN s.failures > 0 THEN s.last_error END AS last_error,
       s.failures,
       s.next_due_at
FROM collection_state s
WHERE (? = false OR s.failures > 0)
ORDER BY s.failures > 0 DESC, s.target";

const BUDGET: &str = "
SELECT observed_at, host, resource, lim AS limit, remaining, reset_at
FROM rate_limit_observations
ORDER BY observed_at DESC
LIMIT 1";

const LAST_RUN: &str = "
SELECT run_id, kind, status, started_at, finished_at, graphql_points, rest_requests, other_requests
FROM collection_runs
ORDER BY run_id DESC
LIMIT 1";

/// Runs `status`.
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let store = Store::open_read(&config.store.path, config.store.lock_wait.0)?;
    let targets = store.query_table_with(TARGETS, &[&args.failing])?;
    let budget = store.query_table(BUDGET)?;
    let last = store.query_table(LAST_RUN)?;
    let format = super::pick_format(args.format);
    if format == Format::Json {
        let first = |t: &tacometer_core::output::Table| {
            t.rows.first().map(|r| {
                let mut m = serde_json::Map::new();
                for (c, v) in t.columns.iter().zip(r) {
                    m.insert(c.clone(), v.clone());
                }
                serde_json::Value::Object(m)
            })
        };
        let targets: serde_json::Value = serde_json::from_str(&targets.render(Format::Json))?;
        let doc = json!({
            "last_run": first(&last),
            "github_budget": first(&budget),
            "targets": targets,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        return Ok(0);
    }
    if format == Format::Table {
        if let Some(row) = last.rows.first() {
            writeln!(
                out,
                "last run {} ({}): {}, started {}, GraphQL points {}, REST requests {}",
                row[0],
                row[1],
                row[2],
                tacometer_core::output::plain(&row[3]),
                row[5],
                row[6]
            )?;
        }
        match budget.rows.first() {
            Some(row) => writeln!(
                out,
                "GitHub budget: {} of {} points left, resets {} (seen {})\n",
                row[4],
                row[3],
                tacometer_core::output::plain(&row[5]),
                tacometer_core::output::plain(&row[0])
            )?,
            None => writeln!(out, "GitHub budget: not seen yet\n")?,
        }
    }
    out.write_all(targets.render(format).as_bytes())?;
    Ok(0)
}
