//! The numbered migrations, embedded at compile time by `tacometer-schema`
//! (`schema/lib.rs`, one line per file of `schema/migrations/`).
//!
//! Migrations are append-only: once one has landed it is never edited (a test
//! pins every file's checksum, and opening a database checks the checksums it
//! recorded). A schema change is a new file with the next number.

pub use tacometer_schema::{MIGRATIONS, Migration};

/// The newest schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}
