//! From GitHub's answers (the types `graphql_client` generates, REST JSON) to
//! the records the store writes. Pure functions: no I/O, tested on JSON
//! fixtures shaped like GitHub's answers.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::github::{RunJson, q};
use crate::codeowners::{CODEOWNERS_PATHS, parse_codeowners, parse_maintainers};
use crate::identity::{identity, is_bot};
use crate::store::write::{CiRun, CommitAuthor, CommitRecord, ReleaseRecord, RepoSnapshot};

/// Layout files looked for (root, `.github/`, `docs/`), by name prefix, lower case.
const LAYOUT_PREFIXES: &[&str] = &[
    "license",
    "licence",
    "copying",
    "readme",
    "contributing",
    "codeowners",
    "code_of_conduct",
    "code-of-conduct",
    "governance",
    "maintainers",
    "security",
];

/// Community files GitHub takes from the owner's `.github` repository for a
/// repository without its own, and that requirements look at, by name prefix,
/// lower case.
const OWNER_DEFAULT_PREFIXES: &[&str] = &[
    "contributing",
    "code_of_conduct",
    "code-of-conduct",
    "governance",
];

/// How a file of the owner's `.github` repository is listed among a
/// snapshot's `layout_files`: `<owner>/.github:<path>` (a `:` no layout path
/// of the repository itself has), e.g. `pytorch/.github:CONTRIBUTING.md`.
pub fn owner_default_entry(defaults_repo: &str, path: &str) -> String {
    format!("{defaults_repo}:{path}")
}

/// The entry names of one of the snapshot's tree objects (graphql_client generates
/// one type per alias, so a macro rather than a function).
macro_rules! tree_names {
    ($field:expr, $ty:ident) => {
        $field.as_ref().and_then(|t| match t {
            q::snapshot_repos::$ty::Tree(t) => Some(
                t.entries
                    .iter()
                    .flatten()
                    .map(|e| e.name.clone())
                    .collect::<Vec<String>>(),
            ),
            _ => None,
        })
    };
}

/// The default branch's head as a snapshot sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// Branch name.
    pub branch: Option<String>,
    /// Head commit.
    pub oid: Option<String>,
    /// Its committer date.
    pub committed_at: Option<DateTime<Utc>>,
}

/// A repository node of `SnapshotRepos`, mapped: its snapshot (without the
/// file contents, which a separate query reads), its head, and its releases.
pub fn snapshot(
    repo: &q::snapshot_repos::SnapshotReposNodesOnRepository,
) -> (RepoSnapshot, Head, Vec<ReleaseRecord>) {
    use q::snapshot_repos as s;
    let (head, head_state) = match &repo.default_branch_ref {
        Some(b) => match &b.target {
            Some(s::SnapshotReposNodesOnRepositoryDefaultBranchRefTarget::Commit(c)) => (
                Head {
                    branch: Some(b.name.clone()),
                    oid: Some(c.oid.clone()),
                    committed_at: Some(c.committed_date),
                },
                c.status_check_rollup
                    .as_ref()
                    .map(|r| format!("{:?}", r.state).to_lowercase()),
            ),
            _ => (
                Head {
                    branch: Some(b.name.clone()),
                    ..Head::default()
                },
                None,
            ),
        },
        None => (Head::default(), None),
    };
    let mut layout: BTreeSet<String> = layout_files(
        &tree_names!(repo.root_tree, SnapshotReposNodesOnRepositoryRootTree).unwrap_or_default(),
        &tree_names!(repo.github_tree, SnapshotReposNodesOnRepositoryGithubTree)
            .unwrap_or_default(),
        &tree_names!(repo.docs_tree, SnapshotReposNodesOnRepositoryDocsTree).unwrap_or_default(),
    )
    .into_iter()
    .collect();
    if let Some(d) = repo.owner.owner_defaults.as_ref()
        && !d
            .name_with_owner
            .eq_ignore_ascii_case(&repo.name_with_owner)
    {
        for (prefix, entries) in [
            (
                "",
                tree_names!(
                    d.root_tree,
                    SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsRootTree
                ),
            ),
            (
                ".github/",
                tree_names!(
                    d.github_tree,
                    SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsGithubTree
                ),
            ),
            (
                "docs/",
                tree_names!(
                    d.docs_tree,
                    SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsDocsTree
                ),
            ),
        ] {
            for name in entries.unwrap_or_default() {
                let lower = name.to_lowercase();
                if OWNER_DEFAULT_PREFIXES.iter().any(|p| lower.starts_with(p)) {
                    layout.insert(owner_default_entry(
                        &d.name_with_owner,
                        &format!("{prefix}{name}"),
                    ));
                }
            }
        }
    }
    let layout_files: Vec<String> = layout.into_iter().collect();
    let governance_path = governance_path(&layout_files);
    let snap = RepoSnapshot {
        node_id: repo.id.clone(),
        database_id: repo.database_id,
        name_with_owner: repo.name_with_owner.clone(),
        stars: repo.stargazer_count,
        forks: repo.fork_count,
        is_archived: repo.is_archived,
        is_fork: repo.is_fork,
        is_empty: repo.is_empty,
        default_branch: head.branch.clone(),
        head_oid: head.oid.clone(),
        head_committed_at: head.committed_at,
        pushed_at: repo.pushed_at,
        license_spdx: repo.license_info.as_ref().and_then(|l| l.spdx_id.clone()),
        license_key: repo.license_info.as_ref().map(|l| l.key.clone()),
        layout_files,
        governance_path,
        ci_head_state: head_state,
        ..RepoSnapshot::default()
    };
    let releases = repo
        .releases
        .nodes
        .clone()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .filter(|r| !r.is_draft)
        .map(|r| ReleaseRecord {
            version: r.tag_name,
            released_at: r.published_at.or(Some(r.created_at)),
            is_prerelease: Some(r.is_prerelease),
            yanked: false,
            has_binary: false,
            has_sdist: false,
            requires_torch: None,
        })
        .collect();
    (snap, head, releases)
}

