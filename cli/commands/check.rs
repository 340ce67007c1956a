//! `tacometer check PROJECT|OWNER/REPO`: every requirement of one project.

use std::io::Write;
use std::sync::Arc;

use serde_json::json;
use tacometer_core::collect::pass::{Collector, SystemClock};
use tacometer_core::config::{Config, ProcessEnv, Project};
use tacometer_core::model::{CondaPackage, PypiName};
use tacometer_core::output::{Format, Table, code_span, shell_word};
use tacometer_core::requirements::{Evaluation, Measure, Status, Value};

use super::eval::{self, mark, value_text, word};

/// Examples shown under `tacometer check --help`.
pub const EXAMPLES: &str = "\
Examples:
  tacometer check \"PyTorch Ignite\"                        # every requirement, now
  tacometer check pytorch/ignite --as-of 2026-06-30
  tacometer check Ignite --format markdown > checklist.md  # for an application issue
  GITHUB_TOKEN=ghp_... tacometer check OWNER/REPO --live --pypi NAME

Exit codes: 0 nothing fails, 1 a requirement fails, 2 error, 3 a requirement is unknown.";

/// Flags of `check`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// A configured project's name or repo, or any OWNER/REPO.
    project: String,
    /// Evaluate as of this date (its end, UTC) or RFC 3339 instant; default now.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Output format (markdown is the reviewer's checklist); default: table on a
    /// terminal, else json.
    #[arg(long, value_name = "FORMAT", value_parser = super::format_parser())]
    format: Option<Format>,
    /// Collect the repo now, with the daemon's collector, into a temporary
    /// database (or the one given with --db) and evaluate that.
    #[arg(long)]
    live: bool,
    /// With --live: a PyPI project of the repo (repeatable).
    #[arg(long, value_name = "NAME", requires = "live")]
    pypi: Vec<String>,
    /// With --live: a conda package as CHANNEL/NAME (repeatable).
    #[arg(long, value_name = "CHANNEL/NAME", requires = "live")]
    conda: Vec<String>,
}

/// Runs `check`; its exit code is [`exit_code`]'s.
pub fn run(
    config: &Config,
    args: &Args,
    explicit_db: bool,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let mut project = eval::project(config, &args.project)?;
    let mut config = config.clone();
    let _live_dir = if args.live {
        for name in &args.pypi {
            let n = PypiName::parse(name).map_err(|e| anyhow::anyhow!("--pypi {e}"))?;
            if !project.pypi.contains(&n) {
                project.pypi.push(n);
            }
        }
        for name in &args.conda {
            let c = CondaPackage::parse(name).map_err(|e| anyhow::anyhow!("--conda {e}"))?;
            if !project.conda.contains(&c) {
                project.conda.push(c);
            }
        }
        Some(collect_live(&mut config, &project, explicit_db)?)
    } else {
        None
    };
    // After a live collection, "now" is after what it wrote.
    let as_of = eval::as_of(args.as_of.as_deref())?;
    let store = eval::open(&config)?;
    let scopes = eval::scopes(&store, &[&project])?;
    if !args.live {
        eval::require_history(&store, &scopes[0], &args.project, &config)?;
    }
    let evals = eval::evaluate_at(&store, &config, &scopes, as_of)?;
    let Some(e) = evals.first() else {
        anyhow::bail!("nothing to evaluate for {}", args.project);
    };
    render(e, super::pick_format(args.format), out)?;
    Ok(exit_code(e))
}

/// `check`'s exit code: 1 when a requirement fails; else 3 when one could
/// not be measured (`unknown`), which automation must not take for a pass;
/// else 0.
fn exit_code(e: &Evaluation) -> u8 {
    if e.requirements.iter().any(|m| m.status == Status::Fail) {
        1
    } else if e.requirements.iter().any(|m| m.status == Status::Unknown) {
        3
    } else {
        0
    }
}

