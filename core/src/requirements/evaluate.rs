//! Evaluating projects: from configured projects to one [`Evaluation`] per
//! (project, as-of instant), every measure fetched in one batch.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::fetch::{self, Batch, ProbeScope, RepoHealth, RepoProbe};
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
    /// The node id each configured repo resolved to, aligned with `repos`
    /// (`None`: it never resolved).
    pub resolved: Vec<Option<String>>,
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

const REPO_NAMES: &str = tacometer_queries::sql::REPO_NAMES;

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
            for n in resolved.iter().flatten() {
                if !nodes.contains(n) {
                    nodes.push(n.clone());
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
                resolved,
                primary_resolved,
                packages,
            }
        })
        .collect())
}

/// Requirements measured on the primary repository alone.
const PRIMARY_ONLY: &[&str] = &[
    "stars",
    "maintainers",
    "ci",
    "license",
    "files.license",
    "files.readme",
    "files.contributing",
    "files.codeowners",
    "files.code_of_conduct",
    "governance",
];

/// Requirements counted over every repository in scope.
const EVERY_REPO: &[&str] = &["commits", "contributors"];

/// A configured repository whose facts cannot be used as of a probe's instant.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingRepo {
    /// It is the project's primary repository.
    pub primary: bool,
    /// Why, for people: gone upstream, or never resolved, with what upstream said.
    pub reason: String,
    /// When collection last failed on it, if it did.
    pub failed_at: Option<DateTime<Utc>>,
}

/// The configured repositories of `scope` that are gone upstream (the latest
/// collection failure by then is NOT_FOUND, after its latest snapshot) or
/// never resolved to a node id, each with the reason.
pub fn missing_repos(scope: &Scope, health: &[RepoHealth]) -> Vec<MissingRepo> {
    scope
        .repos
        .iter()
        .enumerate()
        .filter_map(|(i, slug)| {
            let primary = i == 0;
            let role = if primary {
                "the primary repository"
            } else {
                "the repository"
            };
            let lower = slug.to_lowercase();
            let h = health.iter().find(|h| h.slug == lower);
            let failure = h.and_then(|h| h.failure.as_ref());
            let resolved = scope.resolved.get(i).is_some_and(Option::is_some);
            let reason = match failure {
                Some(f) if f.kind == "not_found" => {
                    let after_last_snapshot =
                        h.and_then(|h| h.seen_at).is_none_or(|seen| f.at > seen);
                    if resolved && !after_last_snapshot {
                        return None;
                    }
                    format!(
                        "{role} {slug} is gone upstream{}: GitHub answered NOT_FOUND on {} ({})",
                        if resolved { "" } else { " or never existed" },
                        crate::time::rfc3339(f.at),
                        f.message
                    )
                }
                _ if resolved => return None,
                Some(f) => format!(
                    "{role} {slug} never resolved to a GitHub repository: its last collection \
                     by the as-of date failed on {} ({}: {})",
                    crate::time::rfc3339(f.at),
                    f.kind,
                    f.message
                ),
                None => format!(
                    "{role} {slug} never resolved to a GitHub repository: it was not collected \
                     by the as-of date"
                ),
            };
            Some(MissingRepo {
                primary,
                reason,
                failed_at: failure.map(|f| f.at),
            })
        })
        .collect()
}

/// Makes the requirements a missing repository leaves unmeasured `unknown`,
/// with the reason: every requirement of the primary repository when it is
/// missing, and `commits` and `contributors` (counted over every repository in
/// scope) when any is. A partial count is never reported as known.
fn unknown_for_missing_repos(reqs: &mut [Measure], missing: &[MissingRepo]) {
    let primary: Vec<&MissingRepo> = missing.iter().filter(|m| m.primary).collect();
    for m in reqs.iter_mut() {
        let affecting: Vec<&MissingRepo> = if EVERY_REPO.contains(&m.id) {
            missing.iter().collect()
        } else if PRIMARY_ONLY.contains(&m.id) {
            primary.clone()
        } else {
            continue;
        };
        if affecting.is_empty() {
            continue;
        }
        m.status = Status::Unknown;
        m.value = None;
        m.margin = None;
        m.observed_at = affecting.iter().filter_map(|r| r.failed_at).max();
        m.source = "queries/sql/repo_health.sql over collection_errors and repo_snapshots".into();
        m.detail = affecting
            .iter()
            .map(|r| r.reason.as_str())
            .collect::<Vec<_>>()
            .join("; ");
    }
}