/// Keeps the file-derived fields of an earlier snapshot (the head did not
/// move, so CODEOWNERS, MAINTAINERS and the README did not change).
pub fn keep_files(snap: &mut RepoSnapshot, prev: &RepoSnapshot) {
    snap.codeowners_path = prev.codeowners_path.clone();
    snap.codeowners_users = prev.codeowners_users.clone();
    snap.codeowners_teams = prev.codeowners_teams.clone();
    snap.codeowners_emails = prev.codeowners_emails.clone();
    snap.maintainers_path = prev.maintainers_path.clone();
    snap.maintainers_users = prev.maintainers_users.clone();
    if prev.governance_path.is_some() {
        snap.governance_path = prev.governance_path.clone();
    }
    snap.readme_governance = prev.readme_governance;
}

/// One commit of a history page: the commit with its authors (identity and
/// bot rules applied), and the CI contexts (check runs, commit statuses) of it.
pub fn commit(c: q::commit_history::HistoryCommit, bots: &[String]) -> (CommitRecord, Vec<CiRun>) {
    use q::commit_history as h;
    let authors = c
        .authors
        .nodes
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .map(|a| {
            let login = a.user.map(|u| u.login);
            let id = identity(login.as_deref(), a.email.as_deref(), a.name.as_deref());
            CommitAuthor {
                is_bot: is_bot(&id, bots),
                name: a.name,
                email: a.email,
                login,
                identity: id,
            }
        })
        .collect();
    let mut ci = Vec::new();
    if let Some(rollup) = c.status_check_rollup {
        for ctx in rollup
            .contexts
            .nodes
            .unwrap_or_default()
            .into_iter()
            .flatten()
        {
            use h::HistoryCommitStatusCheckRollupContextsNodes as Ctx;
            match ctx {
                Ctx::CheckRun(r) => ci.push(CiRun {
                    run_key: format!("check:{}:{}", c.oid, r.name),
                    provider: "check".into(),
                    name: Some(r.name),
                    head_sha: Some(c.oid.clone()),
                    branch: None,
                    event: None,
                    status: Some(format!("{:?}", r.status).to_lowercase()),
                    conclusion: r.conclusion.map(|x| format!("{x:?}").to_lowercase()),
                    created_at: r.started_at.unwrap_or(c.committed_date),
                    updated_at: r.completed_at,
                    url: None,
                }),
                Ctx::StatusContext(s) => {
                    let state = format!("{:?}", s.state).to_lowercase();
                    let done = state != "pending" && state != "expected";
                    ci.push(CiRun {
                        run_key: format!("status:{}:{}", c.oid, s.context),
                        provider: "status".into(),
                        name: Some(s.context),
                        head_sha: Some(c.oid.clone()),
                        branch: None,
                        event: None,
                        status: Some(if done {
                            "completed".into()
                        } else {
                            "pending".into()
                        }),
                        conclusion: done.then_some(state),
                        created_at: s.created_at,
                        updated_at: None,
                        url: s.target_url,
                    });
                }
            }
        }
    }
    let record = CommitRecord {
        sha: c.oid,
        committed_at: c.committed_date,
        authored_at: c.authored_date,
        parent_count: c.parents.total_count as i32,
        authors,
    };
    (record, ci)
}

