//! Collection from the upstreams: GitHub, PyPI and Anaconda.
//!
//! `pass` orchestrates one pass; `schedule` decides what is due; `repo` and
//! `package_fetch` are one target's step; `history` walks commit history
//! resumably; `stars` reads each repository's star list once, so star counts
//! before the first snapshot are known; `trees` reads past trees once, so
//! layout files, CODEOWNERS and license files before it are known; `map`
//! turns GitHub's answers into records; `github`, `http` and `packages`
//! speak to the upstreams; `sink` is the one writer of the
//! database; `allowance` is a backfill's share of upstream time in a pass;
//! `daemon` is the loop of passes; `metrics` is what the collector shows about
//! itself, and `serve` shows it over HTTP (`tacometerd --listen`).

pub mod allowance;
pub mod daemon;
pub mod github;
pub mod history;
pub mod http;
#[cfg(test)]
mod loopback;
pub mod map;
pub mod metrics;
pub mod package_fetch;
pub mod packages;
pub mod pass;
pub mod repo;
pub mod schedule;
pub mod serve;
pub mod sink;
pub mod stars;
pub mod trees;
