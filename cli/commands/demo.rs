//! `tacometer demo`: the whole product, offline, in one command.
//!
//! It starts the fake upstream (GitHub, PyPI and Anaconda, served by the
//! `tacometer-fake` crate) on loopback with a generated world of ecosystem-like
//! projects, collects it with the daemon's collector into a fresh database, and
//! prints the report. The database stays behind so the other commands can be
//! tried on it.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DurationRound, TimeDelta, Utc};
use tacometer_core::collect::pass::{Collector, SystemClock};
use tacometer_core::config::{Config, ConfigSource, Secret};
use tacometer_core::output::Format;
use tacometer_fake::{GenSpec, generate, start};

use super::eval;

/// Examples shown under `tacometer demo --help`.
const EXAMPLES: &str = "\
Examples:
  tacometer demo                                   # 12 generated repositories
  tacometer demo --repos 50 --keep demo.duckdb     # keep the history for other commands";

/// Flags of `demo`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Number of generated repositories.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u16).range(1..=500))]
    repos: u16,
    /// Seed of the generated world (the same seed gives the same world).
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Where to keep the demo database (default: a new temporary directory).
    #[arg(long, value_name = "FILE")]
    keep: Option<PathBuf>,
    /// Output format of the report; default: table on a terminal, else json.
    #[arg(long, value_name = "FORMAT", value_parser = super::format_parser())]
    format: Option<Format>,
}

/// Runs `demo`.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let now = Utc::now()
        .duration_trunc(TimeDelta::hours(1))
        .unwrap_or_else(|_| Utc::now());
    let world = generate(&GenSpec {
        seed: args.seed,
        repos: usize::from(args.repos),
        years: 2,
        now,
        median_commits_per_year: 150.0,
        median_stars: 400.0,
    });
    let mut text = String::from(
        "[collect]\nbackfill_days = 365\n\n[collect.requests_per_second]\n\"127.0.0.1\" = 1000\n",
    );
    for p in &world.projects {
        text.push_str(&format!(
            "\n[[projects]]\nname = {:?}\nrepos = {:?}\npypi = {:?}\nconda = {:?}\n",
            p.name, p.repos, p.pypi, p.conda
        ));
    }
    let mut config = Config::parse(&text, ConfigSource::Builtin)?;
    let db = match &args.keep {
        Some(path) => {
            if path.exists() {
                anyhow::bail!(
                    "--keep {}: the file exists; the demo writes a fresh database",
                    path.display()
                );
            }
            path.clone()
        }
        None => tempfile::Builder::new()
            .prefix("tacometer-demo-")
            .tempdir()?
            .keep()
            .join("demo.duckdb"),
    };
    config.store.path = db.clone();
    // The projects of the generated world, so the other commands can be tried.
    let config_path = db.with_extension("toml");
    std::fs::write(&config_path, &text)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", config_path.display()))?;
    config.github.tokens = vec![Secret::new("demo-token-for-the-fake-upstream")];
    let projects = world.projects.len();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    eprintln!(
        "tacometer demo: serving a generated world of {projects} projects on loopback \
         (fake GitHub, PyPI and Anaconda)"
    );
    let fake = runtime.block_on(start(world, "127.0.0.1:0".parse()?))?;
    let mut live = config.clone();
    live.upstream.github_api_url = fake.base_url();
    live.upstream.pypi_url = fake.base_url();
    live.upstream.anaconda_api_url = fake.base_url();
    // Built inside the runtime, as its HTTP client expects.
    let collector = {
        let _entered = runtime.enter();
        Collector::new(live, Arc::new(SystemClock))?
    };
    let bar = crate::term::pass_progress(
        &format!("collecting {projects} generated projects"),
        collector.metrics(),
    );
    let report = runtime.block_on(async move {
        let (_stop, rx) = tokio::sync::watch::channel(false);
        collector.pass("once", rx).await
    });
    drop(bar);
    drop(fake);
    let report = report?;
    eprintln!(
        "tacometer demo: collected {} repos and {} packages into {} ({} GraphQL points)\n",
        report.repos_ok,
        report.packages_ok,
        db.display(),
        report.graphql_points
    );
    let store = eval::open(&config)?;
    let tracked = eval::tracked(&config);
    let scopes = eval::scopes(&store, &tracked)?;
    let evals = eval::evaluate_at(&store, &config, &scopes, eval::now())?;
    let format = super::pick_format(args.format);
    super::report::render(&evals, format, out)?;
    // The way on: on stdout under the table, on stderr when stdout is data.
    let first = evals
        .first()
        .map_or("PROJECT".to_string(), |e| e.project.clone());
    // Every word a shell could misread is quoted (names and paths vary).
    let word = tacometer_core::output::shell_word;
    let hint = format!(
        "\nThe history is in {db}, the world's projects in {cfg}. Try:\n  \
             tacometer --db {db} --config {cfg} check {first} --format markdown\n  \
             tacometer --db {db} --config {cfg} trend {first} --metric commits\n  \
             tacometer --db {db} --config {cfg} review\n  \
             tacometer --db {db} --config {cfg} export --all --out evidence/",
        db = word(&db.display().to_string()),
        cfg = word(&config_path.display().to_string()),
        first = word(&first)
    );
    if format == Format::Table {
        writeln!(out, "{hint}")?;
    } else {
        eprintln!("{hint}");
    }
    Ok(0)
}
