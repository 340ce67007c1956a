//! `tacometer export PROJECT|--all --out DIR`: the evidence bundle for reviewers.
//!
//! `summary.csv` has one row per project and requirement (value, threshold,
//! status, window, observed at, source, criteria version); the lists behind the
//! numbers are `commits.csv` (the commits counted), `contributors.csv` (the
//! people, with their commit counts), `stars.csv` (star snapshots), `ci.csv`
//! (the window's default-branch CI runs) and `releases.csv`, each row with
//! its provenance (`observed_at`, `source`). `manifest.json` says what was
//! exported, as of when, under which criteria, and each file's size, row
//! count, columns with their types, SHA-256 and the query it came from.
//!
//! With `--format parquet` the same tables are written as Parquet by DuckDB
//! itself, from the same typed queries (`COPY (query) TO ...`): times are
//! TIMESTAMP, counts BIGINT, flags BOOLEAN, lists lists. CSV cells that a
//! spreadsheet would run are neutralised; Parquet keeps the values as they are.
//! With `--redact-emails` every e-mail address in every file becomes a
//! `sha256:` token (see `tacometer_core::store::redact_sql`).
//!
//! A directory that holds anything (an earlier bundle included) is refused
//! unless `--force` is given. Files are never written through a link: each
//! is written into a private staging directory inside `--out`, then renamed
//! over its destination (a rename replaces a symbolic link itself, not what
//! it points at), the manifest last. The files an earlier export recorded in
//! its `manifest.json` that this one does not write (the other format's) are
//! then removed; a file tacometer did not record, or whose name is not one an
//! export writes, is never touched.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tacometer_core::config::Config;
use tacometer_core::output::{Format, Table};
use tacometer_core::requirements::{ListSink, export_evidence};
use tacometer_core::store::{REDACTION, Redactor, file_sha256, write_parquet};
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

const EXAMPLES: &str = "\
Examples:
  tacometer export Ignite --out evidence/ignite
  tacometer export Ignite --as-of 2026-06-30 --out evidence/ignite-h1 --redact-emails
  tacometer export --all --format parquet --out evidence/all
  tacometer export Ignite --out evidence/ignite --force   # replace the earlier bundle";

/// Flags of `export`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
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
    /// Write into a directory that is not empty, replacing the bundle an
    /// earlier export left there (other files are left alone).
    #[arg(long)]
    force: bool,
    /// Replace every e-mail address in every file by a `sha256:` token (the
    /// same address, the same token).
    #[arg(long)]
    redact_emails: bool,
}

/// The DuckDB type of a summary column (`eval::long_table`'s columns) in
/// Parquet: `value` and `threshold` are a count or text depending on the
/// requirement, so they are text in both formats, like the names and
/// sentences.
fn summary_type(column: &str) -> &'static str {
    match column {
        "margin" => "BIGINT",
        "window_start" | "window_end" | "observed_at" => "TIMESTAMP",
        "falls_below_on" => "DATE",
        _ => "VARCHAR",
    }
}

/// One file of the bundle, once staged.
struct Written {
    /// File name (`commits.csv`).
    file: String,
    /// The table it holds (`commits`).
    table: &'static str,
    /// Rows written.
    rows: usize,
    /// The manifest's description of it, without size and digest.
    entry: Value,
}

