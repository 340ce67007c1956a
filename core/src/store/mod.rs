//! The history store: one DuckDB file, numbered append-only migrations, and the
//! access discipline between the daemon (the only writer) and CLI readers.
//!
//! DuckDB locks the whole file per process: a read-write open takes an
//! exclusive lock and a read-only open a shared one, so while the daemon has the
//! file open nobody else can even read it. The rules that follow from that:
//!
//! * the daemon opens the file for each short write transaction and closes it
//!   again ([`Store::open_write`] then drop), so readers get in between;
//! * openers queue for the file through an advisory lock beside it (`<file>.turn`),
//!   so a waiting reader gets in before the daemon's next write batch;
//! * every open, read or write, retries on a lock conflict until its bound
//!   (`[store] lock_wait`) and then fails with [`StoreError::Locked`], which names
//!   the process holding the lock;
//! * readers open read-only and never migrate; a database from a newer version
//!   of tacometer is refused by both;
//! * a file that is not tacometer's (another program's tables) or that lost its
//!   record of migrations is refused by both before anything is written to it
//!   (see [`contents`]); an empty DuckDB file is initialised by a writer.

mod bench;
mod cells;
mod contents;
mod export;
pub mod memory;
mod migrations;
mod query;
mod status;
pub mod trees;
pub mod write;

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use duckdb::{AccessMode, Config, Connection};

use contents::{Contents, Unusable, describe};

pub use cells::to_json;
pub use export::{
    EMAIL_PATTERN, REDACTION, Redactor, file_sha256, redact_column_sql, redact_sql, sql_type,
    write_parquet,
};
pub(crate) use export::{quote_ident, quote_text};
pub use migrations::{MIGRATIONS, Migration, latest_version};
pub use status::{CollectionError, FailingTarget, RunRecord};

/// Errors of the history store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process held the file's lock for longer than we were allowed to wait.
    #[error(
        "database {path} is busy: {holder} holds its lock; gave up after waiting {waited_ms} ms \
         (the daemon holds it only while writing: retry, or allow a longer wait with \
         --lock-wait or [store] lock_wait)"
    )]
    Locked {
        /// The database file.
        path: PathBuf,
        /// Who holds the lock, as DuckDB reports it.
        holder: String,
        /// How long we waited.
        waited_ms: u128,
    },
    /// The database was written by a newer tacometer.
    #[error(
        "database {path} has schema version {found}, but this tacometer knows versions 1 to \
         {supported}: it was written by a newer tacometer; upgrade tacometer to read it"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// The database is older than this build and a reader cannot upgrade it.
    #[error(
        "database {path} has schema version {found}, this tacometer needs {supported}; \
         run `tacometerd --once` (the only writer) to upgrade it"
    )]
    TooOld {
        /// The database file.
        path: PathBuf,
        /// Version found in the file.
        found: i64,
        /// Version this build needs.
        supported: i64,
    },
    /// An applied migration differs from the one this build carries.
    #[error(
        "database {path}: migration {version} ({name}) differs from the one applied to this \
         database (checksum {found} != {expected}); applied migrations must never be edited"
    )]
    MigrationChanged {
        /// The database file.
        path: String,
        /// Migration number.
        version: i64,
        /// Migration name.
        name: String,
        /// Checksum stored in the database.
        found: String,
        /// Checksum of this build's file.
        expected: String,
    },
    /// A DuckDB file holding another program's tables and no tacometer schema.
    #[error(
        "{path} is a DuckDB database but not a tacometer one: it has {objects} and no tacometer \
         schema; refusing to {action} it"
    )]
    Foreign {
        /// The database file.
        path: PathBuf,
        /// What it holds, e.g. `tables orders, people, view v`.
        objects: String,
        /// `write to` or `read`.
        action: &'static str,
    },
    /// A tacometer history whose record of applied migrations is gone.
    #[error(
        "database {path} is damaged: it has {found} of tacometer's {total} tables but no record \
         of its schema version (the schema_migrations table is missing or empty), so which \
         migrations it holds cannot be told; tacometer will neither read nor migrate it. \
         Restore it from a backup, or move it aside and run `tacometerd --once` to collect a \
         new history"
    )]
    Damaged {
        /// The database file.
        path: PathBuf,
        /// How many of tacometer's tables it has.
        found: usize,
        /// How many tables tacometer's schema has.
        total: usize,
    },
    /// A DuckDB file with nothing in it, where a reader expected a history.
    #[error(
        "database {0} is empty (no tacometer history in it yet): run `tacometerd --once` to \
         collect into it"
    )]
    Empty(PathBuf),
    /// No database file where a reader expected one.
    #[error("no database at {0}: run `tacometerd` (or `tacometerd --once`) to collect one first")]
    Missing(PathBuf),
    /// A request the store cannot answer (a bad name or argument).
    #[error("{0}")]
    Invalid(String),
    /// Any other DuckDB failure, with what we were doing.
    #[error("{context}: {}", duckdb_message(error))]
    Db {
        /// What was being attempted.
        context: String,
        /// DuckDB's error. Deliberately not this error's `source()`: its message
        /// is already part of this one, and a printer of the error chain (the
        /// CLI's `{:#}`) would show it twice, then the driver's inner code
        /// ("Error code 1: Unknown error code"), which says nothing.
        error: duckdb::Error,
    },
}

