//! Ground truth: what the TAC's requirements say about a project of a world,
//! computed straight from the world's own data, independently of tacometer's
//! collector, store and SQL, for end-to-end tests to compare with `check`.
//!
//! It follows the product specification's rules: the window `(T - days, T]`,
//! commits distinct by SHA over the project's repos, people by GitHub login,
//! else the login of a noreply address, else the lower-cased email; logins
//! ending in `[bot]` and the configured bots excluded; state (stars, license,
//! layout files) known when a snapshot was taken at or before T, and before
//! it where upstream history tells: stars from when each of the stargazers
//! starred, read newest first, 100 a page, up to a cap of pages; layout
//! files, CODEOWNERS, MAINTAINERS, the README and the license from the files
//! of the commit that was the head at T, when that commit lies inside the
//! backfill (the license before collection is the one GitHub recognises
//! today when the license files are the same then as now, none when there
//! were no license files, and unknown when they differed); packages and the
//! torch requirement from the releases uploaded by T (see [`packages`] and
//! [`pytorch_support`]); the head's CI from the runs and statuses of the
//! commit that was the head at T.
//!
//! Longer than 500 lines on purpose: one function per requirement, each
//! computed from the world's own data independently of the core's rules, so
//! they can be read against the product contract side by side.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::world::{
    CommitStatus, Person, ProjectEntry, PypiProject, PypiRelease, Repo, WorkflowRun, World,
    is_prerelease, pep503,
};

/// A commit's files: path -> text.
pub type Files<'w> = BTreeMap<&'w str, &'w str>;

/// What a collection of the world saw and what the evaluation asks.
#[derive(Debug, Clone)]
pub struct Ask<'a> {
    /// The as-of instant.
    pub as_of: DateTime<Utc>,
    /// Window length in days.
    pub window_days: i64,
    /// When the world was collected (its only snapshot).
    pub collected_at: DateTime<Utc>,
    /// Configured bot logins.
    pub bots: &'a [String],
    /// Permissive SPDX ids.
    pub permissive: &'a [String],
    /// `[collect] backfill_days`: how far before the collection history is read.
    pub backfill_days: i64,
    /// `[collect] star_history_max_points`: pages of 100 stargazers read at most.
    pub star_pages: usize,
}

/// The stars of `repo` before its first snapshot, as the star history tells
/// them: counted at the end of the last whole UTC day at or before `as_of`
/// (star history is kept per day), among the stargazers at collection time.
/// `Some(None)`: unknown, because the star list is longer than the pages
/// read and more stars came after that day than those pages hold. `None`:
/// the day is before where the history is read to (`backfill_days` before
/// the collection), where the answer depends on where a page ends.
pub fn stars_before_collection(repo: &Repo, ask: &Ask<'_>) -> Option<Option<usize>> {
    let next_day = (ask.as_of + Duration::microseconds(1)).date_naive();
    let day_end = next_day
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc() - Duration::microseconds(1))?;
    if day_end < ask.collected_at - Duration::days(ask.backfill_days) {
        return None;
    }
    let total = repo.stars.len();
    let after = repo.stars.iter().filter(|s| s.starred_at > day_end).count();
    let cap = ask.star_pages * 100;
    if ask.star_pages == 0 || (total > cap && after >= cap) {
        return Some(None);
    }
    Some(Some(total - after))
}

/// The repos of a project that exist, by current or former name.
pub fn project_repos<'w>(world: &'w World, p: &ProjectEntry) -> Vec<&'w Repo> {
    p.repos
        .iter()
        .filter_map(|slug| {
            let lower = slug.to_lowercase();
            world.repos.iter().find(|r| {
                !r.deleted
                    && (r.full_name().to_lowercase() == lower
                        || r.former_names.iter().any(|n| n.to_lowercase() == lower))
            })
        })
        .collect()
}

fn person_id(p: &Person) -> String {
    if let Some(login) = p.login.as_deref().filter(|l| !l.is_empty()) {
        return login.to_lowercase();
    }
    let email = p.email.to_lowercase();
    if let Some(local) = email.strip_suffix("@users.noreply.github.com") {
        let login = match local.split_once('+') {
            Some((digits, login)) if digits.bytes().all(|b| b.is_ascii_digit()) => Some(login),
            Some(_) => None,
            None => Some(local),
        };
        if let Some(login) = login.filter(|l| !l.is_empty()) {
            return login.to_string();
        }
    }
    email
}