/// Runs `export`.
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    super::refuse_non_empty(
        &args.out,
        args.force,
        "export into it anyway (it replaces the tacometer bundle there and leaves other \
         files alone)",
    )?;
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
    let earlier = earlier_files(&args.out);
    let redactor = if args.redact_emails {
        Some(Redactor::new()?)
    } else {
        None
    };
    let staging = Staging::new(&args.out)?;
    let ext = args.format.extension();
    let mut written = Vec::new();

    let mut summary = eval::long_table(&evals);
    let summary_types: Vec<&str> = summary.columns.iter().map(|c| summary_type(c)).collect();
    if let Some(r) = &redactor {
        r.table(&mut summary)?;
    }
    let file = format!("summary.{ext}");
    let staged = staging.path(&file);
    match args.format {
        ExportFormat::Csv => write_file(&staged, summary.render(Format::Csv).as_bytes())?,
        ExportFormat::Parquet => {
            write_parquet(&summary, &summary_types, &staged)?;
        }
    }
    written.push(Written {
        file,
        table: "summary",
        rows: summary.rows.len(),
        entry: json!({
            "from": "the evaluation of each requirement (each row's source says where its value came from)",
            "columns": columns_json(&summary.columns, summary_types.iter().copied()),
        }),
    });
    for list in LISTS {
        let file = format!("{list}.{ext}");
        let staged = staging.path(&file);
        let sink = match args.format {
            ExportFormat::Csv => ListSink::Rows,
            ExportFormat::Parquet => ListSink::Parquet(&staged),
        };
        let exported = export_evidence(
            &store,
            &config.criteria,
            &scopes,
            as_of,
            list,
            args.redact_emails,
            sink,
        )?;
        if args.format == ExportFormat::Csv {
            let mut t = Table::new(exported.columns.iter().cloned());
            t.rows = exported.rows;
            write_file(&staged, t.render(Format::Csv).as_bytes())?;
        }
        written.push(Written {
            file,
            table: list,
            rows: exported.count,
            entry: json!({
                "query": exported.query,
                "columns": columns_json(&exported.columns, exported.types.iter().map(String::as_str)),
            }),
        });
    }
    let mut files = Vec::new();
    for w in &written {
        let staged = staging.path(&w.file);
        let (bytes, sha256) = file_sha256(&staged)
            .map_err(|e| anyhow::anyhow!("cannot read back {}: {e}", staged.display()))?;
        let mut entry = json!({
            "file": w.file, "table": w.table, "rows": w.rows, "bytes": bytes, "sha256": sha256,
        });
        if let (Value::Object(entry), Value::Object(more)) = (&mut entry, &w.entry) {
            entry.extend(more.clone());
        }
        files.push(entry);
    }
    let window =
        tacometer_core::requirements::Window::ending_at(as_of, config.criteria.window_days.get());
    let mut manifest = json!({
        "tool": format!("tacometer {}", env!("CARGO_PKG_VERSION")),
        "as_of": rfc3339(as_of),
        "window": window,
        "criteria_version": config.criteria.version,
        "format": ext,
        "redacted_emails": args.redact_emails,
        "projects": evals.iter().map(|e| json!({
            "project": e.project, "repos": e.repos, "status": e.status,
        })).collect::<Vec<_>>(),
        "files": files,
    });
    if let Some(r) = &redactor {
        r.json(&mut manifest)?;
        manifest["redaction"] = json!(REDACTION);
    }
    write_file(
        &staging.path(MANIFEST),
        format!("{}\n", serde_json::to_string_pretty(&manifest)?).as_bytes(),
    )?;
    let names: Vec<String> = written.iter().map(|w| w.file.clone()).collect();
    for file in &names {
        staging.publish(file)?;
    }
    staging.publish(MANIFEST)?;
    let mut removed = Vec::new();
    for file in earlier.iter().filter(|f| !names.contains(f)) {
        let path = args.out.join(file);
        // The entry itself (a file, or a link: never what it points at).
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            continue;
        }
        std::fs::remove_file(&path).map_err(|e| {
            anyhow::anyhow!(
                "cannot remove {}, left by the earlier export: {e}",
                path.display()
            )
        })?;
        removed.push(file.as_str());
    }
    writeln!(
        out,
        "exported {} project(s) as of {} into {}: {}{}",
        evals.len(),
        rfc3339(as_of),
        args.out.display(),
        written
            .iter()
            .map(|w| format!("{} ({} rows)", w.table, w.rows))
            .collect::<Vec<_>>()
            .join(", "),
        if args.redact_emails {
            " (e-mail addresses redacted)"
        } else {
            ""
        }
    )?;
    if !removed.is_empty() {
        writeln!(out, "removed the earlier export's {}", removed.join(", "))?;
    }
    Ok(0)
}

/// The manifest's list of a file's columns: name and DuckDB type.
fn columns_json<'a>(names: &[String], types: impl Iterator<Item = &'a str>) -> Value {
    Value::Array(
        names
            .iter()
            .zip(types)
            .map(|(name, ty)| json!({"name": name, "type": ty}))
            .collect(),
    )
}

/// The manifest's file name.
const MANIFEST: &str = "manifest.json";

impl ExportFormat {
    /// The file name extension of this format.
    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Parquet => "parquet",
        }
    }
}

/// Whether `name` is a file an export writes (in either format), such as
/// `summary.csv` or `commits.parquet`: the only names a later export removes.
fn own_file(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, ext)| {
        (stem == "summary" || LISTS.contains(&stem)) && matches!(ext, "csv" | "parquet")
    })
}

/// The data files the export already in `dir` recorded in its manifest, as
/// far as their names are ones an export writes. None when there is no
/// manifest (or a link in its place), or it is not a tacometer manifest:
/// without that record nothing is known to be tacometer's.
fn earlier_files(dir: &Path) -> Vec<String> {
    let path = dir.join(MANIFEST);
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return Vec::new();
    }
    let Some(doc) = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
    else {
        return Vec::new();
    };
    if !doc["tool"]
        .as_str()
        .is_some_and(|t| t.starts_with("tacometer "))
    {
        return Vec::new();
    }
    doc["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .filter_map(|f| f["file"].as_str())
                .filter(|name| own_file(name))
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// A private directory inside the output directory where the files are
/// written before they are renamed into place; removed when dropped.
struct Staging {
    dir: tempfile::TempDir,
    out: PathBuf,
}

impl Staging {
    /// Creates the staging directory in `out` (a new name, readable only by us).
    fn new(out: &Path) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix(".tacometer-export-")
            .tempdir_in(out)
            .map_err(|e| anyhow::anyhow!("cannot write into {}: {e}", out.display()))?;
        Ok(Self {
            dir,
            out: out.to_path_buf(),
        })
    }

    /// Where `file` is written before it is published.
    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// Renames the staged `file` over its destination in the output
    /// directory, replacing a file or link there (never writing through it).
    fn publish(&self, file: &str) -> anyhow::Result<()> {
        let dest = self.out.join(file);
        std::fs::rename(self.path(file), &dest)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", dest.display()))
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}