/// The latest collection behind some requirements of a probe whose as-of
/// date is past the last collection. Past `[criteria] staleness_days` after
/// it, it no longer answers for that date (the daemon stopped, or the date
/// is in the future): those requirements read unknown, saying since when
/// nothing was collected.
/// The rolling counts have their own rule (the window must be covered by
/// collected history), and a gap in tacometer's configuration stays what
/// it is.
struct Stale<'a> {
    latest: DateTime<Utc>,
    /// What was collected then, for the reason given.
    what: &'static str,
    /// The requirements it answers.
    ids: &'a dyn Fn(&str) -> bool,
}

impl Stale<'_> {
    fn apply(
        &self,
        reqs: &mut [Measure],
        as_of: DateTime<Utc>,
        staleness_days: std::num::NonZeroU32,
    ) {
        let limit = chrono::Duration::days(i64::from(staleness_days.get()));
        if as_of - self.latest <= limit {
            return;
        }
        let detail = format!(
            "nothing collected after {}: {} is {} days before the as-of date, more than \
             [criteria] staleness_days = {}",
            crate::time::rfc3339(self.latest),
            self.what,
            (as_of - self.latest).num_days(),
            staleness_days
        );
        for m in reqs
            .iter_mut()
            .filter(|m| (self.ids)(m.id) && m.source != super::CONFIGURATION)
        {
            m.status = Status::Unknown;
            m.value = None;
            m.margin = None;
            m.observed_at = Some(self.latest);
            m.detail = detail.clone();
            m.falls_below_on = None;
        }
    }
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
    evaluate_parts(store, criteria, backfill_days, probes, &[])
}

/// [`evaluate`] reading only what the requirements `ids` need: the others
/// read as unknown (or worse) and are not to be shown. What the site's charts
/// use for a year of weekly points per project (`commits`, `contributors`,
/// `stars`, `ci`), where reading every requirement would cost several times
/// as much.
pub fn evaluate_only(
    store: &Store,
    criteria: &Criteria,
    backfill_days: u32,
    probes: &[(&Scope, DateTime<Utc>)],
    ids: &[&str],
) -> Result<Vec<Evaluation>> {
    let parts = vec![Parts::for_ids(ids); probes.len()];
    evaluate_parts(store, criteria, backfill_days, probes, &parts)
}

/// One day's rolling (`commits`, `contributors`), `None` where unknown.
pub type DayCounts = (Option<i64>, Option<i64>);

/// The rolling `commits` and `contributors` counts of each scope for every
/// day `n` in `0..=days` before `as_of` (index `[scope][n]`), from one daily
/// series in SQL (`daily_counts.sql`, as `review` reads it) instead of an
/// evaluation per day: `None` on the days whose window collected history
/// does not cover, where `check` says unknown.
pub fn daily_rolling_counts(
    store: &Store,
    criteria: &Criteria,
    backfill_days: u32,
    scopes: &[Scope],
    as_of: DateTime<Utc>,
    days: u32,
) -> Result<Vec<Vec<DayCounts>>> {
    let probes: Vec<(&Scope, DateTime<Utc>)> = scopes.iter().map(|s| (s, as_of)).collect();
    let counts_only = Parts {
        counts: true,
        ..Parts::NONE
    };
    let (_, facts) = evaluate_keeping_counts(
        store,
        criteria,
        backfill_days,
        &probes,
        &vec![counts_only; probes.len()],
        || None,
    )?;
    let daily: Vec<fetch::DailyProbe<'_>> = scopes
        .iter()
        .map(|s| fetch::DailyProbe {
            nodes: &s.nodes,
            at: as_of,
        })
        .collect();
    let window = criteria.window_days.get();
    let counts = fetch::daily_counts(store, &daily, days, window, &criteria.bots)?;
    Ok(counts
        .into_iter()
        .zip(&facts)
        .map(|(row, f)| {
            row.into_iter()
                .enumerate()
                .map(|(n, (commits, people))| {
                    let w = Window::ending_at(as_of - Duration::days(n as i64), window);
                    match super::history_covers(f, &w, backfill_days) {
                        Ok(()) => (Some(commits), Some(people)),
                        Err(_) => (None, None),
                    }
                })
                .collect()
        })
        .collect())
}

