//! A fake GitHub (GraphQL and REST), PyPI and Anaconda upstream on loopback,
//! for end-to-end tests, the offline demo and benchmarks.
//!
//! The fake serves a [`World`] (plain data, stored as JSON) on one base URL,
//! with the shapes, status codes and headers of the real services and their
//! behaviour: cursor pagination, `history(since:, until:)`, `NOT_FOUND` beside
//! partial data, renames, rate-limit budgets and headers, secondary limits,
//! ETags and 304s. Faults are injected from the world file or
//! `POST /_fake/faults`, and every request is accounted for on
//! `GET /_fake/accounting`, including requests sent while told to wait.

pub mod accounting;
pub mod anaconda;
pub mod edge;
pub mod faults;
pub mod generate;
pub mod graphql;
pub mod push;
pub mod pypi;
pub mod rest;
pub mod server;
pub mod state;
pub mod truth;
pub mod util;
pub mod world;

pub use accounting::{OperationCounters, RepoCounters};
pub use faults::{Exhaust, Faults, Hostile, Latency, RouteFault, SecondaryLimit};
pub use generate::{BigRepoSpec, GenSpec, add_big_repo, big_repo_world, generate};
pub use push::{ChangeSpec, PushResult, PushSpec, Rerun, Yank};
pub use server::{FakeServer, start};
pub use state::{Accounting, Counters, Violation};
pub use world::World;
