//! `tacometer report`: every tracked project against every requirement, as of a date.

use std::io::Write;

use serde_json::json;
use tacometer_core::config::Config;
use tacometer_core::output::{Format, Table};
use tacometer_core::requirements::{Evaluation, Status};
use tacometer_core::time::rfc3339;

use super::eval::{self, mark, value_text, word};

/// Flags of `report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Evaluate as of this date (its end, UTC) or RFC 3339 instant; default now.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Output format: table, json, csv or markdown.
    #[arg(long, value_name = "FORMAT")]
    format: Option<Format>,
    /// Only projects whose overall status is this (pass, caution, unknown, fail).
    #[arg(long, value_name = "STATUS")]
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
        let want = want.to_lowercase();
        if !["pass", "caution", "unknown", "fail"].contains(&want.as_str()) {
            anyhow::bail!("--status {want}: expected pass, caution, unknown or fail");
        }
        evals.retain(|e| word(e.status) == want);
    }
    let format = super::pick_format(args.format);
    render(&evals, format, out)?;
    if format == Format::Table {
        let count = |s: Status| evals.iter().filter(|e| e.status == s).count();
        writeln!(
            out,
            "\n{} projects as of {} (criteria {}): {} pass, {} caution, {} unknown, {} fail",
            evals.len(),
            rfc3339(as_of),
            config.criteria.version,
            count(Status::Pass),
            count(Status::Caution),
            count(Status::Unknown),
            count(Status::Fail)
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
        Format::Table | Format::Markdown => {
            out.write_all(wide(evals).render(format).as_bytes())?;
        }
    }
    Ok(())
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