/// An Actions workflow run from the REST API.
pub fn workflow_run(r: RunJson) -> CiRun {
    CiRun {
        run_key: format!("actions:{}", r.id),
        provider: "actions".into(),
        name: r.name,
        head_sha: r.head_sha,
        branch: r.head_branch,
        event: r.event,
        status: r.status,
        conclusion: r.conclusion,
        created_at: r.created_at,
        updated_at: r.updated_at,
        url: r.html_url,
    }
}

/// The layout files among the entry names of the root, `.github/` and
/// `docs/` trees, as paths, sorted.
pub fn layout_files(root: &[String], github: &[String], docs: &[String]) -> Vec<String> {
    let mut layout = BTreeSet::new();
    for (prefix, names) in [("", root), (".github/", github), ("docs/", docs)] {
        for name in names {
            let lower = name.to_lowercase();
            if LAYOUT_PREFIXES.iter().any(|p| lower.starts_with(p)) {
                layout.insert(format!("{prefix}{name}"));
            }
        }
    }
    layout.into_iter().collect()
}

/// The repository's own GOVERNANCE file among its layout files, if any.
pub fn governance_path(layout_files: &[String]) -> Option<String> {
    layout_files
        .iter()
        .filter(|f| !f.contains(':'))
        .find(|f| {
            f.to_lowercase()
                .rsplit('/')
                .next()
                .is_some_and(|n| n.starts_with("governance"))
        })
        .cloned()
}

/// The texts of the files that declare maintainers and governance, as one
/// commit holds them (`None`: absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileTexts {
    /// CODEOWNERS in the order of [`CODEOWNERS_PATHS`].
    pub codeowners: [Option<String>; 3],
    /// `MAINTAINERS`, then `MAINTAINERS.md`.
    pub maintainers: [Option<String>; 2],
    /// `README.md`.
    pub readme: Option<String>,
}

/// What the file texts declare, written into the file-derived fields of a
/// snapshot: the first CODEOWNERS found (GitHub's order), the first
/// MAINTAINERS file, and whether the README links a governance section.
pub fn apply_texts(texts: &FileTexts, snap: &mut RepoSnapshot) {
    let codeowners = CODEOWNERS_PATHS.iter().zip(&texts.codeowners);
    if let Some((path, Some(body))) = codeowners.into_iter().find(|(_, t)| t.is_some()) {
        let d = parse_codeowners(body);
        snap.codeowners_path = Some((*path).to_string());
        snap.codeowners_users = d.users;
        snap.codeowners_teams = d.teams;
        snap.codeowners_emails = d.emails;
    }
    let maintainers = ["MAINTAINERS", "MAINTAINERS.md"]
        .into_iter()
        .zip(&texts.maintainers);
    if let Some((path, Some(body))) = maintainers.into_iter().find(|(_, t)| t.is_some()) {
        snap.maintainers_path = Some(path.to_string());
        snap.maintainers_users = parse_maintainers(body).users;
    }
    if let Some(readme) = &texts.readme {
        snap.readme_governance = readme_links_governance(readme);
    }
}

