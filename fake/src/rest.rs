//! GitHub REST: `GET /repos/{owner}/{repo}/actions/runs`.

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value as Json, json};

use crate::server::{pct_encode, query_map, query_pairs};
use crate::util::{b64, iso};
use crate::world::{Repo, WorkflowRun, World};

/// How the repo was addressed.
#[derive(Debug, Clone)]
pub enum RepoKey {
    /// `/repos/{owner}/{name}/...`.
    Name(String, String),
    /// `/repositories/{id}/...`.
    Id(u64),
}

/// A handler's answer before headers and accounting.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 200 with a body and maybe a `link` header.
    Ok {
        /// Body.
        body: Json,
        /// `link` header.
        link: Option<String>,
    },
    /// 301 to `location`.
    Moved {
        /// Body.
        body: Json,
        /// Absolute URL.
        location: String,
    },
    /// Any other status.
    Status(StatusCode, Json),
}

const RUNS_DOC: &str =
    "https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-repository";

fn not_found() -> Answer {
    Answer::Status(
        StatusCode::NOT_FOUND,
        json!({"message": "Not Found", "documentation_url": RUNS_DOC, "status": "404"}),
    )
}

/// One bound of a `created` filter.
#[derive(Debug, Clone, Copy)]
struct Range {
    lo: Option<(DateTime<Utc>, bool)>,
    hi: Option<(DateTime<Utc>, bool)>,
}

/// A date or date-time; a bare date covers the whole day.
fn bound(text: &str, upper: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let d = if upper { d.succ_opt()? } else { d };
    Some(d.and_hms_opt(0, 0, 0)?.and_utc())
}

/// GitHub's search syntax for `created`: `>=X`, `>X`, `<=X`, `<X`, `X..Y`,
/// `X..*`, `*..Y`, or a bare date.
fn parse_created(v: &str) -> Option<Range> {
    let none = Range { lo: None, hi: None };
    if let Some(x) = v.strip_prefix(">=") {
        return Some(Range {
            lo: Some((bound(x, false)?, true)),
            ..none
        });
    }
    if let Some(x) = v.strip_prefix('>') {
        // `>2024-01-01` excludes the whole day.
        let t = if x.len() == 10 {
            bound(x, true)?
        } else {
            bound(x, false)?
        };
        return Some(Range {
            lo: Some((t, x.len() == 10)),
            ..none
        });
    }
    if let Some(x) = v.strip_prefix("<=") {
        let t = bound(x, true)?;
        return Some(Range {
            hi: Some((t, x.len() != 10)),
            ..none
        });
    }
    if let Some(x) = v.strip_prefix('<') {
        return Some(Range {
            hi: Some((bound(x, false)?, false)),
            ..none
        });
    }
    if let Some((a, b)) = v.split_once("..") {
        let lo = if a == "*" {
            None
        } else {
            Some((bound(a, false)?, true))
        };
        let hi = if b == "*" {
            None
        } else {
            Some((bound(b, true)?, b.len() != 10))
        };
        return Some(Range { lo, hi });
    }
    Some(Range {
        lo: Some((bound(v, false)?, true)),
        hi: Some((bound(v, true)?, v.len() != 10)),
    })
}

fn in_range(r: &Range, t: DateTime<Utc>) -> bool {
    let lo_ok =
        r.lo.is_none_or(|(lo, incl)| if incl { t >= lo } else { t > lo });
    let hi_ok =
        r.hi.is_none_or(|(hi, incl)| if incl { t <= hi } else { t < hi });
    lo_ok && hi_ok
}

/// The repository a path addresses, for the accounting: its node id when the
/// path resolves (a former name or a deleted repository included), else the
/// path as asked (`owner/name` or `repositories/ID`).
pub fn repo_tag(world: &World, key: &RepoKey) -> String {
    let repo = match key {
        RepoKey::Name(o, n) => world.repo_by_name(o, n),
        RepoKey::Id(id) => world.repos.iter().find(|r| r.database_id == *id),
    };
    match (repo, key) {
        (Some(r), _) => r.id.clone(),
        (None, RepoKey::Name(o, n)) => format!("{o}/{n}"),
        (None, RepoKey::Id(id)) => format!("repositories/{id}"),
    }
}

