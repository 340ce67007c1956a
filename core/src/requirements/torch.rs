//! `pytorch_support`: does the latest PyPI release admit the latest two torch minors?
//!
//! The release's `requires_dist` entries naming torch are kept verbatim by the
//! collector and read here as PEP 508 (`pep508_rs`): an entry counts when its
//! environment marker holds for `[criteria] target_environment` without extras,
//! so `torch>=2.5 ; sys_platform == "darwin"` or `torch ; extra == "cuda"` is
//! no base requirement on Linux. Every entry that counts must hold at once (an
//! installer satisfies all of them), so a minor is admitted when one of its
//! published releases satisfies every counted specifier.
//!
//! A URL pin (`torch @ https://...`) installs whatever that file is, never a
//! release resolved from PyPI: it admits no PyPI minor, and the detail says
//! so. Reading a version out of a wheel's file name would guess at a build
//! that may not match any PyPI release (local `+cu121` builds, private
//! forks), and PyPI refuses uploads with direct references anyway, so the
//! rule treats the pin as what it is: not a supported range of torch releases.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::marker::{MarkerEnvironment, MarkerEnvironmentBuilder, MarkerTree};
use pep508_rs::{Requirement, VersionOrUrl};

use super::{Measure, PackageSeen, Status, TorchRelease, Value, unknown};
use crate::config::TargetEnvironment;

/// Final (non-pre, non-dev) torch releases published by `as_of`, parsed.
fn finals(releases: &[TorchRelease], as_of: DateTime<Utc>) -> Vec<Version> {
    releases
        .iter()
        .filter(|r| r.released_at <= as_of)
        .filter_map(|r| Version::from_str(&r.version).ok())
        .filter(|v| !v.any_prerelease() && v.local().is_empty() && v.release().len() >= 2)
        .collect()
}

/// The latest two torch minor versions (`(2, 9)`) published by `as_of`, newest first.
pub fn latest_minors(releases: &[TorchRelease], as_of: DateTime<Utc>) -> Vec<(u64, u64)> {
    let mut minors: Vec<(u64, u64)> = finals(releases, as_of)
        .iter()
        .map(|v| (v.release()[0], v.release()[1]))
        .collect();
    minors.sort_unstable_by(|a, b| b.cmp(a));
    minors.dedup();
    minors.truncate(2);
    minors
}

/// Which of `minors` every one of `specs` admits: a minor is admitted when
/// one of its published releases satisfies them all (no specifier: any).
fn admitted(
    specs: &[VersionSpecifiers],
    minors: &[(u64, u64)],
    versions: &[Version],
) -> Vec<(u64, u64)> {
    minors
        .iter()
        .copied()
        .filter(|&(maj, min)| {
            versions
                .iter()
                .filter(|v| v.release()[0] == maj && v.release()[1] == min)
                .any(|v| specs.iter().all(|s| s.contains(v)))
        })
        .collect()
}

