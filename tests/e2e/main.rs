//! End-to-end tests: the real `tacometer` and `tacometerd` binaries, real DuckDB
//! files in temporary directories, and (for collection) the fake upstream over
//! loopback HTTP. One test binary on purpose: each links all of DuckDB.

mod browser;
mod cli;
mod converge;
mod daemon;
mod evaluate;
mod hostile;
mod locking;
mod ops;
mod site;
mod util;
