//! Reading PyPI and Anaconda answers into what the history keeps.
//!
//! Both are parsed leniently where the real services are loose (PyPI's
//! `requires_dist: null`, Anaconda's space-separated timestamps and `"None"`
//! digests) and strictly where a wrong guess would change a verdict.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

/// A package as its index describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct PackageInfo {
    /// The name the index answered with.
    pub name: String,
    /// The newest non-yanked release, as the index reports it.
    pub latest_version: Option<String>,
    /// GitHub repositories (`owner/name`, lower-cased) its metadata links to.
    pub repo_links: Vec<String>,
    /// The `requires_dist` entries of the latest release that name torch (PyPI
    /// only), verbatim with their markers, one per line (see
    /// [`torch_requirements`]); `None` when no entry names torch.
    pub requires_torch: Option<String>,
    /// Every release.
    pub releases: Vec<Release>,
}

/// One version of a package.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// The version string.
    pub version: String,
    /// Earliest upload time of its files.
    pub released_at: Option<DateTime<Utc>>,
    /// Every file of the release is yanked (PyPI).
    pub yanked: bool,
    /// A wheel or conda file exists (among non-yanked files when any are).
    pub has_binary: bool,
    /// A source distribution exists.
    pub has_sdist: bool,
}

/// A parse failure, with what was being read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {what}: {message}")]
pub struct ParseError {
    /// What was being read (e.g. `PyPI JSON of torch`).
    pub what: String,
    /// Why it failed.
    pub message: String,
}

#[derive(Deserialize)]
struct PypiDoc {
    info: PypiInfo,
    #[serde(default)]
    releases: BTreeMap<String, Vec<PypiFile>>,
}

#[derive(Deserialize)]
struct PypiInfo {
    name: String,
    version: Option<String>,
    #[serde(default)]
    requires_dist: Option<Vec<String>>,
    #[serde(default)]
    project_urls: Option<BTreeMap<String, String>>,
    #[serde(default)]
    home_page: Option<String>,
}

#[derive(Deserialize)]
struct PypiFile {
    packagetype: String,
    #[serde(default)]
    upload_time_iso_8601: Option<DateTime<Utc>>,
    #[serde(default)]
    yanked: bool,
}

/// Parses `GET /pypi/<project>/json`.
pub fn parse_pypi(body: &[u8], project: &str) -> Result<PackageInfo, ParseError> {
    let doc: PypiDoc = serde_json::from_slice(body).map_err(|e| ParseError {
        what: format!("PyPI JSON of {project}"),
        message: e.to_string(),
    })?;
    let mut links: Vec<&str> = Vec::new();
    if let Some(urls) = &doc.info.project_urls {
        links.extend(urls.values().map(String::as_str));
    }
    if let Some(home) = &doc.info.home_page {
        links.push(home);
    }
    let releases = doc
        .releases
        .iter()
        .map(|(version, files)| {
            let live: Vec<&PypiFile> = files.iter().filter(|f| !f.yanked).collect();
            let considered: Vec<&PypiFile> = if live.is_empty() {
                files.iter().collect()
            } else {
                live
            };
            Release {
                version: version.clone(),
                released_at: files.iter().filter_map(|f| f.upload_time_iso_8601).min(),
                yanked: !files.is_empty() && files.iter().all(|f| f.yanked),
                has_binary: considered.iter().any(|f| f.packagetype == "bdist_wheel"),
                has_sdist: considered.iter().any(|f| f.packagetype == "sdist"),
            }
        })
        .collect();
    Ok(PackageInfo {
        name: doc.info.name.clone(),
        latest_version: doc.info.version.clone(),
        repo_links: github_repos(links),
        requires_torch: doc
            .info
            .requires_dist
            .as_deref()
            .and_then(torch_requirements),
        releases,
    })
}