/// `GET /repos/{owner}/{repo}/actions/runs`: newest first, filtered by
/// `branch`, `status`, `event`, `actor`, `head_sha`, `created`; paged by
/// `per_page` (max 100) and `page`, with GitHub's 1,000-result cap when
/// filtering and a `link` header of absolute URLs.
pub fn workflow_runs(world: &World, base: &str, key: &RepoKey, query: Option<&str>) -> Answer {
    let pairs = query_pairs(query);
    let q = query_map(&pairs);
    let repo: Option<&Repo> = match key {
        RepoKey::Name(o, n) => world.repo_by_name(o, n),
        RepoKey::Id(id) => world.repos.iter().find(|r| r.database_id == *id),
    };
    let Some(repo) = repo.filter(|r| !r.deleted) else {
        return not_found();
    };
    if let RepoKey::Name(o, n) = key
        && !repo.full_name().eq_ignore_ascii_case(&format!("{o}/{n}"))
    {
        let mut location = format!("{base}/repositories/{}/actions/runs", repo.database_id);
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            location.push('?');
            location.push_str(q);
        }
        return Answer::Moved {
            body: json!({"message": "Moved Permanently", "url": location, "documentation_url": "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects"}),
            location,
        };
    }
    let per_page = q
        .get("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = q
        .get("page")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let created = match q.get("created") {
        Some(v) => match parse_created(v) {
            Some(r) => Some(r),
            None => {
                return Answer::Status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!({"message": format!("Invalid created value: {v}"), "documentation_url": RUNS_DOC, "status": "422"}),
                );
            }
        },
        None => None,
    };
    let mut runs: Vec<&WorkflowRun> = repo
        .workflow_runs
        .iter()
        .filter(|w| q.get("branch").is_none_or(|b| w.head_branch == *b))
        .filter(|w| q.get("event").is_none_or(|e| w.event == *e))
        .filter(|w| q.get("actor").is_none_or(|a| w.actor == *a))
        .filter(|w| q.get("head_sha").is_none_or(|h| w.head_sha == *h))
        .filter(|w| {
            q.get("status")
                .is_none_or(|s| w.status == *s || w.conclusion.as_deref() == Some(s.as_str()))
        })
        .filter(|w| created.as_ref().is_none_or(|r| in_range(r, w.created_at)))
        .collect();
    runs.sort_by_key(|w| std::cmp::Reverse((w.created_at, w.id)));
    let total = runs.len();
    let filtered = [
        "actor",
        "branch",
        "check_suite_id",
        "created",
        "event",
        "head_sha",
        "status",
    ]
    .iter()
    .any(|k| q.contains_key(*k));
    let reachable = if filtered { total.min(1000) } else { total };
    let start = (page - 1) * per_page;
    let items: Vec<Json> = runs
        .iter()
        .take(reachable)
        .skip(start)
        .take(per_page)
        .map(|w| run_json(repo, w, base))
        .collect();
    let last_page = reachable.div_ceil(per_page).max(1);
    let link = (last_page > 1).then(|| {
        let url = |p: usize| {
            let mut parts: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| format!("{}={}", pct_encode(k), pct_encode(v)))
                .collect();
            parts.push(format!("page={p}"));
            format!(
                "<{base}/repositories/{}/actions/runs?{}>",
                repo.database_id,
                parts.join("&")
            )
        };
        let mut rels = Vec::new();
        if page > 1 {
            rels.push(format!("{}; rel=\"prev\"", url(page - 1)));
        }
        if page < last_page {
            rels.push(format!("{}; rel=\"next\"", url(page + 1)));
            rels.push(format!("{}; rel=\"last\"", url(last_page)));
        }
        if page > 1 {
            rels.push(format!("{}; rel=\"first\"", url(1)));
        }
        rels.join(", ")
    });
    Answer::Ok {
        body: json!({"total_count": total, "workflow_runs": items}),
        link: link.filter(|l| !l.is_empty()),
    }
}

