//! The world the fake serves: plain data, stored as JSON.
//!
//! Tests of other crates load the same [`World`] to compute ground truth
//! ("commits of repo X with committer date in (T-90d, T]"), so everything here
//! is plain public data with no behaviour beyond small derived look-ups.
//!
//! A little over 500 lines: the whole data model of the fake upstream, with
//! its small look-ups.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::faults::Faults;

/// Everything the fake upstream knows.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct World {
    /// The world's present: the newest data is at or before it.
    pub now: DateTime<Utc>,
    /// GitHub repositories, including deleted ones (`deleted: true`).
    pub repos: Vec<Repo>,
    /// PyPI projects; torch's own release history is the project `torch`.
    pub pypi: Vec<PypiProject>,
    /// Anaconda packages.
    pub conda: Vec<CondaPackage>,
    /// A convenience list of ecosystem projects, for writing a config.
    pub projects: Vec<ProjectEntry>,
    /// Rate-limit configuration of the fake GitHub.
    pub limits: Limits,
    /// Faults to inject from the start.
    pub faults: Faults,
}

/// One project as a tacometer config would list it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ProjectEntry {
    /// Display name.
    pub name: String,
    /// `owner/name` of each repo, primary first.
    pub repos: Vec<String>,
    /// PyPI project names.
    pub pypi: Vec<String>,
    /// Conda packages as `channel/name`.
    pub conda: Vec<String>,
}

/// GitHub rate-limit settings of the fake, per token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Limits {
    /// GraphQL points per window.
    pub graphql: u64,
    /// REST calls per window (`core` resource).
    pub core: u64,
    /// Length of a rate-limit window in seconds (GitHub: 3600).
    pub window_secs: u64,
    /// Tokens the fake accepts; empty means any non-empty token.
    pub tokens: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            graphql: 5000,
            core: 5000,
            window_secs: 3600,
            tokens: Vec::new(),
        }
    }
}

/// A git identity as it appears on a commit.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
pub struct Person {
    /// Git name.
    pub name: String,
    /// Git email.
    pub email: String,
    /// The GitHub login the email is linked to, if any. Logins ending in
    /// `[bot]` are GitHub Apps: GraphQL then gives `user: null`, as GitHub does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
}

/// A GitHub repository.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Repo {
    /// GraphQL node id (opaque, e.g. `R_kgDOAbCdEf`).
    pub id: String,
    /// REST / database id.
    pub database_id: u64,
    /// Current owner login.
    pub owner: String,
    /// Current name.
    pub name: String,
    /// Former `owner/name` keys that resolve to this repo (renames, transfers).
    pub former_names: Vec<String>,
    /// Whether the owner is an organization (else a user).
    pub owner_is_org: bool,
    /// Repository description.
    pub description: Option<String>,
    /// Default branch name; `None` for an empty repository.
    pub default_branch: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last push; `None` for a repo never pushed to.
    pub pushed_at: Option<DateTime<Utc>>,
    /// Stargazers with their starred-at times (the count is the length).
    pub stars: Vec<Star>,
    /// Number of forks.
    pub forks: u64,
    /// Detected license; `None` when GitHub detects none.
    pub license: Option<License>,
    /// Archived flag.
    pub archived: bool,
    /// Whether this repo is itself a fork.
    pub fork: bool,
    /// Disabled flag.
    pub disabled: bool,
    /// Deleted ("gone"): every lookup answers NOT_FOUND / 404.
    pub deleted: bool,
    /// Files at HEAD of the default branch: path -> text.
    pub files: BTreeMap<String, String>,
    /// How files changed over the history: each change is undone, newest
    /// first, to see the files of an older commit ([`Repo::files_at`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_changes: Vec<FileChange>,
    /// Commits reachable from the default branch, newest first (git log
    /// order); the first one is HEAD.
    pub commits: Vec<Commit>,
    /// Pull requests (merged or not).
    pub pull_requests: Vec<PullRequest>,
    /// GitHub releases.
    pub releases: Vec<Release>,
    /// GitHub Actions workflow runs.
    pub workflow_runs: Vec<WorkflowRun>,
    /// Commit statuses from external CI (Buildkite, CircleCI, ...).
    pub statuses: Vec<CommitStatus>,
}