/// Collects `project` now into a temporary database (or the configured one when
/// `--db` was given) and points `config` at it. Returns the temporary directory,
/// which lives as long as the answer needs it.
fn collect_live(
    config: &mut Config,
    project: &Project,
    explicit_db: bool,
) -> anyhow::Result<Option<tempfile::TempDir>> {
    let mut live = config.clone();
    live.projects = vec![project.clone()];
    live.github_token_from_gh(&ProcessEnv);
    if live.github.tokens.is_empty() {
        anyhow::bail!(
            "check --live needs a GitHub token: set GITHUB_TOKEN (or GH_TOKEN, or log in \
             with `gh auth login`, or list `[github] tokens` in the config)"
        );
    }
    let dir = if explicit_db {
        None
    } else {
        let dir = tempfile::Builder::new()
            .prefix("tacometer-live-")
            .tempdir()?;
        config.store.path = dir.path().join("live.duckdb");
        live.store.path = config.store.path.clone();
        Some(dir)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // Built inside the runtime, as its HTTP client expects.
    let collector = {
        let _entered = runtime.enter();
        Collector::new(live, Arc::new(SystemClock))?
    };
    let bar = crate::term::pass_progress(
        &format!("collecting {} live", project.name),
        collector.metrics(),
    );
    let report = runtime.block_on(async move {
        let (_stop, rx) = tokio::sync::watch::channel(false);
        collector.pass("live", rx).await
    });
    drop(bar);
    let report = report?;
    let into = if explicit_db {
        config.store.path.display().to_string()
    } else {
        "a temporary database".to_string()
    };
    eprintln!(
        "tacometer: collected {} live into {into} ({} repos ok, {} failed; {} GraphQL points)",
        project.name, report.repos_ok, report.repos_failed, report.graphql_points
    );
    if report.repos_ok == 0 {
        let store = eval::open(config)?;
        let why: Vec<String> = store
            .recent_errors(3)?
            .into_iter()
            .map(|e| format!("{}: {}: {}", e.target, e.kind, e.message))
            .collect();
        anyhow::bail!(
            "could not collect {}: {}",
            project.name,
            if why.is_empty() {
                "no repository answered".to_string()
            } else {
                why.join("; ")
            }
        );
    }
    Ok(dir)
}

/// Renders one evaluation.
pub fn render(e: &Evaluation, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(e)?)?,
        Format::Csv => out.write_all(
            eval::long_table(std::slice::from_ref(e))
                .render(Format::Csv)
                .as_bytes(),
        )?,
        Format::Markdown => out.write_all(markdown(e).as_bytes())?,
        Format::Table => out.write_all(table(e).as_bytes())?,
    }
    Ok(())
}

/// The terminal table: a headline, then one row per requirement with dates
/// as dates (JSON and CSV keep the exact instants). When the whole table does
/// not fit the terminal, the detail, source and observed date move to a
/// second table under it, where they wrap in the width left beside the
/// requirement's name.
fn table(e: &Evaluation) -> String {
    use crate::term::Fit::{Keep, Wrap};
    let mut text = format!(
        "{} ({}): {}\nas of {}, {}-day window {}\ncriteria {}\n\n",
        e.project,
        if e.repos.is_empty() {
            "no repos".to_string()
        } else {
            e.repos.join(", ")
        },
        crate::term::paint(&word(e.status).to_uppercase()),
        eval::when(e.as_of),
        e.window.days,
        eval::window_text(e.window.start, e.window.end),
        e.criteria_version
    );
    let detail = |m: &Measure| match m.falls_below_on {
        Some(d) => format!("{}; falls below on {d} if nothing new lands", m.detail),
        None => m.detail.clone(),
    };
    let summary = |m: &Measure| {
        vec![
            json!(m.id),
            json!(format!("{} {}", mark(m.status), word(m.status))),
            json!(value_text(m.value.as_ref())),
            json!(value_text(Some(&m.threshold))),
            m.margin.map_or(json!(""), |x| json!(signed(x))),
            m.observed_at.map_or(json!("-"), |t| json!(eval::day(t))),
        ]
    };
    let columns = [
        "requirement",
        "status",
        "value",
        "threshold",
        "margin",
        "observed",
    ];
    let mut whole = Table::new(columns.iter().chain(&["source", "detail"]).copied());
    for m in &e.requirements {
        let mut row = summary(m);
        row.extend([json!(m.source), json!(detail(m))]);
        whole.push(row);
    }
    if crate::term::fits(&whole) {
        text.push_str(&crate::term::render(&whole, &[], &[1]));
        return text;
    }
    let mut short = Table::new(columns);
    for m in &e.requirements {
        short.push(summary(m));
    }
    // Narrower still: the observed date joins the source under the detail.
    let with_observed = crate::term::fits(&short);
    if !with_observed {
        short.columns.truncate(5);
        for row in &mut short.rows {
            row.truncate(5);
        }
    }
    let mut long = Table::new(["requirement", "detail and source"]);
    for m in &e.requirements {
        let observed = match m.observed_at {
            Some(t) if !with_observed => format!(", observed {}", eval::day(t)),
            _ => String::new(),
        };
        long.push(vec![
            json!(m.id),
            json!(format!("{}\nsource: {}{observed}", detail(m), m.source)),
        ]);
    }
    text.push_str(&crate::term::render(
        &short,
        &[Keep, Keep, Wrap, Wrap, Keep, Keep],
        &[1],
    ));
    text.push('\n');
    text.push_str(&crate::term::render(&long, &[Keep, Wrap], &[]));
    text
}

