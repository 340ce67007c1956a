//! `tacometer`: answers the TAC's questions from the history `tacometerd` collects.
//!
//! This file is wiring only: it parses flags, loads the layered configuration,
//! runs one command from [`commands`] and maps the outcome to an exit code:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success; for `check`, no requirement fails; for `status --check`, collection is healthy |
//! | 1 | `check`: at least one requirement fails; `status --check`: a configured target keeps failing |
//! | 2 | error (bad input, unusable config or database, ...) |
//! | 3 | `check`: nothing fails, but a requirement is `unknown`; `status --check`: collection is stale |
//!
//! A reader that closes the pipe early (`tacometer report | head`) ends the
//! command quietly with 0: the rest of the output was not wanted.

mod chart;
mod commands;
mod site;
mod term;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};
use tacometer_core::config::{Config, Overrides, ProcessEnv};

/// Evidence behind PyTorch Ecosystem membership decisions.
#[derive(Debug, Parser)]
#[command(name = "tacometer", version, about, long_about = None, after_help = EXAMPLES)]
struct Cli {
    /// The DuckDB history file (default: `[store] path`, `TACOMETER_DB`, or tacometer.duckdb).
    #[arg(long, global = true, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Configuration file (default: `TACOMETER_CONFIG`, the platform config dir, or the
    /// shipped PyTorch Ecosystem list).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// How long to wait for the daemon's write lock before giving up (e.g. 30s, 2m).
    #[arg(long, global = true, value_name = "DURATION", value_parser = humantime::parse_duration)]
    lock_wait: Option<Duration>,
    /// When to colour tables: auto (a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: term::ColorWhen,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Every requirement of one project, with status, value, threshold, margin and source.
    Check(commands::check::Args),
    /// All tracked projects against all requirements, as of a date.
    Report(commands::report::Args),
    /// The periodic review: failing requirements since when, deadlines, projects at risk.
    Review(commands::review::Args),
    /// A requirement's rolling value over time (sparkline, table, or an SVG chart).
    Trend(commands::trend::Args),
    /// The evidence bundle: summary plus the commits, people, stars, CI runs and releases.
    Export(commands::export::Args),
    /// A static site of every project: a sortable table, a page per project with charts and evidence, the review.
    Site(commands::site::Args),
    /// Run the whole product offline against a built-in fake upstream.
    #[cfg(feature = "demo")]
    Demo(commands::demo::Args),
    /// List the tracked projects with their repos and packages.
    Projects(commands::projects::Args),
    /// Run read-only SQL over the history.
    Sql(commands::sql::Args),
    /// Collection health per repository and package, and GitHub's budget per resource.
    Status(commands::status::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = commands::completions::EXAMPLES)]
    Completions(commands::completions::Args),
    /// Print the manual page (roff), or write one per command into a directory.
    #[command(after_help = commands::completions::MAN_EXAMPLES)]
    Man(commands::completions::ManArgs),
}

const EXAMPLES: &str = "\
Examples:
  tacometer demo                                   # the whole product, offline
  tacometer check \"PyTorch Ignite\"                 # one project, every requirement
  tacometer check OWNER/REPO --live                # a repo nobody tracks (needs GITHUB_TOKEN)
  tacometer report --as-of 2026-06-30 --status fail
  tacometer review --format markdown > review.md
  tacometer completions bash > ~/.local/share/bash-completion/completions/tacometer";

/// mimalloc serves every allocation of the process, DuckDB's C++ included
/// (the `override` feature replaces `malloc`): DuckDB's operators allocate
/// and free many small blocks, and with it `review` runs about 15% faster
/// with a lower peak resident set than with the C library's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    term::init(cli.color);
    let mut out = Stdout {
        lock: std::io::stdout().lock(),
        closed: false,
    };
    let result = run(cli, &mut out).and_then(|code| {
        std::io::Write::flush(&mut out)?;
        Ok(code)
    });
    match result {
        Ok(code) => ExitCode::from(code),
        // Stdout's reader went away (`EPIPE`): the rest was not wanted. Only
        // a write to stdout counts; a broken connection elsewhere is an error.
        Err(_) if out.closed => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tacometer: error: {}", tacometer_core::output::one_line(&e));
            ExitCode::from(2)
        }
    }
}

/// Standard output, remembering whether a write found its reader gone.
struct Stdout<'a> {
    lock: std::io::StdoutLock<'a>,
    closed: bool,
}

impl Stdout<'_> {
    fn note<T>(&mut self, r: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &r {
            self.closed |= e.kind() == std::io::ErrorKind::BrokenPipe;
        }
        r
    }
}

impl std::io::Write for Stdout<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.lock.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.lock.flush();
        self.note(r)
    }
}

fn run(cli: Cli, out: &mut dyn std::io::Write) -> anyhow::Result<u8> {
    let explicit_db = cli.db.is_some();
    match &cli.command {
        // These bring their own world and configuration, or need none.
        #[cfg(feature = "demo")]
        Command::Demo(args) => return commands::demo::run(args, out),
        Command::Completions(args) => {
            return commands::completions::run(args, &mut Cli::command(), out);
        }
        Command::Man(args) => return commands::completions::man(args, Cli::command(), out),
        _ => {}
    }
    let overrides = Overrides {
        config: cli.config,
        db: cli.db,
    };
    let mut config = Config::load(&overrides, &ProcessEnv)?;
    if let Some(wait) = cli.lock_wait {
        config.store.lock_wait.0 = wait;
    }
    match cli.command {
        Command::Check(args) => commands::check::run(&config, &args, explicit_db, out),
        Command::Report(args) => commands::report::run(&config, &args, out),
        Command::Review(args) => commands::review::run(&config, &args, out),
        Command::Trend(args) => commands::trend::run(&config, &args, out),
        Command::Export(args) => commands::export::run(&config, &args, out),
        Command::Site(args) => commands::site::run(&config, &args, out),
        Command::Projects(args) => commands::projects::run(&config, &args, out),
        Command::Sql(args) => commands::sql::run(&config, &args, out),
        Command::Status(args) => commands::status::run(&config, &args, out),
        #[cfg(feature = "demo")]
        Command::Demo(_) => Ok(0),
        Command::Completions(_) | Command::Man(_) => Ok(0),
    }
}