/// A file changed by a commit of the default branch: what the file held
/// before that commit (`None`: it did not exist). What it holds from that
/// commit on is the next change's `before`, or the text at HEAD.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FileChange {
    /// The commit that made the change.
    pub sha: String,
    /// The file's path.
    pub path: String,
    /// Its text before the commit.
    pub before: Option<String>,
}

/// One stargazer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Star {
    /// Login of the user who starred.
    pub login: String,
    /// When they starred.
    pub starred_at: DateTime<Utc>,
}

/// A license as GitHub's `licenseInfo` reports it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct License {
    /// SPDX id (`NOASSERTION` for an unrecognised license), may be null.
    pub spdx_id: Option<String>,
    /// GitHub's key (`mit`, `other`).
    pub key: String,
    /// Human name.
    pub name: String,
}

/// A commit on the default branch.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Commit {
    /// 40-hex SHA.
    pub sha: String,
    /// Full message (co-authors also appear as `Co-authored-by` trailers).
    pub message: String,
    /// Git author.
    pub author: Person,
    /// Git committer.
    pub committer: Person,
    /// Author date.
    pub authored_at: DateTime<Utc>,
    /// Committer date (what windows and `history(since:, until:)` use).
    pub committed_at: DateTime<Utc>,
    /// Co-authors from `Co-authored-by` trailers, in trailer order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub co_authors: Vec<Person>,
    /// Parent SHAs; two or more for a merge.
    pub parents: Vec<String>,
}

/// A pull request.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PullRequest {
    /// PR number.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Opened at.
    pub created_at: DateTime<Utc>,
    /// Last updated at.
    pub updated_at: DateTime<Utc>,
    /// Merge time; `None` when not merged.
    pub merged_at: Option<DateTime<Utc>>,
    /// Login of who merged it.
    pub merged_by: Option<String>,
    /// Closed without merge (ignored when merged).
    pub closed: bool,
}

/// A GitHub release.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Release {
    /// Tag name.
    pub tag_name: String,
    /// Release title.
    pub name: Option<String>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Published at (`None` for drafts).
    pub published_at: Option<DateTime<Utc>>,
    /// Pre-release flag.
    pub prerelease: bool,
    /// Draft flag.
    pub draft: bool,
}

/// A GitHub Actions workflow run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct WorkflowRun {
    /// Run id (unique in the world).
    pub id: u64,
    /// Workflow name (`CI`).
    pub name: String,
    /// Workflow id.
    pub workflow_id: u64,
    /// Workflow file path (`.github/workflows/ci.yml`).
    pub path: String,
    /// Branch of the run.
    pub head_branch: String,
    /// Commit it ran on.
    pub head_sha: String,
    /// Trigger (`push`, `pull_request`, `schedule`).
    pub event: String,
    /// `queued`, `in_progress`, `completed`, ...
    pub status: String,
    /// `success`, `failure`, ... once completed.
    pub conclusion: Option<String>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Updated at.
    pub updated_at: DateTime<Utc>,
    /// Run number within its workflow.
    pub run_number: u64,
    /// Attempt: 1, plus one per re-run.
    pub run_attempt: u64,
    /// When the latest attempt started; `None` means `created_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_started_at: Option<DateTime<Utc>>,
    /// Login of the actor.
    pub actor: String,
}

/// A commit status from an external CI system.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CommitStatus {
    /// Commit SHA.
    pub sha: String,
    /// Context (`buildkite/pipeline`).
    pub context: String,
    /// `success`, `failure`, `error`, `pending`.
    pub state: String,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Link to the build.
    pub target_url: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// A PyPI project.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PypiProject {
    /// The project's stored name; other spellings of it redirect (301) here.
    pub name: String,
    /// One-line summary.
    pub summary: Option<String>,
    /// Free-text license.
    pub license: Option<String>,
    /// PEP 639 license expression.
    pub license_expression: Option<String>,
    /// `project_urls`; `None` is served as `null`.
    pub project_urls: Option<BTreeMap<String, String>>,
    /// `home_page`.
    pub home_page: Option<String>,
    /// Trove classifiers.
    pub classifiers: Vec<String>,
    /// Releases, oldest first.
    pub releases: Vec<PypiRelease>,
}

