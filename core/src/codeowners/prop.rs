//! Properties of both parsers on generated well-formed files and on hostile text.

use proptest::prelude::*;

use super::{BTreeSet, Declared, parse_codeowners, parse_maintainers, valid_login};
use crate::proptests::{cases, hostile_text};

/// The syntax both files are made of, for hostile text.
const TOKENS: &[&str] = &[
    "@",
    "/",
    "#",
    "\n",
    "\r\n",
    " ",
    "\t",
    ".",
    "*",
    "-",
    "_",
    "@octo",
    "@Org/Team",
    "a@b.c",
    "github.com/",
    "https://github.com/jane",
    "/x",
    "**/",
    "\\#",
];

/// A login as GitHub and [`valid_login`] accept it, in any case.
fn login() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9-]{0,38}"
}

fn team() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9_-]{0,20}"
}

fn email() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9._+-]{0,10}[A-Za-z0-9]@[A-Za-z0-9-]{1,10}\\.[A-Za-z]{2,6}"
}

/// One owner of a CODEOWNERS rule, and where it is expected to land.
#[derive(Debug, Clone)]
enum Owner {
    User(String),
    Team(String, String),
    Email(String),
}

impl Owner {
    fn text(&self) -> String {
        match self {
            Owner::User(l) => format!("@{l}"),
            Owner::Team(o, t) => format!("@{o}/{t}"),
            Owner::Email(e) => e.clone(),
        }
    }
}

fn owner() -> impl Strategy<Value = Owner> {
    prop_oneof![
        3 => login().prop_map(Owner::User),
        1 => (login(), team()).prop_map(|(o, t)| Owner::Team(o, t)),
        1 => email().prop_map(Owner::Email),
    ]
}

/// A line of a CODEOWNERS file: a rule (pattern, owners, an optional
/// trailing comment), a comment line or a blank line.
#[derive(Debug, Clone)]
enum Line {
    Rule(String, Vec<Owner>, Option<String>),
    Comment(String),
    Blank(String),
}

/// What a comment may say: anything on one line, owners included.
fn comment() -> impl Strategy<Value = String> {
    prop_oneof![
        hostile_text(TOKENS).prop_map(|t| t.replace('\n', " ")),
        prop::collection::vec(owner(), 1..4).prop_map(|o| o
            .iter()
            .map(Owner::text)
            .collect::<Vec<_>>()
            .join(" ")),
    ]
}

fn line() -> impl Strategy<Value = Line> {
    // No `#`: GitHub does not honour gitignore's `\#` escape in CODEOWNERS,
    // so a `#` anywhere starts a comment.
    let pattern = "[A-Za-z0-9*/._@!\\[\\]-]{1,20}";
    prop_oneof![
        6 => (pattern, prop::collection::vec(owner(), 0..5), prop::option::of(comment()))
            .prop_map(|(p, o, c)| Line::Rule(p, o, c)),
        1 => comment().prop_map(Line::Comment),
        1 => "[ \t]{0,3}".prop_map(Line::Blank),
    ]
}

