//! One module per subcommand.

use std::io::IsTerminal;

use tacometer_core::output::Format;

pub mod check;
#[cfg(feature = "demo")]
pub mod demo;
pub mod eval;
pub mod export;
pub mod font;
pub mod plot;
pub mod projects;
pub mod report;
pub mod review;
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