impl StoreError {
    /// A DuckDB failure while doing `context` (e.g. "open FILE for reading").
    pub(crate) fn db(context: impl Into<String>, error: duckdb::Error) -> Self {
        Self::Db {
            context: context.into(),
            error,
        }
    }
}

/// DuckDB's own message for an error. A failure DuckDB reported without a
/// message would otherwise print as the driver's placeholder ("Error code 1:
/// Unknown error code"), so it says that instead.
fn duckdb_message(error: &duckdb::Error) -> String {
    match error {
        duckdb::Error::DuckDBFailure(_, Some(message)) => message.clone(),
        duckdb::Error::DuckDBFailure(_, None) => "DuckDB failed without saying why".to_string(),
        other => other.to_string(),
    }
}

/// A `VARCHAR[]` query parameter from strings (bound parameters cannot be Rust slices).
pub fn text_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> duckdb::types::Value {
    duckdb::types::Value::List(
        items
            .into_iter()
            .map(|s| duckdb::types::Value::Text(s.as_ref().to_string()))
            .collect(),
    )
}

/// The strings of a `VARCHAR[]` column value; anything else reads as an empty list.
pub fn texts(v: duckdb::types::Value) -> Vec<String> {
    match v {
        duckdb::types::Value::List(items) => items
            .into_iter()
            .filter_map(|i| match i {
                duckdb::types::Value::Text(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Shorthand for store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Adds context to DuckDB errors.
pub(crate) trait DbContext<T> {
    /// Wraps the error with what was being attempted.
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T>;
}

impl<T> DbContext<T> for std::result::Result<T, duckdb::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|error| StoreError::db(context(), error))
    }
}

/// An open history database.
///
/// Everything outside this module goes through named methods (`write_*`,
/// `record_*`, `last_run`, ...) or the named SQL of `queries/sql/`; the one
/// door for free-form SQL is [`Store::run_user_sql`], on a sandboxed read-only
/// connection.
pub struct Store {
    conn: Connection,
    label: String,
    /// Opened with [`Store::open_query`]: read-only, no file or network access.
    sandboxed: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("db", &self.label).finish()
    }
}

/// Whether an open is for reading or writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Read,
    Write,
}