fn file_status(files: &Files<'_>, exact: &str, dirs: &[&str]) -> &'static str {
    let stem = exact.split('.').next().unwrap_or(exact).to_lowercase();
    let mut status = "fail";
    for path in files.keys() {
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (format!("{d}/"), n),
            None => (String::new(), *path),
        };
        if !dirs.contains(&dir.as_str()) {
            continue;
        }
        if name == exact {
            return "pass";
        }
        if name.to_lowercase().split('.').next() == Some(stem.as_str()) {
            status = "caution";
        }
    }
    status
}

fn for_count(n: i64, floor: i64) -> &'static str {
    match n.cmp(&floor) {
        std::cmp::Ordering::Greater => "pass",
        std::cmp::Ordering::Equal => "caution",
        std::cmp::Ordering::Less => "fail",
    }
}

fn is_bot(id: &str, bots: &[String]) -> bool {
    id.ends_with("[bot]") || bots.iter().any(|b| b.to_lowercase() == id)
}

/// Owners a CODEOWNERS file declares: (users, teams, emails), lower case.
fn codeowners_owners(text: &str) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let (mut users, mut teams, mut emails) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        for owner in line.split_whitespace().skip(1) {
            let owner = owner.to_lowercase();
            match owner.strip_prefix('@') {
                Some(h) if h.contains('/') => {
                    teams.insert(h.to_string());
                }
                Some(h) => {
                    users.insert(h.to_string());
                }
                None if owner.contains('@') => {
                    emails.insert(owner);
                }
                None => {}
            }
        }
    }
    (users, teams, emails)
}

/// Logins a MAINTAINERS file mentions: `@login` (not an e-mail's `@`, not a
/// team) and `github.com/login` profile links.
fn maintainers_logins(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_lowercase()
    };
    for (i, _) in text.match_indices('@') {
        if text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
        {
            continue;
        }
        let login = word(&text[i + 1..]);
        if !login.is_empty() && !text[i + 1 + login.len()..].starts_with('/') {
            out.insert(login);
        }
    }
    for (i, m) in text.match_indices("github.com/") {
        let rest = &text[i + m.len()..];
        let login = word(rest);
        if !login.is_empty() && !rest[login.len()..].starts_with('/') {
            out.insert(login);
        }
    }
    out
}

/// `maintainers`: people declared in CODEOWNERS (the first of `.github/`,
/// root, `docs/`) and MAINTAINERS, an e-mail owner that a commit links to a
/// login counted as that login, bots left out; caution when teams are
/// declared or when fewer are declared but enough people merged pull
/// requests in the window.
fn maintainers(world: &World, repo: &Repo, files: &Files<'_>, ask: &Ask<'_>, floor: i64) -> Value {
    let start = ask.as_of - Duration::days(ask.window_days);
    let codeowners = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]
        .iter()
        .find_map(|p| files.get(*p));
    let (users, teams, emails) = codeowners.map(|t| codeowners_owners(t)).unwrap_or_default();
    let listed = ["MAINTAINERS", "MAINTAINERS.md"]
        .iter()
        .find_map(|p| files.get(*p))
        .map(|t| maintainers_logins(t))
        .unwrap_or_default();
    // E-mail -> login links from every commit of the world's repositories.
    let linked = |email: &str| -> Option<String> {
        world.repos.iter().flat_map(|r| &r.commits).find_map(|c| {
            c.all_authors()
                .find(|p| p.email.to_lowercase() == email && p.login.is_some())
                .and_then(|p| p.login.as_ref().map(|l| l.to_lowercase()))
        })
    };
    let mut declared: BTreeSet<String> = users.into_iter().chain(listed).collect();
    for e in emails {
        declared.insert(linked(&e).unwrap_or(e));
    }
    declared.retain(|d| !is_bot(d, ask.bots));
    let mergers: BTreeSet<String> = repo
        .pull_requests
        .iter()
        .filter(|pr| pr.merged_at.is_some_and(|m| m > start && m <= ask.as_of))
        .filter_map(|pr| pr.merged_by.as_ref().map(|m| m.to_lowercase()))
        .filter(|m| !is_bot(m, ask.bots))
        .collect();
    let n = declared.len() as i64;
    let mut status = for_count(n, floor);
    if (status == "fail" && mergers.len() as i64 >= floor)
        || (status != "caution" && !teams.is_empty())
    {
        status = "caution";
    }
    json!({"value": n, "status": status})
}

