//! `tacometer export PROJECT|--all --out DIR`: the evidence bundle for reviewers.
//!
//! `summary.csv` has one row per project and requirement (value, threshold,
//! status, window, observed at, source, criteria version); the lists behind the
//! numbers are `commits.csv` (the commits counted), `contributors.csv` (the
//! people, with their commit counts), `stars.csv` (star snapshots), `ci.csv`
//! (the window's default-branch CI runs) and `releases.csv`. `manifest.json`
//! says what was exported, as of when, under which criteria. With
//! `--format parquet` the same tables are written as Parquet.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;
use tacometer_core::config::Config;
use tacometer_core::output::{Format, Table};
use tacometer_core::requirements::evidence;
use tacometer_core::time::rfc3339;

use super::eval;

/// The evidence lists, in the order they are written.
pub const LISTS: &[&str] = &["commits", "contributors", "stars", "ci", "releases"];

/// Export file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// CSV, safe to open in a spreadsheet.
    Csv,
    /// Apache Parquet, for other engines.
    Parquet,
}

/// Flags of `export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A configured project's name or repo, or any collected OWNER/REPO.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    project: Option<String>,
    /// Every tracked project.
    #[arg(long)]
    all: bool,
    /// Directory to write into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Evaluate as of this date (its end, UTC) or RFC 3339 instant; default now.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// csv or parquet.
    #[arg(long, value_enum, default_value = "csv")]
    format: ExportFormat,
}

/// Runs `export`.
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let as_of = eval::as_of(args.as_of.as_deref())?;
    let store = eval::open(config)?;
    let single;
    let projects = match &args.project {
        Some(key) => {
            single = eval::project(config, key)?;
            vec![&single]
        }
        None => eval::tracked(config),
    };
    let scopes = eval::scopes(&store, &projects)?;
    if let Some(key) = &args.project {
        eval::require_history(&store, &scopes[0], key, config)?;
    }
    let evals = eval::evaluate_at(&store, config, &scopes, as_of)?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", args.out.display()))?;
    let mut tables: Vec<(&str, Table)> = vec![("summary", eval::long_table(&evals))];
    for list in LISTS {
        let (columns, rows) = evidence(&store, &config.criteria, &scopes, as_of, list)?;
        let mut t = Table::new(std::iter::once("project".to_string()).chain(columns));
        for (scope, rows) in scopes.iter().zip(rows) {
            for row in rows {
                let mut cells = vec![json!(scope.project)];
                cells.extend(row);
                t.push(cells);
            }
        }
        tables.push((list, t));
    }
    let mut written = Vec::new();
    for (name, table) in &tables {
        let path = match args.format {
            ExportFormat::Csv => {
                let path = args.out.join(format!("{name}.csv"));
                write_file(&path, table.render(Format::Csv).as_bytes())?;
                path
            }
            ExportFormat::Parquet => {
                let path = args.out.join(format!("{name}.parquet"));
                tacometer_core::store::write_parquet(table, &path)?;
                path
            }
        };
        written.push(json!({
            "file": path.file_name().map(|f| f.to_string_lossy().into_owned()),
            "rows": table.rows.len(),
        }));
    }
    let window =
        tacometer_core::requirements::Window::ending_at(as_of, config.criteria.window_days.get());
    let manifest = json!({
        "tool": format!("tacometer {}", env!("CARGO_PKG_VERSION")),
        "as_of": rfc3339(as_of),
        "window": window,
        "criteria_version": config.criteria.version,
        "projects": evals.iter().map(|e| json!({
            "project": e.project, "repos": e.repos, "status": e.status,
        })).collect::<Vec<_>>(),
        "files": written,
    });
    write_file(
        &args.out.join("manifest.json"),
        format!("{}\n", serde_json::to_string_pretty(&manifest)?).as_bytes(),
    )?;
    writeln!(
        out,
        "exported {} project(s) as of {} into {}: {}",
        evals.len(),
        rfc3339(as_of),
        args.out.display(),
        tables
            .iter()
            .map(|(n, t)| format!("{n} ({} rows)", t.rows.len()))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    Ok(0)
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}
