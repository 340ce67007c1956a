//! `pytorch_support`: does the latest PyPI release admit the latest two torch minors?

use std::str::FromStr;

use chrono::{DateTime, Utc};
use pep440_rs::{Version, VersionSpecifiers};

use super::{Measure, PackageSeen, Status, TorchRelease, Value, unknown};

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

/// Which of `minors` a torch specifier admits: a minor is admitted when the
/// specifier accepts at least one of its published releases.
fn admitted(
    spec: &VersionSpecifiers,
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
                .any(|v| spec.contains(v))
        })
        .collect()
}

fn minor_text(m: &[(u64, u64)]) -> String {
    m.iter()
        .map(|(a, b)| format!("{a}.{b}"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// `pytorch_support`: the torch requirement of each configured PyPI package's
/// latest release (as seen in its latest snapshot at or before `as_of`) against
/// the latest two torch minors published by then. Pass: both admitted; caution:
/// one, or no torch dependency declared, or a specifier that cannot be parsed;
/// fail: neither. The best package decides. Unknown without a PyPI package, a
/// snapshot by then, or torch's release list.
pub fn pytorch_support(
    seen: &[PackageSeen],
    configured: &[String],
    releases: &[TorchRelease],
    as_of: DateTime<Utc>,
) -> Measure {
    let minors = latest_minors(releases, as_of);
    let threshold = Value::Text(if minors.len() == 2 {
        format!("torch {}", minor_text(&minors))
    } else {
        "the latest two torch minors".into()
    });
    let what = "torch requirement of the latest PyPI release";
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
    let versions = finals(releases, as_of);
    let judged: Vec<(Status, String, String, &PackageSeen)> = seen
        .iter()
        .filter(|s| s.key.starts_with("pypi:") && s.found)
        .filter_map(|s| s.torch.as_ref().map(|t| (s, t)))
        .map(|(s, (version, spec))| {
            let name = s.key.trim_start_matches("pypi:");
            match spec.as_deref() {
                None => (
                    Status::Caution,
                    "no torch dependency".to_string(),
                    format!("{name} {version} declares no torch dependency"),
                    s,
                ),
                Some("") => (
                    Status::Pass,
                    "torch".to_string(),
                    format!("{name} {version} requires torch without bounds"),
                    s,
                ),
                Some(text) => match VersionSpecifiers::from_str(text) {
                    Err(e) => (
                        Status::Caution,
                        format!("torch{text}"),
                        format!("{name} {version}: cannot read torch{text}: {e}"),
                        s,
                    ),
                    Ok(parsed) => {
                        let ok = admitted(&parsed, &minors, &versions);
                        let status = match ok.len() {
                            2 => Status::Pass,
                            1 => Status::Caution,
                            _ => Status::Fail,
                        };
                        let detail = match ok.len() {
                            0 => format!(
                                "{name} {version} requires torch{text}, which admits neither {}",
                                minor_text(&minors)
                            ),
                            n if n == minors.len() => format!(
                                "{name} {version} requires torch{text}, which admits {}",
                                minor_text(&minors)
                            ),
                            _ => format!(
                                "{name} {version} requires torch{text}, which admits {} but not {}",
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
                        (status, format!("torch{text}"), detail, s)
                    }
                },
            }
        })
        .collect();
    let Some((status, value, _, best)) = judged.iter().min_by_key(|(st, ..)| *st) else {
        return unknown(
            "pytorch_support",
            threshold,
            "no PyPI release requirement seen at or before the as-of date",
        );
    };
    Measure {
        id: "pytorch_support",
        status: *status,
        value: Some(Value::Text(value.clone())),
        threshold,
        margin: None,
        observed_at: Some(best.observed_at),
        source: best.source.clone(),
        detail: format!(
            "{what}: {}",
            judged
                .iter()
                .map(|(_, _, d, _)| d.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        falls_below_on: None,
    }
}
