//! What tacometer sends and runs, kept out of Rust code: the GraphQL
//! documents it sends to GitHub (`github/`), the subset of GitHub's schema
//! they are typed against (`schema/github.graphql`) and the named SQL it runs
//! over its history (`sql/`).
//!
//! The files live in a crate of their own so that every crate using them
//! (`tacometer-core`, the fake upstream and its tests) can be packaged: a
//! crate may only include files under its own directory. Each file is a
//! const here, named after it; [`github::DOCUMENTS`] and [`sql::ALL`] list
//! them all, and a test holds the lists to the directories.

/// `NAME = "file stem",` lines to consts embedding `<dir>/<file stem><ext>`,
/// plus `ALL`, every file as (file name, text).
macro_rules! files {
    ($dir:literal, $ext:literal: $($(#[$doc:meta])* $name:ident = $file:literal,)*) => {
        $($(#[$doc])* pub const $name: &str = include_str!(concat!($dir, "/", $file, $ext));)*
        /// Every file of the directory, as (file name, text), in file name order.
        pub const ALL: &[(&str, &str)] = &[$((concat!($file, $ext), $name),)*];
    };
}

/// GitHub's GraphQL: the documents and the schema they are typed against.
pub mod github {
    /// The subset of GitHub's public GraphQL schema the documents use: the
    /// fake upstream serves exactly it, and the documents are typed against it.
    pub const SCHEMA: &str = include_str!("schema/github.graphql");

    files! {"github", ".graphql":
        /// `github/commit_history.graphql`: one page of history from a fixed commit, with every author and the CI contexts.
        COMMIT_HISTORY = "commit_history",
        /// `github/find_repos.graphql`: owner/name to node id, one aliased fragment per repository.
        FIND_REPOS = "find_repos",
        /// `github/merged_pulls.graphql`: recently merged pull requests and who merged them.
        MERGED_PULLS = "merged_pulls",
        /// `github/repo_files.graphql`: the texts of the files that declare maintainers and governance.
        REPO_FILES = "repo_files",
        /// `github/snapshot_repos.graphql`: the state of up to 100 repositories by node id, in one request.
        SNAPSHOT_REPOS = "snapshot_repos",
        /// `github/stargazers.graphql`: one page of stargazers, newest first, with when each starred.
        STARGAZERS = "stargazers",
        /// `github/tree_at.graphql`: the tree of one past commit (layout files, owners, governance).
        TREE_AT = "tree_at",
    }

    /// Every document, as (file name, text): what the schema-agreement tests check.
    pub const DOCUMENTS: &[(&str, &str)] = ALL;

    /// The documents typed with `graphql_client` (the others are assembled or
    /// read at run time).
    #[allow(missing_docs, clippy::all)]
    pub mod typed {
        use graphql_client::GraphQLQuery;

        /// GitHub's `DateTime` scalar as chrono.
        pub type DateTime = chrono::DateTime<chrono::Utc>;
        /// GitHub's `URI` scalar.
        #[allow(clippy::upper_case_acronyms)]
        pub type URI = String;
        /// GitHub's `GitObjectID` scalar (a SHA).
        pub type GitObjectID = String;
        /// GitHub's `GitTimestamp` scalar (ISO 8601 text).
        pub type GitTimestamp = String;

        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "schema/github.graphql",
            query_path = "github/snapshot_repos.graphql",
            response_derives = "Debug, Clone"
        )]
        pub struct SnapshotRepos;

        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "schema/github.graphql",
            query_path = "github/repo_files.graphql",
            response_derives = "Debug, Clone"
        )]
        pub struct RepoFiles;

        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "schema/github.graphql",
            query_path = "github/commit_history.graphql",
            response_derives = "Debug, Clone"
        )]
        pub struct CommitHistory;

        #[derive(GraphQLQuery)]
        #[graphql(
            schema_path = "schema/github.graphql",
            query_path = "github/merged_pulls.graphql",
            response_derives = "Debug, Clone"
        )]
        pub struct MergedPulls;
    }
}

/// Named SQL over the history. Requirement queries start from the
/// `probes.sql` prelude, so one query answers a batch of (project, as-of)
/// probes.
pub mod sql {
    files! {"sql", ".sql":
        /// `sql/ci_head.sql`.
        CI_HEAD = "ci_head",
        /// `sql/ci_list.sql`.
        CI_LIST = "ci_list",
        /// `sql/ci_window.sql`.
        CI_WINDOW = "ci_window",
        /// `sql/commit_list.sql`.
        COMMIT_LIST = "commit_list",
        /// `sql/contributor_list.sql`.
        CONTRIBUTOR_LIST = "contributor_list",
        /// `sql/daily_counts.sql`.
        DAILY_COUNTS = "daily_counts",
        /// `sql/email_logins.sql`.
        EMAIL_LOGINS = "email_logins",
        /// `sql/mergers.sql`.
        MERGERS = "mergers",
        /// `sql/package_probes.sql`.
        PACKAGE_PROBES = "package_probes",
        /// `sql/packages.sql`.
        PACKAGES = "packages",
        /// `sql/probes.sql`.
        PROBES = "probes",
        /// `sql/release_list.sql`.
        RELEASE_LIST = "release_list",
        /// `sql/repo_health.sql`.
        REPO_HEALTH = "repo_health",
        /// `sql/repo_names.sql`.
        REPO_NAMES = "repo_names",
        /// `sql/review_changes.sql`.
        REVIEW_CHANGES = "review_changes",
        /// `sql/snapshot.sql`.
        SNAPSHOT = "snapshot",
        /// `sql/star_history.sql`.
        STAR_HISTORY = "star_history",
        /// `sql/star_list.sql`.
        STAR_LIST = "star_list",
        /// `sql/torch_releases.sql`.
        TORCH_RELEASES = "torch_releases",
        /// `sql/tree_state.sql`.
        TREE_STATE = "tree_state",
        /// `sql/window_counts.sql`.
        WINDOW_COUNTS = "window_counts",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn files(dir: &str, ext: &str) -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(ext))
            .collect();
        names.sort();
        names
    }

    fn listed(all: &[(&str, &str)]) -> Vec<String> {
        all.iter().map(|(name, _)| (*name).to_owned()).collect()
    }

    #[test]
    fn every_document_and_query_file_is_listed() {
        assert_eq!(
            files("github", ".graphql"),
            listed(super::github::DOCUMENTS)
        );
        assert_eq!(files("sql", ".sql"), listed(super::sql::ALL));
    }
}