impl Store {
    /// A fresh in-memory database with every migration applied (tests, `check --live`).
    pub fn open_in_memory() -> Result<Self> {
        let conn = planner_settings(Config::default())
            .and_then(Connection::open_in_memory_with_flags)
            .ctx(|| "open in-memory database".into())?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let mut store = Self {
            conn,
            label: ":memory:".into(),
            sandboxed: false,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Opens (creating if needed) the file for writing and applies pending migrations,
    /// waiting up to `wait` for other processes' locks.
    pub fn open_write(path: &Path, wait: Duration) -> Result<Self> {
        let conn = open_with_wait(path, Mode::Write, wait)?;
        let mut store = Self {
            conn,
            label: path.display().to_string(),
            sandboxed: false,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing file read-only, waiting up to `wait` for a writer to finish.
    /// Refuses a database whose schema is newer or older than this build's.
    pub fn open_read(path: &Path, wait: Duration) -> Result<Self> {
        Self::open_reader(path, wait, false)
    }

    /// Like [`Store::open_read`], for user-written SQL: DuckDB's access to files
    /// and other databases is switched off, so `COPY ... TO` or `ATTACH` cannot
    /// write anywhere either.
    pub fn open_query(path: &Path, wait: Duration) -> Result<Self> {
        Self::open_reader(path, wait, true)
    }

    fn open_reader(path: &Path, wait: Duration, sandbox: bool) -> Result<Self> {
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let conn = open_with_wait(path, Mode::Read, wait)?;
        if sandbox {
            conn.execute_batch(
                "SET enable_external_access = false; SET lock_configuration = true;",
            )
            .ctx(|| format!("sandbox query connection to {}", path.display()))?;
        }
        let store = Self {
            conn,
            label: path.display().to_string(),
            sandboxed: sandbox,
        };
        let found = match store.contents()? {
            Contents::Tacometer(version) => version,
            Contents::Empty => return Err(StoreError::Empty(path.to_path_buf())),
            Contents::Unusable(why) => return Err(store.refusal(why, "read")),
        };
        let supported = latest_version();
        if found > supported {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found,
                supported,
            });
        }
        if found < supported {
            return Err(StoreError::TooOld {
                path: path.to_path_buf(),
                found,
                supported,
            });
        }
        store.verify_checksums()?;
        Ok(store)
    }

    /// A second connection to the same database (same settings, its own
    /// statement cache), for a query run on another thread meanwhile.
    pub fn second(&self) -> Result<Self> {
        let conn = self
            .conn
            .try_clone()
            .ctx(|| format!("open a second connection to {}", self.label))?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self {
            conn,
            label: self.label.clone(),
            sandboxed: self.sandboxed,
        })
    }

    /// Splits DuckDB's worker threads (a setting of the database, shared by
    /// every connection to it) between `streams` queries that run at once on
    /// connections of their own, until the guard drops and restores them:
    /// each query then runs on its share of the cores instead of every
    /// query's workers contending for all of them. Only speed depends on it:
    /// where the setting cannot be read or changed, nothing changes.
    pub(crate) fn share_threads(&self, streams: usize) -> Option<ThreadShare<'_>> {
        let threads: i64 = self
            .conn
            .query_row("SELECT current_setting('threads')", [], |r| r.get(0))
            .ok()?;
        let share = (threads / i64::try_from(streams.max(1)).unwrap_or(1)).max(1);
        self.conn
            .execute_batch(&format!("SET threads = {share}"))
            .ok()?;
        Some(ThreadShare {
            store: self,
            threads,
        })
    }

