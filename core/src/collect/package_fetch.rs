//! One package's step in a pass: its PyPI or Anaconda JSON, parsed by
//! [`super::packages`], written with the scheduler's state.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use reqwest::Method;
use tokio::sync::watch;

use super::allowance::Allowance;
use super::http::{Api, CallError};
use super::packages;
use super::pass::{Collector, Ended, RepoError};
use super::schedule;
use super::sink::Stopped;
use crate::model::ProjectStatus;
use crate::requirements::ReleaseSeen;
use crate::store::memory::CollectorMemory;
use crate::store::write::{
    PackageSnapshot, Provenance, ReleaseMetadata, ReleaseRecord, TargetState,
};

impl Collector {
    /// Collects one PyPI or conda package (or torch's own release list); for
    /// a PyPI package, also the metadata of the releases that were the latest
    /// during the backfill and are not stored yet (see [`Self::past_latest`]).
    pub(crate) async fn collect_package(
        &self,
        run_id: i64,
        eco: &str,
        name: &str,
        now: DateTime<Utc>,
        memory: &CollectorMemory,
    ) -> Result<(), RepoError> {
        let url = match eco {
            "conda" => format!(
                "{}/package/{name}",
                self.config()
                    .upstream
                    .anaconda_api_url
                    .trim_end_matches('/')
            ),
            _ => format!(
                "{}/pypi/{name}/json",
                self.config().upstream.pypi_url.trim_end_matches('/')
            ),
        };
        // One item_timeout of upstream time for the package: its JSON, then
        // the past releases' metadata (a backfill that resumes next pass).
        let mut allowance = Allowance::new(self.config().collect.item_timeout.0);
        let answer = allowance
            .ask(self.http().send(Api::Package, Method::GET, &url, &[], None))
            .await?;
        let observed_at = self.clock().now();
        let p = Provenance {
            run_id,
            observed_at,
            source: format!("GET {url}"),
        };
        let next = super::schedule::next_due(now, self.config().collect.packages_interval.0);
        let state = TargetState {
            target: format!("{eco}:{name}"),
            kind: eco.to_string(),
            next_due_at: Some(next),
            ..TargetState::default()
        };
        let status = answer.status.as_u16();
        if status == 404 {
            let snap = PackageSnapshot {
                ecosystem: if eco == "conda" {
                    "conda".into()
                } else {
                    "pypi".into()
                },
                package: name.to_string(),
                found: false,
                latest_version: None,
                repo_links: Vec::new(),
                torch_requirement: None,
            };
            self.write_package(p, snap, Vec::new(), state).await?;
            return Ok(());
        }
        if !answer.status.is_success() {
            return Err(RepoError::Call(CallError {
                call: format!("GET {url}"),
                status: Some(status),
                kind: "client",
                message: String::from_utf8_lossy(&answer.body)
                    .chars()
                    .take(300)
                    .collect(),
            }));
        }
        let parsed = match eco {
            "conda" => packages::parse_conda(&answer.body, name),
            _ => packages::parse_pypi(&answer.body, name),
        }
        .map_err(|e| CallError {
            call: format!("GET {url}"),
            status: Some(status),
            kind: "parse",
            message: e.to_string(),
        })?;
        if eco == "torch" {
            let list: Vec<(String, Option<DateTime<Utc>>)> = parsed
                .releases
                .iter()
                .filter(|r| !r.yanked)
                .map(|r| (r.version.clone(), r.released_at))
                .collect();
            let torch_p = p.clone();
            self.write_sink(move |store| store.write_torch_releases(&torch_p, &list))
                .await?;
            let snap = PackageSnapshot {
                ecosystem: "pypi".into(),
                package: "torch".into(),
                found: true,
                latest_version: parsed.latest_version.clone(),
                repo_links: parsed.repo_links.clone(),
                torch_requirement: None,
            };
            self.write_package(p, snap, Vec::new(), state).await?;
            return Ok(());
        }
        let latest = parsed.latest_version.clone();
        let releases: Vec<ReleaseRecord> = parsed
            .releases
            .iter()
            .map(|r| ReleaseRecord {
                version: r.version.clone(),
                released_at: r.released_at,
                is_prerelease: None,
                yanked: r.yanked,
                has_binary: r.has_binary,
                has_sdist: r.has_sdist,
                requires_torch: if Some(&r.version) == latest.as_ref() {
                    parsed.requires_torch.clone()
                } else {
                    None
                },
            })
            .collect();
        let snap = PackageSnapshot {
            ecosystem: eco.to_string(),
            package: name.to_string(),
            found: true,
            latest_version: latest.clone(),
            repo_links: parsed.repo_links.clone(),
            torch_requirement: (eco == "pypi").then(|| parsed.requires_torch.clone()),
        };
        let first_seen = memory
            .package_first_seen
            .get(&format!("{eco}:{name}"))
            .copied()
            .unwrap_or(observed_at);
        self.write_package(p, snap, releases, state).await?;
        if eco == "pypi" {
            let backfill =
                chrono::Duration::days(i64::from(self.config().collect.backfill_days.get()));
            for version in past_latest(&parsed.releases, first_seen - backfill) {
                let stored = memory
                    .release_metadata
                    .contains(&format!("pypi:{name}:{version}"));
                if !stored && Some(&version) != latest.as_ref() {
                    if !allowance.left() {
                        tracing::info!(
                            package = name,
                            "release metadata backfill continues next pass ([collect] item_timeout spent)"
                        );
                        break;
                    }
                    self.collect_release_metadata(run_id, name, &version, &mut allowance)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Reads one release's own metadata (`requires_dist`, links) from PyPI's
    /// per-version JSON and stores it (migration 0007). A version PyPI no
    /// longer knows (404) is left out.
    async fn collect_release_metadata(
        &self,
        run_id: i64,
        name: &str,
        version: &str,
        allowance: &mut Allowance,
    ) -> Result<(), RepoError> {
        let url = format!(
            "{}/pypi/{name}/{version}/json",
            self.config().upstream.pypi_url.trim_end_matches('/')
        );
        let answer = allowance
            .ask(self.http().send(Api::Package, Method::GET, &url, &[], None))
            .await?;
        let status = answer.status.as_u16();
        if status == 404 {
            return Ok(());
        }
        if !answer.status.is_success() {
            return Err(RepoError::Call(CallError {
                call: format!("GET {url}"),
                status: Some(status),
                kind: "client",
                message: String::from_utf8_lossy(&answer.body)
                    .chars()
                    .take(300)
                    .collect(),
            }));
        }
        let parsed = packages::parse_pypi(&answer.body, name).map_err(|e| CallError {
            call: format!("GET {url}"),
            status: Some(status),
            kind: "parse",
            message: e.to_string(),
        })?;
        let p = Provenance {
            run_id,
            observed_at: self.clock().now(),
            source: format!("GET {url}"),
        };
        let meta = ReleaseMetadata {
            version: version.to_string(),
            torch_requirement: parsed.requires_torch,
            repo_links: parsed.repo_links,
        };
        let name = name.to_string();
        self.write_sink(move |store| store.write_release_metadata(&p, "pypi", &name, &meta))
            .await
    }

    async fn write_package(
        &self,
        p: Provenance,
        snap: PackageSnapshot,
        releases: Vec<ReleaseRecord>,
        state: TargetState,
    ) -> Result<(), RepoError> {
        self.write_sink(move |store| store.write_package(&p, &snap, &releases, &state))
            .await
    }

    /// Collects every configured package (and torch), `[collect] concurrency` at a time.
    pub(crate) async fn packages_part(
        &self,
        run_id: i64,
        force: bool,
        memory: &CollectorMemory,
        shutdown: watch::Receiver<bool>,
    ) -> Vec<Result<Ended, Stopped>> {
        let now = self.clock().now();
        let mut pkgs: Vec<(String, String)> = Vec::new();
        for p in self
            .config()
            .projects
            .iter()
            .filter(|p| p.status != ProjectStatus::Retired)
        {
            for n in &p.pypi {
                pkgs.push(("pypi".into(), n.normalized()));
            }
            for c in &p.conda {
                pkgs.push(("conda".into(), c.to_string()));
            }
        }
        pkgs.push(("torch".into(), "torch".into()));
        let mut seen = BTreeSet::new();
        pkgs.retain(|p| seen.insert(p.clone()));
        let concurrency = self.config().collect.concurrency.get() as usize;
        self.metrics().targets_planned(
            pkgs.iter()
                .filter(|(eco, name)| {
                    schedule::is_due(force, memory.targets.get(&format!("{eco}:{name}")), now)
                })
                .count(),
        );
        futures_util::stream::iter(pkgs)
            .map(|(eco, name)| {
                let shutdown = shutdown.clone();
                async move {
                    let target = format!("{eco}:{name}");
                    let mem = memory.targets.get(&target);
                    if *shutdown.borrow() || !schedule::is_due(force, mem, now) {
                        return Ok(Ended::Skipped);
                    }
                    let failures = mem.map_or(0, |m| m.failures);
                    let ended = match self.collect_package(run_id, &eco, &name, now, memory).await {
                        Ok(()) => Ok(Ended::Ok { unchanged: false }),
                        Err(RepoError::Call(e)) => {
                            self.fail(run_id, &target, &eco, &e, failures).await
                        }
                        Err(RepoError::Stopped) => Err(Stopped),
                    };
                    self.metrics().targets_done(1);
                    ended
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await
    }
}

/// The versions that were the latest release (as `packages` judges it:
/// the highest final version not yanked, see
/// [`crate::requirements::latest_at`]) at some instant from `since` on: the
/// latest at `since`, then each release that became the latest when it was
/// uploaded. Yanks are those of the answer at hand (PyPI does not date them).
pub(crate) fn past_latest(releases: &[packages::Release], since: DateTime<Utc>) -> Vec<String> {
    let seen: Vec<ReleaseSeen> = releases
        .iter()
        .filter(|r| !r.yanked)
        .map(|r| ReleaseSeen {
            version: r.version.clone(),
            released_at: r.released_at,
            binary: r.has_binary,
            sdist: r.has_sdist,
            prerelease: None,
            metadata: None,
        })
        .collect();
    let mut instants = vec![since];
    instants.extend(
        seen.iter()
            .filter_map(|r| r.released_at)
            .filter(|t| *t > since),
    );
    instants.sort_unstable();
    let mut out: Vec<String> = Vec::new();
    for t in instants {
        let by_then: Vec<ReleaseSeen> = seen
            .iter()
            .filter(|r| r.released_at.is_none_or(|u| u <= t))
            .cloned()
            .collect();
        if let Some(latest) = crate::requirements::latest_at(&by_then)
            && !out.contains(&latest.version)
        {
            out.push(latest.version.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn rel(version: &str, day: u32, yanked: bool) -> packages::Release {
        packages::Release {
            version: version.into(),
            released_at: Utc.with_ymd_and_hms(2026, 5, day, 12, 0, 0).single(),
            yanked,
            has_binary: true,
            has_sdist: true,
        }
    }

    #[test]
    fn the_latest_releases_of_the_backfill_are_those_read_once() {
        let releases = vec![
            rel("0.1.0", 1, false),
            rel("0.2.0", 5, false),
            rel("0.3.0", 10, false),
            rel("0.2.1", 12, false),
            rel("0.4.0rc1", 14, false),
            rel("0.4.0", 20, true),
            rel("0.5.0", 25, false),
        ];
        let since = Utc
            .with_ymd_and_hms(2026, 5, 6, 0, 0, 0)
            .single()
            .expect("t");
        assert_eq!(
            past_latest(&releases, since),
            ["0.2.0", "0.3.0", "0.5.0"],
            "0.2.0 was the latest at the start; a backport, a pre-release and a yanked \
             release never were"
        );
        let before_any = Utc
            .with_ymd_and_hms(2026, 4, 1, 0, 0, 0)
            .single()
            .expect("t");
        assert_eq!(
            past_latest(&releases, before_any),
            ["0.1.0", "0.2.0", "0.3.0", "0.5.0"]
        );
    }
}