/// One version of a PyPI project.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PypiRelease {
    /// Version string.
    pub version: String,
    /// `requires_dist` of this version; `None` is served as `null`.
    pub requires_dist: Option<Vec<String>>,
    /// `requires_python`.
    pub requires_python: Option<String>,
    /// Uploaded files; may be empty.
    pub files: Vec<PypiFile>,
}

/// One uploaded file of a PyPI release.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct PypiFile {
    /// File name.
    pub filename: String,
    /// `bdist_wheel` or `sdist`.
    pub packagetype: String,
    /// `py3`, `cp312`, or `source`.
    pub python_version: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 hex digest.
    pub sha256: String,
    /// Upload time.
    pub upload_time: DateTime<Utc>,
    /// Yanked flag.
    pub yanked: bool,
    /// Reason when yanked.
    pub yanked_reason: Option<String>,
}

/// An Anaconda package (`owner/name`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CondaPackage {
    /// Channel / owner (`conda-forge`).
    pub owner: String,
    /// Package name.
    pub name: String,
    /// Summary.
    pub summary: Option<String>,
    /// License.
    pub license: Option<String>,
    /// Home page (served as the string `"None"` when absent, as Anaconda does).
    pub home: Option<String>,
    /// `dev_url` (usually the repository).
    pub dev_url: Option<String>,
    /// `doc_url`.
    pub doc_url: Option<String>,
    /// Created at.
    pub created_at: DateTime<Utc>,
    /// Files, in upload order.
    pub files: Vec<CondaFile>,
}

/// One file of a conda package.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct CondaFile {
    /// Version.
    pub version: String,
    /// Subdir (`linux-64`, `noarch`, ...).
    pub subdir: String,
    /// Build string.
    pub build: String,
    /// Build number.
    pub build_number: u64,
    /// Dependencies (`pytorch >=2.4`).
    pub depends: Vec<String>,
    /// Upload time.
    pub upload_time: DateTime<Utc>,
    /// Size in bytes.
    pub size: u64,
    /// MD5 digest.
    pub md5: String,
    /// SHA-256; `None` is served as the string `"None"` at the top level.
    pub sha256: Option<String>,
    /// Whether `attrs.timestamp` is present (old builds lack it).
    pub has_timestamp: bool,
    /// Labels (`main`, `broken`).
    pub labels: Vec<String>,
}

impl World {
    /// Load a world from a JSON file.
    pub fn load(path: &Path) -> anyhow::Result<World> {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading world {}", path.display()))?;
        let world: World = serde_json::from_slice(&bytes)
            .with_context(|| format!("parsing world {}", path.display()))?;
        Ok(world)
    }

    /// Save the world as JSON.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let file = std::fs::File::create(path)
            .with_context(|| format!("creating world {}", path.display()))?;
        let mut writer = std::io::BufWriter::new(file);
        serde_json::to_writer(&mut writer, self)
            .with_context(|| format!("writing world {}", path.display()))?;
        std::io::Write::flush(&mut writer)
            .with_context(|| format!("writing world {}", path.display()))?;
        Ok(())
    }

    /// The repo with this node id (deleted ones included).
    pub fn repo_by_id(&self, id: &str) -> Option<&Repo> {
        self.repos.iter().find(|r| r.id == id)
    }

    /// The repo `owner/name` resolves to, following former names
    /// (case-insensitive, as GitHub). Deleted repos are included.
    pub fn repo_by_name(&self, owner: &str, name: &str) -> Option<&Repo> {
        let key = format!("{owner}/{name}").to_lowercase();
        self.repos
            .iter()
            .find(|r| r.full_name().to_lowercase() == key)
            .or_else(|| {
                self.repos
                    .iter()
                    .find(|r| r.former_names.iter().any(|f| f.to_lowercase() == key))
            })
    }

    /// The PyPI project whose PEP 503 normalized name matches.
    pub fn pypi_project(&self, name: &str) -> Option<&PypiProject> {
        let key = pep503(name);
        self.pypi.iter().find(|p| pep503(&p.name) == key)
    }

    /// The conda package `owner/name`.
    pub fn conda_package(&self, owner: &str, name: &str) -> Option<&CondaPackage> {
        self.conda
            .iter()
            .find(|p| p.owner.eq_ignore_ascii_case(owner) && p.name.eq_ignore_ascii_case(name))
    }
}