/// Which of the batched reads [`evaluate_parts`] runs for a probe. A requirement whose
/// reads are skipped reads as unknown or worse: callers read only the
/// requirements whose parts they asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Parts {
    /// `window_counts.sql`: `commits`, `contributors`; also read for `ci`
    /// when a probe has no snapshot (whether history covers the window).
    pub counts: bool,
    /// `snapshot.sql`: `stars`, `license`, `files.*`, `governance`, and with
    /// the next two, `maintainers` and `ci`.
    pub snapshot: bool,
    /// `mergers.sql`: `maintainers`.
    pub mergers: bool,
    /// `ci_window.sql`: `ci`.
    pub ci: bool,
    /// The package queries: `packages`, `pytorch_support`.
    pub packages: bool,
}

impl Parts {
    /// Everything.
    pub const ALL: Parts = Parts {
        counts: true,
        snapshot: true,
        mergers: true,
        ci: true,
        packages: true,
    };

    /// Nothing.
    pub const NONE: Parts = Parts {
        counts: false,
        snapshot: false,
        mergers: false,
        ci: false,
        packages: false,
    };

    /// The reads of both.
    pub fn union(self, other: Parts) -> Parts {
        Parts {
            counts: self.counts || other.counts,
            snapshot: self.snapshot || other.snapshot,
            mergers: self.mergers || other.mergers,
            ci: self.ci || other.ci,
            packages: self.packages || other.packages,
        }
    }

    /// Whether every read of `other` is among these.
    pub fn covers(self, other: Parts) -> bool {
        self.union(other) == self
    }

    /// These reads without the package queries.
    pub fn without_packages(self) -> Parts {
        Parts {
            packages: false,
            ..self
        }
    }

    /// Only the package queries of these reads.
    pub fn only_packages(self) -> Parts {
        Parts {
            packages: self.packages,
            ..Parts::NONE
        }
    }

    /// Whether any read is of the project's repositories, the requirements
    /// a gone or unresolved repository makes unknown.
    fn reads_repos(self) -> bool {
        self.without_packages() != Parts::NONE
    }

    /// The reads the requirements `ids` need.
    pub fn for_ids(ids: &[&str]) -> Self {
        let any = |want: &[&str]| ids.iter().any(|id| want.contains(id));
        Parts {
            counts: any(&["commits", "contributors"]),
            snapshot: ids.iter().any(|id| {
                !matches!(
                    *id,
                    "commits" | "contributors" | "packages" | "pytorch_support"
                )
            }),
            mergers: any(&["maintainers"]),
            ci: any(&["ci"]),
            packages: any(&["packages", "pytorch_support"]),
        }
    }
}

/// [`evaluate`] running, for each probe, only the reads in its `parts`
/// (`parts[k]` for `probes[k]`; every read for a probe past the end of
/// `parts`): each read is one query over the probes that need it.
pub(crate) fn evaluate_parts(
    store: &Store,
    criteria: &Criteria,
    backfill_days: u32,
    probes: &[(&Scope, DateTime<Utc>)],
    parts: &[Parts],
) -> Result<Vec<Evaluation>> {
    Ok(evaluate_keeping_counts(store, criteria, backfill_days, probes, parts, || None)?.0)
}

