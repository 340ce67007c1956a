//! Configuration: the TAC's criteria, collection settings, upstreams and tracked projects.
//!
//! Layering, lowest to highest precedence:
//!
//! 1. built-in defaults (the `Default` impls below, plus the shipped PyTorch
//!    Ecosystem project list when no file is given);
//! 2. the TOML file: `--config`, else `TACOMETER_CONFIG`, else
//!    `<platform config dir>/tacometer/config.toml` when it exists;
//! 3. the environment: `TACOMETER_DB`, `GITHUB_API_URL`, `GITHUB_GRAPHQL_URL`,
//!    `PYPI_URL`, `ANACONDA_API_URL`, `GITHUB_TOKEN` / `GH_TOKEN`;
//! 4. command-line flags (applied by the binaries through [`Overrides`]).
//!
//! GitHub tokens: `GITHUB_TOKEN`, else `GH_TOKEN`, goes first in the pool of
//! `[github] tokens` (used in turn), followed by the lines of the systemd
//! credential `$CREDENTIALS_DIRECTORY/github-token` when there is one. Only when neither variable is set and the
//! file names no tokens does what collects from GitHub (the daemon,
//! `check --live`) ask the GitHub CLI, `gh auth token`, through
//! [`Config::github_token_from_gh`]; commands that only read the database never
//! start a process. A token is never logged, shown in an error or stored.
//!
//! Every key of the file is optional except `projects`. Unknown keys and bad
//! values are errors that name the file, line, column and dotted key, because a
//! typo in a threshold silently falling back to a default would change the
//! TAC's verdicts without anyone noticing.
//!
//! The environment and the GitHub CLI's token are read in `config/env.rs`;
//! where in the file an error is, and the allowed range of each value, are in
//! `config/validate.rs`; the tests are in `config/tests.rs`.
//!
//! Longer than 500 lines on purpose: the configuration surface and its
//! defaults are one job, and each key's rule sits beside its field.

mod env;
mod validate;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::model::{CondaPackage, ProjectStatus, PypiName, RepoSlug};

use env::gh_hostname;
pub use env::{Environment, GH_TIMEOUT, ProcessEnv};
pub use validate::upstream_url;
use validate::{located_error, out_of_range, value_error};

/// The shipped PyTorch Ecosystem configuration, used when no file is given.
pub const PYTORCH_ECOSYSTEM_TOML: &str = include_str!("../config/pytorch-ecosystem.toml");

/// The name under which the shipped configuration appears in messages.
pub const BUILTIN_NAME: &str = "<built-in config/pytorch-ecosystem.toml>";

/// A configuration error that points at the offending place.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file was read but a key or value is wrong.
    #[error("{file}:{line}:{column}: key `{key}`: {message}")]
    Invalid {
        /// The file (or the built-in name).
        file: String,
        /// 1-based line of the offending key or value.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// Dotted key path, e.g. `criteria.min_stars` or `projects[3].repos`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// A value from the environment is wrong.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable's name.
        var: String,
        /// What is wrong.
        message: String,
    },
}

/// The TAC's requirement thresholds and definitions (`[criteria]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Criteria {
    /// Version string recorded with every evaluation and export.
    pub version: String,
    /// Length of the rolling window in days.
    pub window_days: NonZeroU32,
    /// Minimum stargazer count.
    pub min_stars: u32,
    /// Minimum commits in the window.
    pub min_commits: u32,
    /// Minimum distinct contributors in the window.
    pub min_contributors: u32,
    /// Minimum declared maintainers.
    pub min_maintainers: u32,
    /// SPDX ids that count as permissive.
    pub permissive_licenses: Vec<String>,
    /// Bot logins besides those ending in `[bot]`.
    pub bots: Vec<String>,
    /// Days a project has, from the TAC's notice (`[[projects]] notified`),
    /// to fix a failing requirement before it is retired.
    pub remediation_days: u32,
    /// A passing rolling count within this fraction above its threshold is at
    /// risk (`0.10`: 10%).
    pub at_risk_margin: f64,
    /// How many days `review` looks back for the day a failure began (182:
    /// one review period).
    pub review_lookback_days: NonZeroU32,
    /// How many days a repository's latest snapshot answers for an as-of
    /// date after it was taken; past that (the daemon stopped, or an as-of
    /// date after the last collection) the requirements read as unknown.
    pub staleness_days: NonZeroU32,
    /// The environment whose `requires_dist` markers `pytorch_support` evaluates.
    pub target_environment: TargetEnvironment,
}

