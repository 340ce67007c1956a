//! The layout-file rules (`files.*` and `governance`): which names count
//! for each required file, where they are looked for, and when the owner's
//! `.github` repository stands in for a file the repository lacks.

use super::{LayoutFacts, Measure, Status, Value, layout_measure, unknown};

/// The required layout files: id, exact name, and the directories searched.
pub const REQUIRED_FILES: &[(&str, &str, &[&str])] = &[
    ("files.license", "LICENSE.md", &["", ".github/"]),
    ("files.readme", "README.md", &["", ".github/"]),
    ("files.contributing", "CONTRIBUTING.md", &["", ".github/"]),
    ("files.codeowners", "CODEOWNERS", &["", ".github/", "docs/"]),
    (
        "files.code_of_conduct",
        "CODE_OF_CONDUCT.md",
        &["", ".github/"],
    ),
];

/// What a layout file's name stands for, ignoring case, extension and spelling:
/// `LICENCE`, `COPYING`, `LICENSE-MIT` and `license.txt` are all `license`;
/// `CODE-OF-CONDUCT.md` is `code_of_conduct`.
fn file_stem(name: &str) -> String {
    let lower = name.to_lowercase().replace('-', "_");
    let stem = lower.split('.').next().unwrap_or(&lower).to_string();
    if stem == "licence"
        || stem == "copying"
        || stem.starts_with("license_")
        || stem.starts_with("licence_")
    {
        return "license".into();
    }
    stem
}

/// Community files GitHub shows from the owner's `.github` repository for a
/// repository without its own (by [`file_stem`]); a license, README or
/// CODEOWNERS is never taken from there.
const OWNER_DEFAULTS: &[&str] = &["contributing", "code_of_conduct", "governance"];

/// Where GitHub looks for them in the owner's `.github` repository.
const OWNER_DEFAULT_DIRS: &[&str] = &["", ".github/", "docs/"];

/// One file requirement: the exact name passes, a variant (`LICENSE`, `LICENSE.txt`,
/// `CONTRIBUTING.rst`, other letter case) is caution, absence fails. A
/// community file the repository lacks but its owner's `.github` repository
/// provides (listed as `<owner>/.github:<path>`, see
/// `collect::map::owner_default_entry`) is caution, naming that source: GitHub
/// shows it, but it is not the project's own.
fn file_measure(id: &'static str, exact: &str, dirs: &[&str], f: Option<&LayoutFacts>) -> Measure {
    let threshold = Value::Text(exact.to_string());
    let Some(f) = f else {
        return unknown(id, threshold, "layout file at the repo root or in .github/");
    };
    let stem = file_stem(exact);
    let in_dirs = |dirs: &[&str], path: &str| {
        dirs.iter()
            .any(|d| path.strip_prefix(d).is_some_and(|rest| !rest.contains('/')))
    };
    let own = |p: &&String| !p.contains(':') && in_dirs(dirs, p);
    let exact_hit = f
        .files
        .iter()
        .filter(own)
        .find(|p| p.rsplit('/').next() == Some(exact));
    let variant = f
        .files
        .iter()
        .filter(own)
        .find(|p| p.rsplit('/').next().is_some_and(|n| file_stem(n) == stem));
    let owner_default = || {
        if !OWNER_DEFAULTS.contains(&stem.as_str()) {
            return None;
        }
        f.files.iter().find_map(|entry| {
            let (source, path) = entry.split_once(':')?;
            let name = path.rsplit('/').next()?;
            (in_dirs(OWNER_DEFAULT_DIRS, path) && file_stem(name) == stem)
                .then_some((entry, source, path))
        })
    };
    let (status, value, detail) = match (exact_hit, variant, owner_default()) {
        (Some(p), _, _) => (Status::Pass, Some(p.clone()), format!("{p} found")),
        (None, Some(p), _) => (
            Status::Caution,
            Some(p.clone()),
            format!("{p} found; the requirement names {exact}"),
        ),
        (None, None, Some((entry, source, path))) => (
            Status::Caution,
            Some(entry.clone()),
            format!(
                "no {exact} in the repository itself; GitHub shows {path} from {source}, the \
                 owner's default for repositories without their own"
            ),
        ),
        (None, None, None) => (
            Status::Fail,
            None,
            format!(
                "no {exact} at the root{}",
                dirs.iter()
                    .filter(|d| !d.is_empty())
                    .map(|d| format!(" or in {d}"))
                    .collect::<String>()
            ),
        ),
    };
    layout_measure(id, status, value, threshold, detail, f)
}

/// `files.*`, in the order of [`REQUIRED_FILES`].
pub fn files(facts: Option<&LayoutFacts>) -> Vec<Measure> {
    REQUIRED_FILES
        .iter()
        .map(|(id, exact, dirs)| file_measure(id, exact, dirs, facts))
        .collect()
}

/// `governance`: GOVERNANCE.md passes; a variant or a governance section linked
/// from the README is caution; nothing fails.
pub fn governance(facts: Option<&LayoutFacts>) -> Measure {
    let mut m = file_measure(
        "governance",
        "GOVERNANCE.md",
        &["", ".github/", "docs/"],
        facts,
    );
    if m.status == Status::Fail && facts.is_some_and(|f| f.readme_governance) {
        m.status = Status::Caution;
        m.value = Some(Value::Text("README.md#governance".into()));
        m.detail = "no governance document, but the README has a governance section".into();
    }
    m
}
