//! The built `tacometerd` starts and names itself. This package's only test
//! target: it also makes `cargo test --workspace` build the binary, which
//! the end-to-end tests (`tests/e2e`, package `tacometer-dev`) then run.

use std::process::Command;

#[test]
fn the_binary_starts_and_prints_its_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_tacometerd"))
        .arg("--version")
        .output()
        .expect("tacometerd starts");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.trim(),
        format!("tacometerd {}", env!("CARGO_PKG_VERSION"))
    );
}
