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

    /// The documents typed with `graphql_client`, as Rust it generates
    /// (`github/typed.rs`, regenerated and compared by a test of this crate);
    /// the others are assembled or read at run time.
    #[rustfmt::skip]
    pub mod typed;
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
    use std::path::{Path, PathBuf};

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

    /// The operations typed in `github/typed.rs`: (struct, document).
    const TYPED: &[(&str, &str)] = &[
        ("SnapshotRepos", "snapshot_repos"),
        ("RepoFiles", "repo_files"),
        ("CommitHistory", "commit_history"),
        ("MergedPulls", "merged_pulls"),
    ];

    /// What `github/typed.rs` holds above the generated code.
    const TYPED_HEADER: &str = "\
//! The typed GraphQL operations, as `graphql_client`'s code generator writes
//! them for the documents beside this file and `../schema/github.graphql`.
//!
//! Generated: do not edit. After changing a document, regenerate with
//! `TACOMETER_REGENERATE=1 cargo test -p tacometer-queries` (the crate's test
//! fails while this file differs from what the documents generate).
#![allow(missing_docs, unused, nonstandard_style, clippy::all, clippy::unwrap_used)]

/// GitHub's `DateTime` scalar as chrono.
pub type DateTime = chrono::DateTime<chrono::Utc>;
/// GitHub's `URI` scalar.
#[allow(clippy::upper_case_acronyms)]
pub type URI = String;
/// GitHub's `GitObjectID` scalar (a SHA).
pub type GitObjectID = String;
/// GitHub's `GitTimestamp` scalar (ISO 8601 text).
pub type GitTimestamp = String;

";

    fn generate_typed() -> String {
        use graphql_client_codegen::{
            CodegenMode, GraphQLClientCodegenOptions, generate_module_token_stream,
        };
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let schema = root.join("schema/github.graphql");
        let mut items = Vec::new();
        for (name, document) in TYPED {
            let mut options = GraphQLClientCodegenOptions::new(CodegenMode::Cli);
            options.set_operation_name((*name).to_owned());
            options.set_struct_name((*name).to_owned());
            options.set_response_derives("Debug, Clone".to_owned());
            options.set_module_visibility(syn::parse_quote!(pub));
            let path: PathBuf = root.join("github").join(format!("{document}.graphql"));
            let tokens = generate_module_token_stream(path.clone(), &schema, options)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let file: syn::File = syn::parse2(tokens).unwrap_or_else(|e| {
                panic!("{}: generated code does not parse: {e}", path.display())
            });
            items.extend(file.items);
        }
        let file = syn::File {
            shebang: None,
            attrs: Vec::new(),
            items,
        };
        format!("{TYPED_HEADER}{}", prettyplease::unparse(&file))
    }

    #[test]
    fn typed_rs_is_what_the_documents_generate() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("github/typed.rs");
        let generated = generate_typed();
        if std::env::var_os("TACOMETER_REGENERATE").is_some() {
            std::fs::write(&path, &generated).expect("write github/typed.rs");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} differs from what the documents generate; regenerate it with \
             `TACOMETER_REGENERATE=1 cargo test -p tacometer-queries` and commit it",
            path.display()
        );
    }
}
