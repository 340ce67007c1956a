//! The numbered migrations, embedded at compile time from `schema/migrations/`.
//!
//! Migrations are append-only: once one has landed it is never edited (a test
//! pins every file's checksum, and opening a database checks the checksums it
//! recorded). A schema change is a new file with the next number.

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

/// Every migration this build knows, in order.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_initial",
        sql: include_str!("../../../schema/migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "0002_package_requirements",
        sql: include_str!("../../../schema/migrations/0002_package_requirements.sql"),
    },
    Migration {
        version: 3,
        name: "0003_history_progress",
        sql: include_str!("../../../schema/migrations/0003_history_progress.sql"),
    },
    Migration {
        version: 4,
        name: "0004_observations",
        sql: include_str!("../../../schema/migrations/0004_observations.sql"),
    },
    Migration {
        version: 5,
        name: "0005_star_history",
        sql: include_str!("../../../schema/migrations/0005_star_history.sql"),
    },
    Migration {
        version: 6,
        name: "0006_tree_history",
        sql: include_str!("../../../schema/migrations/0006_tree_history.sql"),
    },
    Migration {
        version: 7,
        name: "0007_release_requirements",
        sql: include_str!("../../../schema/migrations/0007_release_requirements.sql"),
    },
];

/// The newest schema version this build writes.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}
