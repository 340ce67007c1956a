//! The real `tacometer` and `tacometerd` for the end-to-end tests.
//!
//! Cargo tells a test where its own package's binaries are
//! (`CARGO_BIN_EXE_<name>`), but the binaries live in packages of their own
//! (`cli/`, `daemon/`) so that `tacometerd` links neither the fake upstream
//! nor the demo. So the first test that needs them asks Cargo to build both,
//! with the profile and target directory of the running test binary, and
//! reads their paths from Cargo's own report; later tests reuse the answer.
//! When they are up to date this takes about a second.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The packages and binaries the end-to-end tests run.
const BINARIES: [(&str, &str); 2] = [("tacometer", "tacometer"), ("tacometerd", "tacometerd")];

/// The path of the `tacometer` binary, built on first use.
pub fn tacometer() -> &'static Path {
    binary("tacometer")
}

/// The path of the `tacometerd` binary, built on first use.
pub fn tacometerd() -> &'static Path {
    binary("tacometerd")
}

fn binary(name: &str) -> &'static Path {
    static BUILT: OnceLock<Result<Vec<(String, PathBuf)>, String>> = OnceLock::new();
    let built = match BUILT.get_or_init(build) {
        Ok(built) => built,
        Err(e) => panic!("building the binaries for the end-to-end tests failed: {e}"),
    };
    match built.iter().find(|(n, _)| n == name) {
        Some((_, path)) => path,
        None => panic!("cargo did not report a `{name}` binary"),
    }
}

/// `cargo build` of both binaries, as the running test binary was built.
fn build() -> Result<Vec<(String, PathBuf)>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    // <target dir>/<profile dir>/deps/<test binary>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("{} is not in a Cargo target directory", exe.display()))?;
    let target_dir = profile_dir
        .parent()
        .ok_or_else(|| format!("{} has no parent", profile_dir.display()))?;
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--message-format=json-render-diagnostics",
            "--profile",
        ])
        .arg(profile)
        .arg("--target-dir")
        .arg(target_dir);
    for (package, bin) in BINARIES {
        cmd.args(["--package", package, "--bin", bin]);
    }
    let out = cmd
        .output()
        .map_err(|e| format!("running {}: {e}", Path::new(&cargo).display()))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} exited with {}:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        if let (Some(name), Some(path)) =
            (msg["target"]["name"].as_str(), msg["executable"].as_str())
        {
            found.push((name.to_owned(), PathBuf::from(path)));
        }
    }
    Ok(found)
}
