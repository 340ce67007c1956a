//! `tacometer check PROJECT|OWNER/REPO`: every requirement of one project.

use std::io::Write;
use std::sync::Arc;

use serde_json::json;
use tacometer_core::collect::pass::{Collector, SystemClock};
use tacometer_core::config::{Config, ProcessEnv, Project};
use tacometer_core::model::{CondaPackage, PypiName};
use tacometer_core::output::{Format, Table, code_span, shell_word};
use tacometer_core::requirements::{Evaluation, Measure, Status, Value};
use tacometer_core::time::rfc3339;

use super::eval::{self, mark, value_text, word};

/// Flags of `check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A configured project's name or repo, or any OWNER/REPO.
    project: String,
    /// Evaluate as of this date (its end, UTC) or RFC 3339 instant; default now.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Output format: table, json, csv or markdown (the reviewer's checklist).
    #[arg(long, value_name = "FORMAT")]
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
    let dir = if explicit_db {
        None
    } else {
        let dir = tempfile::Builder::new()
            .prefix("tacometer-live-")
            .tempdir()?;
        config.store.path = dir.path().join("live.duckdb");
        Some(dir)
    };
    let mut live = config.clone();
    live.projects = vec![project.clone()];
    live.github_token_from_gh(&ProcessEnv);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let report = runtime.block_on(async move {
        let collector = Collector::new(live, Arc::new(SystemClock))?;
        let (_stop, rx) = tokio::sync::watch::channel(false);
        anyhow::Ok(collector.pass("live", rx).await?)
    })?;
    eprintln!(
        "tacometer: collected {} live into {} ({} repos ok, {} failed; {} GraphQL points)",
        project.name,
        config.store.path.display(),
        report.repos_ok,
        report.repos_failed,
        report.graphql_points
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
        Format::Table => {
            writeln!(
                out,
                "{} ({}): {}\nas of {}, window ({}, {}] ({} days), criteria {}\n",
                e.project,
                if e.repos.is_empty() {
                    "no repos".to_string()
                } else {
                    e.repos.join(", ")
                },
                word(e.status).to_uppercase(),
                rfc3339(e.as_of),
                rfc3339(e.window.start),
                rfc3339(e.window.end),
                e.window.days,
                e.criteria_version
            )?;
            let mut t = Table::new([
                "",
                "requirement",
                "status",
                "value",
                "threshold",
                "margin",
                "falls_below_on",
                "observed_at",
                "source",
                "detail",
            ]);
            for m in &e.requirements {
                t.push(vec![
                    json!(mark(m.status)),
                    json!(m.id),
                    json!(word(m.status)),
                    json!(value_text(m.value.as_ref())),
                    json!(value_text(Some(&m.threshold))),
                    m.margin.map_or(json!(""), |x| json!(signed(x))),
                    m.falls_below_on.map_or(json!(""), |d| json!(d.to_string())),
                    m.observed_at.map_or(json!("-"), |t| json!(rfc3339(t))),
                    json!(m.source),
                    json!(m.detail),
                ]);
            }
            out.write_all(t.render(Format::Table).as_bytes())?;
        }
    }
    Ok(())
}

fn signed(x: i64) -> String {
    if x > 0 {
        format!("+{x}")
    } else {
        x.to_string()
    }
}

/// The reviewer's checklist: one line per requirement with its mark, value,
/// threshold and the link or command that proves it.
pub fn markdown(e: &Evaluation) -> String {
    let mut s = format!(
        "### TAC requirements: {}\n\nRepos: {}. As of {}, window ({}, {}] ({} days), criteria `{}`. \
         Overall: **{}**.\n\n",
        e.project,
        if e.repos.is_empty() {
            "none".to_string()
        } else {
            e.repos
                .iter()
                .map(|r| format!("[{r}](https://github.com/{r})"))
                .collect::<Vec<_>>()
                .join(", ")
        },
        rfc3339(e.as_of),
        rfc3339(e.window.start),
        rfc3339(e.window.end),
        e.window.days,
        e.criteria_version,
        word(e.status)
    );
    for m in &e.requirements {
        let tick = if matches!(m.status, Status::Pass | Status::Caution) {
            "x"
        } else {
            " "
        };
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
            "- [{tick}] {emoji} **{}** ({}): {} (threshold {}{margin}); {}. Proof: {}\n",
            m.id,
            word(m.status),
            md(&value_text(m.value.as_ref())),
            md(&value_text(Some(&m.threshold))),
            md(&m.detail),
            proof(e, m)
        ));
    }
    s.push_str(&format!(
        "\nEvidence lists: {}\n",
        export_command(&e.project, e.as_of)
    ));
    s
}

/// Escapes Markdown's table and emphasis characters in free text.
fn md(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('*', "\\*")
        .replace('_', "\\_")
}

/// The `export` command that lists a project's evidence, as a Markdown code
/// span a reviewer can paste into a shell whatever the project's name holds.
fn export_command(project: &str, as_of: chrono::DateTime<chrono::Utc>) -> String {
    code_span(&format!(
        "tacometer export {} --as-of {} --out evidence/",
        shell_word(project),
        rfc3339(as_of)
    ))
}

/// The link (or command) a reviewer follows to check a measure.
fn proof(e: &Evaluation, m: &Measure) -> String {
    let Some(repo) = e.repos.first() else {
        return format!("`{}`", m.source);
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
            None => format!("`{}`", m.source),
        },
        "packages" => match &m.value {
            Some(Value::Text(key)) if key.starts_with("pypi:") => {
                format!("<https://pypi.org/project/{}/>", &key[5..])
            }
            Some(Value::Text(key)) if key.starts_with("conda:") => {
                format!("<https://anaconda.org/{}>", &key[6..])
            }
            _ => format!("`{}`", m.source),
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