fn run_json(repo: &Repo, w: &WorkflowRun, base: &str) -> Json {
    let api = format!("{base}/repos/{}/{}", repo.owner, repo.name);
    let html = format!("https://github.com/{}/{}", repo.owner, repo.name);
    let head = repo.commits.iter().find(|c| c.sha == w.head_sha);
    let head_commit = head.map(|c| {
        json!({
            "id": c.sha,
            "tree_id": crate::util::fake_sha(&format!("tree:{}", c.sha)),
            "message": c.message,
            "timestamp": iso(c.committed_at),
            "author": {"name": c.author.name, "email": c.author.email},
            "committer": {"name": c.committer.name, "email": c.committer.email},
        })
    });
    let actor = json!({
        "login": w.actor,
        "id": crate::util::fnv(&w.actor, 7) % 200_000_000 + 1,
        "node_id": format!("U_{}", b64(&w.actor)),
        "type": if w.actor.ends_with("[bot]") { "Bot" } else { "User" },
        "site_admin": false,
    });
    let repo_json = json!({
        "id": repo.database_id,
        "node_id": repo.id,
        "name": repo.name,
        "full_name": repo.full_name(),
        "private": false,
        "owner": {"login": repo.owner, "type": if repo.owner_is_org { "Organization" } else { "User" }},
        "html_url": html,
        "fork": repo.fork,
        "url": api,
    });
    let check_suite_id = w.id * 3 + 7;
    json!({
        "id": w.id,
        "name": w.name,
        "node_id": format!("WFR_{}", b64(&w.id.to_string())),
        "head_branch": w.head_branch,
        "head_sha": w.head_sha,
        "path": w.path,
        "display_title": head.map_or_else(|| w.name.clone(), |c| c.message.lines().next().unwrap_or_default().to_string()),
        "run_number": w.run_number,
        "event": w.event,
        "status": w.status,
        "conclusion": w.conclusion,
        "workflow_id": w.workflow_id,
        "check_suite_id": check_suite_id,
        "check_suite_node_id": format!("CS_{}", b64(&check_suite_id.to_string())),
        "url": format!("{api}/actions/runs/{}", w.id),
        "html_url": format!("{html}/actions/runs/{}", w.id),
        "pull_requests": [],
        "created_at": iso(w.created_at),
        "updated_at": iso(w.updated_at),
        "actor": actor,
        "run_attempt": w.run_attempt,
        "referenced_workflows": [],
        "run_started_at": iso(w.run_started_at.unwrap_or(w.created_at)),
        "triggering_actor": actor,
        "jobs_url": format!("{api}/actions/runs/{}/jobs", w.id),
        "logs_url": format!("{api}/actions/runs/{}/logs", w.id),
        "check_suite_url": format!("{api}/check-suites/{check_suite_id}"),
        "artifacts_url": format!("{api}/actions/runs/{}/artifacts", w.id),
        "cancel_url": format!("{api}/actions/runs/{}/cancel", w.id),
        "rerun_url": format!("{api}/actions/runs/{}/rerun", w.id),
        "previous_attempt_url": if w.run_attempt > 1 {
            json!(format!("{api}/actions/runs/{}/attempts/{}", w.id, w.run_attempt - 1))
        } else {
            Json::Null
        },
        "workflow_url": format!("{api}/actions/workflows/{}", w.workflow_id),
        "head_commit": head_commit,
        "repository": repo_json,
        "head_repository": repo_json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .expect("time")
    }

    #[test]
    fn created_syntax() {
        let r = parse_created(">=2024-01-02").expect("parse");
        assert!(!in_range(&r, t("2024-01-01T23:59:59Z")));
        assert!(in_range(&r, t("2024-01-02T00:00:00Z")));
        let r = parse_created("2024-01-01..2024-01-31").expect("parse");
        assert!(in_range(&r, t("2024-01-31T23:00:00Z")));
        assert!(!in_range(&r, t("2024-02-01T00:00:00Z")));
        let r = parse_created("<2024-01-31").expect("parse");
        assert!(!in_range(&r, t("2024-01-31T00:00:00Z")));
        let r = parse_created("<=2024-01-31").expect("parse");
        assert!(in_range(&r, t("2024-01-31T10:00:00Z")));
        let r = parse_created(">2024-01-31").expect("parse");
        assert!(!in_range(&r, t("2024-01-31T10:00:00Z")));
        assert!(in_range(&r, t("2024-02-01T00:00:00Z")));
        let r = parse_created("2024-01-01T00:00:00Z..*").expect("parse");
        assert!(in_range(&r, t("2030-01-01T00:00:00Z")));
        let r = parse_created("2024-01-05").expect("parse");
        assert!(in_range(&r, t("2024-01-05T12:00:00Z")));
        assert!(!in_range(&r, t("2024-01-06T00:00:00Z")));
        assert!(parse_created(">=yesterday").is_none());
    }
}
