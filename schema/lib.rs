//! tacometer's DuckDB schema: the numbered migrations in `migrations/`,
//! embedded at compile time.
//!
//! The files live in a crate of their own so that every crate that embeds
//! them can be packaged: a crate may only include files under its own
//! directory. Migrations are append-only: once one has landed it is never
//! edited (the store pins every file's checksum, and opening a database
//! checks the checksums it recorded). A schema change is a new file with the
//! next number, and one line in [`MIGRATIONS`].

use sha2::{Digest, Sha256};

/// One schema migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Its number; applied in ascending order.
    pub version: i64,
    /// Its file stem.
    pub name: &'static str,
    /// The SQL it runs.
    pub sql: &'static str,
}

impl Migration {
    /// SHA-256 of the SQL, hex-encoded.
    pub fn checksum(&self) -> String {
        let digest = Sha256::digest(self.sql.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// `version => "file stem"` lines to [`Migration`]s, embedding
/// `migrations/<file stem>.sql`.
macro_rules! migrations {
    ($($version:literal => $name:literal,)*) => {
        &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("migrations/", $name, ".sql")),
        },)*]
    };
}

/// Every migration this build knows, in order: one line per file.
pub const MIGRATIONS: &[Migration] = migrations![
    1 => "0001_initial",
    2 => "0002_package_requirements",
    3 => "0003_history_progress",
    4 => "0004_observations",
    5 => "0005_star_history",
    6 => "0006_tree_history",
    7 => "0007_release_requirements",
    8 => "0008_snapshot_facts_hash",
];

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;

    #[test]
    fn every_file_in_migrations_is_listed_in_order() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("schema/migrations")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        files.sort();
        let listed: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{}.sql", m.name))
            .collect();
        assert_eq!(
            files, listed,
            "list every file of migrations/ in MIGRATIONS"
        );
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "versions are consecutive");
            assert!(m.name.starts_with(&format!("{:04}_", m.version)));
        }
    }
}
