//! What `check`, `report`, `review`, `trend` and `export` share: choosing the
//! projects and the as-of instant, evaluating them, and showing measures.

use chrono::{DateTime, Utc};
use serde_json::{Value as Json, json};
use tacometer_core::config::{Config, Project};
use tacometer_core::model::ProjectStatus;
use tacometer_core::model::RepoSlug;
use tacometer_core::output::Table;
use tacometer_core::requirements::{
    self, Evaluation, Measure, Scope, Status, Value, resolve_scopes,
};
use tacometer_core::store::Store;
use tacometer_core::time::{parse_as_of, rfc3339};

/// `--as-of`: a date (its end, UTC) or an RFC 3339 instant; now when absent.
pub fn as_of(flag: Option<&str>) -> anyhow::Result<DateTime<Utc>> {
    match flag {
        Some(text) => parse_as_of(text).map_err(|e| anyhow::anyhow!("--as-of {e}")),
        None => Ok(now()),
    }
}

/// The current instant, to the microsecond (the precision of stored times).
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// Opens the history for reading (waiting for the daemon's lock if needed).
pub fn open(config: &Config) -> anyhow::Result<Store> {
    Ok(Store::open_read(
        &config.store.path,
        config.store.lock_wait.0,
    )?)
}

/// The projects a report covers: every configured project but retired ones.
pub fn tracked(config: &Config) -> Vec<&Project> {
    config
        .projects
        .iter()
        .filter(|p| p.status != ProjectStatus::Retired)
        .collect()
}

/// The project named by `key`: a configured project's name or one of its repos,
/// else an `OWNER/REPO` nobody configured (answered from whatever was collected).
pub fn project(config: &Config, key: &str) -> anyhow::Result<Project> {
    if let Some(p) = config.find_project(key) {
        return Ok(p.clone());
    }
    let slug = RepoSlug::parse(key).map_err(|_| {
        anyhow::anyhow!(
            "no project named `{key}` in {}{}",
            config.source,
            suggestion(config, key).map_or_else(
                || ": give a configured project's name or an OWNER/REPO (see `tacometer \
                    projects`)"
                    .to_string(),
                |s| format!("; did you mean `{s}`?")
            )
        )
    })?;
    Ok(adhoc(slug))
}

/// The configured project name or repo closest to `key`, when one is close
/// enough to be a likely typo (`Ignte` for `Ignite`, `pytorch/vison`).
pub fn suggestion(config: &Config, key: &str) -> Option<String> {
    let key = key.to_lowercase();
    config
        .projects
        .iter()
        .flat_map(|p| std::iter::once(p.name.clone()).chain(p.repos.iter().map(|r| r.to_string())))
        .map(|name| (strsim::jaro_winkler(&key, &name.to_lowercase()), name))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

/// A project made of one repository, for repos nobody configured.
pub fn adhoc(slug: RepoSlug) -> Project {
    Project {
        name: slug.to_string(),
        repos: vec![slug],
        github_org: None,
        pypi: Vec::new(),
        conda: Vec::new(),
        status: ProjectStatus::Applicant,
        foundation: false,
        category: None,
        accepted: None,
        notified: None,
    }
}

/// Resolves projects to scopes.
pub fn scopes(store: &Store, projects: &[&Project]) -> anyhow::Result<Vec<Scope>> {
    Ok(resolve_scopes(store, projects)?)
}

/// Fails with a clear message when `key` names no configured project and
/// collection never saw or tried any of its repos (a typo, or a repo nobody
/// tracks). A configured project is always evaluated: a repo of it that is
/// gone upstream or never resolved makes its requirements `unknown` with the
/// reason, as in `report`.
pub fn require_history(
    store: &Store,
    scope: &Scope,
    key: &str,
    config: &Config,
) -> anyhow::Result<()> {
    if config.find_project(key).is_some() || !scope.nodes.is_empty() {
        return Ok(());
    }
    for repo in &scope.repos {
        if store.collection_target_known(&format!("repo:{}", repo.to_lowercase()))? {
            return Ok(());
        }
    }
    if let Some(s) = suggestion(config, key) {
        anyhow::bail!(
            "{key} has no collected history in {} and is not configured; did you mean `{s}`?",
            config.store.path.display()
        );
    }
    anyhow::bail!(
        "{key} has no collected history in {}: is it tracked by tacometerd? For a repo \
         nobody tracks, run `tacometer check --live {}`",
        config.store.path.display(),
        tacometer_core::output::shell_word(scope.repos.first().map_or(key, String::as_str))
    )
}

/// Evaluates each (scope, as-of instant) probe under the config's criteria and
/// backfill.
pub fn evaluate(
    store: &Store,
    config: &Config,
    probes: &[(&Scope, DateTime<Utc>)],
) -> anyhow::Result<Vec<Evaluation>> {
    Ok(requirements::evaluate(
        store,
        &config.criteria,
        config.collect.backfill_days.get(),
        probes,
    )?)
}

/// Evaluates every scope at one instant.
pub fn evaluate_at(
    store: &Store,
    config: &Config,
    scopes: &[Scope],
    as_of: DateTime<Utc>,
) -> anyhow::Result<Vec<Evaluation>> {
    let probes: Vec<(&Scope, DateTime<Utc>)> = scopes.iter().map(|s| (s, as_of)).collect();
    evaluate(store, config, &probes)
}

/// A short mark per status, for terminals.
pub fn mark(s: Status) -> &'static str {
    match s {
        Status::Pass => "✓",
        Status::Caution => "!",
        Status::Unknown => "?",
        Status::Fail => "✗",
    }
}

