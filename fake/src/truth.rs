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
//! backfill. The license before collection is the one GitHub recognises
//! today when the license files are the same then as now, none when there
//! were no license files, and unknown when they differed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::world::{CommitStatus, Person, ProjectEntry, Repo, WorkflowRun, World};

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
    let head = repo.head().map(|c| c.sha.as_str()).unwrap_or_default();
    let head_runs: Vec<&WorkflowRun> = repo
        .workflow_runs
        .iter()
        .filter(|r| r.head_sha == head)
        .collect();
    let head_statuses: Vec<&CommitStatus> =
        repo.statuses.iter().filter(|s| s.sha == head).collect();
    let rate = (judged > 0).then(|| green * 100 / judged);
    let status = if runs == 0 {
        "fail"
    } else if head_state(&head_runs, &head_statuses) != Some("success")
        || rate.is_none_or(|r| r < 50)
    {
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
    if primary.is_none() {
        out.insert("stars".into(), unknown());
    }
    if primary.is_none() || !all_there {
        out.insert("commits".into(), unknown());
        out.insert("contributors".into(), unknown());
    }
    Value::Object(out)
}
