//! Properties of the names a config gives: a valid repository, PyPI or conda
//! name prints back as written; any text is that name or an error quoting it.

use proptest::prelude::*;

use super::{CondaPackage, PypiName, RepoSlug};
use crate::proptests::{cases, hostile_text};

const TOKENS: &[&str] = &["a", "Z", "0", "-", "_", ".", "..", "/", " ", "é", "\u{0}"];

proptest! {
    #![proptest_config(cases(2048))]

    /// A valid `owner/name` parses, prints back as written, and keeps its parts.
    #[test]
    fn a_repository_slug_prints_back_as_written(
        owner in "[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8}){0,3}",
        name in "[A-Za-z0-9_.-]{1,30}",
    ) {
        prop_assume!(name != "." && name != "..");
        let text = format!("{owner}/{name}");
        let slug = RepoSlug::parse(&text).map_err(TestCaseError::fail)?;
        prop_assert_eq!(slug.to_string(), text);
        prop_assert_eq!((slug.owner(), slug.name()), (owner.as_str(), name.as_str()));
    }

    /// Any text is a repository, PyPI or conda name that prints back as
    /// written, or an error quoting the text.
    #[test]
    fn any_text_is_a_name_that_prints_back_or_an_error_quoting_it(text in hostile_text(TOKENS)) {
        let quoted = format!("`{text}`");
        match RepoSlug::parse(&text) {
            Ok(s) => prop_assert_eq!(s.to_string(), text.clone()),
            Err(e) => prop_assert!(e.contains(&quoted), "{e}"),
        }
        match PypiName::parse(&text) {
            Ok(n) => prop_assert_eq!(n.to_string(), text.clone()),
            Err(e) => prop_assert!(e.contains(&quoted), "{e}"),
        }
        match CondaPackage::parse(&text) {
            Ok(p) => prop_assert_eq!(p.to_string(), text.clone()),
            Err(e) => prop_assert!(e.contains(&quoted), "{e}"),
        }
    }

    /// PEP 503 normalisation is a valid name, idempotent, and the same for
    /// names that differ only in case and runs of `-`, `_` and `.`.
    #[test]
    fn pypi_normalisation_is_idempotent_and_ignores_case_and_separators(
        parts in prop::collection::vec(("[A-Za-z0-9]{1,6}", "[-_.]{1,3}"), 1..4),
        last in "[A-Za-z0-9]{1,6}",
    ) {
        let write = |upper: bool, sep: Option<&str>| {
            let mut s = String::new();
            for (word, seps) in &parts {
                s.push_str(&if upper { word.to_uppercase() } else { word.to_lowercase() });
                s.push_str(sep.unwrap_or(seps));
            }
            s.push_str(&last);
            s
        };
        let name = PypiName::parse(&write(false, None)).map_err(TestCaseError::fail)?;
        let other = PypiName::parse(&write(true, Some("_"))).map_err(TestCaseError::fail)?;
        let normal = name.normalized();
        prop_assert_eq!(&normal, &other.normalized());
        let again = PypiName::parse(&normal).map_err(TestCaseError::fail)?;
        prop_assert_eq!(again.normalized(), normal.clone());
        prop_assert!(!normal.contains("--") && !normal.contains(['_', '.']), "{}", normal);
    }
}
