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
//! starred, read newest first, 100 a page, up to a cap of pages.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::world::{Person, ProjectEntry, Repo, World};

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

fn file_status(repo: &Repo, exact: &str, dirs: &[&str]) -> &'static str {
    let stem = exact.split('.').next().unwrap_or(exact).to_lowercase();
    let mut status = "fail";
    for path in repo.files.keys() {
        let (dir, name) = match path.rsplit_once('/') {
            Some((d, n)) => (format!("{d}/"), n),
            None => (String::new(), path.as_str()),
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

/// The expected values and statuses of one project: a JSON object keyed by
/// requirement id, each `{"value": ..., "status": ...}` for what the ground
/// truth covers (`commits`, `contributors`, `stars`, `license`, `files.*`).
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
    let primary = repos.first();
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
    match (primary, snapshot) {
        (Some(repo), true) => {
            out.insert("stars".into(), count(repo.stars.len(), 200));
            let spdx = repo.license.as_ref().and_then(|l| l.spdx_id.clone());
            let status = match spdx.as_deref() {
                Some(id) if ask.permissive.iter().any(|p| p.eq_ignore_ascii_case(id)) => "pass",
                Some("NOASSERTION") => "caution",
                _ => "fail",
            };
            out.insert("license".into(), json!({"value": spdx, "status": status}));
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
                out.insert(id.into(), json!({"status": file_status(repo, exact, dirs)}));
            }
        }
        _ => {
            for id in [
                "license",
                "files.license",
                "files.readme",
                "files.contributing",
                "files.codeowners",
                "files.code_of_conduct",
            ] {
                out.insert(id.into(), unknown());
            }
        }
    }
    if primary.is_none() {
        out.insert("stars".into(), unknown());
        out.insert("commits".into(), unknown());
        out.insert("contributors".into(), unknown());
    }
    Value::Object(out)
}
