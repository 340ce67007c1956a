//! Rendering of tabular results as an aligned table, CSV, JSON or Markdown.
//!
//! CSV is meant to be opened in a spreadsheet, so a cell that a spreadsheet would
//! run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return and is not a plain number) is prefixed with `'`.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

/// An output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// JSON (an array of objects for tables).
    Json,
    /// RFC 4180 CSV with formula neutralisation.
    Csv,
    /// A GitHub-flavoured Markdown table.
    Markdown,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "markdown" | "md" => Ok(Self::Markdown),
            other => Err(format!(
                "unknown format `{other}`: expected table, json, csv or markdown"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Table => "table",
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Markdown => "markdown",
        })
    }
}

/// Rows of values under named columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub columns: Vec<String>,
    /// Rows, each as long as `columns`.
    pub rows: Vec<Vec<Value>>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Self {
        Self {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn push(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }

    /// Renders in the given format.
    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Table => self.render_table(),
            Format::Json => self.render_json(),
            Format::Csv => self.render_csv(),
            Format::Markdown => self.render_markdown(),
        }
    }

    fn render_table(&self) -> String {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(plain).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |items: &[String]| {
            let parts: Vec<String> = items
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let mut out = line(&self.columns);
        out.push('\n');
        for row in &cells {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }

    fn render_json(&self) -> String {
        let items: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut m = Map::new();
                for (c, v) in self.columns.iter().zip(r) {
                    m.insert(c.clone(), v.clone());
                }
                Value::Object(m)
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_default();
        s.push('\n');
        s
    }

    fn render_csv(&self) -> String {
        self.csv_with(neutralize)
    }

    /// RFC 4180 CSV with every value as it is: no formula neutralisation
    /// (`tacometer sql --format csv`, data for programs and for people who
    /// asked for exactly these values; the evidence CSVs of `export`, `check`
    /// and `report` are neutralised by [`Format::Csv`]).
    pub fn render_csv_as_is(&self) -> String {
        self.csv_with(|cell| cell.to_string())
    }

    fn csv_with(&self, cell: impl Fn(&str) -> String) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(self.columns.iter().map(|c| cell(c)));
        for row in &self.rows {
            let _ = w.write_record(row.iter().map(|v| cell(&plain(v))));
        }
        let bytes = w.into_inner().unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn render_markdown(&self) -> String {
        let esc = |s: String| s.replace('|', "\\|").replace('\n', " ");
        let mut out = format!("| {} |\n", self.columns.join(" | "));
        out.push_str(&format!(
            "|{}\n",
            self.columns.iter().map(|_| "---|").collect::<String>()
        ));
        for row in &self.rows {
            let cells: Vec<String> = row.iter().map(|v| esc(plain(v))).collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
        out
    }
}

/// A value as text: strings unquoted, null empty, lists joined with `;`.
pub fn plain(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(";"),
        other => other.to_string(),
    }
}

/// Makes a CSV cell safe to open in a spreadsheet: a cell a spreadsheet
/// could read as a formula (its first character other than white space is
/// `=`, `+`, `-` or `@`, ASCII or full-width, or it starts with a tab or a
/// carriage return) gets a leading `'`, unless it is a plain finite number
/// (`-3`, `+1.5`; not `-inf` or `-nan`, which a spreadsheet reads as a
/// formula naming something); NUL and
/// the characters that reorder text on screen (bidirectional overrides and
/// isolates) become U+FFFD, so a cell shows what it holds.
pub fn neutralize(cell: &str) -> String {
    let shown: String = cell
        .chars()
        .map(|c| if hides(c) { '\u{FFFD}' } else { c })
        .collect();
    let risky = shown.starts_with(['\t', '\r'])
        || shown.trim_start().starts_with([
            '=', '+', '-', '@', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
        ]);
    let number = shown.trim().parse::<f64>().is_ok_and(f64::is_finite);
    if risky && !number {
        format!("'{shown}")
    } else {
        shown
    }
}

/// NUL and the bidirectional controls that make text display in another
/// order than it is stored.
fn hides(c: char) -> bool {
    matches!(c, '\0' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Upstream text made safe to store, log and print on a terminal: control
/// characters (escape sequences, bells, NUL) and bidirectional controls
/// become U+FFFD, and every occurrence of a `secret` (an upstream may echo
/// the token it was sent) becomes `[redacted]`. Every upstream string kept
/// as a collection failure goes through it.
pub fn shown(text: &str, secrets: &[&str]) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_control() || hides(c) {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret, "[redacted]");
    }
    out
}

/// An error and its causes on one line, each cause once: errors that
/// already quote their cause (`cannot read FILE: No such file ...`) do not
/// get it twice.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// `text` as one word for a POSIX shell: unchanged when it holds only
/// characters no shell treats specially, else single-quoted (a `'` inside
/// written `'\''`). Every command the CLI prints for a person to paste goes
/// through it, since names come from config files and upstreams.
pub fn shell_word(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./:@%+=,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// `text` as a Markdown code span: fenced by one more backtick than its
/// longest run of backticks, so nothing in it ends the span early.
pub fn code_span(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_error_line_names_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        // A cause the error already quotes is not repeated ...
        let quoting = anyhow::Error::new(crate::config::ConfigError::Read {
            path: "c.toml".into(),
            source: io,
        });
        assert_eq!(
            one_line(&quoting),
            "cannot read config file c.toml: No such file"
        );
        // ... and one it does not quote is added.
        let wrapped = anyhow::anyhow!("disk on fire").context("cannot write x.csv");
        assert_eq!(one_line(&wrapped), "cannot write x.csv: disk on fire");
    }

    fn sample() -> Table {
        let mut t = Table::new(["name", "value", "tags"]);
        t.push(vec![
            json!("=HYPERLINK(\"x\")"),
            json!(-3),
            json!(["a", "b"]),
        ]);
        t.push(vec![json!("plain|pipe"), Value::Null, json!([])]);
        t
    }

    #[test]
    fn csv_neutralises_formulas_but_not_numbers() {
        let csv = sample().render(Format::Csv);
        assert_eq!(
            csv,
            "name,value,tags\n\"'=HYPERLINK(\"\"x\"\")\",-3,a;b\nplain|pipe,,\n"
        );
        assert_eq!(neutralize("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralize("+1.5"), "+1.5");
        assert_eq!(neutralize("-cmd"), "'-cmd");
        // Rust reads these as numbers; a spreadsheet does not.
        assert_eq!(neutralize("-inf"), "'-inf");
        assert_eq!(neutralize("-nan"), "'-nan");
        assert_eq!(neutralize("+infinity"), "'+infinity");
    }

    /// Issue 11, item 11: formulas behind a newline, spaces or a full-width
    /// sign, and NUL or right-to-left overrides, reached spreadsheets raw.
    #[test]
    fn cells_that_could_run_or_hide_are_neutralised() {
        for cell in [
            "\n=cmd|' /C calc'!A0",
            "  =1+1",
            "\u{FF1D}HYPERLINK(\"x\")",
            "\u{3000}\u{FF20}SUM(A1)",
            "\r\n@x",
        ] {
            assert!(neutralize(cell).starts_with('\''), "{cell:?}");
        }
        assert_eq!(neutralize("a\0b"), "a\u{FFFD}b");
        assert_eq!(neutralize("evil\u{202E}txt.exe"), "evil\u{FFFD}txt.exe");
        assert_eq!(neutralize("x\u{2066}y"), "x\u{FFFD}y");
        for plain in ["-3", " 42", "plain", "a = b", ""] {
            assert_eq!(neutralize(plain), plain);
        }
    }

    /// Issue 11, item 7: upstream error bodies reached the terminal with
    /// escape sequences, and an echoed token reached logs and the database.
    #[test]
    fn upstream_text_loses_escapes_and_echoed_secrets() {
        let body = "bad \u{1b}]0;owned\u{7}\u{1b}[2J token ghp_SECRET123 \u{202E}x";
        let text = shown(body, &["ghp_SECRET123"]);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text:?}"
        );
        assert!(
            !text.contains("ghp_SECRET123") && text.contains("[redacted]"),
            "{text}"
        );
        assert!(!text.contains('\u{202E}'), "{text:?}");
        assert_eq!(shown("plain text", &[]), "plain text");
    }

    /// Issue 11, item 6: `check --format markdown` printed a project name
    /// unescaped inside a command meant to be pasted into a shell.
    #[test]
    fn printed_commands_quote_what_a_shell_would_run() {
        let evil = "Evil $(touch x) `id` \" ; rm -rf ~ # it's";
        let word = shell_word(evil);
        assert_eq!(word, "'Evil $(touch x) `id` \" ; rm -rf ~ # it'\\''s'");
        assert_eq!(shell_word("torchvision"), "torchvision");
        assert_eq!(shell_word("pytorch/vision"), "pytorch/vision");
        assert_eq!(shell_word(""), "''");
        let span = code_span(&format!("tacometer export {word}"));
        assert!(span.starts_with("``") && span.ends_with("``"), "{span}");
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("`a"), "`` `a ``");
    }

    /// Issue 12, item 8: `sql --format csv` neutralised values like the
    /// evidence bundle, so a query's answer was not the value stored.
    #[test]
    fn csv_as_is_keeps_every_value() {
        let csv = sample().render_csv_as_is();
        assert_eq!(
            csv,
            "name,value,tags\n\"=HYPERLINK(\"\"x\"\")\",-3,a;b\nplain|pipe,,\n"
        );
    }

    #[test]
    fn every_format_renders() {
        let t = sample();
        assert_eq!(
            t.render(Format::Table),
            "name             value  tags\n=HYPERLINK(\"x\")  -3     a;b\nplain|pipe\n"
        );
        assert!(
            t.render(Format::Markdown)
                .contains("| plain\\|pipe |  |  |")
        );
        let v: Value = serde_json::from_str(&t.render(Format::Json)).expect("json");
        assert_eq!(v[0]["value"], json!(-3));
        assert_eq!(v[1]["value"], Value::Null);
        assert!("yaml".parse::<Format>().is_err());
    }
}
