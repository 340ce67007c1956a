//! How human output meets the terminal: table width, status colours and
//! progress on stderr.
//!
//! Only the `table` format goes through here; JSON, CSV and Markdown are data
//! and never carry colour or wrapping. The choices are made once, in `main`,
//! from `--color` and the environment:
//!
//! - width: `COLUMNS` when set to a number, else the terminal's width when
//!   stdout is one, else unlimited (a table piped to a file keeps its rows on
//!   one line each);
//! - colour: `--color always` or `never` win; `auto` colours only a terminal,
//!   and not when `NO_COLOR` is set to anything (see no-color.org) or `TERM`
//!   is `dumb`; `CLICOLOR_FORCE` asks for colour anyway.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

use comfy_table::{
    Cell, Color, ColumnConstraint, ContentArrangement, LineStyle, Table as Grid, presets::NOTHING,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tacometer_core::output::{Table, plain};

/// When to colour output (`--color`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// Colour a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always colour, even into a pipe.
    Always,
    /// Never colour.
    Never,
}

/// The terminal settings every command's table rendering reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct Term {
    /// Whether tables and headlines carry colour escapes.
    pub color: bool,
    /// The width tables are fitted to; `None` for unlimited.
    pub width: Option<u16>,
}

static TERM: OnceLock<Term> = OnceLock::new();

/// Decides the settings once, from `--color` and the environment.
pub fn init(when: ColorWhen) {
    let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let stdout_tty = std::io::stdout().is_terminal();
    let color = match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            env("NO_COLOR").is_none()
                && (env("CLICOLOR_FORCE").is_some_and(|v| v != "0")
                    || (stdout_tty
                        && env("CLICOLOR").is_none_or(|v| v != "0")
                        && env("TERM").is_none_or(|v| v != "dumb")))
        }
    };
    let width = env("COLUMNS")
        .and_then(|v| v.to_str()?.trim().parse::<u16>().ok())
        .filter(|w| *w >= 20)
        // A table that has not been told a width measures stdout's terminal.
        .or_else(|| Grid::new().width());
    let _ = TERM.set(Term { color, width });
}

/// The settings `init` chose (no colour, no width limit before it ran).
pub fn get() -> Term {
    TERM.get().copied().unwrap_or_default()
}

/// The colour of a cell that names a status or carries a status mark
/// (`✓ pass`, `31 ✓`, `at risk`), read from its last such word.
fn tone(cell: &str) -> Option<Color> {
    cell.split_whitespace().rev().find_map(|w| match w {
        "✓" | "pass" | "PASS" => Some(Color::Green),
        "!" | "caution" | "CAUTION" | "risk" => Some(Color::Yellow),
        "✗" | "fail" | "FAIL" => Some(Color::Red),
        "?" | "unknown" | "UNKNOWN" | "problem" => Some(Color::Magenta),
        _ => None,
    })
}

/// `text` with the status colour of [`tone`] when colour is on.
pub fn paint(text: &str) -> String {
    let style = match tone(text).filter(|_| get().color) {
        Some(Color::Green) => anstyle::AnsiColor::Green,
        Some(Color::Yellow) => anstyle::AnsiColor::Yellow,
        Some(Color::Red) => anstyle::AnsiColor::Red,
        Some(_) => anstyle::AnsiColor::Magenta,
        None => return text.to_string(),
    };
    let style = anstyle::Style::new().fg_color(Some(style.into())).bold();
    format!("{style}{text}{style:#}")
}

/// How a column of [`render`] behaves when the table is too wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Never wrapped (short values: ids, statuses, dates, numbers).
    Keep,
    /// Wrapped at word boundaries to fit.
    Wrap,
}

/// Whether `table` fits the terminal's width without wrapping a cell.
pub fn fits(table: &Table) -> bool {
    let Some(width) = get().width else {
        return true;
    };
    let mut grid = grid(table, &[], false);
    grid.set_content_arrangement(ContentArrangement::Disabled);
    grid.lines()
        .all(|l| l.trim_end().chars().count() <= usize::from(width))
}

/// Renders `table` for a terminal: fitted to [`Term::width`] (long cells
/// wrapped within their column), columns two spaces apart, and the cells
/// of the `status` columns coloured by the status they show.
pub fn render(table: &Table, fit: &[Fit], status: &[usize]) -> String {
    let mut grid = grid(table, status, true);
    for (i, f) in fit.iter().enumerate() {
        if let (Fit::Keep, Some(col)) = (f, grid.column_mut(i)) {
            col.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    let mut out: String = grid
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// A spinner on stderr while long work runs (`message`, with the time
/// spent), drawn only when stderr is a terminal.
pub fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A progress bar on stderr while a collection pass runs: repositories and
/// packages done of those planned, read from the collector's own metrics,
/// then a spinner while the one-time star and tree backfills finish. Drawn
/// only when stderr is a terminal; cleared when the returned guard drops.
pub fn pass_progress(
    message: &str,
    metrics: std::sync::Arc<tacometer_core::collect::metrics::Metrics>,
) -> PassProgress {
    let bar = spinner(message);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let thread = {
        let (bar, stop, message) = (bar.clone(), stop.clone(), message.to_string());
        std::thread::spawn(move || {
            let counting = ProgressStyle::with_template(
                "{spinner} {msg} [{bar:30}] {pos}/{len} repositories and packages ({elapsed})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            let waiting = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let mut counted = false;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (done, planned, _) = metrics.progress();
                if planned > 0 && done < planned {
                    if !counted {
                        bar.set_style(counting.clone());
                        counted = true;
                    }
                    bar.set_length(planned);
                    bar.set_position(done);
                } else if counted {
                    bar.set_style(waiting.clone());
                    bar.set_message(format!("{message}: star and tree backfills"));
                    counted = false;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    PassProgress {
        bar,
        stop,
        thread: Some(thread),
    }
}

/// The progress bar of [`pass_progress`]; dropping it clears the bar.
pub struct PassProgress {
    bar: ProgressBar,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for PassProgress {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            drop(t.join());
        }
        self.bar.finish_and_clear();
    }
}

/// A comfy-table grid of `table` in the house style, fitted to the width when
/// there is one, with the `status` columns coloured when `color` allows.
fn grid(table: &Table, status: &[usize], color: bool) -> Grid {
    let term = get();
    let color = color && term.color;
    let mut grid = Grid::new();
    grid.force_no_tty();
    if color {
        grid.enforce_styling();
    }
    // Columns two spaces apart, the header underlined: the least width spent
    // on rules, so the values get what a narrow terminal has.
    grid.load_style(NOTHING.header_separator(LineStyle::none().fill('─')));
    match term.width {
        Some(w) => {
            grid.set_width(w)
                .set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            grid.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    grid.set_header(table.columns.iter().map(Cell::new));
    for row in &table.rows {
        grid.add_row(row.iter().enumerate().map(|(i, v)| {
            let text = plain(v);
            match status.contains(&i).then(|| tone(&text)).flatten() {
                Some(c) if color => Cell::new(text).fg(c),
                _ => Cell::new(text),
            }
        }));
    }
    let last = table.columns.len().saturating_sub(1);
    for (i, col) in grid.column_iter_mut().enumerate() {
        col.set_padding((0, if i == last { 0 } else { 2 }));
    }
    grid
}
