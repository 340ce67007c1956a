//! One module per subcommand.

use std::io::IsTerminal;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use tacometer_core::output::Format;

pub mod check;
pub mod completions;
#[cfg(feature = "demo")]
pub mod demo;
pub mod eval;
pub mod export;
pub mod projects;
pub mod report;
pub mod review;
pub mod site;
pub mod sql;
pub mod status;
pub mod trend;

/// The format to use: the flag, else a table on a terminal and JSON elsewhere.
pub fn pick_format(flag: Option<Format>) -> Format {
    flag.unwrap_or_else(|| {
        if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        }
    })
}

/// The values of `--format`, with their help (`md` is accepted for `markdown`).
pub fn format_values() -> [PossibleValue; 4] {
    [
        PossibleValue::new("table").help("aligned columns fitted to the terminal"),
        PossibleValue::new("json").help("stable, documented JSON"),
        PossibleValue::new("csv").help("one row per record, safe in a spreadsheet"),
        PossibleValue::new("markdown")
            .alias("md")
            .help("GitHub-flavoured Markdown"),
    ]
}

/// The parser of `--format`: its values are listed in `--help` and offered by
/// completions.
pub fn format_parser() -> impl TypedValueParser<Value = Format> {
    PossibleValuesParser::new(format_values()).map(|s| s.parse::<Format>().unwrap_or(Format::Table))
}

/// Refuses an output directory that holds anything, unless `force`: a second
/// export or site must not silently replace the first. A missing directory
/// is fine (it is created). `anyway` says what `--force` does.
pub fn refuse_non_empty(dir: &std::path::Path, force: bool, anyway: &str) -> anyhow::Result<()> {
    if force {
        return Ok(());
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                anyhow::bail!("{} is not empty: pass --force to {anyway}", dir.display());
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => anyhow::bail!("cannot read {}: {e}", dir.display()),
    }
}
