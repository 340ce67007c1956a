//! Helpers for running the real binaries.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

/// The `tacometer` binary (`tests/binaries.rs`).
pub fn tacometer() -> Command {
    bin(tacometer_dev::tacometer())
}

/// The `tacometerd` binary (`tests/binaries.rs`).
pub fn tacometerd() -> Command {
    bin(tacometer_dev::tacometerd())
}

/// A command with a clean environment: no config, token (nor a `gh` on `PATH`)
/// or upstream leaks in from the machine running the tests.
fn bin(path: &Path) -> Command {
    let mut cmd = Command::new(path);
    for var in [
        "TACOMETER_CONFIG",
        "TACOMETER_DB",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GITHUB_API_URL",
        "GITHUB_GRAPHQL_URL",
        "PYPI_URL",
        "ANACONDA_API_URL",
        "RUST_LOG",
        "COLUMNS",
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
    ] {
        cmd.env_remove(var);
    }
    // Keep the platform config dir out of reach, and the machine's `gh` login too.
    cmd.env("XDG_CONFIG_HOME", "/nonexistent-tacometer-test-config");
    cmd.env("PATH", "/nonexistent-tacometer-test-path");
    cmd
}

/// Runs and captures; panics only if the process could not start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the binary starts")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A config file with the given text in `dir`.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("tacometer.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// A spawned daemon that is killed when dropped while still running, so a
/// test that fails part-way leaves no process behind.
pub struct Reaped(pub Child);

impl Deref for Reaped {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
