//! `tacometer sql`: read-only SQL over the history, for power users.
//!
//! Values are shown by the rules of `tacometer_core::store::to_json` in every
//! format: STRUCT and MAP as JSON objects, INTERVAL as DuckDB writes it, TIME
//! as `HH:MM:SS[.ffffff]`, floating infinities and NaN as `"inf"`, `"-inf"`
//! and `"nan"` (JSON has no numbers for them). CSV holds the values as they
//! are, without the formula neutralisation of the evidence CSVs: a query's
//! answer is data, and `'=1` would not be what the database holds.

use std::io::Write;

use tacometer_core::config::Config;
use tacometer_core::output::Format;
use tacometer_core::store::Store;

const EXAMPLES: &str = "\
Examples:
  tacometer sql \"SELECT count(*) FROM commits\"
  tacometer sql --format csv \"SELECT node_id, observed_at, stars FROM repo_snapshots\" > stars.csv
The tables and their columns: docs/schema.md.";

/// Flags of `sql`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// The query, e.g. "SELECT count(*) FROM commits".
    query: String,
    /// Output format; default: table on a terminal, else json.
    #[arg(long, value_name = "FORMAT", value_parser = super::format_parser())]
    format: Option<Format>,
}

/// Runs `sql` on a read-only, sandboxed connection.
pub fn run(config: &Config, args: &Args, out: &mut dyn Write) -> anyhow::Result<u8> {
    let store = Store::open_query(&config.store.path, config.store.lock_wait.0)?;
    let table = store.run_user_sql(&args.query)?;
    let text = match super::pick_format(args.format) {
        // Values as they are: formula neutralisation is for evidence files.
        Format::Csv => table.render_csv_as_is(),
        // Fitted to the terminal, every column allowed to wrap.
        Format::Table => {
            let fit = vec![crate::term::Fit::Wrap; table.columns.len()];
            crate::term::render(&table, &fit, &[])
        }
        format => table.render(format),
    };
    out.write_all(text.as_bytes())?;
    Ok(0)
}
