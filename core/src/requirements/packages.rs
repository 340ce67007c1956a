//! The `packages` rule, and what release history tells of a package before
//! its first snapshot: which release an installer would have picked then
//! (the latest, as PEP 440 orders versions) and whether a binary shipped.

use chrono::{DateTime, Utc};

use super::fetch::{Gaps, PackageSeen, ReleaseSeen};
use super::{CONFIGURATION, Measure, Status, Value, unknown};

/// A release's version for ordering: PEP 440 where it parses.
fn release_version(r: &ReleaseSeen) -> Option<pep440_rs::Version> {
    r.version.parse().ok()
}

/// Whether a release is a pre-release: as the index marks it, else by its
/// PEP 440 form (`rc`, `b`, `a` and `dev` releases are).
fn is_prerelease(r: &ReleaseSeen) -> bool {
    r.prerelease
        .unwrap_or_else(|| release_version(r).is_some_and(|v| v.any_prerelease()))
}

/// The latest release, and the newest older one with a binary when the latest
/// has none. Releases are those not yanked as of T; final ones are preferred
/// (pre-releases count only when there is nothing else). "Latest" is what an
/// installer picks: the highest PEP 440 version, not the last upload (a
/// backported 1.8.5 uploaded after 2.0.0 is not the latest); versions that are
/// not PEP 440 rank below those that are, then by upload time.
fn latest_release(releases: &[ReleaseSeen]) -> Option<(&ReleaseSeen, Option<&ReleaseSeen>)> {
    let finals: Vec<&ReleaseSeen> = releases.iter().filter(|r| !is_prerelease(r)).collect();
    let mut candidates = if finals.is_empty() {
        releases.iter().collect()
    } else {
        finals
    };
    candidates.sort_by_cached_key(|r| (release_version(r), r.released_at));
    let (latest, older) = candidates.split_last()?;
    let older_binary = if latest.binary {
        None
    } else {
        older.iter().rev().find(|r| r.binary).copied()
    };
    Some((latest, older_binary))
}

/// The latest release among `releases` as [`packages`] judges it (see
/// `latest_release`): the highest final version, else the highest
/// pre-release.
pub(crate) fn latest_at(releases: &[ReleaseSeen]) -> Option<&ReleaseSeen> {
    latest_release(releases).map(|(latest, _)| latest)
}

/// The day of an upload, or `an unknown date`.
fn upload_day(at: Option<DateTime<Utc>>) -> String {
    at.map_or("on an unknown date".into(), |t| {
        format!("on {}", t.format("%Y-%m-%d"))
    })
}

