//! Plain domain types shared by the configuration, the store and the requirement engine.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A GitHub repository named `owner/name`, validated against GitHub's naming rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoSlug {
    owner: String,
    name: String,
}

impl RepoSlug {
    /// Parses `owner/name`; the error says what is wrong with the text.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (owner, name) = text
            .split_once('/')
            .ok_or_else(|| format!("`{text}` is not a repository slug of the form owner/name"))?;
        if name.contains('/') {
            return Err(format!(
                "`{text}` has more than one `/`; expected owner/name"
            ));
        }
        // GitHub logins: alphanumerics and single hyphens, at most 39 characters.
        let owner_ok = !owner.is_empty()
            && owner.len() <= 39
            && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !owner.starts_with('-')
            && !owner.ends_with('-');
        if !owner_ok {
            return Err(format!("`{text}`: `{owner}` is not a valid GitHub owner"));
        }
        // Repository names: alphanumerics, `-`, `_` and `.`, at most 100 characters.
        let name_ok = !name.is_empty()
            && name.len() <= 100
            && name != "."
            && name != ".."
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !name_ok {
            return Err(format!("`{text}`: `{name}` is not a valid repository name"));
        }
        Ok(Self {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }

    /// The owner (user or organisation) part.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository name part.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for RepoSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

impl Serialize for RepoSlug {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RepoSlug {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        RepoSlug::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A conda package as `channel/name` (for example `conda-forge/ignite`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CondaPackage {
    /// The Anaconda channel (owner), e.g. `conda-forge`.
    pub channel: String,
    /// The package name within the channel.
    pub name: String,
}

impl CondaPackage {
    /// Parses `channel/name`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let valid = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        match text.split_once('/') {
            Some((channel, name)) if valid(channel) && valid(name) => Ok(Self {
                channel: channel.to_string(),
                name: name.to_string(),
            }),
            _ => Err(format!(
                "`{text}` is not a conda package of the form channel/name"
            )),
        }
    }
}

impl fmt::Display for CondaPackage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.channel, self.name)
    }
}

impl Serialize for CondaPackage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CondaPackage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        CondaPackage::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A PyPI project name, validated against PEP 508's name rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PypiName(String);

impl PypiName {
    /// Parses a PyPI distribution name.
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok = !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && text.starts_with(|c: char| c.is_ascii_alphanumeric())
            && text.ends_with(|c: char| c.is_ascii_alphanumeric());
        if ok {
            Ok(Self(text.to_string()))
        } else {
            Err(format!("`{text}` is not a valid PyPI project name"))
        }
    }

    /// The name as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The PEP 503 normalised form (lower case, runs of `-_.` become `-`).
    pub fn normalized(&self) -> String {
        let mut out = String::with_capacity(self.0.len());
        let mut in_sep = false;
        for c in self.0.chars() {
            if matches!(c, '-' | '_' | '.') {
                if !in_sep {
                    out.push('-');
                }
                in_sep = true;
            } else {
                out.push(c.to_ascii_lowercase());
                in_sep = false;
            }
        }
        out
    }
}

impl fmt::Display for PypiName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PypiName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        PypiName::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Where a project stands with the TAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    /// A member of the ecosystem, reviewed every six months.
    Active,
    /// Retired (archived) from the ecosystem; kept for history.
    Retired,
    /// Applying for membership.
    Applicant,
}

impl ProjectStatus {
    /// The lower-case name used in config files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Retired => "retired",
            Self::Applicant => "applicant",
        }
    }
}

impl fmt::Display for ProjectStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_slugs_follow_github_rules() {
        let slug = RepoSlug::parse("pytorch/ignite").expect("valid");
        assert_eq!((slug.owner(), slug.name()), ("pytorch", "ignite"));
        assert_eq!(slug.to_string(), "pytorch/ignite");
        assert!(RepoSlug::parse("Project-MONAI/MONAI").is_ok());
        assert!(RepoSlug::parse("pyg-team/pytorch_geometric").is_ok());
        for bad in [
            "pytorch",
            "pytorch/",
            "/ignite",
            "a/b/c",
            "py torch/x",
            "-a/b",
            "a/b c",
        ] {
            assert!(RepoSlug::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn pypi_names_normalise_like_pep_503() {
        let n = PypiName::parse("Neural_Compressor.PT").expect("valid");
        assert_eq!(n.normalized(), "neural-compressor-pt");
        assert!(PypiName::parse("-bad").is_err());
        assert!(PypiName::parse("has space").is_err());
    }

    #[test]
    fn conda_packages_need_a_channel() {
        let p = CondaPackage::parse("conda-forge/ignite").expect("valid");
        assert_eq!(
            (p.channel.as_str(), p.name.as_str()),
            ("conda-forge", "ignite")
        );
        assert!(CondaPackage::parse("ignite").is_err());
    }
}

#[cfg(test)]
mod prop;
