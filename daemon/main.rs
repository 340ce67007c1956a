//! `tacometerd`: the collector, the only writer of the history database.
//!
//! Wiring only: flags, configuration, logging, then the library does the work.
//! Exit codes: 0 after a clean stop (or a finished `--once` pass), 2 on a fatal
//! error such as an unusable configuration or database.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tacometer_core::config::{Config, Overrides, ProcessEnv};
use tacometer_core::store::Store;

/// Collects GitHub, PyPI and conda signals of every tracked project into DuckDB.
#[derive(Debug, Parser)]
#[command(name = "tacometerd", version, about, long_about = None)]
struct Args {
    /// Configuration file (default: `TACOMETER_CONFIG`, the platform config dir, or the
    /// shipped PyTorch Ecosystem list).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The DuckDB history file (default: `[store] path`, `TACOMETER_DB`, or tacometer.duckdb).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Do one full pass over every project, then exit.
    #[arg(long)]
    once: bool,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "TACOMETER_LOG_JSON")]
    log_json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging(args.log_json);
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "fatal");
            eprintln!("tacometerd: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    let overrides = Overrides {
        config: args.config.clone(),
        db: args.db.clone(),
    };
    let config = Config::load(&overrides, &ProcessEnv)?;
    let version = {
        let store = Store::open_write(&config.store.path, config.store.lock_wait.0)?;
        store.schema_version()?
    };
    tracing::info!(
        db = %config.store.path.display(),
        schema_version = version,
        projects = config.projects.len(),
        config = %config.source,
        once = args.once,
        "history database ready"
    );
    anyhow::bail!(
        "collection is not available in this version of tacometerd (the database {} is \
         created and migrated, but no upstream is contacted)",
        config.store.path.display()
    )
}
