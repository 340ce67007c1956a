//! tacometer's shared library: configuration, domain model, the DuckDB history
//! store and output rendering. Both binaries are thin wiring around it, so
//! tests exercise the same code the daemon and CLI run.

pub mod codeowners;
pub mod collect;
pub mod config;
pub mod health;
pub mod identity;
pub mod landscape;
pub mod model;
pub mod output;
pub mod requirements;
pub mod review;
pub mod store;
pub mod time;

#[cfg(test)]
mod proptests;
