//! Properties of who a commit author is, from what upstream says of them.

use proptest::prelude::*;

use super::{identity, is_bot, noreply_login};
use crate::proptests::{cases, hostile_text};

const TOKENS: &[&str] = &[
    "@users.noreply.github.com",
    "@USERS.NOREPLY.GITHUB.COM",
    "+",
    "123",
    "@",
    "[bot]",
    " ",
    "é",
    "İ",
    "\u{0}",
];

proptest! {
    #![proptest_config(cases(2048))]

    /// A GitHub noreply address, with or without its id and in any case,
    /// stands for the login it holds, as the linked login itself does.
    #[test]
    fn a_noreply_address_is_its_login(
        login in "[A-Za-z0-9][A-Za-z0-9-]{0,20}(\\[bot\\])?",
        id in prop::option::of(0..100_000_000u64),
        upper in any::<bool>(),
    ) {
        let mut email = match id {
            Some(id) => format!("{id}+{login}@users.noreply.github.com"),
            None => format!("{login}@users.noreply.github.com"),
        };
        if upper {
            email = email.to_uppercase();
        }
        let expected = login.to_lowercase();
        prop_assert_eq!(noreply_login(&email), Some(expected.clone()));
        prop_assert_eq!(identity(None, Some(&email), None), expected.clone());
        prop_assert_eq!(identity(Some(&login), Some("someone@example.org"), None), expected.clone());
        prop_assert_eq!(is_bot(&expected, &[]), expected.ends_with("[bot]"));
    }

    /// Any login, e-mail and name give an identity without panicking: never
    /// empty, and the same whatever their ASCII case.
    #[test]
    fn any_author_has_a_case_insensitive_identity(
        login in prop::option::of(hostile_text(TOKENS)),
        email in prop::option::of(hostile_text(TOKENS)),
        name in prop::option::of(hostile_text(TOKENS)),
    ) {
        let id = identity(login.as_deref(), email.as_deref(), name.as_deref());
        prop_assert!(!id.is_empty());
        let upper = |s: &Option<String>| s.as_ref().map(|s| s.to_ascii_uppercase());
        let (l, e, n) = (upper(&login), upper(&email), upper(&name));
        prop_assert_eq!(identity(l.as_deref(), e.as_deref(), n.as_deref()), id);
    }
}