    /// The underlying connection, for the library's own queries.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The underlying connection, mutably (transactions).
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The raw DuckDB connection, for tests and the benchmark that seed or
    /// inspect rows no command writes. Not for product code: add a named method.
    #[doc(hidden)]
    pub fn raw_connection_for_tests(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The highest migration applied to this database (0 for an empty one).
    /// A database that is not tacometer's, or lost its record of migrations,
    /// is an error ([`StoreError::Foreign`], [`StoreError::Damaged`]).
    pub fn schema_version(&self) -> Result<i64> {
        match self.contents()? {
            Contents::Tacometer(version) => Ok(version),
            Contents::Empty => Ok(0),
            Contents::Unusable(why) => Err(self.refusal(why, "read")),
        }
    }

    /// The error for a database that is not tacometer's or is damaged;
    /// `action` is what was refused (`read`, `write to`).
    fn refusal(&self, why: Unusable, action: &'static str) -> StoreError {
        let path = PathBuf::from(&self.label);
        match why {
            Unusable::Damaged { found, total } => StoreError::Damaged { path, found, total },
            Unusable::Foreign { objects } => StoreError::Foreign {
                path,
                objects: describe(&objects),
                action,
            },
        }
    }

    /// Applies every pending migration in one transaction; a no-op when up to date.
    fn migrate(&mut self) -> Result<()> {
        self.migrate_to(latest_version())
    }

    /// Opens (creating if needed) the file for writing with the migrations up
    /// to `version` applied only: a database as an older tacometer left it,
    /// for migration tests.
    #[cfg(test)]
    pub(crate) fn open_write_at_version(path: &Path, version: i64) -> Result<Self> {
        let conn = open_with_wait(path, Mode::Write, Duration::from_secs(1))?;
        let mut store = Self {
            conn,
            label: path.display().to_string(),
            sandboxed: false,
        };
        store.migrate_to(version)?;
        Ok(store)
    }

    /// Applies the pending migrations up to `supported` in one transaction.
    fn migrate_to(&mut self, supported: i64) -> Result<()> {
        let label = self.label.clone();
        let found = match self.contents()? {
            Contents::Tacometer(version) => version,
            Contents::Empty => 0,
            // Never migrate over tables tacometer did not make, or made without a record.
            Contents::Unusable(why) => return Err(self.refusal(why, "write to")),
        };
        if found > supported {
            return Err(StoreError::TooNew {
                path: PathBuf::from(&label),
                found,
                supported,
            });
        }
        if found > 0 {
            self.verify_checksums()?;
        }
        if found == supported {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction()
            .ctx(|| format!("begin migration of {label}"))?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version     INTEGER PRIMARY KEY,
                 name        VARCHAR NOT NULL,
                 checksum    VARCHAR NOT NULL,
                 applied_at  TIMESTAMP NOT NULL
             )",
        )
        .ctx(|| format!("create schema_migrations in {label}"))?;
        for m in MIGRATIONS
            .iter()
            .filter(|m| m.version > found && m.version <= supported)
        {
            tx.execute_batch(m.sql)
                .ctx(|| format!("apply migration {} ({}) to {label}", m.version, m.name))?;
            tx.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?, now()::TIMESTAMP)",
                duckdb::params![m.version, m.name, m.checksum()],
            )
            .ctx(|| format!("record migration {} in {label}", m.version))?;
        }
        tx.commit()
            .ctx(|| format!("commit migrations of {label}"))?;
        Ok(())
    }

    /// Checks that the migrations recorded in the file are the ones this build carries.
    fn verify_checksums(&self) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT version, checksum FROM schema_migrations ORDER BY version")
            .ctx(|| format!("read migrations of {}", self.label))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .ctx(|| format!("read migrations of {}", self.label))?;
        for row in rows {
            let (version, found) = row.ctx(|| format!("read migrations of {}", self.label))?;
            if let Some(m) = MIGRATIONS.iter().find(|m| m.version == version) {
                let expected = m.checksum();
                if expected != found {
                    return Err(StoreError::MigrationChanged {
                        path: self.label.clone(),
                        version,
                        name: m.name.to_string(),
                        found,
                        expected,
                    });
                }
            }
        }
        Ok(())
    }
}

/// Opens the file, retrying on lock conflicts with a growing pause until `wait` is spent.
///
/// Every opener first takes its turn (see [`Turn`]), so a reader that is
/// waiting gets in before the daemon opens the file again for its next batch.
/// Settings of every connection that shape query plans.
///
/// `asof_loop_join_threshold = 0`: DuckDB rewrites an ASOF join whose left
/// side it expects to be under this many rows (64 by default) into a nested
/// loop join plus an aggregate. The probes of a batched query come from
/// unnested parameter lists, which it expects to be small whatever their
/// length, so a `report` of 848 probes against a million snapshots ran
/// nested loops over 930,000 pairs per query (10 s instead of 0.3 s). The
/// ASOF operator (one sort and merge) is right for every size here.
fn planner_settings(config: Config) -> duckdb::Result<Config> {
    config.with("asof_loop_join_threshold", "0")
}

/// How many prepared statements a connection keeps. Planning one of the
/// batched queries takes tens of milliseconds, and a `review` alone runs
/// more distinct statements than the driver's default of 16, which evicted
/// and planned them again within one run.
const STATEMENT_CACHE: usize = 64;

