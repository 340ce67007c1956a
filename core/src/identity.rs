//! Who a commit author is, and whether it is a bot.
//!
//! The TAC counts people, not email addresses, so one person committing from a
//! laptop and through GitHub's web editor must count once. The rule: the GitHub
//! login when the commit author is linked to a user; else a GitHub noreply
//! address (`12345+login@users.noreply.github.com` or
//! `login@users.noreply.github.com`) stands for that login; else the lower-cased
//! email. Logins compare case-insensitively on GitHub, so they are lower-cased too.

/// The identity of a commit author or co-author.
pub fn identity(login: Option<&str>, email: Option<&str>, name: Option<&str>) -> String {
    if let Some(login) = login.map(str::trim).filter(|l| !l.is_empty()) {
        return login.to_lowercase();
    }
    if let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()) {
        let lower = email.to_lowercase();
        if let Some(login) = noreply_login(&lower) {
            return login;
        }
        return lower;
    }
    // Neither login nor email: fall back to the name so the commit is not dropped.
    format!("name:{}", name.unwrap_or("").trim().to_lowercase())
}

/// The login behind a GitHub noreply address, if it is one.
pub fn noreply_login(email: &str) -> Option<String> {
    let local = email
        .to_lowercase()
        .strip_suffix("@users.noreply.github.com")?
        .to_string();
    let login = match local.split_once('+') {
        Some((id, login)) if id.chars().all(|c| c.is_ascii_digit()) => login.to_string(),
        Some(_) => return None,
        None => local,
    };
    (!login.is_empty()).then_some(login)
}

/// Whether an identity is a bot: a login ending in `[bot]`, or one of the configured bots.
pub fn is_bot(identity: &str, configured: &[String]) -> bool {
    let id = identity.to_lowercase();
    id.ends_with("[bot]") || configured.iter().any(|b| b.to_lowercase() == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_login_wins_then_noreply_then_email() {
        assert_eq!(identity(Some("Alice"), Some("a@x.org"), Some("A")), "alice");
        assert_eq!(
            identity(None, Some("12345+Bob@users.noreply.github.com"), None),
            "bob"
        );
        assert_eq!(
            identity(None, Some("carol@users.noreply.github.com"), None),
            "carol"
        );
        assert_eq!(
            identity(None, Some("Dave@Example.COM"), None),
            "dave@example.com"
        );
        assert_eq!(identity(None, None, Some("Eve")), "name:eve");
        assert_eq!(identity(Some(""), Some("x@y.z"), None), "x@y.z");
    }

    #[test]
    fn noreply_forms() {
        assert_eq!(
            noreply_login("1+a@users.noreply.github.com").as_deref(),
            Some("a")
        );
        assert_eq!(noreply_login("a+b@users.noreply.github.com"), None);
        assert_eq!(noreply_login("a@example.com"), None);
    }

    #[test]
    fn bots_by_suffix_and_by_list() {
        let list = vec!["pytorchbot".to_string(), "facebook-github-bot".to_string()];
        assert!(is_bot("dependabot[bot]", &list));
        assert!(is_bot(
            &identity(
                None,
                Some("49699333+dependabot[bot]@users.noreply.github.com"),
                None
            ),
            &list
        ));
        assert!(is_bot("PyTorchBot", &list));
        assert!(!is_bot("robot-fan", &list));
    }
}

#[cfg(test)]
mod prop;