fn signed(x: i64) -> String {
    if x > 0 {
        format!("+{x}")
    } else {
        x.to_string()
    }
}

/// The reviewer's checklist: one line per requirement with its mark, value,
/// threshold and the link or command that proves it. Only `pass` is ticked;
/// names, values and details are code spans, so nothing in them renders as
/// Markdown or notifies anyone (`@org/team`).
pub fn markdown(e: &Evaluation) -> String {
    let mut s = format!(
        "### TAC requirements: {}\n\nRepos: {}. As of {}, window {} ({} days), criteria {}. \
         Overall: **{}**.\n\n",
        code_span(&e.project),
        if e.repos.is_empty() {
            "none".to_string()
        } else {
            e.repos
                .iter()
                .map(|r| format!("[{r}](https://github.com/{r})"))
                .collect::<Vec<_>>()
                .join(", ")
        },
        eval::when(e.as_of),
        eval::window_text(e.window.start, e.window.end),
        e.window.days,
        code_span(&e.criteria_version),
        word(e.status)
    );
    for m in &e.requirements {
        let tick = if m.status == Status::Pass { "x" } else { " " };
        let emoji = match m.status {
            Status::Pass => "✅",
            Status::Caution => "⚠️",
            Status::Unknown => "❔",
            Status::Fail => "❌",
        };
        let margin = m
            .margin
            .map_or(String::new(), |x| format!(", margin {}", signed(x)));
        let margin = match m.falls_below_on {
            Some(d) => format!("{margin}, falls below on {d} if nothing new lands"),
            None => margin,
        };
        s.push_str(&format!(
            "- [{tick}] {emoji} {} **{}**: {} (threshold {}{margin}); {}. Proof: {}\n",
            code_span(m.id),
            word(m.status),
            code_span(&value_text(m.value.as_ref())),
            code_span(&value_text(Some(&m.threshold))),
            code_span(&m.detail),
            proof(e, m)
        ));
    }
    s.push_str(&format!(
        "\nEvidence lists: {}\n",
        export_command(&e.project, e.as_of)
    ));
    s
}

/// The `export` command that lists a project's evidence, as a Markdown code
/// span a reviewer can paste into a shell whatever the project's name holds.
fn export_command(project: &str, as_of: chrono::DateTime<chrono::Utc>) -> String {
    code_span(&format!(
        "tacometer export {} --as-of {} --out evidence/",
        shell_word(project),
        eval::as_of_flag(as_of)
    ))
}

/// The link (or command) a reviewer follows to check a measure.
fn proof(e: &Evaluation, m: &Measure) -> String {
    let Some(repo) = e.repos.first() else {
        return code_span(&m.source);
    };
    let gh = format!("https://github.com/{repo}");
    // The first day inside the window (its start is exclusive) and the last.
    let since = eval::day(e.window.start + chrono::Duration::microseconds(1));
    let until = eval::day(e.window.end);
    match m.id {
        "stars" => format!("<{gh}/stargazers>"),
        "commits" => {
            let more = if e.repos.len() > 1 {
                format!(" (and {} more repos)", e.repos.len() - 1)
            } else {
                String::new()
            };
            format!("<{gh}/commits?since={since}&until={until}>{more}")
        }
        "contributors" => format!("{} (contributors.csv)", export_command(&e.project, e.as_of)),
        "maintainers" => format!("<{gh}/pulls?q=is%3Apr+is%3Amerged+merged%3A{since}..{until}>"),
        "ci" => format!("<{gh}/actions>"),
        "license" => format!("<{gh}>"),
        "pytorch_support" => match m
            .source
            .split("/pypi/")
            .nth(1)
            .and_then(|r| r.split('/').next())
        {
            Some(name) => format!("<https://pypi.org/project/{name}/>"),
            None => code_span(&m.source),
        },
        "packages" => match &m.value {
            Some(Value::Text(key)) if key.starts_with("pypi:") => {
                format!("<https://pypi.org/project/{}/>", &key[5..])
            }
            Some(Value::Text(key)) if key.starts_with("conda:") => {
                format!("<https://anaconda.org/{}>", &key[6..])
            }
            _ => code_span(&m.source),
        },
        _ => match &m.value {
            // A community file the owner's `.github` repository provides.
            Some(Value::Text(entry)) if entry.contains(':') => {
                let (source, path) = entry.split_once(':').unwrap_or_default();
                format!("<https://github.com/{source}/blob/HEAD/{path}>")
            }
            Some(Value::Text(path)) if !path.contains('#') => format!("<{gh}/blob/HEAD/{path}>"),
            _ => format!("<{gh}>"),
        },
    }
}