/// Whether a README links to (or has a section on) governance.
pub fn readme_links_governance(readme: &str) -> bool {
    readme.lines().any(|l| {
        let lower = l.to_lowercase();
        lower.contains("governance")
            && (lower.contains("](") || lower.trim_start().starts_with('#'))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn history_commit(json: serde_json::Value) -> q::commit_history::HistoryCommit {
        serde_json::from_value(json).expect("fixture parses as HistoryCommit")
    }

    #[test]
    fn commit_maps_authors_coauthors_bots_and_contexts() {
        let c = history_commit(serde_json::json!({
            "oid": "abc123",
            "committedDate": "2026-11-01T10:00:00Z",
            "authoredDate": "2026-10-31T09:00:00Z",
            "parents": {"totalCount": 2},
            "authors": {"nodes": [
                {"name": "Alice", "email": "alice@example.org", "user": {"login": "alice"}},
                {"name": "Bob", "email": "12345+bob@users.noreply.github.com", "user": null},
                {"name": "Dependabot", "email": "x@example.org", "user": {"login": "dependabot[bot]"}},
                {"name": "Carol", "email": "Carol@Example.org", "user": null}
            ]},
            "statusCheckRollup": {"state": "FAILURE", "contexts": {"nodes": [
                {"__typename": "CheckRun", "name": "build", "status": "COMPLETED",
                 "conclusion": "FAILURE", "startedAt": "2026-11-01T10:01:00Z",
                 "completedAt": "2026-11-01T10:09:00Z"},
                {"__typename": "StatusContext", "context": "buildkite/ci", "state": "PENDING",
                 "createdAt": "2026-11-01T10:02:00Z", "targetUrl": "https://ci.example.org/1"}
            ]}}
        }));
        let (rec, ci) = commit(c, &["pytorchbot".to_string()]);
        assert_eq!(rec.sha, "abc123");
        assert_eq!(rec.parent_count, 2);
        assert_eq!(rec.committed_at.to_rfc3339(), "2026-11-01T10:00:00+00:00");
        let ids: Vec<(&str, bool)> = rec
            .authors
            .iter()
            .map(|a| (a.identity.as_str(), a.is_bot))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("alice", false),
                ("bob", false),
                ("dependabot[bot]", true),
                ("carol@example.org", false)
            ]
        );
        assert_eq!(ci.len(), 2);
        assert_eq!(ci[0].run_key, "check:abc123:build");
        assert_eq!(ci[0].conclusion.as_deref(), Some("failure"));
        assert_eq!(ci[1].run_key, "status:abc123:buildkite/ci");
        assert_eq!(ci[1].status.as_deref(), Some("pending"));
        assert_eq!(ci[1].conclusion, None);
    }

    #[test]
    fn snapshot_maps_layout_head_license_and_releases() {
        let repo: q::snapshot_repos::SnapshotReposNodesOnRepository =
            serde_json::from_value(serde_json::json!({
                "id": "R_1", "databaseId": 7, "nameWithOwner": "o/r",
                "stargazerCount": 250, "forkCount": 3, "isArchived": false,
                "isFork": false, "isEmpty": false, "pushedAt": "2026-11-01T00:00:00Z",
                "licenseInfo": {"spdxId": "BSD-3-Clause", "key": "bsd-3-clause"},
                "defaultBranchRef": {"name": "main", "target": {"__typename": "Commit",
                    "oid": "h1", "committedDate": "2026-11-01T10:00:00Z",
                    "statusCheckRollup": {"state": "SUCCESS"}}},
                "rootTree": {"__typename": "Tree", "entries": [
                    {"name": "README.md", "type": "blob"}, {"name": "setup.py", "type": "blob"}, {"name": "LICENSE", "type": "blob"},
                    {"name": "GOVERNANCE.md", "type": "blob"}]},
                "githubTree": {"__typename": "Tree", "entries": [{"name": "CODEOWNERS", "type": "blob"}]},
                "docsTree": null,
                "owner": {"__typename": "Organization", "login": "o", "ownerDefaults": {"nameWithOwner": "o/.github",
                    "rootTree": {"__typename": "Tree", "entries": [
                        {"name": "CONTRIBUTING.md", "type": "blob"}, {"name": "README.md", "type": "blob"},
                        {"name": "profile", "type": "tree"}]},
                    "githubTree": null,
                    "docsTree": {"__typename": "Tree", "entries": [{"name": "GOVERNANCE.md", "type": "blob"}]}}},
                "releases": {"nodes": [
                    {"tagName": "v1.0", "isDraft": false, "isPrerelease": false,
                     "publishedAt": "2026-10-01T00:00:00Z", "createdAt": "2026-09-30T00:00:00Z"},
                    {"tagName": "v2.0-draft", "isDraft": true, "isPrerelease": false,
                     "publishedAt": null, "createdAt": "2026-10-30T00:00:00Z"}
                ]}
            }))
            .expect("fixture parses as a repository node");
        let (snap, head, releases) = snapshot(&repo);
        assert_eq!(head.oid.as_deref(), Some("h1"));
        assert_eq!(head.branch.as_deref(), Some("main"));
        assert_eq!(snap.stars, 250);
        assert_eq!(snap.license_spdx.as_deref(), Some("BSD-3-Clause"));
        assert_eq!(
            snap.layout_files,
            vec![
                ".github/CODEOWNERS",
                "GOVERNANCE.md",
                "LICENSE",
                "README.md",
                "o/.github:CONTRIBUTING.md",
                "o/.github:docs/GOVERNANCE.md",
            ],
            "the owner's .github repository's community files, named by their source"
        );
        assert_eq!(snap.governance_path.as_deref(), Some("GOVERNANCE.md"));
        assert_eq!(snap.ci_head_state.as_deref(), Some("success"));
        assert_eq!(releases.len(), 1, "drafts are not releases");
        assert_eq!(releases[0].version, "v1.0");
        let mut defaults_repo = repo.clone();
        defaults_repo.name_with_owner = "O/.github".into();
        assert!(
            !snapshot(&defaults_repo)
                .0
                .layout_files
                .iter()
                .any(|f| f.contains(':')),
            "the .github repository's files are its own"
        );
        let mut no_defaults = repo;
        no_defaults.owner.owner_defaults = None;
        assert_eq!(snapshot(&no_defaults).0.layout_files.len(), 4);
    }

    #[test]
    fn governance_links_in_readme() {
        assert!(readme_links_governance(
            "See [our governance](GOVERNANCE.md)."
        ));
        assert!(readme_links_governance("## Governance\nWe vote."));
        assert!(!readme_links_governance("No governance here."));
    }
}
