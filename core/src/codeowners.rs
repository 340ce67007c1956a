//! CODEOWNERS and MAINTAINERS parsing: who is declared to maintain a project.
//!
//! CODEOWNERS lines are `pattern owner...`; owners are users (`@login`), teams
//! (`@org/team`) or emails. Teams cannot be counted as people without expanding
//! them, so they are kept apart and reported, never silently counted.
//! MAINTAINERS files have no standard; we take every `@login` mentioned and
//! every GitHub profile link (`github.com/login`).

use std::collections::BTreeSet;

/// Where GitHub looks for CODEOWNERS, in its order of precedence.
pub const CODEOWNERS_PATHS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// Owners declared in a CODEOWNERS or MAINTAINERS file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    /// Individual logins, lower-cased, sorted, distinct.
    pub users: Vec<String>,
    /// Teams as `org/team`, lower-cased.
    pub teams: Vec<String>,
    /// Email owners, lower-cased.
    pub emails: Vec<String>,
}

fn valid_login(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 39
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.starts_with('-')
}

/// Parses CODEOWNERS text.
pub fn parse_codeowners(text: &str) -> Declared {
    let (mut users, mut teams, mut emails) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut parts = line.split_whitespace();
        if parts.next().is_none() {
            continue;
        }
        for owner in parts {
            if let Some(handle) = owner.strip_prefix('@') {
                match handle.split_once('/') {
                    Some((org, team)) if valid_login(org) && !team.is_empty() => {
                        teams.insert(format!("{}/{}", org.to_lowercase(), team.to_lowercase()));
                    }
                    None if valid_login(handle) => {
                        users.insert(handle.to_lowercase());
                    }
                    _ => {}
                }
            } else if owner.contains('@') && owner.contains('.') {
                emails.insert(owner.to_lowercase());
            }
        }
    }
    Declared {
        users: users.into_iter().collect(),
        teams: teams.into_iter().collect(),
        emails: emails.into_iter().collect(),
    }
}

/// Parses a free-form MAINTAINERS file: `@login` mentions and `github.com/login` links.
pub fn parse_maintainers(text: &str) -> Declared {
    let mut users = BTreeSet::new();
    let mut teams = BTreeSet::new();
    let is_login_char = |c: char| c.is_ascii_alphanumeric() || c == '-';
    for (i, _) in text.match_indices('@') {
        let before = text[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.') {
            continue; // part of an email address
        }
        let rest = &text[i + 1..];
        let login: String = rest.chars().take_while(|c| is_login_char(*c)).collect();
        if !valid_login(&login) {
            continue;
        }
        let after = &rest[login.len()..];
        if let Some(team_rest) = after.strip_prefix('/') {
            let team: String = team_rest
                .chars()
                .take_while(|c| is_login_char(*c) || *c == '_')
                .collect();
            if !team.is_empty() {
                teams.insert(format!("{}/{}", login.to_lowercase(), team.to_lowercase()));
                continue;
            }
        }
        users.insert(login.to_lowercase());
    }
    // Host names are case-insensitive (`https://GitHub.com/login`); ASCII
    // lower-casing keeps every byte offset, so the match indexes `text` too.
    let lower = text.to_ascii_lowercase();
    for (i, m) in lower.match_indices("github.com/") {
        let rest = &text[i + m.len()..];
        let login: String = rest.chars().take_while(|c| is_login_char(*c)).collect();
        let after = rest[login.len()..].chars().next();
        // a profile link, not a link into a repository
        if valid_login(&login) && !matches!(after, Some('/')) {
            users.insert(login.to_lowercase());
        }
    }
    Declared {
        users: users.into_iter().collect(),
        teams: teams.into_iter().collect(),
        emails: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codeowners_users_teams_and_emails_are_kept_apart() {
        let text = "# owners\n*       @Global-Owner1 @global-owner2\n*.js    @js-owner # js\n\
                    *.go docs@example.com\n*.txt @octo-org/octocats\n/apps/github\n";
        let d = parse_codeowners(text);
        assert_eq!(d.users, ["global-owner1", "global-owner2", "js-owner"]);
        assert_eq!(d.teams, ["octo-org/octocats"]);
        assert_eq!(d.emails, ["docs@example.com"]);
    }

    #[test]
    fn team_only_codeowners_has_no_users() {
        let d = parse_codeowners("* @pytorch/ignite-maintainers\n");
        assert!(d.users.is_empty());
        assert_eq!(d.teams, ["pytorch/ignite-maintainers"]);
    }

    #[test]
    fn maintainers_mentions_and_profile_links() {
        let text = "Maintainers\n- Jane Doe (@janedoe)\n- [Ravi](https://github.com/ravi-k)\n\
                    - mail: someone@example.com\n- see https://github.com/org/repo/issues\n\
                    - team @org/core\n";
        let d = parse_maintainers(text);
        assert_eq!(d.users, ["janedoe", "ravi-k"]);
        assert_eq!(d.teams, ["org/core"]);
    }

    #[test]
    fn profile_links_are_found_in_any_case() {
        let d = parse_maintainers("- [Jane](HTTPS://GitHub.COM/Jane)\n");
        assert_eq!(d.users, ["jane"]);
    }
}

#[cfg(test)]
mod prop;
