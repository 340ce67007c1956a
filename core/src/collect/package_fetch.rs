//! One package's step in a pass: its PyPI or Anaconda JSON, parsed by
//! [`super::packages`], written with the scheduler's state.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use reqwest::Method;
use tokio::sync::watch;

use super::http::{Api, CallError};
use super::packages;
use super::pass::{Collector, Ended, RepoError};
use super::schedule;
use super::sink::Stopped;
use crate::model::ProjectStatus;
use crate::store::memory::CollectorMemory;
use crate::store::write::{PackageSnapshot, Provenance, ReleaseRecord, TargetState};

impl Collector {
    /// Collects one PyPI or conda package (or torch's own release list).
    pub(crate) async fn collect_package(
        &self,
        run_id: i64,
        eco: &str,
        name: &str,
        now: DateTime<Utc>,
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
        let answer = self
            .http()
            .send(Api::Package, Method::GET, &url, &[], None)
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
            latest_version: latest,
            repo_links: parsed.repo_links.clone(),
            torch_requirement: (eco == "pypi").then(|| parsed.requires_torch.clone()),
        };
        self.write_package(p, snap, releases, state).await?;
        Ok(())
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
                    match self.collect_package(run_id, &eco, &name, now).await {
                        Ok(()) => Ok(Ended::Ok { unchanged: false }),
                        Err(RepoError::Call(e)) => {
                            self.fail(run_id, &target, &eco, &e, failures).await
                        }
                        Err(RepoError::Stopped) => Err(Stopped),
                    }
                }
            })
            .buffer_unordered(concurrency)
            .collect()
            .await
    }
}
