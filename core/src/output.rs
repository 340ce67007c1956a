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
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(self.columns.iter().map(|c| neutralize(c)));
        for row in &self.rows {
            let _ = w.write_record(row.iter().map(|v| neutralize(&plain(v))));
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

/// Makes a CSV cell safe to open in a spreadsheet.
pub fn neutralize(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
