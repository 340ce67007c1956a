//! Running read-only SQL into a [`Table`] (the library's own queries, and the
//! user's through `tacometer sql`); values become JSON by the rules of
//! [`super::cells`].

use super::cells::arrow_cell;
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
    ///
    /// The result is read as Arrow record batches, column by column, rather
    /// than through the driver's row reader, which panics on some column
    /// types (a bare `NULL`, `TIME_NS`).
    pub(crate) fn query_table_with(
        &self,
        sql: &str,
        params: &[&dyn duckdb::ToSql],
    ) -> Result<Table> {
        let mut stmt = self
            .conn()
            .prepare(sql)
            .ctx(|| format!("prepare query `{}`", short(sql)))?;
        let batches = stmt
            .stream_arrow(params)
            .ctx(|| format!("run query `{}`", short(sql)))?;
        let schema = batches.get_schema();
        let mut table = Table::new(schema.fields().iter().map(|f| f.name().clone()));
        for batch in batches {
            let batch = batch.ctx(|| format!("read rows of `{}`", short(sql)))?;
            for i in 0..batch.num_rows() {
                table.push(
                    batch
                        .columns()
                        .iter()
                        .map(|column| arrow_cell(column.as_ref(), i))
                        .collect(),
                );
            }
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
