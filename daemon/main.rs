//! `tacometerd`: the collector, the only writer of the history database.
//!
//! Wiring only: flags, configuration, logging, signals; the library does the
//! work (`collect::daemon::run`, the loop of passes; `collect::serve`, the
//! `/metrics` and `/healthz` endpoints of `--listen`).
//! Exit codes: 0 after a clean stop or a finished `--once` pass (even when some
//! repositories failed: those are recorded in the database), 2 on a fatal error:
//! an unusable configuration, a `--listen` address it cannot bind, or a
//! database newer than this binary. A busy database or a failed write is
//! waited for and retried, never fatal.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use tacometer_core::collect::daemon::{self, Schedule};
use tacometer_core::collect::pass::{Collector, SystemClock};
use tacometer_core::collect::serve;
use tacometer_core::config::{Config, Overrides, ProcessEnv};
use tacometer_core::store::{Store, StoreError};
use tokio::sync::watch;

/// Collects GitHub, PyPI and conda signals of every tracked project into DuckDB.
#[derive(Debug, Parser)]
#[command(name = "tacometerd", version, about, long_about = None)]
struct Args {
    /// Configuration file (default: `TACOMETER_CONFIG`, the platform config dir, or the
    /// shipped PyTorch Ecosystem list).
    #[arg(long, value_name = "FILE", env = "TACOMETER_CONFIG")]
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
    /// Serve `/metrics` (Prometheus text) and `/healthz` on this address,
    /// e.g. 127.0.0.1:9464 (`/healthz` answers 503 once the last successful
    /// pass is older than twice the collection interval).
    #[arg(long, value_name = "ADDR", env = "TACOMETER_LISTEN")]
    listen: Option<SocketAddr>,
}

/// How long a stop request waits for the pass to close its run before leaving.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// How long leaving waits for the writer to interrupt its query and end.
const WRITER_STOP: Duration = Duration::from_secs(1);

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging(args.log_json);
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let line = tacometer_core::output::one_line(&e);
            tracing::error!(error = %line, "fatal");
            eprintln!("tacometerd: error: {line}");
            ExitCode::from(2)
        }
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a person at a terminal: not in journald, a container
    // log or a file, nor when NO_COLOR is set (https://no-color.org).
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
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
    let mut config = Config::load(&overrides, &ProcessEnv)?;
    if config.github_token_from_gh(&ProcessEnv) {
        tracing::info!("using the GitHub token of `gh auth token`");
    }
    if config.github.tokens.is_empty() {
        tracing::warn!(
            "no GitHub token (GITHUB_TOKEN, GH_TOKEN, `gh auth login` or [github] tokens): \
             GitHub will refuse most requests"
        );
    }
    let interval = config.collect.pass_interval();
    // Snapshots older than the staleness limit answer nothing: a pass must
    // come round sooner, or reports between passes read unknown.
    let stale = Duration::from_secs(86_400 * u64::from(config.criteria.staleness_days.get()));
    let longest = config
        .collect
        .github_interval
        .0
        .max(config.collect.packages_interval.0);
    if longest >= stale {
        tracing::warn!(
            "[criteria] staleness_days = {} is not longer than a collection interval ({}): \
             between passes, what the last one collected will read as unknown",
            config.criteria.staleness_days,
            humantime::format_duration(longest)
        );
    }
    tracing::info!(
        db = %config.store.path.display(),
        projects = config.projects.len(),
        config = %config.source,
        once = args.once,
        "starting"
    );
    // An unusable database (newer than this binary, an edited migration, not
    // tacometer's, or without its record of migrations) stops
    // the daemon here; a busy one is waited for.
    open_once(&config)?;
    // Bound before the first pass, so an address in use stops the daemon now.
    let listener = match args.listen {
        Some(addr) => Some(
            std::net::TcpListener::bind(addr)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (--listen): {e}"))?,
        ),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let schedule = Schedule {
        once: args.once,
        pause: interval,
        grace: STOP_GRACE,
    };
    runtime.block_on(async move {
        let collector = Collector::new(config, Arc::new(SystemClock))?;
        let (stop_tx, stop_rx) = watch::channel(false);
        if let Some(listener) = listener {
            if let Err(e) = collector.restore_metrics().await {
                tracing::warn!(error = %e, "could not read the last pass for the metrics");
            }
            let addr = listener.local_addr()?;
            let listener = tokio::net::TcpListener::from_std(listener)?;
            tracing::info!(%addr, "serving /metrics and /healthz");
            tokio::spawn(serve::serve(listener, collector.metrics(), stop_rx.clone()));
        }
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("stop requested; finishing the write in progress");
            let _ = stop_tx.send(true);
        });
        daemon::run(&collector, schedule, stop_rx).await?;
        collector.stop_writer();
        collector.join_writer(WRITER_STOP);
        Ok(())
    })
}

/// Opens (and migrates) the database once, waiting as long as it is busy.
fn open_once(config: &Config) -> anyhow::Result<()> {
    loop {
        match Store::open_write(&config.store.path, config.store.lock_wait.0) {
            Ok(_) => return Ok(()),
            Err(e @ StoreError::Locked { .. }) => {
                tracing::warn!(error = %e, "waiting for the database");
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