impl Default for Criteria {
    fn default() -> Self {
        Self {
            version: "pytorch-ecosystem-1.0".into(),
            window_days: NonZeroU32::new(90).unwrap_or(NonZeroU32::MIN),
            min_stars: 200,
            min_commits: 30,
            min_contributors: 5,
            min_maintainers: 2,
            permissive_licenses: ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC"]
                .map(String::from)
                .to_vec(),
            bots: vec!["pytorchbot".into(), "facebook-github-bot".into()],
            remediation_days: 30,
            at_risk_margin: 0.10,
            review_lookback_days: NonZeroU32::new(182).unwrap_or(NonZeroU32::MIN),
            staleness_days: NonZeroU32::new(3).unwrap_or(NonZeroU32::MIN),
            target_environment: TargetEnvironment::default(),
        }
    }
}

/// The installation `pytorch_support` judges a package for
/// (`[criteria] target_environment = { platform = "linux", machine = "x86_64",
/// python = "3.14" }`): a `requires_dist` entry counts only when its PEP 508
/// environment marker holds there, without extras.
///
/// Three keys rather than PEP 508's eleven marker variables: the others follow
/// from them for CPython (`sys_platform`, `platform_system` and `os_name` from
/// the platform; `python_version`, `python_full_version` and
/// `implementation_version` from the Python version), and `platform_release` /
/// `platform_version` are empty, as no package pins a kernel build. The default
/// is what most users install on: Linux on x86_64 with the newest CPython.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TargetEnvironment {
    /// The operating system.
    pub platform: TargetPlatform,
    /// `platform_machine` as Python reports it (`x86_64`, `aarch64`, `arm64`, `AMD64`).
    pub machine: String,
    /// The CPython minor version (`"3.14"`).
    pub python: PythonMinor,
}

impl Default for TargetEnvironment {
    fn default() -> Self {
        Self {
            platform: TargetPlatform::Linux,
            machine: "x86_64".into(),
            python: PythonMinor(3, 14),
        }
    }
}

impl fmt::Display for TargetEnvironment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}, CPython {}",
            self.platform.sys_platform(),
            self.machine,
            self.python
        )
    }
}

/// The operating system of the [`TargetEnvironment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetPlatform {
    /// `sys_platform == "linux"`.
    Linux,
    /// `sys_platform == "darwin"`.
    Macos,
    /// `sys_platform == "win32"`.
    Windows,
}

impl TargetPlatform {
    /// The PEP 508 `sys_platform` value.
    pub fn sys_platform(self) -> &'static str {
        match self {
            Self::Linux => "linux",
            Self::Macos => "darwin",
            Self::Windows => "win32",
        }
    }

    /// The PEP 508 `platform_system` value.
    pub fn platform_system(self) -> &'static str {
        match self {
            Self::Linux => "Linux",
            Self::Macos => "Darwin",
            Self::Windows => "Windows",
        }
    }

    /// The PEP 508 `os_name` value.
    pub fn os_name(self) -> &'static str {
        match self {
            Self::Linux | Self::Macos => "posix",
            Self::Windows => "nt",
        }
    }
}

/// A Python `major.minor` version, written `"3.14"` in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct PythonMinor(pub u64, pub u64);

impl fmt::Display for PythonMinor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

impl From<PythonMinor> for String {
    fn from(v: PythonMinor) -> String {
        v.to_string()
    }
}