/// The head's combined state as GitHub's `statusCheckRollup` gives it.
fn head_state(runs: &[&WorkflowRun], statuses: &[&CommitStatus]) -> Option<&'static str> {
    if runs.is_empty() && statuses.is_empty() {
        return None;
    }
    let failing = |c: Option<&str>| {
        matches!(
            c,
            Some("failure" | "timed_out" | "startup_failure" | "cancelled" | "action_required")
        )
    };
    let failure = runs
        .iter()
        .any(|r| r.status == "completed" && failing(r.conclusion.as_deref()))
        || statuses.iter().any(|s| s.state == "failure");
    let error = statuses.iter().any(|s| s.state == "error");
    let pending = runs.iter().any(|r| r.status != "completed")
        || statuses.iter().any(|s| s.state == "pending");
    Some(if failure {
        "failure"
    } else if error {
        "error"
    } else if pending {
        "pending"
    } else {
        "success"
    })
}

/// `ci`: default-branch Actions runs (not pull-request events) and the commit
/// statuses of default-branch commits created in the window; pass when there
/// are some, the head is green and at least half of those with a verdict
/// passed; the value is that pass rate in percent.
fn ci(repo: &Repo, ask: &Ask<'_>) -> Value {
    let start = ask.as_of - Duration::days(ask.window_days);
    let in_window = |t: DateTime<Utc>| t > start && t <= ask.as_of;
    let branch = repo.default_branch.as_deref().unwrap_or("main");
    let shas: BTreeSet<&str> = repo.commits.iter().map(|c| c.sha.as_str()).collect();
    // (completed, conclusion) of every run in the window.
    let mut verdicts: Vec<(bool, Option<String>)> = repo
        .workflow_runs
        .iter()
        .filter(|r| r.head_branch == branch && !r.event.starts_with("pull_request"))
        .filter(|r| in_window(r.created_at))
        .map(|r| (r.status == "completed", r.conclusion.clone()))
        .collect();
    verdicts.extend(
        repo.statuses
            .iter()
            .filter(|s| shas.contains(s.sha.as_str()) && in_window(s.created_at))
            .map(|s| {
                (
                    s.state != "pending",
                    (s.state != "pending").then(|| s.state.clone()),
                )
            }),
    );
    let runs = verdicts.len();
    let judged = verdicts
        .iter()
        .filter(|(done, c)| *done && !matches!(c.as_deref(), Some("cancelled" | "skipped")))
        .count();
    let green = verdicts
        .iter()
        .filter(|(done, c)| *done && matches!(c.as_deref(), Some("success" | "neutral")))
        .count();
    let rate = (judged > 0).then(|| green * 100 / judged);
    let state = if ask.as_of < ask.collected_at {
        // Before the first snapshot: history must reach the window's start,
        // and the head's state is that at T of the commit that was the head.
        let history_from = ask.collected_at - Duration::days(ask.backfill_days);
        if history_from > start {
            return json!({"value": null, "status": "unknown"});
        }
        match repo.commits.iter().find(|c| c.committed_at <= ask.as_of) {
            _ if runs == 0 => None,
            Some(c) if c.committed_at >= history_from => head_state_at(repo, &c.sha, ask.as_of),
            _ => return json!({"value": null, "status": "unknown"}),
        }
    } else {
        let head = repo.head().map(|c| c.sha.as_str()).unwrap_or_default();
        let head_runs: Vec<&WorkflowRun> = repo
            .workflow_runs
            .iter()
            .filter(|r| r.head_sha == head)
            .collect();
        let head_statuses: Vec<&CommitStatus> =
            repo.statuses.iter().filter(|s| s.sha == head).collect();
        head_state(&head_runs, &head_statuses)
    };
    let status = if runs == 0 {
        "fail"
    } else if state != Some("success") || rate.is_none_or(|r| r < 50) {
        "caution"
    } else {
        "pass"
    };
    json!({"value": rate, "status": status})
}

/// `governance`: GOVERNANCE.md at the root, in `.github/` or `docs/` passes; a
/// variant, or a README.md linking a governance section, is caution.
fn governance(files: &Files<'_>) -> Value {
    let status = match file_status(files, "GOVERNANCE.md", &["", ".github/", "docs/"]) {
        "fail"
            if files.get("README.md").is_some_and(|t| {
                t.lines().any(|l| {
                    let l = l.to_lowercase();
                    l.contains("governance")
                        && (l.contains("](") || l.trim_start().starts_with('#'))
                })
            }) =>
        {
            "caution"
        }
        s => s,
    };
    json!({"status": status})
}

