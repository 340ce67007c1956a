//! Writing a [`Table`] as Parquet (`tacometer export --format parquet`),
//! through an in-memory DuckDB that never sees the history file.

use std::path::Path;

use duckdb::Connection;
use serde_json::Value;

use super::{DbContext, Result};
use crate::output::{Table, plain};

/// The column type of a known column, by name; everything else stays text.
fn column_type(column: &str) -> Option<&'static str> {
    match column {
        "commits" | "stars" | "margin" => Some("BIGINT"),
        "is_merge" | "is_prerelease" | "yanked" | "has_binary" | "has_sdist" => Some("BOOLEAN"),
        _ => None,
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Writes `table` to `path` as Parquet. Cells go in as text exactly as the CSV
/// shows them, without the spreadsheet neutralisation (Parquet is not opened by
/// spreadsheets), so nothing is guessed (a version `1.10` stays `1.10`); empty
/// cells are NULL; lists are joined by spaces; counts become BIGINT and flags
/// BOOLEAN by column name; times stay RFC 3339 text as in the CSV.
pub fn write_parquet(table: &Table, path: &Path) -> Result<()> {
    let what = || format!("write {}", path.display());
    let conn = Connection::open_in_memory().ctx(what)?;
    let columns: Vec<String> = table.columns.iter().map(|c| quote_ident(c)).collect();
    let create = format!(
        "CREATE TABLE t ({})",
        columns
            .iter()
            .map(|c| format!("{c} VARCHAR"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    conn.execute_batch(&create).ctx(what)?;
    {
        let mut app = conn.appender("t").ctx(what)?;
        for row in &table.rows {
            let cells = row.iter().map(|v| {
                let text = match v {
                    Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(" "),
                    other => plain(other),
                };
                (!text.is_empty()).then_some(text)
            });
            app.append_row(duckdb::appender_params_from_iter(cells))
                .ctx(what)?;
        }
        app.flush().ctx(what)?;
    }
    let select: Vec<String> = table
        .columns
        .iter()
        .zip(&columns)
        .map(|(name, quoted)| match column_type(name) {
            Some(ty) => format!("CAST({quoted} AS {ty}) AS {quoted}"),
            None => quoted.clone(),
        })
        .collect();
    let select = if select.is_empty() {
        "*".to_string()
    } else {
        select.join(", ")
    };
    conn.execute_batch(&format!(
        "COPY (SELECT {select} FROM t) TO {} (FORMAT parquet)",
        quote_text(&path.display().to_string())
    ))
    .ctx(what)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_table_round_trips_through_parquet_with_typed_counts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("it's.parquet");
        let mut t = Table::new(["name", "commits", "yanked", "version", "tags"]);
        t.push(vec![
            json!("=HYPERLINK(\"x\")"),
            json!(3),
            json!(true),
            json!("1.10"),
            json!(["a", "b"]),
        ]);
        t.push(vec![
            json!(""),
            json!(null),
            json!(false),
            json!("2.0"),
            json!([]),
        ]);
        write_parquet(&t, &path).expect("write");
        let conn = Connection::open_in_memory().expect("duckdb");
        let sql = format!(
            "SELECT name, commits, yanked, version, tags, typeof(commits) FROM {} ORDER BY version",
            quote_text(&path.display().to_string())
        );
        let mut stmt = conn.prepare(&sql).expect("prepare");
        type Row = (
            Option<String>,
            Option<i64>,
            bool,
            String,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .expect("query")
            .map(|r| r.expect("row"))
            .collect();
        assert_eq!(
            rows[0],
            (
                Some("=HYPERLINK(\"x\")".into()),
                Some(3),
                true,
                "1.10".into(),
                Some("a b".into()),
                "BIGINT".into()
            )
        );
        assert_eq!(rows[1].0, None);
        assert_eq!(rows[1].1, None);
        assert_eq!(rows[1].4, None);
    }
}