impl<'de> Deserialize<'de> for PythonMinor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let parsed = text.split_once('.').and_then(|(major, minor)| {
            let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            (digits(major) && digits(minor))
                .then(|| Some(PythonMinor(major.parse().ok()?, minor.parse().ok()?)))
                .flatten()
        });
        parsed.ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not a Python version: write major.minor, e.g. \"3.14\""
            ))
        })
    }
}

/// A duration written the human way in the file (`"1h"`, `"30m"`, `"6h 30m"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Interval(pub Duration);

impl From<Interval> for String {
    fn from(i: Interval) -> String {
        humantime::format_duration(i.0).to_string()
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let dur = humantime::parse_duration(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "`{text}` is not a duration ({e}); write e.g. \"90s\", \"30m\", \"1h\", \"6h\""
            ))
        })?;
        if dur.is_zero() {
            return Err(serde::de::Error::custom(
                "a duration must be longer than zero",
            ));
        }
        Ok(Interval(dur))
    }
}

/// Collection settings for the daemon (`[collect]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Collect {
    /// Days of commit history to fetch on first sight of a repo.
    pub backfill_days: NonZeroU32,
    /// How often GitHub signals are collected.
    pub github_interval: Interval,
    /// How often PyPI and conda signals are collected.
    pub packages_interval: Interval,
    /// Time limit for one upstream request, and for one repository's share of
    /// history backfill in a pass (an unfinished backfill resumes at the next
    /// pass where it stopped).
    pub item_timeout: Interval,
    /// How far before the stored head's committer date an incremental history
    /// fetch reaches back, so commits of merged branches with older committer
    /// dates are still seen.
    pub history_overlap: Interval,
    /// Repositories (and packages) collected at the same time.
    pub concurrency: NonZeroU32,
    /// The most pages of 100 stargazers the one-time star backfill reads per
    /// repository (each page costs at most one GraphQL point; pages of up to
    /// 50 repositories share a point). It reconstructs star counts before the
    /// first snapshot from `starredAt`; a repository that needs more pages
    /// keeps the stars before the oldest one read `unknown`. 0 turns it off.
    pub star_history_max_points: u32,
    /// Requests per second allowed to each upstream host (`host = n`), besides
    /// what the upstream itself says.
    pub requests_per_second: BTreeMap<String, NonZeroU32>,
    /// Requests in flight at once to each upstream host (`host = n`; hosts not
    /// listed: 4).
    pub max_in_flight: BTreeMap<String, NonZeroU32>,
}

impl Collect {
    /// The pause between the daemon's passes: the shortest collection
    /// interval (each pass collects what is due). Collection is stale past
    /// twice this (`/healthz`, `tacometer status --check`).
    pub fn pass_interval(&self) -> Duration {
        self.github_interval.0.min(self.packages_interval.0)
    }
}

impl Default for Collect {
    fn default() -> Self {
        let mut rps = BTreeMap::new();
        for (host, n) in [
            ("api.github.com", 10),
            ("pypi.org", 5),
            ("api.anaconda.org", 2),
        ] {
            if let Some(n) = NonZeroU32::new(n) {
                rps.insert(host.to_string(), n);
            }
        }
        // GitHub's secondary limits allow 100 concurrent requests; four stay far
        // inside them while hiding most of the latency of a history page.
        let mut in_flight = BTreeMap::new();
        for (host, n) in [
            ("api.github.com", 4),
            ("pypi.org", 4),
            ("api.anaconda.org", 2),
        ] {
            if let Some(n) = NonZeroU32::new(n) {
                in_flight.insert(host.to_string(), n);
            }
        }
        Self {
            backfill_days: NonZeroU32::new(365).unwrap_or(NonZeroU32::MIN),
            github_interval: Interval(Duration::from_secs(3600)),
            packages_interval: Interval(Duration::from_secs(6 * 3600)),
            item_timeout: Interval(Duration::from_secs(120)),
            history_overlap: Interval(Duration::from_secs(24 * 3600)),
            concurrency: NonZeroU32::new(8).unwrap_or(NonZeroU32::MIN),
            star_history_max_points: 100,
            requests_per_second: rps,
            max_in_flight: in_flight,
        }
    }
}

