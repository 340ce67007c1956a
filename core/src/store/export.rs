//! What `tacometer export` needs from DuckDB besides the list queries: the
//! summary table as typed Parquet, e-mail redaction (one SQL expression, used
//! for the lists inside their queries and for the summary and manifest
//! through an in-memory DuckDB, so every file of a bundle maps an address to
//! the same token), the DuckDB name of a result column's type, and each
//! file's SHA-256.
//!
//! The evidence lists themselves are written by DuckDB from their typed
//! queries (`requirements::fetch::export_list`): `COPY (query) TO ... (FORMAT
//! parquet)`, never through a CSV.

use std::io::Read;
use std::path::Path;

use duckdb::Connection;
use duckdb::arrow::datatypes::DataType;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{DbContext, Result};
use crate::output::{Table, plain};

/// What counts as an e-mail address when redacting: a local part, `@`, and a
/// host name (`dev@example.org`, `1234+dev@users.noreply.github.com`). A team
/// handle (`@org/team`) has no local part and is kept.
pub const EMAIL_PATTERN: &str = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*";

/// What an address becomes, for the manifest: `sha256:` and the first 12 hex
/// digits of the SHA-256 of the lower-cased address.
pub const REDACTION: &str =
    "sha256:<first 12 hex digits of the SHA-256 of the lower-cased address>";

/// A DuckDB expression: the VARCHAR `expr` with every e-mail address in it
/// replaced by `sha256:` and the first 12 hex digits of the SHA-256 of the
/// address in lower case (the same address, however cased, gives the same
/// token; no salt, so a token can be matched against a known address, which
/// is what a reviewer comparing bundles needs; it hides addresses from a
/// reader, it does not anonymise). NULL stays NULL.
pub fn redact_sql(expr: &str) -> String {
    format!(
        "list_reduce(list_prepend({expr}, regexp_extract_all({expr}, '{EMAIL_PATTERN}')), \
         lambda acc, e: replace(acc, e, 'sha256:' || left(sha256(lower(e)), 12)))"
    )
}

/// [`redact_sql`] for a column of type `ty` (a result's Arrow type): text is
/// redacted, a list of text item by item, anything else is returned as is.
pub fn redact_column_sql(expr: &str, ty: &DataType) -> String {
    match ty {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => redact_sql(expr),
        DataType::List(item) | DataType::LargeList(item)
            if matches!(
                item.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            ) =>
        {
            format!("list_transform({expr}, lambda s: {})", redact_sql("s"))
        }
        _ => expr.to_string(),
    }
}

/// DuckDB's name for a result column's type (as Arrow hands it over):
/// `VARCHAR`, `BIGINT`, `TIMESTAMP`, `VARCHAR[]`, ...; Arrow's own name for
/// anything else.
pub fn sql_type(ty: &DataType) -> String {
    match ty {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "VARCHAR".into(),
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Int8 => "TINYINT".into(),
        DataType::Int16 => "SMALLINT".into(),
        DataType::Int32 => "INTEGER".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float32 => "FLOAT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Date32 => "DATE".into(),
        DataType::Timestamp(_, None) => "TIMESTAMP".into(),
        DataType::Timestamp(_, Some(_)) => "TIMESTAMP WITH TIME ZONE".into(),
        DataType::List(item) | DataType::LargeList(item) => {
            format!("{}[]", sql_type(item.data_type()))
        }
        other => other.to_string(),
    }
}

/// Replaces e-mail addresses in the text of a summary table and a manifest
/// by the tokens the list queries give them ([`redact_sql`], run by an
/// in-memory DuckDB that never sees the history file).
pub struct Redactor {
    conn: Connection,
}

impl Redactor {
    /// An in-memory DuckDB ready to redact.
    pub fn new() -> Result<Self> {
        let conn = Connection::open_in_memory().ctx(|| "open in-memory DuckDB".into())?;
        Ok(Self { conn })
    }

    /// `text` with its addresses replaced (unchanged when it has no `@`).
    pub fn text(&self, text: &str) -> Result<String> {
        if !text.contains('@') {
            return Ok(text.to_string());
        }
        let sql = format!("SELECT {}", redact_sql("$1::VARCHAR"));
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .ctx(|| "redact e-mail addresses".into())?;
        stmt.query_row([text], |r| r.get(0))
            .ctx(|| "redact e-mail addresses".into())
    }