/// Root files whose name makes them a license file, with their text.
fn license_files<'w>(files: &Files<'w>) -> Vec<(&'w str, &'w str)> {
    files
        .iter()
        .filter(|(p, _)| {
            let p = p.to_lowercase();
            !p.contains('/')
                && ["license", "licence", "copying"]
                    .iter()
                    .any(|s| p.starts_with(s))
        })
        .map(|(p, t)| (*p, *t))
        .collect()
}

/// The state of `repo` as of `ask.as_of`: its files, and its license's SPDX
/// id (`Some(None)`: no license; `None`: unknown). `None` altogether when the
/// state is not known: before the collection, the head at T must be today's
/// head or have been committed inside the backfill.
#[allow(clippy::type_complexity)]
fn state_at<'w>(repo: &'w Repo, ask: &Ask<'_>) -> Option<(Files<'w>, Option<Option<String>>)> {
    let today = repo.license.as_ref().and_then(|l| l.spdx_id.clone());
    if ask.as_of >= ask.collected_at {
        return Some((repo.files_at(0), Some(today)));
    }
    let i = repo.head_index_at(ask.as_of)?;
    // Past trees are read for the commits of the backfill, and for today's
    // head however old it is.
    if i > 0 && repo.commits[i].committed_at < ask.collected_at - Duration::days(ask.backfill_days)
    {
        return None;
    }
    let files = repo.files_at(i);
    let then = license_files(&files);
    let license = if then.is_empty() {
        Some(None)
    } else if then == license_files(&repo.files_at(0)) {
        Some(today)
    } else {
        None
    };
    Some((files, license))
}

/// The expected values and statuses of one project: a JSON object keyed by
/// requirement id, each `{"value": ..., "status": ...}` (`value` left out
/// where it is text the test does not compare).
pub fn expected(world: &World, project: &ProjectEntry, ask: &Ask<'_>) -> Value {
    let repos = project_repos(world, project);
    let start = ask.as_of - Duration::days(ask.window_days);
    let mut shas = BTreeSet::new();
    let mut people = BTreeSet::new();
    for repo in &repos {
        for c in repo.commits_in(start, ask.as_of) {
            shas.insert(c.sha.clone());
            for person in c.all_authors() {
                let id = person_id(person);
                let bot = id.ends_with("[bot]") || ask.bots.iter().any(|b| b.to_lowercase() == id);
                if !bot {
                    people.insert(id);
                }
            }
        }
    }
    let count = |n: usize, floor: i64| {
        let n = n as i64;
        let status = match n.cmp(&floor) {
            std::cmp::Ordering::Greater => "pass",
            std::cmp::Ordering::Equal => "caution",
            std::cmp::Ordering::Less => "fail",
        };
        json!({"value": n, "status": status})
    };
    let mut out = serde_json::Map::new();
    out.insert("commits".into(), count(shas.len(), 30));
    out.insert("contributors".into(), count(people.len(), 5));
    // The primary repository is the first configured one; a configured
    // repository that does not exist (gone, or never there) leaves what it
    // measures unknown: everything for the primary, the counts for any.
    let primary = project.repos.first().and_then(|slug| {
        project_repos(
            world,
            &ProjectEntry {
                repos: vec![slug.clone()],
                ..project.clone()
            },
        )
        .into_iter()
        .next()
    });
    let all_there = repos.len() == project.repos.len();
    let snapshot = ask.as_of >= ask.collected_at;
    let unknown = || json!({"value": null, "status": "unknown"});
    if let (Some(repo), false) = (primary, snapshot) {
        match stars_before_collection(repo, ask) {
            Some(Some(n)) => {
                out.insert("stars".into(), count(n, 200));
            }
            Some(None) => {
                out.insert("stars".into(), unknown());
            }
            None => {}
        }
    }
    let state = primary.and_then(|repo| Some((repo, state_at(repo, ask)?)));
    match state {
        Some((repo, (files, license))) => {
            if snapshot {
                out.insert("stars".into(), count(repo.stars.len(), 200));
            }
            let license = match license {
                Some(spdx) => {
                    let status = match spdx.as_deref() {
                        Some(id) if ask.permissive.iter().any(|p| p.eq_ignore_ascii_case(id)) => {
                            "pass"
                        }
                        Some("NOASSERTION") => "caution",
                        _ => "fail",
                    };
                    json!({"value": spdx, "status": status})
                }
                None => unknown(),
            };
            out.insert("license".into(), license);
            for (id, exact, dirs) in [
                ("files.license", "LICENSE.md", &["", ".github/"][..]),
                ("files.readme", "README.md", &["", ".github/"][..]),
                (
                    "files.contributing",
                    "CONTRIBUTING.md",
                    &["", ".github/"][..],
                ),
                (
                    "files.codeowners",
                    "CODEOWNERS",
                    &["", ".github/", "docs/"][..],
                ),
                (
                    "files.code_of_conduct",
                    "CODE_OF_CONDUCT.md",
                    &["", ".github/"][..],
                ),
            ] {
                out.insert(
                    id.into(),
                    json!({"status": file_status(&files, exact, dirs)}),
                );
            }
            out.insert(
                "maintainers".into(),
                maintainers(world, repo, &files, ask, 2),
            );
            out.insert("governance".into(), governance(&files));
            if snapshot {
                out.insert("ci".into(), ci(repo, ask));
            } else {
                out.insert("ci".into(), unknown());
            }
        }
        None => {
            for id in [
                "license",
                "files.license",
                "files.readme",
                "files.contributing",
                "files.codeowners",
                "files.code_of_conduct",
                "maintainers",
                "ci",
                "governance",
            ] {
                out.insert(id.into(), unknown());
            }
        }
    }
    // `ci`, `packages` and `pytorch_support` are also answered before the
    // first snapshot, from dated history.
    if let (Some(repo), false) = (primary, snapshot) {
        out.insert("ci".into(), ci(repo, ask));
    }
    out.insert("packages".into(), packages(world, project, ask));
    out.insert(
        "pytorch_support".into(),
        json!({"status": pytorch_support(world, project, ask)}),
    );
    if primary.is_none() {
        out.insert("stars".into(), unknown());
    }
    if primary.is_none() || !all_there {
        out.insert("commits".into(), unknown());
        out.insert("contributors".into(), unknown());
    }
    Value::Object(out)
}

