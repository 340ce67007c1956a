//! `tacometer projects`: the tracked projects, their repos and packages.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::builder::PossibleValue;
use serde_json::{Value, json};
use tacometer_core::config::{Config, Project};
use tacometer_core::landscape;
use tacometer_core::model::ProjectStatus;
use tacometer_core::output::{Format, Table};

/// Examples shown under `tacometer projects --help`.
const EXAMPLES: &str = "\
Examples:
  tacometer projects --status active
  tacometer projects --from-csv landscape.csv --format toml > projects.toml";

/// Flags of `projects`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Output format; default: table on a terminal, else json.
    #[arg(long, value_name = "FORMAT", value_parser = projects_format_parser())]
    format: Option<ProjectsFormat>,
    /// Only projects with this status.
    #[arg(long, value_name = "STATUS", default_value = "all",
          value_parser = ["active", "retired", "applicant", "all"])]
    status: String,
    /// Read the list from a landscape CSV instead of the configuration.
    #[arg(long, value_name = "FILE")]
    from_csv: Option<PathBuf>,
}

/// What `projects --format` takes: every format of the other commands, and
/// `toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProjectsFormat {
    /// One of the shared formats.
    Output(Format),
    /// A `[[projects]]` section of the configuration.
    Toml,
}

/// The shared `--format` values plus `toml`.
fn projects_format_parser() -> impl clap::builder::TypedValueParser<Value = ProjectsFormat> {
    use clap::builder::TypedValueParser;
    let values = super::format_values()
        .into_iter()
        .chain([PossibleValue::new("toml").help("a [[projects]] section of the configuration")]);
    clap::builder::PossibleValuesParser::new(values).map(|s| match s.as_str() {
        "toml" => ProjectsFormat::Toml,
        other => ProjectsFormat::Output(other.parse::<Format>().unwrap_or(Format::Table)),
    })
}

/// Runs `projects`.
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let projects: Vec<Project> = match &args.from_csv {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            landscape::projects_from_csv(&text, &path.display().to_string())?
        }
        None => config.projects.clone(),
    };
    let wanted: Option<ProjectStatus> = match args.status.as_str() {
        "all" => None,
        "active" => Some(ProjectStatus::Active),
        "retired" => Some(ProjectStatus::Retired),
        "applicant" => Some(ProjectStatus::Applicant),
        other => anyhow::bail!("--status `{other}`: expected active, retired, applicant or all"),
    };
    let projects: Vec<Project> = projects
        .into_iter()
        .filter(|p| wanted.is_none_or(|w| p.status == w))
        .collect();
    if args.format == Some(ProjectsFormat::Toml) {
        let text = if args.from_csv.is_some() {
            format!(
                "{}{}",
                landscape::SHIPPED_HEADER,
                landscape::render_projects_toml(&projects)
            )
        } else {
            landscape::render_projects_toml(&projects)
        };
        out.write_all(text.as_bytes())?;
        return Ok(0);
    }
    let format = super::pick_format(match args.format {
        Some(ProjectsFormat::Output(format)) => Some(format),
        Some(ProjectsFormat::Toml) | None => None,
    });
    let mut table = Table::new(["name", "status", "repos", "pypi", "conda", "category"]);
    for p in &projects {
        let list = |items: Vec<String>| Value::Array(items.into_iter().map(Value::from).collect());
        let status = if p.foundation {
            format!("{} (foundation)", p.status)
        } else {
            p.status.to_string()
        };
        let repos = if p.repos.is_empty() {
            match &p.github_org {
                Some(org) => json!([format!("{org} (org)")]),
                None => json!([]),
            }
        } else {
            list(p.repos.iter().map(ToString::to_string).collect())
        };
        table.push(vec![
            json!(p.name),
            json!(status),
            repos,
            list(p.pypi.iter().map(ToString::to_string).collect()),
            list(p.conda.iter().map(ToString::to_string).collect()),
            p.category.as_ref().map_or(Value::Null, |c| json!(c)),
        ]);
    }
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&projects)? + "\n",
        Format::Table => {
            let fit = vec![crate::term::Fit::Wrap; table.columns.len()];
            crate::term::render(&table, &fit, &[])
        }
        other => table.render(other),
    };
    out.write_all(text.as_bytes())?;
    Ok(0)
}
