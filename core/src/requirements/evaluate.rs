//! Evaluating projects: from configured projects to one [`Evaluation`] per
//! (project, as-of instant), every measure fetched in one batch.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::fetch::{self, Batch, ProbeScope};
use super::{Measure, Status, Window};
use crate::config::{Criteria, Project};
use crate::store::{Result, Store};

/// Requirement ids in report order.
pub const REQUIREMENT_IDS: &[&str] = &[
    "stars",
    "commits",
    "contributors",
    "maintainers",
    "ci",
    "license",
    "packages",
    "pytorch_support",
    "files.license",
    "files.readme",
    "files.contributing",
    "files.codeowners",
    "files.code_of_conduct",
    "governance",
];

/// A project as the engine sees it: its repos resolved to GitHub node ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// Project name.
    pub project: String,
    /// Repos as configured (`owner/name`), primary first.
    pub repos: Vec<String>,
    /// Node ids of the repos that were ever collected, in the same order.
    pub nodes: Vec<String>,
    /// Whether the primary repo resolved (is `nodes[0]`).
    pub primary_resolved: bool,
    /// Package keys: `pypi:<normalised name>`, `conda:<channel>/<name>`.
    pub packages: Vec<String>,
}

/// One project evaluated at one instant: the JSON of `check` and of each
/// element of `report`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Project name.
    pub project: String,
    /// Repos in scope, primary first.
    pub repos: Vec<String>,
    /// The as-of instant.
    #[serde(serialize_with = "crate::time::serde_rfc3339")]
    pub as_of: DateTime<Utc>,
    /// The counting window.
    pub window: Window,
    /// `[criteria] version`.
    pub criteria_version: String,
    /// The worst status among the requirements.
    pub status: Status,
    /// Every requirement, in [`REQUIREMENT_IDS`] order.
    pub requirements: Vec<Measure>,
}

impl Evaluation {
    /// The measure with this id.
    pub fn measure(&self, id: &str) -> Option<&Measure> {
        self.requirements.iter().find(|m| m.id == id)
    }
}

const REPO_NAMES: &str = include_str!("../../../queries/sql/repo_names.sql");

/// Resolves configured projects to scopes: each `owner/name` to the node id the
/// collector resolved it to (or, after a rename, any name the repo was seen under).
pub fn resolve_scopes(store: &Store, projects: &[&Project]) -> Result<Vec<Scope>> {
    let mut known: HashMap<String, String> = HashMap::new();
    let mut stmt = store
        .conn()
        .prepare_cached(REPO_NAMES)
        .map_err(fetch::db("resolve repos"))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(fetch::db("resolve repos"))?;
    for row in rows {
        let (slug, node) = row.map_err(fetch::db("resolve repos"))?;
        // Later rows (the collector's own resolution) win over names seen.
        known.insert(slug, node);
    }
    Ok(projects
        .iter()
        .map(|p| {
            let repos: Vec<String> = p.repos.iter().map(|r| r.to_string()).collect();
            let resolved: Vec<Option<String>> = repos
                .iter()
                .map(|r| known.get(&r.to_lowercase()).cloned())
                .collect();
            let primary_resolved = resolved.first().is_some_and(Option::is_some);
            let mut nodes: Vec<String> = Vec::new();
            for n in resolved.into_iter().flatten() {
                if !nodes.contains(&n) {
                    nodes.push(n);
                }
            }
            let packages = p
                .pypi
                .iter()
                .map(|n| format!("pypi:{}", n.normalized()))
                .chain(p.conda.iter().map(|c| format!("conda:{c}")))
                .collect();
            Scope {
                project: p.name.clone(),
                repos,
                nodes,
                primary_resolved,
                packages,
            }
        })
        .collect())
}

/// Evaluates every scope at one instant (the `report`).
pub fn evaluate_at(
    store: &Store,
    criteria: &Criteria,
    backfill_days: u32,
    scopes: &[Scope],
    as_of: DateTime<Utc>,
) -> Result<Vec<Evaluation>> {
    let probes: Vec<(&Scope, DateTime<Utc>)> = scopes.iter().map(|s| (s, as_of)).collect();
    evaluate(store, criteria, backfill_days, &probes)
}

/// Evaluates each (scope, as-of instant) probe: one query per measure for the
/// whole batch, then the rules.
pub fn evaluate(
    store: &Store,
    criteria: &Criteria,
    backfill_days: u32,
    probes: &[(&Scope, DateTime<Utc>)],
) -> Result<Vec<Evaluation>> {
    let days = criteria.window_days.get();
    let windows: Vec<Window> = probes
        .iter()
        .map(|(_, t)| Window::ending_at(*t, days))
        .collect();
    let flat: Vec<ProbeScope<'_>> = probes
        .iter()
        .zip(&windows)
        .map(|((s, _), w)| ProbeScope {
            nodes: &s.nodes,
            primary_resolved: s.primary_resolved,
            packages: &s.packages,
            window: *w,
        })
        .collect();
    let batch = Batch::new(&flat, &criteria.bots);
    let counts = fetch::window_counts(store, &batch)?;
    let snaps = fetch::snapshots(store, &batch)?;
    let star_history = fetch::star_history(store, &batch)?;
    let mergers = fetch::mergers(store, &batch)?;
    let ci = fetch::ci_counts(store, &batch)?;
    let packages = fetch::packages(store, &batch)?;
    let torch = fetch::torch_releases(store)?;
    let mut out = Vec::with_capacity(probes.len());
    for (k, ((scope, as_of), w)) in probes.iter().zip(&windows).enumerate() {
        let snap = snaps.get(k).and_then(Option::as_ref);
        let layout = snap.map(|s| &s.layout);
        let seen = packages.get(k).map_or(&[][..], Vec::as_slice);
        let facts = counts.get(k).cloned().unwrap_or_default();
        let mut reqs = vec![
            super::stars(
                snap,
                star_history.get(k).and_then(Option::as_ref),
                criteria.min_stars,
            ),
            super::commits(&facts, w, criteria.min_commits, backfill_days),
            super::contributors(&facts, w, criteria.min_contributors, backfill_days),
            super::maintainers(
                layout,
                mergers.get(k).map_or(&[][..], Vec::as_slice),
                criteria.min_maintainers,
                &criteria.bots,
            ),
            super::ci(snap, ci.get(k).copied().unwrap_or_default(), w),
            super::license(layout, &criteria.permissive_licenses),
            super::packages(seen, &scope.packages, &scope.repos),
            super::pytorch_support(seen, &scope.packages, &torch, *as_of),
        ];
        reqs.extend(super::files(layout));
        reqs.push(super::governance(layout));
        out.push(Evaluation {
            project: scope.project.clone(),
            repos: scope.repos.clone(),
            as_of: *as_of,
            window: *w,
            criteria_version: criteria.version.clone(),
            status: Status::worst(reqs.iter().map(|m| m.status)),
            requirements: reqs,
        });
    }
    Ok(out)
}

/// The evidence lists behind one probe's numbers.
pub fn evidence(
    store: &Store,
    criteria: &Criteria,
    scopes: &[Scope],
    as_of: DateTime<Utc>,
    list: &str,
) -> Result<(Vec<String>, fetch::ListRows)> {
    let w = Window::ending_at(as_of, criteria.window_days.get());
    let flat: Vec<ProbeScope<'_>> = scopes
        .iter()
        .map(|s| ProbeScope {
            nodes: &s.nodes,
            primary_resolved: s.primary_resolved,
            packages: &s.packages,
            window: w,
        })
        .collect();
    let batch = Batch::new(&flat, &criteria.bots);
    fetch::evidence_list(store, &batch, list)
}