/// The `requires_dist` entries that name torch, verbatim, one per line (`None`
/// when none does).
///
/// Whether an entry applies (its environment marker, an extra) depends on the
/// installation judged, which is `[criteria] target_environment`: a criterion,
/// so it is decided when evaluating, not here, and changing it re-judges the
/// stored history. The entries are therefore kept whole, markers included, and
/// parsed as PEP 508 by `requirements::torch`. Only the name is read here, the
/// way PEP 508 spells it (letters, digits, `-`, `_`, `.`, compared normalised),
/// so an entry too malformed to parse is still kept and reported when judged.
/// A line break inside an entry becomes a space, so that an entry stays one
/// line (`torch\nnumpy<1` is one unreadable entry, not a torch entry and a
/// `numpy<1` read as a bound on torch).
pub fn torch_requirements(requires_dist: &[String]) -> Option<String> {
    let lines: Vec<String> = requires_dist
        .iter()
        .map(|entry| entry.trim())
        .filter(|entry| {
            let name_len = entry
                .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                .unwrap_or(entry.len());
            entry[..name_len].eq_ignore_ascii_case("torch")
        })
        .map(|entry| entry.replace(['\r', '\n'], " "))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[derive(Deserialize)]
struct CondaDoc {
    name: String,
    #[serde(default)]
    latest_version: Option<String>,
    #[serde(default)]
    dev_url: Option<String>,
    #[serde(default)]
    home: Option<String>,
    #[serde(default)]
    source_git_url: Option<String>,
    #[serde(default)]
    doc_url: Option<String>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    files: Vec<CondaFile>,
}

#[derive(Deserialize)]
struct CondaFile {
    version: String,
    #[serde(default)]
    upload_time: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
}

/// Parses Anaconda's `GET /package/<owner>/<name>`.
pub fn parse_conda(body: &[u8], package: &str) -> Result<PackageInfo, ParseError> {
    let doc: CondaDoc = serde_json::from_slice(body).map_err(|e| ParseError {
        what: format!("Anaconda JSON of {package}"),
        message: e.to_string(),
    })?;
    let mut by_version: BTreeMap<String, (Option<DateTime<Utc>>, bool)> = doc
        .versions
        .iter()
        .map(|v| (v.clone(), (None, false)))
        .collect();
    for f in &doc.files {
        let entry = by_version.entry(f.version.clone()).or_insert((None, false));
        if f.labels.iter().any(|l| l == "broken") {
            continue;
        }
        entry.1 = true;
        if let Some(t) = f.upload_time.as_deref().and_then(anaconda_time) {
            entry.0 = Some(entry.0.map_or(t, |old: DateTime<Utc>| old.min(t)));
        }
    }
    let links = [&doc.dev_url, &doc.home, &doc.source_git_url, &doc.doc_url]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    Ok(PackageInfo {
        name: doc.name.clone(),
        latest_version: doc.latest_version.clone(),
        repo_links: github_repos(links),
        requires_torch: None,
        releases: by_version
            .into_iter()
            .map(|(version, (released_at, has_files))| Release {
                version,
                released_at,
                yanked: false,
                has_binary: has_files,
                has_sdist: false,
            })
            .collect(),
    })
}

/// Anaconda's `2025-02-07 15:05:00.099000+00:00` (space, not `T`).
pub fn anaconda_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%:z")
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .ok()
        })
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })
}