/// Upstream base URLs (`[upstream]`), overridden by the environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Upstream {
    /// GitHub REST base URL (`GITHUB_API_URL`).
    pub github_api_url: String,
    /// GitHub GraphQL endpoint (`GITHUB_GRAPHQL_URL`); defaults to `<github_api_url>/graphql`.
    pub github_graphql_url: Option<String>,
    /// PyPI base URL (`PYPI_URL`).
    pub pypi_url: String,
    /// Anaconda API base URL (`ANACONDA_API_URL`).
    pub anaconda_api_url: String,
}

impl Default for Upstream {
    fn default() -> Self {
        Self {
            github_api_url: "https://api.github.com".into(),
            github_graphql_url: None,
            pypi_url: "https://pypi.org".into(),
            anaconda_api_url: "https://api.anaconda.org".into(),
        }
    }
}

impl Upstream {
    /// The GraphQL endpoint, derived from the REST base when not set.
    pub fn graphql_url(&self) -> String {
        self.github_graphql_url
            .clone()
            .unwrap_or_else(|| format!("{}/graphql", self.github_api_url.trim_end_matches('/')))
    }
}

/// A secret (a GitHub token). It never prints: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

/// The systemd credential tokens are read from: `$CREDENTIALS_DIRECTORY/github-token`.
pub const CREDENTIAL_NAME: &str = "github-token";

/// GitHub credentials (`[github]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Github {
    /// A pool of tokens used in turn; the environment's token (`GITHUB_TOKEN`,
    /// else `GH_TOKEN`) is added first, and `gh auth token` is asked only when
    /// there is none at all.
    pub tokens: Vec<Secret>,
}

/// Where and how the history database is opened (`[store]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreSettings {
    /// The DuckDB file (`--db`, `TACOMETER_DB`).
    pub path: PathBuf,
    /// How long a command waits for another process's lock before giving up.
    pub lock_wait: Interval,
}

impl Default for StoreSettings {
    fn default() -> Self {
        Self {
            path: PathBuf::from("tacometer.duckdb"),
            lock_wait: Interval(Duration::from_secs(30)),
        }
    }
}

/// One tracked project (`[[projects]]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Display name, unique within the config.
    pub name: String,
    /// Repositories in scope; the first is primary. Empty when not yet known.
    #[serde(default)]
    pub repos: Vec<RepoSlug>,
    /// A GitHub organisation for entries that name an org rather than a repo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_org: Option<String>,
    /// PyPI projects.
    #[serde(default)]
    pub pypi: Vec<PypiName>,
    /// Conda packages as `channel/name`.
    #[serde(default)]
    pub conda: Vec<CondaPackage>,
    /// Membership status.
    #[serde(default = "default_status")]
    pub status: ProjectStatus,
    /// A PyTorch Foundation-hosted project rather than an ecosystem member.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub foundation: bool,
    /// Landscape category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Date the TAC accepted the project, when known (a TOML date, `2025-04-08`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "toml_date"
    )]
    pub accepted: Option<NaiveDate>,
    /// Date the TAC notified the project that it fails a requirement (a TOML
    /// date): its remediation deadline is this plus `remediation_days`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "toml_date"
    )]
    pub notified: Option<NaiveDate>,
}

/// Reads a TOML local date (or a `YYYY-MM-DD` string) as a `NaiveDate`.
fn toml_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum DateInput {
        Toml(toml::value::Datetime),
        Text(String),
    }
    let text = match Option::<DateInput>::deserialize(d)? {
        None => return Ok(None),
        Some(DateInput::Toml(dt)) => dt.to_string(),
        Some(DateInput::Text(t)) => t,
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a date (YYYY-MM-DD)")))
}

fn default_status() -> ProjectStatus {
    ProjectStatus::Active
}