/// The head's combined state at `at` from the dated runs and statuses of
/// commit `sha` (`None`: none by then): default-branch Actions runs created
/// by then, the latest per workflow, done when they completed by then; the
/// latest status per context created by then.
fn head_state_at(repo: &Repo, sha: &str, at: DateTime<Utc>) -> Option<&'static str> {
    let branch = repo.default_branch.as_deref().unwrap_or("main");
    let mut latest: std::collections::BTreeMap<&str, &WorkflowRun> = Default::default();
    for r in repo
        .workflow_runs
        .iter()
        .filter(|r| r.head_sha == sha && r.head_branch == branch && r.created_at <= at)
    {
        let e = latest.entry(r.name.as_str()).or_insert(r);
        if (r.created_at, r.run_attempt) > (e.created_at, e.run_attempt) {
            *e = r;
        }
    }
    let then: Vec<WorkflowRun> = latest
        .into_values()
        .map(|r| {
            let mut r = r.clone();
            if r.status == "completed" && r.updated_at > at {
                r.status = "in_progress".into();
            }
            r
        })
        .collect();
    let mut contexts: std::collections::BTreeMap<&str, &CommitStatus> = Default::default();
    for st in repo
        .statuses
        .iter()
        .filter(|st| st.sha == sha && st.created_at <= at)
    {
        let e = contexts.entry(st.context.as_str()).or_insert(st);
        if st.created_at > e.created_at {
            *e = st;
        }
    }
    let runs: Vec<&WorkflowRun> = then.iter().collect();
    let statuses: Vec<&CommitStatus> = contexts.into_values().collect();
    head_state(&runs, &statuses)
}

/// A release as an index shows it: when it was uploaded (its earliest file;
/// `None`: no files), whether it is yanked (every file is), and whether its
/// files (those not yanked, when any are not) include a binary.
struct Shown<'a> {
    version: &'a str,
    uploaded: Option<DateTime<Utc>>,
    yanked: bool,
    binary: bool,
    release: Option<&'a PypiRelease>,
}