fn minor_text(m: &[(u64, u64)]) -> String {
    m.iter()
        .map(|(a, b)| format!("{a}.{b}"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The PEP 508 marker environment of a CPython installation on `target`.
pub fn marker_environment(target: &TargetEnvironment) -> Option<MarkerEnvironment> {
    let minor = target.python.to_string();
    let full = format!("{minor}.0");
    MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full,
        os_name: target.platform.os_name(),
        platform_machine: &target.machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: target.platform.platform_system(),
        platform_version: "",
        python_full_version: &full,
        python_version: &minor,
        sys_platform: target.platform.sys_platform(),
    })
    .ok()
}

/// Whether the name of a PEP 508 entry and each of its extras end with a
/// letter or digit. pep508_rs 0.9 trusts its own scan for that and panics
/// (an `expect`) on `torch->=2` or `torch[gpu-]`, so it is checked first.
fn identifiers_end_alphanumeric(entry: &str) -> bool {
    let identifier = |s: &str| {
        let end = s
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(s.len());
        !s[..end].ends_with(['-', '_', '.'])
    };
    let name_end = entry
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(entry.len());
    let (name, rest) = entry.split_at(name_end);
    if !identifier(name) {
        return false;
    }
    let Some(extras) = rest.trim_start().strip_prefix('[') else {
        return true;
    };
    let extras = extras.split(']').next().unwrap_or(extras);
    extras.split(',').all(|e| identifier(e.trim()))
}

/// What a release's stored torch requirement says for the target environment.
#[derive(Debug, Clone, PartialEq)]
enum TorchDemand {
    /// No entry names torch, or none applies to the target (why, for people).
    None(String),
    /// An entry that cannot be read: the entry and the parser's message.
    Unreadable(String, String),
    /// A URL pin: the requirement as written, without its marker.
    Url(String),
    /// Version specifiers that must all hold (none: torch without bounds), and
    /// the requirements they come from, without markers.
    Versions(Vec<VersionSpecifiers>, String),
}

/// Reads a stored torch requirement: `None` (no entry names torch), the
/// entries naming torch one per line (PEP 508, markers included), or, in rows
/// written before entries were kept, a bare specifier (`""`: no bounds).
/// `ignored` collects the entries whose marker does not hold for `env`.
fn demand(stored: Option<&str>, env: &MarkerEnvironment, ignored: &mut Vec<String>) -> TorchDemand {
    let Some(text) = stored else {
        return TorchDemand::None("declares no torch dependency".into());
    };
    let legacy = !text.starts_with(|c: char| c.is_ascii_alphabetic());
    if legacy {
        return match text {
            "" => TorchDemand::Versions(Vec::new(), "torch".into()),
            spec => match VersionSpecifiers::from_str(spec) {
                Ok(parsed) => TorchDemand::Versions(vec![parsed], format!("torch{spec}")),
                Err(e) => TorchDemand::Unreadable(format!("torch{spec}"), e.to_string()),
            },
        };
    }
    let mut specs = Vec::new();
    let mut counted = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        // the collector keeps only entries named torch, but a stored row is
        // read whatever wrote it
        if !identifiers_end_alphanumeric(line) {
            return TorchDemand::Unreadable(
                line.to_string(),
                "the package name and its extras must end with a letter or digit".into(),
            );
        }
        // a plain URL: pep508_rs's `VerbatimUrl` expands `${VAR}` from this
        // process's environment, which would put a token into the output
        let mut req = match Requirement::<reqwest::Url>::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                // the message only: pep508_rs's underlined form slices the
                // entry by bytes and panics inside a multi-byte character
                let first = e
                    .message
                    .to_string()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string();
                return TorchDemand::Unreadable(line.to_string(), first);
            }
        };
        if !req.evaluate_markers(env, &[]) {
            ignored.push(line.to_string());
            continue;
        }
        req.marker = MarkerTree::TRUE;
        match &req.version_or_url {
            Some(VersionOrUrl::Url(_)) => return TorchDemand::Url(req.to_string()),
            Some(VersionOrUrl::VersionSpecifier(s)) => specs.push(s.clone()),
            None => {}
        }
        counted.push(req.to_string());
    }
    if counted.is_empty() {
        return TorchDemand::None("declares no torch dependency for this environment".into());
    }
    TorchDemand::Versions(specs, counted.join(", "))
}

