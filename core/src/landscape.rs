//! The PyTorch Ecosystem project list: reading the landscape CSV and writing the
//! shipped configuration from it (`tacometer projects --from-csv FILE --format toml`).
//!
//! The CSV has real data's warts, handled here rather than hidden:
//! org-only entries (`open-mmlab`) become a `github_org` with no repos; the one
//! active org-only entry whose code repo is known (MONAI) gets it; projects with
//! no repo yet keep an empty list so their GitHub requirements show as unknown;
//! several packages per project are `;`-separated.

use chrono::NaiveDate;

use crate::config::Project;
use crate::model::{CondaPackage, ProjectStatus, PypiName, RepoSlug};

/// Org-only landscape entries whose code repository is known.
const ORG_REPOS: &[(&str, &str)] = &[("Project-MONAI", "Project-MONAI/MONAI")];

/// An error in the landscape CSV, naming the row.
#[derive(Debug, thiserror::Error)]
#[error("{file}: row {row}: {message}")]
pub struct LandscapeError {
    /// The CSV's name.
    pub file: String,
    /// 1-based row number, counting the header as row 1.
    pub row: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads the landscape CSV (`name,github,status,category,pypi,conda,accepted`).
pub fn projects_from_csv(text: &str, file: &str) -> Result<Vec<Project>, LandscapeError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let err = |row: usize, message: String| LandscapeError {
        file: file.to_string(),
        row,
        message,
    };
    let headers = reader.headers().map_err(|e| err(1, e.to_string()))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| err(1, format!("missing column `{name}`")))
    };
    let (c_name, c_github, c_status, c_category, c_pypi, c_conda, c_accepted) = (
        col("name")?,
        col("github")?,
        col("status")?,
        col("category")?,
        col("pypi")?,
        col("conda")?,
        col("accepted")?,
    );
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|e| err(row, e.to_string()))?;
        let field = |c: usize| record.get(c).unwrap_or("").trim().to_string();
        let name = field(c_name);
        if name.is_empty() {
            return Err(err(row, "empty project name".into()));
        }
        let github = field(c_github);
        let (repos, github_org) = if github.is_empty() {
            (Vec::new(), None)
        } else if github.contains('/') {
            let slug = RepoSlug::parse(&github).map_err(|m| err(row, m))?;
            (vec![slug], None)
        } else if let Some((_, repo)) = ORG_REPOS.iter().find(|(org, _)| *org == github) {
            let slug = RepoSlug::parse(repo).map_err(|m| err(row, m))?;
            (vec![slug], None)
        } else {
            (Vec::new(), Some(github.clone()))
        };
        let (status, foundation) = match field(c_status).as_str() {
            "active" | "accepted-not-in-landscape" => (ProjectStatus::Active, false),
            "foundation" => (ProjectStatus::Active, true),
            "archived" => (ProjectStatus::Retired, false),
            "applicant" => (ProjectStatus::Applicant, false),
            other => return Err(err(row, format!("unknown status `{other}`"))),
        };
        let split = |s: String| -> Vec<String> {
            s.split(';')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect()
        };
        let pypi = split(field(c_pypi))
            .iter()
            .map(|p| PypiName::parse(p).map_err(|m| err(row, m)))
            .collect::<Result<Vec<_>, _>>()?;
        let conda = split(field(c_conda))
            .iter()
            .map(|p| CondaPackage::parse(p).map_err(|m| err(row, m)))
            .collect::<Result<Vec<_>, _>>()?;
        let category = Some(field(c_category)).filter(|c| !c.is_empty());
        let accepted = match field(c_accepted) {
            a if a.is_empty() => None,
            a => Some(
                NaiveDate::parse_from_str(&a, "%Y-%m-%d")
                    .map_err(|e| err(row, format!("accepted date `{a}`: {e}")))?,
            ),
        };
        out.push(Project {
            name,
            repos,
            github_org,
            pypi,
            conda,
            status,
            foundation,
            category,
            accepted,
            notified: None,
        });
    }
    Ok(out)
}

/// Renders projects as the `[[projects]]` part of a config file, one table each.
pub fn render_projects_toml(projects: &[Project]) -> String {
    // TOML's own writer: JSON's quoting leaves DEL raw, which TOML refuses
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let list = |items: Vec<String>| {
        let quoted: Vec<String> = items.iter().map(|s| q(s)).collect();
        format!("[{}]", quoted.join(", "))
    };
    let mut out = String::new();
    for p in projects {
        out.push_str("\n[[projects]]\n");
        out.push_str(&format!("name = {}\n", q(&p.name)));
        out.push_str(&format!(
            "repos = {}\n",
            list(p.repos.iter().map(ToString::to_string).collect())
        ));
        if let Some(org) = &p.github_org {
            out.push_str(&format!("github_org = {}\n", q(org)));
        }
        if !p.pypi.is_empty() {
            out.push_str(&format!(
                "pypi = {}\n",
                list(p.pypi.iter().map(ToString::to_string).collect())
            ));
        }
        if !p.conda.is_empty() {
            out.push_str(&format!(
                "conda = {}\n",
                list(p.conda.iter().map(ToString::to_string).collect())
            ));
        }
        out.push_str(&format!("status = {}\n", q(p.status.as_str())));
        if p.foundation {
            out.push_str("foundation = true\n");
        }
        if let Some(c) = &p.category {
            out.push_str(&format!("category = {}\n", q(c)));
        }
        if let Some(a) = p.accepted {
            out.push_str(&format!("accepted = {a}\n"));
        }
    }
    out
}

