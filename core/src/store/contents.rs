//! What an existing DuckDB file holds, told apart before anything reads or
//! migrates it: tacometer's history at some schema version, nothing at all,
//! a tacometer history that lost its record of the migrations applied, or
//! another program's tables.
//!
//! Only the first two can be opened. Migrating either of the others would
//! write tacometer's tables into a database it does not own, or apply the
//! first migration over tables it already made (failing half-way, on the
//! sequence of `collection_runs`).

use std::collections::BTreeSet;

use super::{DbContext, MIGRATIONS, Result, Store};

/// The table that records applied migrations, and the columns that make it
/// tacometer's rather than another tool's table of the same common name.
const MIGRATIONS_TABLE: &str = "schema_migrations";

/// What a database holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Contents {
    /// tacometer's history, with the highest migration it records (1 or more).
    Tacometer(i64),
    /// No tables, views or sequences (a new file, or an empty record of migrations).
    Empty,
    /// Something no tacometer may read or migrate.
    Unusable(Unusable),
}

/// A database tacometer refuses to read or write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unusable {
    /// At least half of tacometer's tables, but no record of its migrations.
    Damaged {
        /// How many of tacometer's tables it has.
        found: usize,
        /// How many tables tacometer's schema has.
        total: usize,
    },
    /// Objects that are not tacometer's and no record of its migrations.
    Foreign {
        /// The objects, as `kind name` (`table people`, `view s.v`), sorted by kind then name.
        objects: Vec<(String, String)>,
    },
}

/// The tables tacometer's schema has after every migration: those the
/// migrations create, minus those a later one drops.
pub(crate) fn tacometer_tables() -> BTreeSet<String> {
    let mut tables = BTreeSet::new();
    for m in MIGRATIONS {
        let words = words(m.sql);
        let mut i = 0;
        while i < words.len() {
            let (create, drop) = (words[i] == "create", words[i] == "drop");
            let mut j = i + 1;
            while create
                && words
                    .get(j)
                    .is_some_and(|w| matches!(w.as_str(), "or" | "replace" | "temp" | "temporary"))
            {
                j += 1;
            }
            if (create || drop) && words.get(j).is_some_and(|w| w == "table") {
                j += 1;
                while words
                    .get(j)
                    .is_some_and(|w| matches!(w.as_str(), "if" | "not" | "exists"))
                {
                    j += 1;
                }
                if let Some(name) = words.get(j) {
                    if create {
                        tables.insert(name.clone());
                    } else {
                        tables.remove(name);
                    }
                }
            }
            i += 1;
        }
    }
    tables
}

/// The SQL's words, lower-cased, without `--` comments; parentheses,
/// semicolons and commas separate words as white space does.
fn words(sql: &str) -> Vec<String> {
    sql.lines()
        .map(|line| line.split("--").next().unwrap_or(""))
        .flat_map(|line| line.split(|c: char| c.is_whitespace() || "(),;".contains(c)))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('"').to_lowercase())
        .collect()
}

impl Store {
    /// What this database holds. The usual case (tacometer's history) costs
    /// two small queries; the objects are listed only when there is no record
    /// of migrations.
    pub(crate) fn contents(&self) -> Result<Contents> {
        let what = || format!("read schema version of {}", self.label);
        let ours: i64 = self
            .conn()
            .query_row(
                "SELECT count(*) FROM duckdb_columns() \
                 WHERE database_name = current_database() AND schema_name = 'main' \
                   AND table_name = ? AND column_name IN ('version', 'name', 'checksum', 'applied_at')",
                [MIGRATIONS_TABLE],
                |r| r.get(0),
            )
            .ctx(what)?;
        let mut recorded = false;
        if ours == 4 {
            recorded = true;
            let version: i64 = self
                .conn()
                .query_row(
                    "SELECT coalesce(max(version), 0) FROM schema_migrations",
                    [],
                    |r| r.get(0),
                )
                .ctx(what)?;
            if version > 0 {
                return Ok(Contents::Tacometer(version));
            }
        }
        let mut stmt = self
            .conn()
            .prepare(
                "SELECT 'table' AS kind, schema_name, table_name FROM duckdb_tables() \
                   WHERE database_name = current_database() AND NOT internal \
                 UNION ALL SELECT 'view', schema_name, view_name FROM duckdb_views() \
                   WHERE database_name = current_database() AND NOT internal \
                 UNION ALL SELECT 'sequence', schema_name, sequence_name FROM duckdb_sequences() \
                   WHERE database_name = current_database() \
                 ORDER BY kind = 'sequence', kind = 'view', schema_name <> 'main', \
                   schema_name, 3",
            )
            .ctx(what)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .ctx(what)?;
        let tacometer = tacometer_tables();
        let mut found = 0;
        let mut objects = Vec::new();
        for row in rows {
            let (kind, schema, name) = row.ctx(what)?;
            let main_table = kind == "table" && schema == "main";
            if main_table && recorded && name == MIGRATIONS_TABLE {
                // tacometer's own record of migrations, empty.
                continue;
            }
            if main_table && tacometer.contains(&name) {
                found += 1;
            }
            let shown = if schema == "main" {
                name
            } else {
                format!("{schema}.{name}")
            };
            objects.push((kind, shown));
        }
        Ok(if found > 0 && found * 2 >= tacometer.len() {
            Contents::Unusable(Unusable::Damaged {
                found,
                total: tacometer.len(),
            })
        } else if objects.is_empty() {
            Contents::Empty
        } else {
            Contents::Unusable(Unusable::Foreign { objects })
        })
    }
}

/// A short list of objects for a message: `tables a, b, view v, sequence s`,
/// at most eight names, then how many more.
pub(crate) fn describe(objects: &[(String, String)]) -> String {
    const SHOWN: usize = 8;
    let mut parts: Vec<String> = Vec::new();
    let mut kinds: Vec<&str> = objects.iter().map(|(k, _)| k.as_str()).collect();
    kinds.dedup();
    let mut left = SHOWN;
    for kind in kinds {
        let names: Vec<&str> = objects
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, n)| n.as_str())
            .collect();
        if left == 0 {
            break;
        }
        let shown: Vec<&str> = names.iter().take(left).copied().collect();
        left -= shown.len();
        let label = if names.len() == 1 {
            kind.to_string()
        } else {
            format!("{kind}s")
        };
        parts.push(format!("{label} {}", shown.join(", ")));
    }
    let more = objects.len().saturating_sub(SHOWN);
    let mut text = parts.join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    text
}