/// What the package queries read for a batch of probes: each probe's
/// packages as seen, and the torch releases.
pub(crate) struct PackageReads {
    seen: Vec<Vec<fetch::PackageSeen>>,
    torch: Vec<fetch::TorchRelease>,
}

/// Each probe's window, and the probe as the batched queries take it.
fn flatten<'a>(
    probes: &[(&'a Scope, DateTime<Utc>)],
    days: u32,
) -> (Vec<Window>, Vec<ProbeScope<'a>>) {
    let windows: Vec<Window> = probes
        .iter()
        .map(|(_, t)| Window::ending_at(*t, days))
        .collect();
    let flat = probes
        .iter()
        .zip(&windows)
        .map(|((s, _), w)| ProbeScope {
            nodes: &s.nodes,
            primary_resolved: s.primary_resolved,
            packages: &s.packages,
            window: *w,
        })
        .collect();
    (windows, flat)
}

/// The package queries over the probes `which` of `flat`.
fn package_reads(
    store: &Store,
    flat: &[ProbeScope<'_>],
    bots: &[String],
    which: &[usize],
) -> Result<PackageReads> {
    Ok(PackageReads {
        seen: read_for(flat, bots, which, Vec::new(), |b| fetch::packages(store, b))?,
        torch: if which.is_empty() {
            Vec::new()
        } else {
            fetch::torch_releases(store)?
        },
    })
}

/// The package reads [`evaluate_keeping_counts`] runs for `probes` when every
/// read is asked for, run here instead (on another connection, meanwhile)
/// and handed to it.
pub(crate) fn read_packages(
    store: &Store,
    criteria: &Criteria,
    probes: &[(&Scope, DateTime<Utc>)],
) -> Result<PackageReads> {
    let (_, flat) = flatten(probes, criteria.window_days.get());
    let all: Vec<usize> = (0..probes.len()).collect();
    package_reads(store, &flat, &criteria.bots, &all)
}

/// [`evaluate_parts`], also handing back each probe's window facts (the
/// default where its `counts` were not read), which tell whether collected
/// history covers the window. `packages` is asked, when the package reads
/// are due, for them as made elsewhere ([`read_packages`]) when every read
/// is asked for (`parts` empty); without them they are made here.
pub(crate) fn evaluate_keeping_counts(
    store: &Store,
    criteria: &Criteria,
    backfill_days: u32,
    probes: &[(&Scope, DateTime<Utc>)],
    parts: &[Parts],
    packages: impl FnOnce() -> Option<PackageReads>,
) -> Result<(Vec<Evaluation>, Vec<fetch::WindowFacts>)> {
    let (windows, flat) = flatten(probes, criteria.window_days.get());
    let part = |k: usize| parts.get(k).copied().unwrap_or(Parts::ALL);
    let which = |want: &dyn Fn(usize) -> bool| -> Vec<usize> {
        (0..probes.len()).filter(|&k| want(k)).collect()
    };
    let bots = &criteria.bots;
    let snaps = read_for(&flat, bots, &which(&|k| part(k).snapshot), None, |b| {
        fetch::snapshots(store, b)
    })?;
    // Stars, trees and the head's CI reconstructed from history answer only
    // where no snapshot does: before a repository's first one.
    let no_snapshot = |k: usize| part(k).snapshot && snaps[k].is_none();
    // `ci` without a snapshot is known only where history covers the window.
    let counts = read_for(
        &flat,
        bots,
        &which(&|k| part(k).counts || (part(k).ci && no_snapshot(k))),
        fetch::WindowFacts::default(),
        |b| fetch::window_counts(store, b, (criteria.min_commits, criteria.min_contributors)),
    )?;
    let star_history = read_for(&flat, bots, &which(&no_snapshot), None, |b| {
        fetch::star_history(store, b)
    })?;
    let trees = read_for(&flat, bots, &which(&no_snapshot), None, |b| {
        fetch::tree_states(store, b)
    })?;
    let mergers = read_for(&flat, bots, &which(&|k| part(k).mergers), Vec::new(), |b| {
        fetch::mergers(store, b)
    })?;
    // The logins behind declared e-mail addresses matter only when the
    // probe's CODEOWNERS declares one (a past tree may, where no snapshot
    // answers).
    let declares_emails = |k: usize| {
        no_snapshot(k)
            || snaps[k]
                .as_ref()
                .is_some_and(|s| !s.layout.codeowners_emails.is_empty())
    };
    let email_logins = read_for(
        &flat,
        bots,
        &which(&|k| part(k).mergers && declares_emails(k)),
        Default::default(),
        |b| fetch::email_logins(store, b),
    )?;
    let ci = read_for(
        &flat,
        bots,
        &which(&|k| part(k).ci),
        fetch::CiCounts::default(),
        |b| fetch::ci_counts(store, b),
    )?;
    let ci_heads = read_for(
        &flat,
        bots,
        &which(&|k| part(k).ci && no_snapshot(k)),
        None,
        |b| fetch::ci_heads(store, b),
    )?;
    let PackageReads {
        seen: packages,
        torch,
    } = match parts.is_empty().then(packages).flatten() {
        Some(read) if read.seen.len() == probes.len() => read,
        _ => package_reads(store, &flat, bots, &which(&|k| part(k).packages))?,
    };
    // A gone or unresolved repository makes only the requirements read from
    // repositories unknown (`unknown_for_missing_repos`): a probe reading
    // packages alone does not ask.
    let mut repo_probes = repo_probes(probes.iter().copied());
    repo_probes.retain(|r| part(r.k).reads_repos());
    let health = fetch::repo_health(store, &repo_probes, probes.len())?;
    let mut out = Vec::with_capacity(probes.len());
    for (k, ((scope, as_of), w)) in probes.iter().zip(&windows).enumerate() {
        let snap = snaps.get(k).and_then(Option::as_ref);
        let layout = snap
            .map(|s| &s.layout)
            .or_else(|| trees.get(k).and_then(Option::as_ref));
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
                email_logins.get(k).map_or(&[][..], Vec::as_slice),
                criteria.min_maintainers,
                &criteria.bots,
            ),
            match snap {
                Some(_) => super::ci(snap, ci.get(k).copied().unwrap_or_default(), w),
                None => super::ci_reconstructed(
                    ci_heads.get(k).and_then(Option::as_ref),
                    super::history_covers(&facts, w, backfill_days),
                    ci.get(k).copied().unwrap_or_default(),
                    w,
                ),
            },
            super::license(layout, &criteria.permissive_licenses),
            super::packages(seen, &scope.packages, &scope.repos),
            super::pytorch_support(
                seen,
                &scope.packages,
                &torch,
                *as_of,
                &criteria.target_environment,
            ),
        ];
        reqs.extend(super::files(layout));
        reqs.push(super::governance(layout));
        // Staleness is about an as-of date past the last collection: where
        // collection went on past it (a snapshot at or after it), an older
        // snapshot was simply the latest. Known where the counts were read.
        // A repository gone upstream says why its snapshot is old: that
        // reason wins over staleness.
        let ended = facts.last_observed.is_some_and(|t| t < *as_of);
        if let Some(s) = snap.filter(|_| ended) {
            let latest = Stale {
                latest: s.layout.observed_at,
                what: "the primary repository's latest snapshot",
                ids: &|id| {
                    !matches!(
                        id,
                        "commits" | "contributors" | "packages" | "pytorch_support"
                    )
                },
            };
            latest.apply(&mut reqs, *as_of, criteria.staleness_days);
        }
        // Packages by their own collection, not their repositories': stale
        // when every package's collection had ended before the as-of date
        // and the newest of their last snapshots is too old. A package
        // collected at or after it counts as seen then. (Those reconstructed
        // from release history are not stale: nothing was collected yet.)
        if let Some(t) = seen
            .iter()
            .filter(|p| p.reconstructed.is_none())
            .map(|p| match p.collected_until < *as_of {
                true => p.observed_at,
                false => *as_of,
            })
            .max()
        {
            let latest = Stale {
                latest: t,
                what: "the packages' latest snapshot",
                ids: &|id| matches!(id, "packages" | "pytorch_support"),
            };
            latest.apply(&mut reqs, *as_of, criteria.staleness_days);
        }
        let missing = missing_repos(scope, health.get(k).map_or(&[][..], Vec::as_slice));
        unknown_for_missing_repos(&mut reqs, &missing);
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
    Ok((out, counts))
}

/// Runs `read` over the probes `which` picks out of `flat` (one batch of
/// their own) and puts each answer back at its probe's index; the others get
/// `fill`.
fn read_for<T: Clone>(
    flat: &[ProbeScope<'_>],
    bots: &[String],
    which: &[usize],
    fill: T,
    read: impl FnOnce(&Batch) -> Result<Vec<T>>,
) -> Result<Vec<T>> {
    let mut out = vec![fill; flat.len()];
    if which.is_empty() {
        return Ok(out);
    }
    let picked: Vec<ProbeScope<'_>> = which.iter().map(|&k| flat[k].clone()).collect();
    for (&k, answer) in which.iter().zip(read(&Batch::new(&picked, bots))?) {
        out[k] = answer;
    }
    Ok(out)
}

/// Every configured repository of each (scope, instant) probe, `k` being the
/// probe's index.
pub(crate) fn repo_probes<'a>(
    probes: impl Iterator<Item = (&'a Scope, DateTime<Utc>)>,
) -> Vec<RepoProbe<'a>> {
    probes
        .enumerate()
        .flat_map(|(k, (s, at))| {
            s.repos.iter().enumerate().map(move |(i, slug)| RepoProbe {
                k,
                slug,
                node: s.resolved.get(i).and_then(Option::as_deref),
                at,
            })
        })
        .collect()
}

/// One probe per scope of `which`, all with the window `w`.
pub(crate) fn scope_batch(scopes: &[Scope], which: &[usize], w: Window, bots: &[String]) -> Batch {
    let flat: Vec<ProbeScope<'_>> = which
        .iter()
        .map(|&i| ProbeScope {
            nodes: &scopes[i].nodes,
            primary_resolved: scopes[i].primary_resolved,
            packages: &scopes[i].packages,
            window: w,
        })
        .collect();
    Batch::new(&flat, bots)
}

/// What the history says about the windows of `which` scopes as of one
/// instant: the counts and what tells whether collected history covers them.
pub fn window_facts(
    store: &Store,
    criteria: &Criteria,
    scopes: &[Scope],
    which: &[usize],
    as_of: DateTime<Utc>,
) -> Result<Vec<fetch::WindowFacts>> {
    let w = Window::ending_at(as_of, criteria.window_days.get());
    let batch = scope_batch(scopes, which, w, &criteria.bots);
    fetch::window_counts(
        store,
        &batch,
        (criteria.min_commits, criteria.min_contributors),
    )
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
    let all: Vec<usize> = (0..scopes.len()).collect();
    let batch = scope_batch(scopes, &all, w, &criteria.bots);
    fetch::evidence_list(store, &batch, list)
}

/// One evidence list of every scope, as `export` writes it: a `project`
/// column first, then the list's typed columns (see [`fetch::export_list`]).
pub fn export_evidence(
    store: &Store,
    criteria: &Criteria,
    scopes: &[Scope],
    as_of: DateTime<Utc>,
    list: &str,
    redact: bool,
    sink: fetch::ListSink<'_>,
) -> Result<fetch::ExportedList> {
    let w = Window::ending_at(as_of, criteria.window_days.get());
    let all: Vec<usize> = (0..scopes.len()).collect();
    let batch = scope_batch(scopes, &all, w, &criteria.bots);
    let labels: Vec<String> = scopes.iter().map(|s| s.project.clone()).collect();
    fetch::export_list(store, &batch, list, &labels, redact, sink)
}
