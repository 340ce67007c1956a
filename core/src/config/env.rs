//! Where settings come from outside the file: environment variables, and the
//! token the GitHub CLI keeps (`gh auth token`), asked only by the commands
//! that talk to GitHub.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Read as _;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Secret;

/// Reads environment variables and asks the GitHub CLI for its token; a trait
/// so tests inject a fixed environment.
pub trait Environment {
    /// The variable's value, when set and not empty.
    fn var(&self, name: &str) -> Option<String>;

    /// Whether the variable is set, even to nothing (an upstream URL set to
    /// nothing is a mistake to report, not the default upstream).
    fn is_set(&self, name: &str) -> bool {
        self.var(name).is_some()
    }

    /// The token `gh auth token --hostname HOST` prints, or `None` when there is
    /// no `gh`, it fails, prints nothing usable or is too slow. A fixed
    /// environment has no `gh`.
    fn gh_auth_token(&self, _hostname: &str) -> Option<Secret> {
        None
    }
}

/// The process environment; `gh` is looked up on its `PATH`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

/// How long `gh auth token` may take before it counts as absent.
pub const GH_TIMEOUT: Duration = Duration::from_secs(5);

impl Environment for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }

    fn is_set(&self, name: &str) -> bool {
        std::env::var_os(name).is_some()
    }

    fn gh_auth_token(&self, hostname: &str) -> Option<Secret> {
        run_gh_auth_token(OsStr::new("gh"), hostname, GH_TIMEOUT)
    }
}

/// Runs `PROGRAM auth token --hostname HOST` with stdin closed and stderr
/// discarded, and returns its trimmed output when it exits 0 within `timeout`
/// with one word on it. Any failure (no such program, a non-zero exit, a
/// timeout: the process is then killed) is `None`; what the program printed
/// is never logged or put in an error.
pub(super) fn run_gh_auth_token(
    program: &OsStr,
    hostname: &str,
    timeout: Duration,
) -> Option<Secret> {
    let mut child = Command::new(program)
        .args(["auth", "token", "--hostname", hostname])
        .env("GH_PROMPT_DISABLED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + timeout;
    let mut stdout = child.stdout.take()?;
    // Read on a thread: a process that never closes its output must not hang us.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let read = (&mut stdout).take(64 * 1024).read_to_end(&mut buf);
        let _ = tx.send(read.map(|_| buf));
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    if !status.success() {
        return None;
    }
    let wait = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(200));
    let out = rx.recv_timeout(wait).ok()?.ok()?;
    let text = String::from_utf8(out).ok()?;
    let token = text.trim();
    let usable = !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
    usable.then(|| Secret::new(token))
}

/// The host `gh` keeps the login for, from the REST base URL: `github.com` for
/// `api.github.com`, else the URL's host (GitHub Enterprise, or a test server
/// `gh` has no login for).
pub(super) fn gh_hostname(api_url: &str) -> Option<String> {
    let url = reqwest::Url::parse(api_url).ok()?;
    let host = url.host_str()?;
    Some(if host.eq_ignore_ascii_case("api.github.com") {
        "github.com".to_string()
    } else {
        host.to_string()
    })
}

impl Environment for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned().filter(|v| !v.is_empty())
    }

    fn is_set(&self, name: &str) -> bool {
        self.contains_key(name)
    }
}