/// `owner/name` of every github.com repository URL among `urls`, lower-cased, distinct.
pub fn github_repos(urls: Vec<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for url in urls {
        // host names are case-insensitive (`https://GitHub.com/...`); ASCII
        // lower-casing keeps byte offsets, so the match indexes `url` too
        let Some(i) = url.to_ascii_lowercase().find("github.com/") else {
            continue;
        };
        let mut parts = url[i + "github.com/".len()..]
            .split(['/', '#', '?'])
            .filter(|p| !p.is_empty());
        if let (Some(owner), Some(name)) = (parts.next(), parts.next()) {
            let name = name.trim_end_matches(".git");
            let slug = format!("{}/{}", owner.to_lowercase(), name.to_lowercase());
            if !out.contains(&slug) {
                out.push(slug);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PYPI: &str = r#"{
      "info": {"name": "pytorch-ignite", "version": "0.5.2",
               "requires_dist": ["torch<3,>=1.10", "packaging", "scikit-learn ; extra == 'metrics'"],
               "project_urls": {"Homepage": "https://pytorch-ignite.ai",
                                "Source": "https://github.com/pytorch/ignite"},
               "home_page": null},
      "releases": {
        "0.1.0": [],
        "0.5.1": [
          {"packagetype": "sdist", "upload_time_iso_8601": "2024-05-02T10:00:00.5Z", "yanked": false},
          {"packagetype": "bdist_wheel", "upload_time_iso_8601": "2024-05-01T10:00:00Z", "yanked": true}
        ],
        "0.5.2": [
          {"packagetype": "bdist_wheel", "upload_time_iso_8601": "2024-06-01T10:00:00Z", "yanked": true}
        ]
      }}"#;

    #[test]
    fn pypi_releases_files_and_links() {
        let p = parse_pypi(PYPI.as_bytes(), "pytorch-ignite").expect("parses");
        assert_eq!(p.repo_links, ["pytorch/ignite"]);
        assert_eq!(p.requires_torch.as_deref(), Some("torch<3,>=1.10"));
        assert_eq!(p.latest_version.as_deref(), Some("0.5.2"));
        let r = |v: &str| p.releases.iter().find(|r| r.version == v).expect("release");
        assert_eq!(r("0.1.0").released_at, None);
        assert!(!r("0.1.0").yanked && !r("0.1.0").has_binary);
        let r051 = r("0.5.1");
        assert!(!r051.yanked);
        assert!(
            r051.has_sdist && !r051.has_binary,
            "the only wheel is yanked"
        );
        assert_eq!(
            r051.released_at.map(crate::time::rfc3339).as_deref(),
            Some("2024-05-01T10:00:00Z")
        );
        assert!(r("0.5.2").yanked && r("0.5.2").has_binary);
    }

    #[test]
    fn every_entry_naming_torch_is_kept_whole() {
        let s =
            |v: &[&str]| torch_requirements(&v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["torch (>=1.8)"]).as_deref(), Some("torch (>=1.8)"));
        assert_eq!(
            s(&[
                "numpy",
                "Torch>=2.4, <2.9 ; sys_platform == 'linux'",
                "torchvision>=0.19",
                "torch>=2 ; extra == 'gpu'",
                " torch @ https://download.pytorch.org/whl/torch-2.5.1-cp312-none-any.whl",
            ])
            .as_deref(),
            Some(
                "Torch>=2.4, <2.9 ; sys_platform == 'linux'\ntorch>=2 ; extra == 'gpu'\n\
                 torch @ https://download.pytorch.org/whl/torch-2.5.1-cp312-none-any.whl"
            ),
            "markers, extras and URLs are judged later; other packages are left out"
        );
        assert_eq!(s(&["torch"]).as_deref(), Some("torch"));
        assert_eq!(
            s(&["torch>=2.4\nnumpy<1"]).as_deref(),
            Some("torch>=2.4 numpy<1"),
            "an entry stays one line"
        );
        assert_eq!(s(&["torchvision>=0.19", "pytorch-lightning"]), None);
        assert_eq!(s(&[]), None);
        assert!(
            parse_pypi(br#"{"info": {"name": "x", "requires_dist": null}}"#, "x")
                .expect("null requires_dist")
                .requires_torch
                .is_none()
        );
    }

    #[test]
    fn repository_links_are_found_in_any_case() {
        assert_eq!(
            github_repos(vec!["https://GitHub.com/PyTorch/Ignite.git"]),
            ["pytorch/ignite"]
        );
    }

    #[test]
    fn conda_versions_times_and_links() {
        let body = r#"{"name": "ignite", "latest_version": "0.5.2", "versions": ["0.5.2", "0.4.0"],
          "dev_url": "https://github.com/pytorch/ignite/", "home": "None",
          "files": [
            {"version": "0.5.2", "upload_time": "2025-02-07 15:05:00.099000+00:00", "labels": ["main"], "sha256": "None"},
            {"version": "0.5.2", "upload_time": "2025-02-06 15:05:00.000000+00:00", "labels": ["main"]},
            {"version": "0.4.0", "upload_time": "2023-01-01 00:00:00.000000+00:00", "labels": ["broken"]}
          ]}"#;
        let p = parse_conda(body.as_bytes(), "pytorch/ignite").expect("parses");
        assert_eq!(p.repo_links, ["pytorch/ignite"]);
        let r = |v: &str| p.releases.iter().find(|r| r.version == v).expect("release");
        assert!(r("0.5.2").has_binary);
        assert_eq!(
            r("0.5.2").released_at.map(crate::time::rfc3339).as_deref(),
            Some("2025-02-06T15:05:00Z")
        );
        assert!(!r("0.4.0").has_binary, "broken builds do not count");
        assert!(
            parse_conda(b"{", "x/y")
                .expect_err("bad json")
                .to_string()
                .contains("x/y")
        );
    }
}

#[cfg(test)]
mod prop;
