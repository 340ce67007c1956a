//! `tacometer report`: every tracked project against every requirement, as of a date.

use std::io::Write;

use serde_json::json;
use tacometer_core::config::Config;
use tacometer_core::output::{Format, Table};
use tacometer_core::requirements::{Evaluation, Status};

use super::eval::{self, mark, value_text, word};

/// Examples shown under `tacometer report --help`.
const EXAMPLES: &str = "\
Examples:
  tacometer report                                 # every tracked project, now
  tacometer report --as-of 2026-06-30 --status fail
  tacometer report --format csv > report.csv       # one row per project and requirement";

/// Flags of `report`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Evaluate as of this date (its end, UTC) or RFC 3339 instant; default now.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Output format; default: table on a terminal, else json.
    #[arg(long, value_name = "FORMAT", value_parser = super::format_parser())]
    format: Option<Format>,
    /// Only projects whose overall status is this.
    #[arg(long, value_name = "STATUS", value_parser = ["pass", "caution", "unknown", "fail"])]
    status: Option<String>,
}

/// The short column names of the wide table, in requirement order; the five
/// `files.*` requirements share one column.
const COLUMNS: &[(&str, &str)] = &[
    ("stars", "stars"),
    ("commits", "commits"),
    ("contributors", "people"),
    ("maintainers", "maint"),
    ("ci", "ci%"),
    ("license", "license"),
    ("packages", "pkgs"),
    ("pytorch_support", "torch"),
    ("governance", "gov"),
];

/// Runs `report` (always exit 0: it is a listing, not a verdict).
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let as_of = eval::as_of(args.as_of.as_deref())?;
    let store = eval::open(config)?;
    let projects = eval::tracked(config);
    let scopes = eval::scopes(&store, &projects)?;
    let mut evals = eval::evaluate_at(&store, config, &scopes, as_of)?;
    if let Some(want) = &args.status {
        evals.retain(|e| word(e.status) == *want);
    }
    let format = super::pick_format(args.format);
    render(&evals, format, out)?;
    if format == Format::Table {
        let count = |s: Status| evals.iter().filter(|e| e.status == s).count();
        writeln!(
            out,
            "\n{} projects as of {}: {} pass, {} caution, {} unknown, {} fail\ncriteria {}",
            evals.len(),
            eval::when(as_of),
            count(Status::Pass),
            count(Status::Caution),
            count(Status::Unknown),
            count(Status::Fail),
            config.criteria.version
        )?;
    }
    Ok(0)
}

/// Renders evaluations: JSON is an array of `check` documents, CSV the long form
/// (one row per project and requirement), table and Markdown a wide overview.
pub fn render(evals: &[Evaluation], format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(evals)?)?,
        Format::Csv => out.write_all(eval::long_table(evals).render(Format::Csv).as_bytes())?,
        Format::Markdown => out.write_all(wide(evals).render(format).as_bytes())?,
        Format::Table if !crate::term::fits(&wide(evals)) => {
            let t = narrow(evals);
            let fit = [
                crate::term::Fit::Wrap,
                crate::term::Fit::Keep,
                crate::term::Fit::Wrap,
            ];
            out.write_all(crate::term::render(&t, &fit, &[1]).as_bytes())?;
        }
        Format::Table => {
            let t = wide(evals);
            // Marks and counts stay whole; names and licenses wrap.
            let fit: Vec<crate::term::Fit> = t
                .columns
                .iter()
                .map(|c| match c.as_str() {
                    "project" | "license" => crate::term::Fit::Wrap,
                    _ => crate::term::Fit::Keep,
                })
                .collect();
            let status: Vec<usize> = (1..t.columns.len()).collect();
            out.write_all(crate::term::render(&t, &fit, &status).as_bytes())?;
        }
    }
    Ok(())
}

/// The table for a terminal too narrow for [`wide`]: per project its status
/// and what needs attention (every requirement that does not pass, with its
/// value and mark).
pub fn narrow(evals: &[Evaluation]) -> Table {
    let mut t = Table::new(["project", "status", "needs attention"]);
    for e in evals {
        let attention: Vec<String> = e
            .requirements
            .iter()
            .filter(|m| m.status != Status::Pass)
            .map(|m| {
                let v = match (m.id, &m.value) {
                    ("packages" | "pytorch_support" | "governance", _) => String::new(),
                    (id, _) if id.starts_with("files.") => String::new(),
                    _ => format!(" {}", value_text(m.value.as_ref())),
                };
                format!("{}{v} {}", m.id, mark(m.status))
            })
            .collect();
        t.push(vec![
            json!(e.project),
            json!(format!("{} {}", mark(e.status), word(e.status))),
            json!(attention.join(", ")),
        ]);
    }
    t
}

/// One row per project: its status, then each requirement's value and mark.
pub fn wide(evals: &[Evaluation]) -> Table {
    let mut cols = vec!["project", "status"];
    cols.extend(COLUMNS.iter().map(|(_, c)| *c));
    cols.insert(cols.len() - 1, "files");
    let mut t = Table::new(cols);
    for e in evals {
        let mut row = vec![
            json!(e.project),
            json!(format!("{} {}", mark(e.status), word(e.status))),
        ];
        for (id, _) in COLUMNS {
            if *id == "governance" {
                let files: Vec<_> = e
                    .requirements
                    .iter()
                    .filter(|m| m.id.starts_with("files."))
                    .collect();
                let ok = files
                    .iter()
                    .filter(|m| matches!(m.status, Status::Pass | Status::Caution))
                    .count();
                let worst = Status::worst(files.iter().map(|m| m.status));
                row.push(json!(format!("{ok}/{} {}", files.len(), mark(worst))));
            }
            let cell = match e.measure(id) {
                Some(m) => {
                    let v = match (m.id, &m.value) {
                        ("packages" | "pytorch_support" | "governance", Some(_)) => String::new(),
                        _ => value_text(m.value.as_ref()),
                    };
                    format!("{v} {}", mark(m.status)).trim().to_string()
                }
                None => "-".into(),
            };
            row.push(json!(cell));
        }
        t.push(row);
    }
    t
}