/// The file's text (random spacing, `\n` or `\r\n` line ends) and the
/// owners it declares, lower-cased, sorted and distinct.
fn codeowners_file() -> impl Strategy<Value = (String, Declared)> {
    (
        prop::collection::vec((line(), "[ \t]{1,3}", any::<bool>()), 0..12),
        any::<bool>(),
    )
        .prop_map(|(lines, crlf)| {
            let (mut users, mut teams, mut emails) =
                (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
            let mut text = String::new();
            for (line, space, indent) in lines {
                if indent {
                    text.push_str(&space);
                }
                match line {
                    Line::Rule(pattern, owners, comment) => {
                        text.push_str(&pattern);
                        for o in &owners {
                            text.push_str(&space);
                            text.push_str(&o.text());
                            match o {
                                Owner::User(l) => users.insert(l.to_lowercase()),
                                Owner::Team(org, t) => teams.insert(format!(
                                    "{}/{}",
                                    org.to_lowercase(),
                                    t.to_lowercase()
                                )),
                                Owner::Email(e) => emails.insert(e.to_lowercase()),
                            };
                        }
                        if let Some(c) = comment {
                            text.push_str(&format!("{space}#{c}"));
                        }
                    }
                    Line::Comment(c) => text.push_str(&format!("#{c}")),
                    Line::Blank(b) => text.push_str(&b),
                }
                text.push_str(if crlf { "\r\n" } else { "\n" });
            }
            let declared = Declared {
                users: users.into_iter().collect(),
                teams: teams.into_iter().collect(),
                emails: emails.into_iter().collect(),
            };
            (text, declared)
        })
}

/// What every answer of either parser must look like, whatever the input.
fn well_formed(d: &Declared) -> Result<(), TestCaseError> {
    let sorted = |v: &[String]| v.windows(2).all(|w| w[0] < w[1]);
    prop_assert!(sorted(&d.users) && sorted(&d.teams) && sorted(&d.emails));
    for u in &d.users {
        prop_assert!(valid_login(u) && *u == u.to_lowercase(), "user {u:?}");
    }
    for t in &d.teams {
        let (org, team) = t.split_once('/').unwrap_or_default();
        prop_assert!(valid_login(org) && !team.is_empty(), "team {t:?}");
        prop_assert_eq!(t, &t.to_lowercase());
    }
    for e in &d.emails {
        prop_assert!(e.contains('@') && e.contains('.') && !e.starts_with('@'));
        prop_assert!(
            !e.contains(char::is_whitespace) && !e.contains('#'),
            "{e:?}"
        );
    }
    Ok(())
}

fn union(a: &Declared, b: &Declared) -> Declared {
    let merge = |x: &[String], y: &[String]| {
        x.iter()
            .chain(y)
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    Declared {
        users: merge(&a.users, &b.users),
        teams: merge(&a.teams, &b.teams),
        emails: merge(&a.emails, &b.emails),
    }
}

proptest! {
    #![proptest_config(cases(2048))]

    /// A generated CODEOWNERS file declares exactly the owners of its
    /// rules: users, teams and e-mails kept apart and lower-cased, while
    /// comment lines, owners inside comments and blank lines count for nothing.
    #[test]
    fn codeowners_declares_exactly_the_owners_of_its_rules(
        (text, expected) in codeowners_file()
    ) {
        prop_assert_eq!(parse_codeowners(&text), expected);
    }

    /// Any text parses without panicking into well-formed owners; lines
    /// are independent (two files joined declare the union of both), and
    /// owners compare without regard to ASCII case.
    #[test]
    fn codeowners_of_hostile_text_is_well_formed_and_line_local(
        a in hostile_text(TOKENS),
        b in hostile_text(TOKENS),
    ) {
        let (da, db) = (parse_codeowners(&a), parse_codeowners(&b));
        well_formed(&da)?;
        prop_assert_eq!(parse_codeowners(&format!("{a}\n{b}")), union(&da, &db));
        prop_assert_eq!(parse_codeowners(&a.to_ascii_uppercase()), da);
    }

    /// A MAINTAINERS file in prose names exactly its `@login` mentions,
    /// `@org/team` mentions and `github.com/login` profile links; e-mail
    /// addresses and links into repositories name nobody.
    #[test]
    fn maintainers_names_exactly_its_mentions_and_profile_links(
        items in prop::collection::vec(
            (mention(), prop::sample::select(SEPARATORS)), 0..16),
        start in prop::sample::select(SEPARATORS),
    ) {
        let mut text = start.to_string();
        let (mut users, mut teams) = (BTreeSet::new(), BTreeSet::new());
        for (item, sep) in &items {
            text.push_str(&item.text);
            text.push_str(sep);
            users.extend(item.users.iter().map(|u| u.to_lowercase()));
            teams.extend(item.teams.iter().map(|t| t.to_lowercase()));
        }
        let d = parse_maintainers(&text);
        prop_assert_eq!(d.users, users.into_iter().collect::<Vec<_>>(), "{:?}", text);
        prop_assert_eq!(d.teams, teams.into_iter().collect::<Vec<_>>(), "{:?}", text);
        prop_assert!(d.emails.is_empty());
    }

    /// Any text parses without panicking into well-formed owners; two
    /// texts joined by a line break name the union of both, and logins
    /// compare without regard to ASCII case.
    #[test]
    fn maintainers_of_hostile_text_is_well_formed_and_line_local(
        a in hostile_text(TOKENS),
        b in hostile_text(TOKENS),
    ) {
        let (da, db) = (parse_maintainers(&a), parse_maintainers(&b));
        well_formed(&da)?;
        prop_assert_eq!(parse_maintainers(&format!("{a}\n{b}")), union(&da, &db));
        prop_assert_eq!(parse_maintainers(&a.to_ascii_uppercase()), da);
    }
}

/// What separates the items of a MAINTAINERS file's prose.
const SEPARATORS: &[&str] = &[
    " ", "\n", "\r\n", ", ", " (", ") ", " - ", "\t", "\n* ", ": ", "; ", " <", "> ",
];

/// A piece of MAINTAINERS prose, with the users and teams it names.
#[derive(Debug, Clone)]
struct Item {
    text: String,
    users: Vec<String>,
    teams: Vec<String>,
}

fn mention() -> impl Strategy<Value = Item> {
    let item = |text: String, users: Vec<String>, teams: Vec<String>| Item { text, users, teams };
    let host = prop::sample::select(
        &[
            "https://github.com/",
            "http://github.com/",
            "https://www.github.com/",
            "github.com/",
        ][..],
    );
    prop_oneof![
        "[A-Za-z][A-Za-z ]{0,12}[A-Za-z]".prop_map(move |w| item(w, vec![], vec![])),
        login().prop_map(move |l| item(format!("@{l}"), vec![l], vec![])),
        (login(), team()).prop_map(move |(o, t)| item(
            format!("@{o}/{t}"),
            vec![],
            vec![format!("{o}/{t}")]
        )),
        (host.clone(), login()).prop_map(move |(h, l)| item(format!("{h}{l}"), vec![l], vec![])),
        (host, login(), "[A-Za-z0-9._-]{1,20}").prop_map(move |(h, o, r)| item(
            format!("{h}{o}/{r}"),
            vec![],
            vec![]
        )),
        email().prop_map(move |e| item(e, vec![], vec![])),
    ]
}