fn pypi_shown(p: &PypiProject) -> Vec<Shown<'_>> {
    p.releases
        .iter()
        .map(|r| {
            let live: Vec<_> = r.files.iter().filter(|f| !f.yanked).collect();
            let considered: Vec<_> = if live.is_empty() {
                r.files.iter().collect()
            } else {
                live
            };
            Shown {
                version: &r.version,
                uploaded: r.files.iter().map(|f| f.upload_time).min(),
                yanked: !r.files.is_empty() && r.files.iter().all(|f| f.yanked),
                binary: considered.iter().any(|f| f.packagetype == "bdist_wheel"),
                release: Some(r),
            }
        })
        .collect()
}

/// The numbers of a version's release segment (`2.4.1` -> [2, 4, 1]); `None`
/// when it is not all numbers.
fn release_numbers(version: &str) -> Option<Vec<u64>> {
    let v = version.split('+').next().unwrap_or(version);
    let head: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    head.trim_end_matches('.')
        .split('.')
        .map(|n| n.parse().ok())
        .collect()
}

fn cmp_numbers(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| o.is_ne())
        .unwrap_or(std::cmp::Ordering::Equal)
}

/// The latest release uploaded by `at` and not yanked: the highest final
/// version (pre-releases only when there is nothing else), ties and
/// unparsable versions after the parsable ones by upload time.
fn latest_by<'a>(shown: &'a [Shown<'a>], at: DateTime<Utc>) -> Option<&'a Shown<'a>> {
    let live: Vec<&Shown<'_>> = shown
        .iter()
        .filter(|r| !r.yanked && r.uploaded.is_none_or(|u| u <= at))
        .collect();
    let finals: Vec<&Shown<'_>> = live
        .iter()
        .copied()
        .filter(|r| !is_prerelease(r.version))
        .collect();
    let candidates = if finals.is_empty() { live } else { finals };
    candidates.into_iter().max_by(|a, b| {
        let (x, y) = (release_numbers(a.version), release_numbers(b.version));
        match (&x, &y) {
            (Some(x), Some(y)) => cmp_numbers(x, y),
            (Some(_), None) => std::cmp::Ordering::Greater,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then(a.uploaded.cmp(&b.uploaded))
    })
}

/// `owner/name` of the github.com links among `urls`, lower case.
fn github_links<'a>(urls: impl Iterator<Item = &'a str>) -> Vec<String> {
    urls.filter_map(|u| {
        let rest = &u[u.find("github.com/")? + "github.com/".len()..];
        let mut parts = rest.split(['/', '#', '?']).filter(|p| !p.is_empty());
        let (owner, name) = (parts.next()?, parts.next()?);
        Some(format!("{owner}/{}", name.trim_end_matches(".git")).to_lowercase())
    })
    .collect()
}

/// How far back a package's history is read: releases that were the latest
/// at some instant from here on have their own metadata read.
fn metadata_from(ask: &Ask<'_>) -> DateTime<Utc> {
    ask.collected_at - Duration::days(ask.backfill_days)
}

fn rank(status: &str) -> u8 {
    match status {
        "pass" => 0,
        "caution" => 1,
        "unknown" => 2,
        _ => 3,
    }
}

