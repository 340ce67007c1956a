//! Running read-only SQL into a [`Table`] (the library's own queries, and the
//! user's through `tacometer sql`) and turning DuckDB values into JSON.

use chrono::{DateTime, NaiveDate};
use duckdb::types::{TimeUnit, Value as Db};
use serde_json::{Value, json};

use super::{DbContext, Result, Store, StoreError};
use crate::output::Table;

impl Store {
    /// Runs a user's query (`tacometer sql`) and collects every row. Only on a
    /// store opened with [`Store::open_query`]: read-only, and DuckDB's access
    /// to files and other databases switched off, so it cannot write anywhere.
    pub fn run_user_sql(&self, sql: &str) -> Result<Table> {
        if !self.sandboxed {
            return Err(StoreError::Invalid(
                "user SQL runs only on a database opened with Store::open_query".into(),
            ));
        }
        self.query_table_with(sql, &[])
    }

    /// The number of rows in one table of the history (`commits`, `repo_snapshots`, ...).
    pub fn row_count(&self, table: &str) -> Result<i64> {
        let known: i64 = self
            .conn()
            .query_row(
                "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
                [table],
                |r| r.get(0),
            )
            .ctx(|| format!("look up table {table}"))?;
        if known == 0 {
            return Err(StoreError::Invalid(format!(
                "no table `{table}` in the history"
            )));
        }
        self.conn()
            .query_row(
                &format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\"")),
                [],
                |r| r.get(0),
            )
            .ctx(|| format!("count rows of {table}"))
    }

    /// Runs one of the library's queries with positional parameters and collects every row.
    pub(crate) fn query_table_with(
        &self,
        sql: &str,
        params: &[&dyn duckdb::ToSql],
    ) -> Result<Table> {
        let mut stmt = self
            .conn()
            .prepare(sql)
            .ctx(|| format!("prepare query `{}`", short(sql)))?;
        let mut rows = stmt
            .query(params)
            .ctx(|| format!("run query `{}`", short(sql)))?;
        let columns: Vec<String> = rows.as_ref().map(|s| s.column_names()).unwrap_or_default();
        let mut table = Table::new(columns.clone());
        while let Some(row) = rows
            .next()
            .ctx(|| format!("read rows of `{}`", short(sql)))?
        {
            let mut out = Vec::with_capacity(columns.len());
            for i in 0..columns.len() {
                let v: Db = row.get(i).ctx(|| format!("read column {i}"))?;
                out.push(to_json(v));
            }
            table.push(out);
        }
        Ok(table)
    }
}

fn short(sql: &str) -> String {
    let one_line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 80 {
        format!("{}...", one_line.chars().take(77).collect::<String>())
    } else {
        one_line
    }
}

/// Converts a DuckDB value to JSON; times become RFC 3339 strings in UTC.
pub fn to_json(v: Db) -> Value {
    match v {
        Db::Null => Value::Null,
        Db::Boolean(b) => json!(b),
        Db::TinyInt(i) => json!(i),
        Db::SmallInt(i) => json!(i),
        Db::Int(i) => json!(i),
        Db::BigInt(i) => json!(i),
        Db::HugeInt(i) => i64::try_from(i).map_or_else(|_| json!(i.to_string()), |x| json!(x)),
        Db::UTinyInt(i) => json!(i),
        Db::USmallInt(i) => json!(i),
        Db::UInt(i) => json!(i),
        Db::UBigInt(i) => json!(i),
        Db::Float(f) => json!(f),
        Db::Double(f) => json!(f),
        Db::Decimal(d) => json!(d.to_string().parse::<f64>().unwrap_or(f64::NAN)),
        Db::Timestamp(unit, n) => {
            let micros = match unit {
                TimeUnit::Second => n.saturating_mul(1_000_000),
                TimeUnit::Millisecond => n.saturating_mul(1_000),
                TimeUnit::Microsecond => n,
                TimeUnit::Nanosecond => n / 1_000,
            };
            DateTime::from_timestamp_micros(micros)
                .map_or(Value::Null, |t| json!(crate::time::rfc3339(t)))
        }
        Db::Date32(days) => NaiveDate::from_num_days_from_ce_opt(days + 719_163)
            .map_or(Value::Null, |d| json!(d.to_string())),
        Db::Text(s) => json!(s),
        Db::Enum(s) => json!(s),
        Db::Blob(b) => json!(format!("<{} bytes>", b.len())),
        Db::List(items) | Db::Array(items) => {
            Value::Array(items.into_iter().map(to_json).collect())
        }
        other => json!(format!("{other:?}")),
    }
}
