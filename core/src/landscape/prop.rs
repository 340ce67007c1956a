//! Landscape CSV properties: rows of any valid values, in any column order and
//! quoting, read as those projects, render to a config that loads the same
//! projects; any text is projects or an error naming its row.

use chrono::NaiveDate;
use proptest::prelude::*;

use super::{SHIPPED_HEADER, projects_from_csv, render_projects_toml};
use crate::config::{Config, ConfigSource, Project};
use crate::model::{CondaPackage, ProjectStatus, PypiName, RepoSlug};
use crate::proptests::{cases, hostile_text};

const COLUMNS: &[&str] = &[
    "name", "github", "status", "category", "pypi", "conda", "accepted",
];

/// The CSV's syntax and values, for hostile text.
const TOKENS: &[&str] = &[
    ",",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\r",
    ";",
    "/",
    "name,github,status,category,pypi,conda,accepted\n",
    "active",
    "archived",
    "foundation",
    "applicant",
    "a/b",
    "Project-MONAI",
    "2025-04-08",
    "2025-02-30",
    " ",
    "é",
    "\u{0}",
    "\u{7f}",
    "\u{feff}",
];

/// Any short text: every Unicode scalar, controls included.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..10).prop_map(String::from_iter)
}

/// White space the reader trims around a value.
fn pad() -> impl Strategy<Value = String> {
    "[ \t]{0,2}"
}

/// One row: the cells by column name, and the project it describes (its
/// name is made distinct by the caller).
fn row() -> impl Strategy<Value = (Vec<String>, Project)> {
    let repo = "[A-Za-z0-9]{1,6}(-[A-Za-z0-9]{1,6}){0,2}/[A-Za-z0-9_.-]{1,12}"
        .prop_filter_map("a repository", |s| RepoSlug::parse(&s).ok());
    let github = prop_oneof![
        Just((String::new(), vec![], None)),
        repo.prop_map(|r| (r.to_string(), vec![r], None)),
        "[A-Za-z0-9][A-Za-z0-9-]{0,12}".prop_map(|org| {
            if org == "Project-MONAI" {
                let monai = RepoSlug::parse("Project-MONAI/MONAI").ok();
                (org, monai.into_iter().collect(), None)
            } else {
                (org.clone(), vec![], Some(org))
            }
        }),
    ];
    let status = prop::sample::select(
        &[
            ("active", ProjectStatus::Active, false),
            ("accepted-not-in-landscape", ProjectStatus::Active, false),
            ("foundation", ProjectStatus::Active, true),
            ("archived", ProjectStatus::Retired, false),
            ("applicant", ProjectStatus::Applicant, false),
        ][..],
    );
    let pypi = prop::collection::vec(
        "[A-Za-z0-9]([A-Za-z0-9._-]{0,8}[A-Za-z0-9])?"
            .prop_filter_map("a PyPI name", |s| PypiName::parse(&s).ok()),
        0..3,
    );
    let conda = prop::collection::vec(
        "[A-Za-z0-9._-]{1,8}/[A-Za-z0-9._-]{1,8}"
            .prop_filter_map("a conda package", |s| CondaPackage::parse(&s).ok()),
        0..3,
    );
    let accepted = prop::option::of(
        (0..=3_652_424i32)
            .prop_filter_map("a date", |d| NaiveDate::from_num_days_from_ce_opt(d - 365)),
    );
    (
        (text(), github, status, text()),
        (pypi, conda, accepted, pad(), pad(), any::<bool>()),
    )
        .prop_map(
            |(
                (name, (gh, repos, org), (st, status, foundation), category),
                (pypi, conda, accepted, p1, p2, trailing),
            )| {
                let join = |items: Vec<String>| {
                    let mut s = items.join(&format!("{p1};{p2}"));
                    if trailing && !s.is_empty() {
                        s.push(';');
                    }
                    s
                };
                let cells = vec![
                    name.clone(),
                    format!("{p1}{gh}{p2}"),
                    format!("{p2}{st}{p1}"),
                    category.clone(),
                    join(pypi.iter().map(ToString::to_string).collect()),
                    join(conda.iter().map(ToString::to_string).collect()),
                    accepted
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                ];
                let category = Some(category.trim().to_string()).filter(|c| !c.is_empty());
                let project = Project {
                    name,
                    repos,
                    github_org: org,
                    pypi,
                    conda,
                    status,
                    foundation,
                    category,
                    accepted,
                    notified: None,
                };
                (cells, project)
            },
        )
}

/// A CSV of rows, its columns in any order with an extra one, quoted as
/// needed or always; and the projects it describes.
fn csv_file() -> impl Strategy<Value = (String, Vec<Project>)> {
    (
        prop::collection::vec(row(), 0..6),
        Just((0..COLUMNS.len() + 1).collect::<Vec<usize>>()).prop_shuffle(),
        any::<bool>(),
    )
        .prop_map(|(rows, order, always)| {
            let mut w = csv::WriterBuilder::new()
                .quote_style(if always {
                    csv::QuoteStyle::Always
                } else {
                    csv::QuoteStyle::Necessary
                })
                .from_writer(Vec::new());
            let header: Vec<&str> = order
                .iter()
                .map(|&c| COLUMNS.get(c).copied().unwrap_or("notes"))
                .collect();
            w.write_record(&header).expect("in memory");
            let mut projects = Vec::new();
            for (i, (mut cells, mut p)) in rows.into_iter().enumerate() {
                // distinct, never blank: the row's number comes first
                cells[0] = format!("{i}{}", cells[0]);
                p.name = cells[0].trim().to_string();
                let record: Vec<&str> = order
                    .iter()
                    .map(|&c| cells.get(c).map_or("a note, with a comma", String::as_str))
                    .collect();
                w.write_record(&record).expect("in memory");
                projects.push(p);
            }
            let bytes = w.into_inner().unwrap_or_default();
            (String::from_utf8(bytes).unwrap_or_default(), projects)
        })
}

proptest! {
    #![proptest_config(cases(1024))]

    /// Valid rows read as the projects they describe, whatever the column
    /// order and quoting, and render to a config that loads the same projects.
    #[test]
    fn valid_rows_read_and_render_to_a_config_of_the_same_projects(
        (csv, projects) in csv_file()
    ) {
        let read = projects_from_csv(&csv, "p.csv").map_err(|e| TestCaseError::fail(format!("{e}\n{csv}")))?;
        prop_assert_eq!(&read, &projects);
        let toml = format!("{SHIPPED_HEADER}{}", render_projects_toml(&read));
        match Config::parse(&toml, ConfigSource::Builtin) {
            // a config needs one project at least
            Err(e) if projects.is_empty() => prop_assert!(e.to_string().contains("projects"), "{e}"),
            Err(e) => prop_assert!(false, "{e}\n{toml}"),
            Ok(c) => prop_assert_eq!(c.projects, projects),
        }
    }

    /// Any text is projects or an error naming the file and a row.
    #[test]
    fn any_text_is_projects_or_an_error_naming_a_row(
        text in prop_oneof![
            hostile_text(TOKENS),
            hostile_text(TOKENS).prop_map(|t| format!("name,github,status,category,pypi,conda,accepted\n{t}")),
        ]
    ) {
        if let Err(e) = projects_from_csv(&text, "p.csv") {
            let breaks = text.matches('\n').count() + text.matches('\r').count();
            prop_assert!((1..=breaks + 1).contains(&e.row), "row {} of {}", e.row, breaks + 1);
            prop_assert!(e.to_string().starts_with(&format!("p.csv: row {}: ", e.row)), "{e}");
            prop_assert!(!e.message.is_empty());
        }
    }
}