/// `packages` as of T: each configured package (in `ecosystem:name` order)
/// judged on its latest release uploaded by T and not yanked (yanks are not
/// dated): pass when it has a binary and the package links back to one of
/// the project's repos (as configured), caution otherwise or when no release
/// is left; fail when the package does not exist (or, before the first
/// collection, had no upload by T); before the first collection, unknown
/// for a package the index does not know, or whose latest release then was
/// not the latest at any time since `backfill_days` before the collection
/// (its metadata is not read). The best package decides; nothing
/// configured fails.
pub fn packages(world: &World, project: &ProjectEntry, ask: &Ask<'_>) -> Value {
    let past = ask.as_of < ask.collected_at;
    let repos: Vec<String> = project.repos.iter().map(|r| r.to_lowercase()).collect();
    let mut keys: Vec<(String, String)> = project
        .conda
        .iter()
        .map(|c| ("conda".to_string(), c.clone()))
        .chain(project.pypi.iter().map(|n| ("pypi".to_string(), pep503(n))))
        .collect();
    keys.sort();
    keys.dedup();
    let mut best: Option<(u8, String)> = None;
    for (eco, name) in keys {
        let (exists, shown, links) = if eco == "pypi" {
            match world.pypi_project(&name).filter(|p| !p.releases.is_empty()) {
                Some(p) => (
                    true,
                    pypi_shown(p),
                    github_links(
                        p.project_urls
                            .iter()
                            .flat_map(|u| u.values())
                            .chain(p.home_page.iter())
                            .map(String::as_str),
                    ),
                ),
                None => (false, Vec::new(), Vec::new()),
            }
        } else {
            let (owner, pkg) = name.split_once('/').unwrap_or(("", &name));
            match world.conda_package(owner, pkg) {
                Some(c) => {
                    let mut versions: Vec<&str> = Vec::new();
                    for f in &c.files {
                        if !versions.contains(&f.version.as_str()) {
                            versions.push(&f.version);
                        }
                    }
                    let shown = versions
                        .into_iter()
                        .map(|v| {
                            let good: Vec<_> = c
                                .files
                                .iter()
                                .filter(|f| {
                                    f.version == v && !f.labels.iter().any(|l| l == "broken")
                                })
                                .collect();
                            Shown {
                                version: v,
                                uploaded: good.iter().map(|f| f.upload_time).min(),
                                yanked: false,
                                binary: !good.is_empty(),
                                release: None,
                            }
                        })
                        .collect();
                    let links = [&c.dev_url, &c.home, &c.doc_url]
                        .into_iter()
                        .flatten()
                        .map(String::as_str);
                    (true, shown, github_links(links))
                }
                None => (false, Vec::new(), Vec::new()),
            }
        };
        let status = if !exists {
            if past { "unknown" } else { "fail" }
        } else if past
            && !shown
                .iter()
                .any(|r| r.uploaded.is_none_or(|u| u <= ask.as_of))
        {
            "fail"
        } else {
            match latest_by(&shown, ask.as_of) {
                None => "caution",
                Some(latest)
                    if past
                        && eco == "pypi"
                        && ask.as_of < metadata_from(ask)
                        && latest_by(&shown, metadata_from(ask)).map(|l| l.version)
                            != Some(latest.version) =>
                {
                    "unknown"
                }
                Some(latest) if latest.binary && links.iter().any(|l| repos.contains(l)) => "pass",
                Some(_) => "caution",
            }
        };
        if best.as_ref().is_none_or(|(r, _)| rank(status) < *r) {
            best = Some((rank(status), format!("{eco}:{name}")));
        }
    }
    match best {
        None => json!({"value": null, "status": "fail"}),
        Some((2, _)) => json!({"value": null, "status": "unknown"}),
        Some((r, key)) => {
            let status = ["pass", "caution", "unknown", "fail"][usize::from(r)];
            json!({"value": key, "status": status})
        }
    }
}

/// Whether a PEP 508 environment marker holds on Linux x86_64 with CPython
/// 3.14 and no extras. Only the single comparisons generated worlds use are
/// read; anything else panics, so a test says what to add.
fn marker_holds(marker: &str) -> bool {
    let m = marker.trim();
    let (var, rest) = m
        .split_once(char::is_whitespace)
        .unwrap_or_else(|| panic!("marker {m:?}"));
    let rest = rest.trim();
    let (op, value) = if let Some(v) = rest.strip_prefix("==") {
        ("==", v)
    } else if let Some(v) = rest.strip_prefix("!=") {
        ("!=", v)
    } else {
        panic!("marker {m:?}")
    };
    let value = value.trim().trim_matches(|c| c == '\'' || c == '"');
    let actual = match var {
        "extra" => None,
        "sys_platform" => Some("linux"),
        "platform_system" => Some("Linux"),
        "os_name" => Some("posix"),
        "platform_machine" => Some("x86_64"),
        _ => panic!("marker {m:?}"),
    };
    match (actual, op) {
        (None, _) => false,
        (Some(a), "==") => a == value,
        (Some(a), _) => a != value,
    }
}

/// Whether `version` (a torch release) satisfies one comparison `spec`
/// (`>=2.4`, `<2.11`, `==2.5`, `!=2.6`, `~=2.4`).
fn satisfies(version: &[u64], spec: &str) -> bool {
    let spec = spec.trim();
    let op_len = spec
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or_else(|| panic!("specifier {spec:?}"));
    let (op, v) = spec.split_at(op_len);
    let want = release_numbers(v).unwrap_or_else(|| panic!("specifier {spec:?}"));
    let o = cmp_numbers(version, &want);
    match op.trim() {
        ">=" => o.is_ge(),
        ">" => o.is_gt(),
        "<=" => o.is_le(),
        "<" => o.is_lt(),
        "==" => o.is_eq(),
        "!=" => o.is_ne(),
        "~=" => {
            let prefix = &want[..want.len().saturating_sub(1)];
            o.is_ge() && cmp_numbers(&version[..prefix.len().min(version.len())], prefix).is_eq()
        }
        _ => panic!("specifier {spec:?}"),
    }
}