/// The header of the shipped configuration file.
pub const SHIPPED_HEADER: &str = "\
# The PyTorch Ecosystem as tracked by tacometer: the default configuration.
#
# Generated from config/pytorch-ecosystem-projects.csv (the pytorch-fdn landscape
# snapshot of 2026-07-01 plus projects the TAC accepted in August 2026) with
#
#     tacometer projects --from-csv config/pytorch-ecosystem-projects.csv --format toml
#
# Active, foundation and accepted projects are tracked; archived ones are kept
# as retired. Projects without a known repository have `repos = []`: their
# GitHub requirements report `unknown`, never zero.
#
# Criteria and collection settings are the built-in defaults; copy this file
# and add [criteria] / [collect] tables to change them.
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, ConfigSource};

    const CSV: &str = include_str!("../config/pytorch-ecosystem-projects.csv");

    #[test]
    fn the_shipped_config_is_the_csv_rendered() {
        let projects = projects_from_csv(CSV, "pytorch-ecosystem-projects.csv").expect("csv");
        let rendered = format!("{SHIPPED_HEADER}{}", render_projects_toml(&projects));
        assert_eq!(
            rendered,
            crate::config::PYTORCH_ECOSYSTEM_TOML,
            "config/pytorch-ecosystem.toml is stale: regenerate it with the command in its header"
        );
    }

    #[test]
    fn shipped_config_lists_every_csv_project_with_its_status() {
        let config = Config::builtin().expect("the shipped config loads");
        let mut reader = csv::Reader::from_reader(CSV.as_bytes());
        let mut rows = 0;
        for record in reader.records() {
            let record = record.expect("row");
            rows += 1;
            let (name, github, status) = (&record[0], &record[1], &record[2]);
            let p = config
                .projects
                .iter()
                .find(|p| p.name == name)
                .unwrap_or_else(|| panic!("{name} missing from the shipped config"));
            let expected = match status {
                "archived" => ProjectStatus::Retired,
                _ => ProjectStatus::Active,
            };
            assert_eq!(p.status, expected, "{name}");
            assert_eq!(p.foundation, status == "foundation", "{name}");
            if github.contains('/') {
                assert_eq!(p.repos[0].to_string(), github, "{name}");
            }
            let pypi: Vec<_> = record[4].split(';').filter(|s| !s.is_empty()).collect();
            let got: Vec<_> = p.pypi.iter().map(|n| n.as_str()).collect();
            assert_eq!(got, pypi, "{name}");
        }
        assert_eq!(rows, 147);
        assert_eq!(config.projects.len(), rows);
        assert_eq!(config.source, ConfigSource::Builtin);
        let active = config
            .projects
            .iter()
            .filter(|p| p.status == ProjectStatus::Active)
            .count();
        assert_eq!(active, 69 + 6 + 4);
    }

    #[test]
    fn warts_are_handled_not_hidden() {
        let config = Config::builtin().expect("loads");
        let monai = config.find_project("MONAI").expect("MONAI");
        assert_eq!(monai.repos[0].to_string(), "Project-MONAI/MONAI");
        let mmlab = config.find_project("OpenMMLab").expect("OpenMMLab");
        assert!(mmlab.repos.is_empty());
        assert_eq!(mmlab.github_org.as_deref(), Some("open-mmlab"));
        assert_eq!(mmlab.status, ProjectStatus::Retired);
        let fiftyone = config.find_project("FiftyOne").expect("FiftyOne");
        assert!(fiftyone.repos.is_empty());
        assert_eq!(fiftyone.status, ProjectStatus::Active);
        let lightning = config
            .find_project("Lightning-AI/pytorch-lightning")
            .expect("by repo");
        assert_eq!(lightning.pypi.len(), 3);
        let ignite = config
            .find_project("ignite")
            .expect("case-insensitive name");
        assert_eq!(ignite.conda[0].to_string(), "pytorch/ignite");
        let captum = config.find_project("Captum").expect("Captum");
        assert_eq!(captum.conda.len(), 2);
    }

    #[test]
    fn any_text_renders_to_a_toml_string() {
        let csv = "name,github,status,category,pypi,conda,accepted\n0,,active,\u{7f},,,\n";
        let projects = projects_from_csv(csv, "p.csv").expect("csv");
        let toml = format!("{SHIPPED_HEADER}{}", render_projects_toml(&projects));
        let config = Config::parse(&toml, ConfigSource::Builtin).expect("loads");
        assert_eq!(config.projects, projects);
    }

    #[test]
    fn bad_rows_are_named() {
        let csv = "name,github,status,category,pypi,conda,accepted\nA,a/b,active,,,,\nB,x/y,sleeping,,,,\n";
        let e = projects_from_csv(csv, "p.csv").expect_err("bad status");
        assert_eq!(e.to_string(), "p.csv: row 3: unknown status `sleeping`");
        let csv = "name,github,status,category,pypi,conda,accepted\nA,a/b c,active,,,,\n";
        let e = projects_from_csv(csv, "p.csv").expect_err("bad slug");
        assert!(e.to_string().starts_with("p.csv: row 2:"), "{e}");
    }
}

#[cfg(test)]
mod prop;