    /// Every string in `value` (nested in arrays and objects too) redacted.
    pub fn json(&self, value: &mut Value) -> Result<()> {
        match value {
            Value::String(s) => *s = self.text(s)?,
            Value::Array(items) => {
                for item in items {
                    self.json(item)?;
                }
            }
            Value::Object(map) => {
                for item in map.values_mut() {
                    self.json(item)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Every cell (and column name) of `table` redacted.
    pub fn table(&self, table: &mut Table) -> Result<()> {
        for column in &mut table.columns {
            *column = self.text(column)?;
        }
        for row in &mut table.rows {
            for cell in row {
                self.json(cell)?;
            }
        }
        Ok(())
    }
}

/// Double-quotes an SQL identifier.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Single-quotes an SQL string literal (a file name in `COPY ... TO`).
pub(crate) fn quote_text(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Writes `table` to `path` as Parquet, each column cast to its DuckDB type
/// in `types` (one per column: `VARCHAR`, `BIGINT`, `TIMESTAMP`, `DATE`,
/// `BOOLEAN`, ...). Cells go in as the text the CSV shows, without the
/// spreadsheet neutralisation (Parquet is not opened by spreadsheets), then
/// are cast by DuckDB: an RFC 3339 time becomes a TIMESTAMP (UTC), a date a
/// DATE, an empty cell NULL; a list cell becomes a list of text. Returns the
/// number of rows written.
pub fn write_parquet(table: &Table, types: &[&str], path: &Path) -> Result<usize> {
    let what = || format!("write {}", path.display());
    if types.len() != table.columns.len() {
        return Err(super::StoreError::Invalid(format!(
            "write {}: {} columns but {} types",
            path.display(),
            table.columns.len(),
            types.len()
        )));
    }
    let conn = Connection::open_in_memory().ctx(what)?;
    let columns: Vec<String> = table.columns.iter().map(|c| quote_ident(c)).collect();
    let list = |ty: &str| ty.ends_with("[]");
    let create = format!(
        "CREATE TABLE t ({})",
        columns
            .iter()
            .zip(types)
            .map(|(c, ty)| format!("{c} {}", if list(ty) { "VARCHAR[]" } else { "VARCHAR" }))
            .collect::<Vec<_>>()
            .join(", ")
    );
    conn.execute_batch(&create).ctx(what)?;
    let placeholders = vec!["?"; columns.len()].join(", ");
    {
        let mut insert = conn
            .prepare(&format!("INSERT INTO t VALUES ({placeholders})"))
            .ctx(what)?;
        for row in &table.rows {
            let cells: Vec<duckdb::types::Value> = row
                .iter()
                .map(|v| match v {
                    Value::Null => duckdb::types::Value::Null,
                    Value::Array(items) => super::text_list(items.iter().map(plain)),
                    other => {
                        let text = plain(other);
                        if text.is_empty() {
                            duckdb::types::Value::Null
                        } else {
                            duckdb::types::Value::Text(text)
                        }
                    }
                })
                .collect();
            insert.execute(duckdb::params_from_iter(cells)).ctx(what)?;
        }
    }
    let select: Vec<String> = columns
        .iter()
        .zip(types)
        .map(|(quoted, ty)| format!("CAST({quoted} AS {ty}) AS {quoted}"))
        .collect();
    let select = if select.is_empty() {
        "*".to_string()
    } else {
        select.join(", ")
    };
    conn.execute(
        &format!(
            "COPY (SELECT {select} FROM t) TO {} (FORMAT parquet)",
            quote_text(&path.display().to_string())
        ),
        [],
    )
    .ctx(what)
}

/// The size and SHA-256 (lower-case hex) of the file at `path`.
pub fn file_sha256(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    Ok((size, hex))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_table_round_trips_through_parquet_with_its_types() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("it's.parquet");
        let mut t = Table::new(["name", "commits", "seen_at", "day", "version", "tags"]);
        t.push(vec![
            json!("=HYPERLINK(\"x\")"),
            json!(3),
            json!("2026-06-30T23:59:59.999999Z"),
            json!("2026-07-01"),
            json!("1.10"),
            json!(["a", "b"]),
        ]);
        t.push(vec![
            json!(""),
            json!(null),
            json!(null),
            json!(null),
            json!("2.0"),
            json!([]),
        ]);
        let types = [
            "VARCHAR",
            "BIGINT",
            "TIMESTAMP",
            "DATE",
            "VARCHAR",
            "VARCHAR[]",
        ];
        assert_eq!(write_parquet(&t, &types, &path).expect("write"), 2);
        let conn = Connection::open_in_memory().expect("duckdb");
        let file = quote_text(&path.display().to_string());
        let described: Vec<(String, String)> = conn
            .prepare(&format!("DESCRIBE SELECT * FROM {file}"))
            .expect("describe")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect();
        let names: Vec<&str> = described.iter().map(|(n, _)| n.as_str()).collect();
        let got: Vec<&str> = described.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            names,
            ["name", "commits", "seen_at", "day", "version", "tags"]
        );
        assert_eq!(got, types);
        let sql = format!(
            "SELECT name, commits, strftime(seen_at, '%Y-%m-%d %H:%M:%S.%f'), version, \
             array_to_string(tags, '|') FROM {file} ORDER BY version"
        );
        type Row = (
            Option<String>,
            Option<i64>,
            Option<String>,
            String,
            Option<String>,
        );
        let rows: Vec<Row> = conn
            .prepare(&sql)
            .expect("prepare")
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .expect("query")
            .map(|r| r.expect("row"))
            .collect();
        assert_eq!(
            rows[0],
            (
                Some("=HYPERLINK(\"x\")".into()),
                Some(3),
                Some("2026-06-30 23:59:59.999999".into()),
                "1.10".into(),
                Some("a|b".into()),
            )
        );
        assert_eq!(
            (rows[1].0.clone(), rows[1].1, rows[1].2.clone()),
            (None, None, None)
        );
    }

    #[test]
    fn addresses_become_the_same_token_wherever_they_are() {
        let r = Redactor::new().expect("redactor");
        let text = r
            .text("Dev <Dev@Example.org>, dev@example.org and @org/team")
            .expect("redact");
        // SHA-256 of "dev@example.org", first 12 hex digits.
        let hex: String = Sha256::digest(b"dev@example.org")
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            text,
            format!("Dev <sha256:{hex}>, sha256:{hex} and @org/team")
        );
        let mut doc = json!({"a": ["x 1234+bot@users.noreply.github.com"], "b": 3});
        r.json(&mut doc).expect("json");
        assert!(!doc.to_string().contains('@'), "{doc}");
        assert_eq!(r.text("no address").expect("plain"), "no address");
    }

    #[test]
    fn a_file_digest_is_its_sha256() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, "abc").expect("write");
        assert_eq!(
            file_sha256(&path).expect("digest"),
            (
                3,
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_string()
            )
        );
    }
}