/// The status of one release's torch requirement against the latest two
/// torch minors `minors`, whose published final releases are `torch`.
fn torch_status(release: &PypiRelease, minors: &[(u64, u64)], torch: &[Vec<u64>]) -> &'static str {
    let entries: Vec<&str> = release
        .requires_dist
        .iter()
        .flatten()
        .map(|e| e.trim())
        .filter(|e| {
            let n = e
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(e.len());
            e[..n].eq_ignore_ascii_case("torch")
        })
        .collect();
    let mut specs: Vec<String> = Vec::new();
    let mut counted = 0;
    for e in entries {
        let (req, marker) = e.split_once(';').unwrap_or((e, ""));
        if !marker.trim().is_empty() && !marker_holds(marker) {
            continue;
        }
        counted += 1;
        let rest = req.trim()[5..].trim();
        if rest.starts_with('@') {
            return "fail";
        }
        let rest = rest.trim_start_matches('(').trim_end_matches(')');
        specs.extend(
            rest.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from),
        );
    }
    if counted == 0 {
        return "caution";
    }
    let admitted = minors
        .iter()
        .filter(|(a, b)| {
            torch.iter().any(|v| {
                v.first() == Some(a) && v.get(1) == Some(b) && specs.iter().all(|s| satisfies(v, s))
            })
        })
        .count();
    match admitted {
        2 => "pass",
        1 => "caution",
        _ => "fail",
    }
}

/// `pytorch_support` as of T: the torch requirement (`requires_dist`
/// entries naming torch whose marker holds on Linux with CPython 3.14, no
/// extras) of each configured PyPI package's latest release -- today what
/// PyPI reports as latest, before the first collection the latest uploaded
/// by T and not yanked -- against the latest two torch minors with a final
/// release published by T: pass when both are admitted, caution for one or
/// no torch entry, fail for none or a URL pin. Unknown with no PyPI package,
/// fewer than two minors, or (before the first collection) a package the
/// index does not know or whose latest release then was not read (see
/// [`packages`]). The best package decides.
pub fn pytorch_support(world: &World, project: &ProjectEntry, ask: &Ask<'_>) -> &'static str {
    let past = ask.as_of < ask.collected_at;
    let Some(torch) = world.pypi_project("torch") else {
        return "unknown";
    };
    let finals: Vec<Vec<u64>> = pypi_shown(torch)
        .iter()
        .filter(|r| !r.yanked && !is_prerelease(r.version))
        .filter(|r| r.uploaded.is_some_and(|u| u <= ask.as_of))
        .filter_map(|r| release_numbers(r.version))
        .filter(|v| v.len() >= 2)
        .collect();
    let mut minors: Vec<(u64, u64)> = finals.iter().map(|v| (v[0], v[1])).collect();
    minors.sort_unstable_by(|a, b| b.cmp(a));
    minors.dedup();
    minors.truncate(2);
    if project.pypi.is_empty() || minors.len() < 2 {
        return "unknown";
    }
    let mut best: Option<&'static str> = None;
    for name in &project.pypi {
        let p = world.pypi_project(name).filter(|p| !p.releases.is_empty());
        let status = match p {
            None if past => Some("unknown"),
            None => None,
            Some(p) if !past => p.latest().map(|r| torch_status(r, &minors, &finals)),
            Some(p) => {
                let shown = pypi_shown(p);
                let from = metadata_from(ask);
                match latest_by(&shown, ask.as_of) {
                    _ if !shown
                        .iter()
                        .any(|r| r.uploaded.is_none_or(|u| u <= ask.as_of)) =>
                    {
                        None
                    }
                    None => None,
                    Some(l)
                        if ask.as_of < from
                            && latest_by(&shown, from).map(|x| x.version) != Some(l.version) =>
                    {
                        Some("unknown")
                    }
                    Some(l) => l.release.map(|r| torch_status(r, &minors, &finals)),
                }
            }
        };
        if let Some(s) = status
            && best.is_none_or(|b| rank(s) < rank(b))
        {
            best = Some(s);
        }
    }
    best.unwrap_or("unknown")
}