impl Repo {
    /// `owner/name`.
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    /// HEAD commit of the default branch, if any.
    pub fn head(&self) -> Option<&Commit> {
        self.commits.first()
    }

    /// The files of the commit at position `index` of [`Repo::commits`]
    /// (0 is HEAD): HEAD's files with the changes of every newer commit undone.
    pub fn files_at(&self, index: usize) -> BTreeMap<&str, &str> {
        let mut files: BTreeMap<&str, &str> = self
            .files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        for c in self.commits.iter().take(index) {
            for change in self.file_changes.iter().filter(|f| f.sha == c.sha) {
                match &change.before {
                    Some(text) => files.insert(change.path.as_str(), text.as_str()),
                    None => files.remove(change.path.as_str()),
                };
            }
        }
        files
    }

    /// The position of the commit that was the head at `at`: the newest one
    /// committed at or before it (`None`: none was).
    pub fn head_index_at(&self, at: DateTime<Utc>) -> Option<usize> {
        self.commits.iter().position(|c| c.committed_at <= at)
    }

    /// Commits whose committer date lies in `(start, end]`.
    pub fn commits_in(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<&Commit> {
        self.commits
            .iter()
            .filter(|c| c.committed_at > start && c.committed_at <= end)
            .collect()
    }

    /// Number of stars with `starred_at <= at`.
    pub fn stars_at(&self, at: DateTime<Utc>) -> usize {
        self.stars.iter().filter(|s| s.starred_at <= at).count()
    }

    /// Last update: the newest of creation, push and star times.
    pub fn updated_at(&self) -> DateTime<Utc> {
        let mut t = self.created_at;
        if let Some(p) = self.pushed_at {
            t = t.max(p);
        }
        if let Some(s) = self.stars.iter().map(|s| s.starred_at).max() {
            t = t.max(s);
        }
        t
    }
}

impl Commit {
    /// Git author first, then co-authors: GitHub's `authors` connection.
    pub fn all_authors(&self) -> impl Iterator<Item = &Person> {
        std::iter::once(&self.author).chain(self.co_authors.iter())
    }
}

impl PypiProject {
    /// The version PyPI reports in `info`: the newest release that is not a
    /// pre-release and not entirely yanked, else the newest release.
    pub fn latest(&self) -> Option<&PypiRelease> {
        self.releases
            .iter()
            .rev()
            .find(|r| !is_prerelease(&r.version) && !r.files.iter().all(|f| f.yanked))
            .or_else(|| self.releases.last())
    }

    /// The release with this exact version string.
    pub fn release(&self, version: &str) -> Option<&PypiRelease> {
        self.releases.iter().find(|r| r.version == version)
    }
}

/// PEP 503 normalization: lower-case, runs of `-`, `_`, `.` become `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(ch.to_lowercase());
        }
    }
    out
}

/// Whether a PEP 440 version is a pre-release or dev release.
pub fn is_prerelease(version: &str) -> bool {
    let v = version.to_lowercase();
    let v = v.split('+').next().unwrap_or_default();
    v.contains("dev")
        || v.contains("rc")
        || v.chars().enumerate().any(|(i, c)| {
            (c == 'a' || c == 'b')
                && i > 0
                && v[..i].ends_with(|p: char| p.is_ascii_digit())
                && v[i + 1..].starts_with(|n: char| n.is_ascii_digit())
        })
}

/// Whether a login is a bot: ends in `[bot]`.
pub fn is_app_bot(login: &str) -> bool {
    login.ends_with("[bot]")
}