impl Project {
    /// The primary repository (stars, files, license, CI and maintainers come from it).
    pub fn primary_repo(&self) -> Option<&RepoSlug> {
        self.repos.first()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    criteria: Criteria,
    #[serde(default)]
    collect: Collect,
    #[serde(default)]
    upstream: Upstream,
    #[serde(default)]
    github: Github,
    #[serde(default)]
    store: StoreSettings,
    projects: Vec<toml::Spanned<Project>>,
}

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "path")]
pub enum ConfigSource {
    /// The shipped PyTorch Ecosystem configuration.
    Builtin,
    /// A file on disk.
    File(PathBuf),
}

impl fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Builtin => f.write_str(BUILTIN_NAME),
            Self::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The fully layered configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// Where the file layer came from.
    pub source: ConfigSource,
    /// Requirement thresholds.
    pub criteria: Criteria,
    /// Collection settings.
    pub collect: Collect,
    /// Upstream base URLs.
    pub upstream: Upstream,
    /// GitHub credentials.
    pub github: Github,
    /// Database settings.
    pub store: StoreSettings,
    /// Tracked projects, in file order.
    pub projects: Vec<Project>,
}

/// Values given on the command line, the top layer.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--db FILE`.
    pub db: Option<PathBuf>,
}

impl Config {
    /// Loads the layered configuration: defaults, file, environment, flags.
    pub fn load(overrides: &Overrides, env: &dyn Environment) -> Result<Self, ConfigError> {
        let file = overrides
            .config
            .clone()
            .or_else(|| env.var("TACOMETER_CONFIG").map(PathBuf::from))
            .or_else(|| {
                dirs::config_dir()
                    .map(|d| d.join("tacometer").join("config.toml"))
                    .filter(|p| p.is_file())
            });
        let mut config = match file {
            Some(path) => Self::from_file(&path)?,
            None => Self::builtin()?,
        };
        config.apply_env(env)?;
        if let Some(db) = &overrides.db {
            config.store.path = db.clone();
        }
        Ok(config)
    }

    /// The shipped PyTorch Ecosystem configuration with built-in defaults.
    pub fn builtin() -> Result<Self, ConfigError> {
        Self::parse(PYTORCH_ECOSYSTEM_TOML, ConfigSource::Builtin)
    }