fn open_with_wait(path: &Path, mode: Mode, wait: Duration) -> Result<Connection> {
    let started = Instant::now();
    let turn = Turn::take(path, started, wait)?;
    let mut pause = Duration::from_millis(10);
    let conn = loop {
        let config = Config::default()
            .access_mode(match mode {
                Mode::Read => AccessMode::ReadOnly,
                Mode::Write => AccessMode::ReadWrite,
            })
            .and_then(|c| c.enable_autoload_extension(false))
            .and_then(planner_settings)
            .ctx(|| "configure DuckDB".into())?;
        match Connection::open_with_flags(path, config) {
            Ok(conn) => {
                conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                break conn;
            }
            Err(e) => {
                let text = e.to_string();
                if !text.contains("Could not set lock on file") {
                    return Err(StoreError::db(
                        format!(
                            "open {} for {}",
                            path.display(),
                            if mode == Mode::Read {
                                "reading"
                            } else {
                                "writing"
                            }
                        ),
                        e,
                    ));
                }
                let waited = started.elapsed();
                if waited >= wait {
                    return Err(StoreError::Locked {
                        path: path.to_path_buf(),
                        holder: lock_holder(&text),
                        waited_ms: waited.as_millis(),
                    });
                }
                thread::sleep(pause.min(wait - waited));
                pause = (pause * 2).min(MAX_PAUSE);
            }
        }
    };
    drop(turn);
    Ok(conn)
}

/// The longest pause between two attempts at a lock: short, because the
/// daemon leaves the file free only between its write batches.
const MAX_PAUSE: Duration = Duration::from_millis(50);

/// A place in line for the database file.
///
/// DuckDB's own lock is not fair: the daemon closes the file after each write
/// batch and opens it again at once, and a reader polling for the lock can miss
/// every gap. So each opener first takes an exclusive advisory lock on a small
/// file beside the database (`<file>.turn`) and keeps it only until DuckDB has
/// let it in. A reader that is waiting holds the turn, and the daemon's next
/// open queues behind it. The turn is advice only: where the file cannot be
/// created or locked (a read-only directory), openers go straight to DuckDB's
/// lock as before. Dropping the turn closes the file, which releases the lock
/// (as the operating system does for a process that dies).
struct Turn {
    /// The locked file, held only to be dropped; `None` when there is no turn to take.
    _held: Option<std::fs::File>,
}

impl Turn {
    /// Waits for the turn until `wait` since `started` is spent.
    fn take(path: &Path, started: Instant, wait: Duration) -> Result<Self> {
        let mut name = path.as_os_str().to_owned();
        name.push(".turn");
        let turn_path = PathBuf::from(name);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&turn_path)
            .or_else(|_| std::fs::File::open(&turn_path));
        let Ok(file) = file else {
            return Ok(Self { _held: None });
        };
        let mut pause = Duration::from_millis(5);
        loop {
            match file.try_lock() {
                Ok(()) => {
                    return Ok(Self { _held: Some(file) });
                }
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(_)) => return Ok(Self { _held: None }),
            }
            let waited = started.elapsed();
            if waited >= wait {
                return Err(StoreError::Locked {
                    path: path.to_path_buf(),
                    holder: "another process waiting for its turn".to_string(),
                    waited_ms: waited.as_millis(),
                });
            }
            thread::sleep(pause.min(wait - waited));
            pause = (pause * 2).min(MAX_PAUSE);
        }
    }
}

/// Extracts "<program> (PID n)" from DuckDB's lock-conflict message.
fn lock_holder(message: &str) -> String {
    const MARK: &str = "Conflicting lock is held in ";
    if let Some(start) = message.find(MARK) {
        let rest = &message[start + MARK.len()..];
        if let Some(end) = rest.find(')') {
            return rest[..=end].to_string();
        }
    }
    if message.contains("current process") {
        return "another connection in this process".to_string();
    }
    "another process".to_string()
}

#[cfg(test)]
mod tests;

/// Restores DuckDB's worker threads when dropped (see [`Store::share_threads`]).
pub(crate) struct ThreadShare<'a> {
    store: &'a Store,
    threads: i64,
}

impl Drop for ThreadShare<'_> {
    fn drop(&mut self) {
        // (a failure leaves fewer workers: slower, never wrong)
        let _ = self
            .store
            .conn
            .execute_batch(&format!("SET threads = {}", self.threads));
    }
}
