//! The real `tacometer` and `tacometerd` for the end-to-end tests.
//!
//! Cargo tells a test where its own package's binaries are
//! (`CARGO_BIN_EXE_<name>`), but the binaries live in packages of their own
//! (`cli/`, `daemon/`) so that `tacometerd` links neither the fake upstream
//! nor the demo. Each of those packages has a test target of its own, so
//! `cargo test --workspace` (or `--workspace --tests`) builds both binaries
//! with the same features and profile as everything else, before any test
//! runs; they sit beside the test binary's `deps/` directory, where this
//! finds them. (The tests never run Cargo themselves: a nested build resolves
//! features for fewer packages, and may rebuild DuckDB's C++ to do it.)

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The path of the `tacometer` binary.
pub fn tacometer() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| beside_tests("tacometer"))
}

/// The path of the `tacometerd` binary.
pub fn tacometerd() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| beside_tests("tacometerd"))
}

/// `<target dir>/<profile>/<name>`, for a test binary at
/// `<target dir>/<profile>/deps/<test binary>`.
fn beside_tests(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .unwrap_or_else(|| panic!("{} is not in a Cargo target directory", exe.display()));
    let path = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: the end-to-end tests run the binaries `cargo test --workspace` \
         builds; for a few of them, run `cargo test --workspace --tests -- NAME`",
        path.display()
    );
    path
}