/// `packages`: pass when a configured package exists, its latest release not
/// yanked as of T (final, not a pre-release) ships a binary (wheel or conda
/// file), and its metadata links back to one of the project's repos; caution
/// when it exists but does not link back, when only an older release has a
/// binary (named with its upload day), or when the latest ships only an sdist
/// or no files; fail when none exists. The best package decides. Fail, with
/// the source [`CONFIGURATION`], when no package is configured: a gap
/// in tacometer's configuration rather than something measured.
/// `configured` are keys like `pypi:pytorch-ignite`; `repos` are `owner/name`.
pub fn packages(seen: &[PackageSeen], configured: &[String], repos: &[String]) -> Measure {
    let threshold =
        Value::Text("the latest release has a binary; the package links back to the repo".into());
    if configured.is_empty() {
        return Measure {
            id: "packages",
            status: Status::Fail,
            value: None,
            threshold,
            margin: None,
            observed_at: None,
            source: CONFIGURATION.into(),
            detail: "no PyPI or conda package is configured for the project: a gap in \
                     tacometer's configuration (`pypi` / `conda` of its [[projects]] entry), \
                     not a measurement"
                .into(),
            falls_below_on: None,
        };
    }
    if seen.is_empty() {
        return unknown("packages", threshold, "configured PyPI and conda packages");
    }
    let repos: Vec<String> = repos.iter().map(|r| r.to_lowercase()).collect();
    let ranked: Vec<(Status, String, &PackageSeen)> = seen
        .iter()
        .map(|s| {
            let key = &s.key;
            let past = s.reconstructed.as_ref();
            if let Some(why) = past.and_then(|g| g.package.as_ref()) {
                return (Status::Unknown, why.clone(), s);
            }
            if !s.found && past.is_some() {
                return (
                    Status::Fail,
                    format!("{key} had no release uploaded by the as-of date"),
                    s,
                );
            }
            if !s.found {
                return (Status::Fail, format!("{key} does not exist"), s);
            }
            let links_back = s.links.iter().any(|l| repos.contains(l));
            let no_link = if links_back {
                ""
            } else {
                "; its metadata does not link back to the repo"
            };
            let (status, detail) = match latest_release(&s.releases) {
                None => (
                    Status::Caution,
                    format!("{key} has no release that is not yanked{no_link}"),
                ),
                Some((latest, _)) if latest.binary && links_back => (
                    Status::Pass,
                    format!(
                        "{key} {} (uploaded {}) has a binary and links back",
                        latest.version,
                        upload_day(latest.released_at)
                    ),
                ),
                Some((latest, _)) if latest.binary => (
                    Status::Caution,
                    format!(
                        "{key} {} has a binary, but its metadata does not link back to the repo",
                        latest.version
                    ),
                ),
                Some((latest, Some(older))) => (
                    Status::Caution,
                    format!(
                        "{key} {}, the latest release, ships {}; the newest binary is {} \
                         uploaded {}{no_link}",
                        latest.version,
                        if latest.sdist {
                            "only an sdist"
                        } else {
                            "no files"
                        },
                        older.version,
                        upload_day(older.released_at)
                    ),
                ),
                Some((latest, None)) if latest.sdist => (
                    Status::Caution,
                    format!(
                        "{key} ships only an sdist (latest {}){no_link}",
                        latest.version
                    ),
                ),
                Some((latest, None)) => (
                    Status::Caution,
                    format!(
                        "{key} has no release files (latest {}){no_link}",
                        latest.version
                    ),
                ),
            };
            (status, detail, s)
        })
        .collect();
    let Some((status, _, best)) = ranked.iter().min_by_key(|(st, _, _)| *st) else {
        return unknown("packages", threshold, "configured PyPI and conda packages");
    };
    let mut detail = ranked
        .iter()
        .map(|(_, d, _)| d.clone())
        .collect::<Vec<_>>()
        .join("; ");
    if seen.iter().any(|s| s.reconstructed.is_some()) {
        detail = format!(
            "reconstructed from release upload times, no package snapshot was taken by the \
             as-of date (yanks as first observed): {detail}"
        );
    }
    if *status == Status::Unknown {
        return Measure {
            source: best.source.clone(),
            ..unknown("packages", threshold, &detail)
        };
    }
    Measure {
        id: "packages",
        status: *status,
        value: Some(Value::Text(best.key.clone())),
        threshold,
        margin: None,
        observed_at: Some(best.observed_at),
        source: best.source.clone(),
        detail,
        falls_below_on: None,
    }
}

/// Turns a package row without a snapshot by the as-of instant (`seen`
/// holds the package's first snapshot, taken after it, and the releases
/// uploaded by then) into what release history tells of the package then:
///
/// * not on the index at its first collection: unknown (an index keeps no
///   record of when a removed project existed);
/// * no release uploaded by then (`published`, yanked ones included): it did
///   not exist yet;
/// * else the latest release then (the rule of [`latest_at`], with
///   yanks as first observed: PyPI does not date them) with its own
///   metadata: its links and torch requirement. A conda package's links are
///   the package's (conda has no per-version metadata); a PyPI release whose
///   metadata was not read (it was not the latest during the backfill)
///   leaves both unknown.
pub(crate) fn reconstruct(seen: &mut PackageSeen, published: i64) {
    let mut gaps = Gaps::default();
    let first = crate::time::rfc3339(seen.observed_at);
    let snapshot_source = seen.source.clone();
    seen.source = format!("reconstructed from release upload times: {snapshot_source}");
    seen.torch = None;
    if !seen.found {
        let why = format!(
            "{} was not on the index when first collected ({first}); the index keeps no \
             record of when a removed project existed",
            seen.key
        );
        gaps.package = Some(why.clone());
        gaps.torch = Some(why);
    } else if published == 0 {
        seen.found = false;
    } else if let Some(latest) = super::latest_at(&seen.releases).cloned() {
        match (&latest.metadata, seen.key.starts_with("pypi:")) {
            (Some(meta), _) => {
                seen.links = meta.links.clone();
                seen.torch = Some((latest.version.clone(), meta.torch.clone()));
                seen.observed_at = meta.observed_at;
                seen.source = format!(
                    "reconstructed from release upload times and the metadata of {} {}: {}",
                    seen.key, latest.version, meta.source
                );
            }
            (None, false) => {}
            (None, true) => {
                let why = format!(
                    "the metadata of {} {}, the latest release then, was not read: only the \
                     releases that were the latest during the backfill ([collect] \
                     backfill_days before the package's first collection, {first}) are",
                    seen.key, latest.version
                );
                gaps.package = Some(why.clone());
                gaps.torch = Some(why);
            }
        }
    }
    seen.reconstructed = Some(gaps);
}