    /// Reads and parses one file (defaults beneath it, nothing above).
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, ConfigSource::File(path.to_path_buf()))
    }

    /// Parses TOML text; errors name `source`, the line and the key.
    pub fn parse(text: &str, source: ConfigSource) -> Result<Self, ConfigError> {
        let parsed: FileConfig = toml::from_str(text).map_err(|e| {
            let message = e.message().to_string();
            let offset = e.span().map(|s| s.start);
            match located_error(text, &source, offset, &message) {
                // The value there may be a token: never repeat it.
                ConfigError::Invalid {
                    file,
                    line,
                    column,
                    key,
                    ..
                } if key.starts_with("github") => ConfigError::Invalid {
                    file,
                    line,
                    column,
                    key,
                    message: "not valid here (the value is not repeated: it may be a secret); \
                              write tokens = [\"...\"], a list of strings"
                        .into(),
                },
                other => other,
            }
        })?;
        let mut seen = HashSet::new();
        for spanned in &parsed.projects {
            let project = spanned.get_ref();
            if !seen.insert(project.name.to_lowercase()) {
                return Err(located_error(
                    text,
                    &source,
                    Some(spanned.span().start),
                    &format!("duplicate project name `{}`", project.name),
                ));
            }
            if project.name.trim().is_empty() {
                return Err(located_error(
                    text,
                    &source,
                    Some(spanned.span().start),
                    "project name must not be empty",
                ));
            }
        }
        for (i, license) in parsed.criteria.permissive_licenses.iter().enumerate() {
            if license.trim().is_empty() || license.contains(char::is_whitespace) {
                return Err(value_error(
                    text,
                    &source,
                    "criteria.permissive_licenses",
                    Some(&i.to_string()),
                    &format!("entry {i} `{license}` is not an SPDX identifier"),
                ));
            }
        }
        if let Some((key, entry, message)) = out_of_range(&parsed) {
            return Err(value_error(text, &source, key, entry, &message));
        }
        let margin = parsed.criteria.at_risk_margin;
        if !(0.0..=1.0).contains(&margin) {
            return Err(value_error(
                text,
                &source,
                "criteria.at_risk_margin",
                None,
                &format!("{margin} is not a fraction between 0 and 1 (0.10 means 10%)"),
            ));
        }
        Ok(Self {
            source,
            criteria: parsed.criteria,
            collect: parsed.collect,
            upstream: parsed.upstream,
            github: parsed.github,
            store: parsed.store,
            projects: parsed
                .projects
                .into_iter()
                .map(|p| p.into_inner())
                .collect(),
        })
    }

    fn apply_env(&mut self, env: &dyn Environment) -> Result<(), ConfigError> {
        if let Some(db) = env.var("TACOMETER_DB") {
            self.store.path = PathBuf::from(db);
        }
        let url = |var: &str| -> Result<Option<String>, ConfigError> {
            match env.var(var) {
                None if env.is_set(var) => Err(ConfigError::Env {
                    var: var.to_string(),
                    message: "set but empty; unset it to use the default upstream".into(),
                }),
                None => Ok(None),
                Some(v) => upstream_url(&v)
                    .map(Some)
                    .map_err(|message| ConfigError::Env {
                        var: var.to_string(),
                        message,
                    }),
            }
        };
        if let Some(v) = url("GITHUB_API_URL")? {
            self.upstream.github_api_url = v;
        }
        if let Some(v) = url("GITHUB_GRAPHQL_URL")? {
            self.upstream.github_graphql_url = Some(v);
        }
        if let Some(v) = url("PYPI_URL")? {
            self.upstream.pypi_url = v;
        }
        if let Some(v) = url("ANACONDA_API_URL")? {
            self.upstream.anaconda_api_url = v;
        }
        // systemd's credentials (`LoadCredential=github-token:FILE`): one
        // token per line, after the environment's and before the config's.
        if let Some(dir) = env.var("CREDENTIALS_DIRECTORY") {
            let path = Path::new(&dir).join(CREDENTIAL_NAME);
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let tokens: Vec<Secret> = text
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty() && !l.starts_with('#'))
                        .map(Secret::new)
                        .collect();
                    for token in tokens.into_iter().rev() {
                        if !self.github.tokens.contains(&token) {
                            self.github.tokens.insert(0, token);
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(ConfigError::Read {
                        path: path.display().to_string(),
                        source,
                    });
                }
            }
        }
        if let Some(token) = env.var("GITHUB_TOKEN").or_else(|| env.var("GH_TOKEN")) {
            let token = Secret::new(token.trim());
            if !self.github.tokens.contains(&token) {
                self.github.tokens.insert(0, token);
            }
        }
        Ok(())
    }

    /// The last resort for a GitHub token: when no token is known (neither
    /// `GITHUB_TOKEN` nor `GH_TOKEN` is set and `[github] tokens` is empty), asks
    /// `gh auth token` for the API's host and uses what it prints. Its absence
    /// or failure just means no token. Not part of [`Config::load`], so only
    /// what collects from GitHub starts a process. Returns whether `gh` gave one.
    pub fn github_token_from_gh(&mut self, env: &dyn Environment) -> bool {
        if !self.github.tokens.is_empty() {
            return false;
        }
        let Some(hostname) = gh_hostname(&self.upstream.github_api_url) else {
            return false;
        };
        match env.gh_auth_token(&hostname) {
            Some(token) => {
                self.github.tokens.push(token);
                true
            }
            None => false,
        }
    }

    /// The project with this name (case-insensitive) or whose repos include `owner/name`.
    pub fn find_project(&self, key: &str) -> Option<&Project> {
        let lower = key.to_lowercase();
        self.projects
            .iter()
            .find(|p| p.name.to_lowercase() == lower)
            .or_else(|| {
                self.projects.iter().find(|p| {
                    p.repos
                        .iter()
                        .any(|r| r.to_string().to_lowercase() == lower)
                })
            })
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod prop;