/// The status word (`pass`, `caution`, ...).
pub fn word(s: Status) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// A value as text (`-` when unknown).
pub fn value_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::Count(n)) => n.to_string(),
        Some(Value::Text(t)) => t.clone(),
        None => "-".into(),
    }
}

/// A value as JSON (`null` when unknown).
pub fn value_json(v: Option<&Value>) -> Json {
    match v {
        Some(Value::Count(n)) => json!(n),
        Some(Value::Text(t)) => json!(t),
        None => Json::Null,
    }
}

/// The long-form rows of evaluations: one per project and requirement (the CSV
/// of `check` and `report`, and the summary of `export`).
pub fn long_table(evals: &[Evaluation]) -> Table {
    let mut t = Table::new([
        "project",
        "requirement",
        "status",
        "value",
        "threshold",
        "margin",
        "window_start",
        "window_end",
        "observed_at",
        "source",
        "criteria_version",
        "detail",
        "falls_below_on",
    ]);
    for e in evals {
        for m in &e.requirements {
            t.push(long_row(e, m));
        }
    }
    t
}

fn long_row(e: &Evaluation, m: &Measure) -> Vec<Json> {
    vec![
        json!(e.project),
        json!(m.id),
        json!(word(m.status)),
        value_json(m.value.as_ref()),
        value_json(Some(&m.threshold)),
        m.margin.map_or(Json::Null, |x| json!(x)),
        json!(rfc3339(e.window.start)),
        json!(rfc3339(e.window.end)),
        m.observed_at.map_or(Json::Null, |t| json!(rfc3339(t))),
        json!(m.source),
        json!(e.criteria_version),
        json!(m.detail),
        m.falls_below_on
            .map_or(Json::Null, |d| json!(d.to_string())),
    ]
}

/// The date part of an instant (`2026-06-30`).
pub fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// Whether `t` is the last microsecond of its day (how `--as-of DATE` ends).
fn end_of_day(t: DateTime<Utc>) -> bool {
    t.format("%H:%M:%S%.6f").to_string() == "23:59:59.999999"
}

/// An as-of instant for people: the date when it is the end of that day
/// (`2026-06-30`), else the date and time to the minute (`2026-12-01 14:05 UTC`).
pub fn when(t: DateTime<Utc>) -> String {
    if end_of_day(t) {
        day(t)
    } else {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    }
}

/// An as-of instant for a pasted `--as-of` flag: the date when it means the
/// same instant, else RFC 3339.
pub fn as_of_flag(t: DateTime<Utc>) -> String {
    if end_of_day(t) { day(t) } else { rfc3339(t) }
}

/// A window `(start, end]` for people: its first and last days when it is
/// made of whole days (`2026-04-02 to 2026-06-30`), else both instants.
pub fn window_text(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    if end_of_day(start) && end_of_day(end) {
        format!(
            "{} to {}",
            day(start + chrono::Duration::microseconds(1)),
            day(end)
        )
    } else {
        format!("after {} to {}", when(start), when(end))
    }
}