/// `pytorch_support`: the torch requirement of each configured PyPI package's
/// latest release (as seen in its latest snapshot at or before `as_of`), for
/// the target environment, against the latest two torch minors published by
/// then. Pass: both admitted; caution: one, or no torch dependency declared
/// (for the target), or an entry that cannot be read; fail: neither (a URL
/// pin admits none). The best package decides. Unknown without a PyPI
/// package, a snapshot by then, or torch's release list.
pub fn pytorch_support(
    seen: &[PackageSeen],
    configured: &[String],
    releases: &[TorchRelease],
    as_of: DateTime<Utc>,
    target: &TargetEnvironment,
) -> Measure {
    let minors = latest_minors(releases, as_of);
    let threshold = Value::Text(if minors.len() == 2 {
        format!("torch {}", minor_text(&minors))
    } else {
        "the latest two torch minors".into()
    });
    let what = format!("torch requirement of the latest PyPI release on {target}");
    if !configured.iter().any(|k| k.starts_with("pypi:")) {
        let mut m = unknown(
            "pytorch_support",
            threshold,
            "no PyPI package is configured, so no torch requirement can be read",
        );
        m.source = super::CONFIGURATION.into();
        return m;
    }
    if minors.len() < 2 {
        return unknown(
            "pytorch_support",
            threshold,
            "torch's own releases were not collected by the as-of date",
        );
    }
    let Some(env) = marker_environment(target) else {
        return unknown(
            "pytorch_support",
            threshold,
            &format!("no PEP 508 marker environment for {target}"),
        );
    };
    let versions = finals(releases, as_of);
    let gaps: Vec<(Status, String, String, &PackageSeen)> = seen
        .iter()
        .filter(|s| s.key.starts_with("pypi:"))
        .filter_map(|s| {
            let why = s.reconstructed.as_ref()?.torch.as_ref()?;
            Some((Status::Unknown, String::new(), why.clone(), s))
        })
        .collect();
    let judged: Vec<(Status, String, String, &PackageSeen)> = seen
        .iter()
        .filter(|s| s.key.starts_with("pypi:") && s.found)
        .filter_map(|s| s.torch.as_ref().map(|t| (s, t)))
        .map(|(s, (version, stored))| {
            let name = s.key.trim_start_matches("pypi:");
            let mut ignored = Vec::new();
            let (status, value, mut detail) = match demand(stored.as_deref(), &env, &mut ignored) {
                TorchDemand::None(why) => (
                    Status::Caution,
                    "no torch dependency".to_string(),
                    format!("{name} {version} {why}"),
                ),
                TorchDemand::Unreadable(entry, e) => (
                    Status::Caution,
                    entry.clone(),
                    format!("{name} {version}: cannot read {entry}: {e}"),
                ),
                TorchDemand::Url(req) => (
                    Status::Fail,
                    req.clone(),
                    format!(
                        "{name} {version} pins torch to a URL ({req}), not to PyPI releases, \
                         so it admits neither {}",
                        minor_text(&minors)
                    ),
                ),
                TorchDemand::Versions(specs, req) => {
                    let ok = admitted(&specs, &minors, &versions);
                    let status = match ok.len() {
                        2 => Status::Pass,
                        1 => Status::Caution,
                        _ => Status::Fail,
                    };
                    let detail = match ok.len() {
                        0 => format!(
                            "{name} {version} requires {req}, which admits neither {}",
                            minor_text(&minors)
                        ),
                        n if n == minors.len() => format!(
                            "{name} {version} requires {req}, which admits {}",
                            minor_text(&minors)
                        ),
                        _ => format!(
                            "{name} {version} requires {req}, which admits {} but not {}",
                            minor_text(&ok),
                            minor_text(
                                &minors
                                    .iter()
                                    .copied()
                                    .filter(|m| !ok.contains(m))
                                    .collect::<Vec<_>>()
                            )
                        ),
                    };
                    (status, req, detail)
                }
            };
            if !ignored.is_empty() {
                detail.push_str(&format!(
                    " (not for this environment: {})",
                    ignored.join(" | ")
                ));
            }
            (status, value, detail, s)
        })
        .chain(gaps)
        .collect();
    let Some((status, value, _, best)) = judged.iter().min_by_key(|(st, ..)| *st) else {
        return unknown(
            "pytorch_support",
            threshold,
            "no PyPI release requirement seen at or before the as-of date",
        );
    };
    let reconstructed = if best.reconstructed.is_some() {
        "reconstructed, no package snapshot was taken by the as-of date: "
    } else {
        ""
    };
    if *status == Status::Unknown {
        return Measure {
            source: best.source.clone(),
            ..unknown(
                "pytorch_support",
                threshold,
                &format!(
                    "{what}: {reconstructed}{}",
                    judged
                        .iter()
                        .map(|(_, _, d, _)| d.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            )
        };
    }
    Measure {
        id: "pytorch_support",
        status: *status,
        value: Some(Value::Text(value.clone())),
        threshold,
        margin: None,
        observed_at: Some(best.observed_at),
        source: best.source.clone(),
        detail: format!(
            "{what}: {reconstructed}{}",
            judged
                .iter()
                .map(|(_, _, d, _)| d.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        falls_below_on: None,
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod prop;
