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

pub struct SnapshotRepos;
pub mod snapshot_repos {
    #![allow(dead_code)]
    use std::result::Result;
    pub const OPERATION_NAME: &str = "SnapshotRepos";
    pub const QUERY: &str = "# Point-in-time state of up to 100 repositories by node id, in one request.\n# No nested connection but releases, so a batch of 100 costs about 1 point.\n# `ownerDefaults` is the owner's `.github` repository, whose community files\n# (CONTRIBUTING.md, CODE_OF_CONDUCT.md, GOVERNANCE.md, ...) GitHub shows for\n# every repository of the owner that has none of its own; an owner without one\n# answers null there, with a NOT_FOUND error at that path.\nquery SnapshotRepos($ids: [ID!]!) {\n  rateLimit {\n    cost\n    remaining\n    resetAt\n  }\n  nodes(ids: $ids) {\n    __typename\n    ... on Repository {\n      id\n      databaseId\n      nameWithOwner\n      stargazerCount\n      forkCount\n      isArchived\n      isFork\n      isEmpty\n      pushedAt\n      licenseInfo {\n        spdxId\n        key\n      }\n      defaultBranchRef {\n        name\n        target {\n          __typename\n          ... on Commit {\n            oid\n            committedDate\n            statusCheckRollup {\n              state\n            }\n          }\n        }\n      }\n      releases(first: 10, orderBy: { field: CREATED_AT, direction: DESC }) {\n        nodes {\n          tagName\n          createdAt\n          publishedAt\n          isPrerelease\n          isDraft\n        }\n      }\n      rootTree: object(expression: \"HEAD:\") {\n        __typename\n        ... on Tree {\n          entries {\n            name\n            type\n          }\n        }\n      }\n      githubTree: object(expression: \"HEAD:.github\") {\n        __typename\n        ... on Tree {\n          entries {\n            name\n            type\n          }\n        }\n      }\n      docsTree: object(expression: \"HEAD:docs\") {\n        __typename\n        ... on Tree {\n          entries {\n            name\n            type\n          }\n        }\n      }\n      owner {\n        __typename\n        login\n        ownerDefaults: repository(name: \".github\") {\n          nameWithOwner\n          rootTree: object(expression: \"HEAD:\") {\n            __typename\n            ... on Tree {\n              entries {\n                name\n                type\n              }\n            }\n          }\n          githubTree: object(expression: \"HEAD:.github\") {\n            __typename\n            ... on Tree {\n              entries {\n                name\n                type\n              }\n            }\n          }\n          docsTree: object(expression: \"HEAD:docs\") {\n            __typename\n            ... on Tree {\n              entries {\n                name\n                type\n              }\n            }\n          }\n        }\n      }\n    }\n  }\n}\n";
    use ::serde::{Serialize, Deserialize};
    use super::*;
    #[allow(dead_code)]
    type Boolean = bool;
    #[allow(dead_code)]
    type Float = f64;
    #[allow(dead_code)]
    type Int = i64;
    #[allow(dead_code)]
    type ID = String;
    type DateTime = super::DateTime;
    type GitObjectID = super::GitObjectID;
    #[derive(Clone, Debug)]
    pub enum StatusState {
        ERROR,
        EXPECTED,
        FAILURE,
        PENDING,
        SUCCESS,
        Other(String),
    }
    impl ::serde::Serialize for StatusState {
        fn serialize<S: ::serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
            ser.serialize_str(
                match *self {
                    StatusState::ERROR => "ERROR",
                    StatusState::EXPECTED => "EXPECTED",
                    StatusState::FAILURE => "FAILURE",
                    StatusState::PENDING => "PENDING",
                    StatusState::SUCCESS => "SUCCESS",
                    StatusState::Other(ref s) => &s,
                },
            )
        }
    }
    impl<'de> ::serde::Deserialize<'de> for StatusState {
        fn deserialize<D: ::serde::Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Self, D::Error> {
            let s: String = ::serde::Deserialize::deserialize(deserializer)?;
            match s.as_str() {
                "ERROR" => Ok(StatusState::ERROR),
                "EXPECTED" => Ok(StatusState::EXPECTED),
                "FAILURE" => Ok(StatusState::FAILURE),
                "PENDING" => Ok(StatusState::PENDING),
                "SUCCESS" => Ok(StatusState::SUCCESS),
                _ => Ok(StatusState::Other(s)),
            }
        }
    }
    #[derive(Serialize)]
    #[serde(crate = ":: serde")]
    pub struct Variables {
        pub ids: Vec<ID>,
    }
    impl Variables {}
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct ResponseData {
        #[serde(rename = "rateLimit")]
        pub rate_limit: Option<SnapshotReposRateLimit>,
        pub nodes: Vec<Option<SnapshotReposNodes>>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposRateLimit {
        pub cost: Int,
        pub remaining: Int,
        #[serde(rename = "resetAt")]
        pub reset_at: DateTime,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum SnapshotReposNodes {
        User,
        Organization,
        Bot,
        License,
        Repository(SnapshotReposNodesOnRepository),
        Ref,
        Commit,
        Blob,
        Tree,
        StatusCheckRollup,
        CheckRun,
        StatusContext,
        Release,
        PullRequest,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepository {
        pub id: ID,
        #[serde(rename = "databaseId")]
        pub database_id: Option<Int>,
        #[serde(rename = "nameWithOwner")]
        pub name_with_owner: String,
        #[serde(rename = "stargazerCount")]
        pub stargazer_count: Int,
        #[serde(rename = "forkCount")]
        pub fork_count: Int,
        #[serde(rename = "isArchived")]
        pub is_archived: Boolean,
        #[serde(rename = "isFork")]
        pub is_fork: Boolean,
        #[serde(rename = "isEmpty")]
        pub is_empty: Boolean,
        #[serde(rename = "pushedAt")]
        pub pushed_at: Option<DateTime>,
        #[serde(rename = "licenseInfo")]
        pub license_info: Option<SnapshotReposNodesOnRepositoryLicenseInfo>,
        #[serde(rename = "defaultBranchRef")]
        pub default_branch_ref: Option<SnapshotReposNodesOnRepositoryDefaultBranchRef>,
        pub releases: SnapshotReposNodesOnRepositoryReleases,
        #[serde(rename = "rootTree")]
        pub root_tree: Option<SnapshotReposNodesOnRepositoryRootTree>,
        #[serde(rename = "githubTree")]
        pub github_tree: Option<SnapshotReposNodesOnRepositoryGithubTree>,
        #[serde(rename = "docsTree")]
        pub docs_tree: Option<SnapshotReposNodesOnRepositoryDocsTree>,
        pub owner: SnapshotReposNodesOnRepositoryOwner,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryLicenseInfo {
        #[serde(rename = "spdxId")]
        pub spdx_id: Option<String>,
        pub key: String,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryDefaultBranchRef {
        pub name: String,
        pub target: Option<SnapshotReposNodesOnRepositoryDefaultBranchRefTarget>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum SnapshotReposNodesOnRepositoryDefaultBranchRefTarget {
        Commit(SnapshotReposNodesOnRepositoryDefaultBranchRefTargetOnCommit),
        Blob,
        Tree,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryDefaultBranchRefTargetOnCommit {
        pub oid: GitObjectID,
        #[serde(rename = "committedDate")]
        pub committed_date: DateTime,
        #[serde(rename = "statusCheckRollup")]
        pub status_check_rollup: Option<
            SnapshotReposNodesOnRepositoryDefaultBranchRefTargetOnCommitStatusCheckRollup,
        >,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryDefaultBranchRefTargetOnCommitStatusCheckRollup {
        pub state: StatusState,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryReleases {
        pub nodes: Option<Vec<Option<SnapshotReposNodesOnRepositoryReleasesNodes>>>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryReleasesNodes {
        #[serde(rename = "tagName")]
        pub tag_name: String,
        #[serde(rename = "createdAt")]
        pub created_at: DateTime,
        #[serde(rename = "publishedAt")]
        pub published_at: Option<DateTime>,
        #[serde(rename = "isPrerelease")]
        pub is_prerelease: Boolean,
        #[serde(rename = "isDraft")]
        pub is_draft: Boolean,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum SnapshotReposNodesOnRepositoryRootTree {
        Commit,
        Blob,
        Tree(SnapshotReposNodesOnRepositoryRootTreeOnTree),
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryRootTreeOnTree {
        pub entries: Option<Vec<SnapshotReposNodesOnRepositoryRootTreeOnTreeEntries>>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryRootTreeOnTreeEntries {
        pub name: String,
        #[serde(rename = "type")]
        pub type_: String,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum SnapshotReposNodesOnRepositoryGithubTree {
        Commit,
        Blob,
        Tree(SnapshotReposNodesOnRepositoryGithubTreeOnTree),
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryGithubTreeOnTree {
        pub entries: Option<Vec<SnapshotReposNodesOnRepositoryGithubTreeOnTreeEntries>>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryGithubTreeOnTreeEntries {
        pub name: String,
        #[serde(rename = "type")]
        pub type_: String,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum SnapshotReposNodesOnRepositoryDocsTree {
        Commit,
        Blob,
        Tree(SnapshotReposNodesOnRepositoryDocsTreeOnTree),
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryDocsTreeOnTree {
        pub entries: Option<Vec<SnapshotReposNodesOnRepositoryDocsTreeOnTreeEntries>>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryDocsTreeOnTreeEntries {
        pub name: String,
        #[serde(rename = "type")]
        pub type_: String,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryOwner {
        pub login: String,
        #[serde(rename = "ownerDefaults")]
        pub owner_defaults: Option<SnapshotReposNodesOnRepositoryOwnerOwnerDefaults>,
        #[serde(flatten)]
        pub on: SnapshotReposNodesOnRepositoryOwnerOn,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum SnapshotReposNodesOnRepositoryOwnerOn {
        User,
        Organization,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryOwnerOwnerDefaults {
        #[serde(rename = "nameWithOwner")]
        pub name_with_owner: String,
        #[serde(rename = "rootTree")]
        pub root_tree: Option<SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsRootTree>,
        #[serde(rename = "githubTree")]
        pub github_tree: Option<
            SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsGithubTree,
        >,
        #[serde(rename = "docsTree")]
        pub docs_tree: Option<SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsDocsTree>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsRootTree {
        Commit,
        Blob,
        Tree(SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsRootTreeOnTree),
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsRootTreeOnTree {
        pub entries: Option<
            Vec<SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsRootTreeOnTreeEntries>,
        >,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsRootTreeOnTreeEntries {
        pub name: String,
        #[serde(rename = "type")]
        pub type_: String,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsGithubTree {
        Commit,
        Blob,
        Tree(SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsGithubTreeOnTree),
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsGithubTreeOnTree {
        pub entries: Option<
            Vec<SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsGithubTreeOnTreeEntries>,
        >,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsGithubTreeOnTreeEntries {
        pub name: String,
        #[serde(rename = "type")]
        pub type_: String,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsDocsTree {
        Commit,
        Blob,
        Tree(SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsDocsTreeOnTree),
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsDocsTreeOnTree {
        pub entries: Option<
            Vec<SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsDocsTreeOnTreeEntries>,
        >,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct SnapshotReposNodesOnRepositoryOwnerOwnerDefaultsDocsTreeOnTreeEntries {
        pub name: String,
        #[serde(rename = "type")]
        pub type_: String,
    }
}
impl graphql_client::GraphQLQuery for SnapshotRepos {
    type Variables = snapshot_repos::Variables;
    type ResponseData = snapshot_repos::ResponseData;
    fn build_query(
        variables: Self::Variables,
    ) -> graphql_client::QueryBody<Self::Variables> {
        graphql_client::QueryBody {
            variables,
            query: snapshot_repos::QUERY,
            operation_name: snapshot_repos::OPERATION_NAME,
        }
    }
}
pub struct RepoFiles;
pub mod repo_files {
    #![allow(dead_code)]
    use std::result::Result;
    pub const OPERATION_NAME: &str = "RepoFiles";
    pub const QUERY: &str = "# The text of the files that declare maintainers and governance, fetched only\n# when a repository's head moved. Absent files come back as null.\nquery RepoFiles($id: ID!) {\n  node(id: $id) {\n    __typename\n    ... on Repository {\n      codeownersGithub: object(expression: \"HEAD:.github/CODEOWNERS\") {\n        ...BlobText\n      }\n      codeownersRoot: object(expression: \"HEAD:CODEOWNERS\") {\n        ...BlobText\n      }\n      codeownersDocs: object(expression: \"HEAD:docs/CODEOWNERS\") {\n        ...BlobText\n      }\n      maintainers: object(expression: \"HEAD:MAINTAINERS\") {\n        ...BlobText\n      }\n      maintainersMd: object(expression: \"HEAD:MAINTAINERS.md\") {\n        ...BlobText\n      }\n      readme: object(expression: \"HEAD:README.md\") {\n        ...BlobText\n      }\n    }\n  }\n}\n\nfragment BlobText on GitObject {\n  __typename\n  ... on Blob {\n    text\n    isTruncated\n  }\n}\n";
    use ::serde::{Serialize, Deserialize};
    use super::*;
    #[allow(dead_code)]
    type Boolean = bool;
    #[allow(dead_code)]
    type Float = f64;
    #[allow(dead_code)]
    type Int = i64;
    #[allow(dead_code)]
    type ID = String;
    #[derive(Serialize)]
    #[serde(crate = ":: serde")]
    pub struct Variables {
        pub id: ID,
    }
    impl Variables {}
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum BlobText {
        Commit,
        Blob(BlobTextOnBlob),
        Tree,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct BlobTextOnBlob {
        pub text: Option<String>,
        #[serde(rename = "isTruncated")]
        pub is_truncated: Boolean,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct ResponseData {
        pub node: Option<RepoFilesNode>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum RepoFilesNode {
        User,
        Organization,
        Bot,
        License,
        Repository(RepoFilesNodeOnRepository),
        Ref,
        Commit,
        Blob,
        Tree,
        StatusCheckRollup,
        CheckRun,
        StatusContext,
        Release,
        PullRequest,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct RepoFilesNodeOnRepository {
        #[serde(rename = "codeownersGithub")]
        pub codeowners_github: Option<RepoFilesNodeOnRepositoryCodeownersGithub>,
        #[serde(rename = "codeownersRoot")]
        pub codeowners_root: Option<RepoFilesNodeOnRepositoryCodeownersRoot>,
        #[serde(rename = "codeownersDocs")]
        pub codeowners_docs: Option<RepoFilesNodeOnRepositoryCodeownersDocs>,
        pub maintainers: Option<RepoFilesNodeOnRepositoryMaintainers>,
        #[serde(rename = "maintainersMd")]
        pub maintainers_md: Option<RepoFilesNodeOnRepositoryMaintainersMd>,
        pub readme: Option<RepoFilesNodeOnRepositoryReadme>,
    }
    pub type RepoFilesNodeOnRepositoryCodeownersGithub = BlobText;
    pub type RepoFilesNodeOnRepositoryCodeownersRoot = BlobText;
    pub type RepoFilesNodeOnRepositoryCodeownersDocs = BlobText;
    pub type RepoFilesNodeOnRepositoryMaintainers = BlobText;
    pub type RepoFilesNodeOnRepositoryMaintainersMd = BlobText;
    pub type RepoFilesNodeOnRepositoryReadme = BlobText;
}
impl graphql_client::GraphQLQuery for RepoFiles {
    type Variables = repo_files::Variables;
    type ResponseData = repo_files::ResponseData;
    fn build_query(
        variables: Self::Variables,
    ) -> graphql_client::QueryBody<Self::Variables> {
        graphql_client::QueryBody {
            variables,
            query: repo_files::QUERY,
            operation_name: repo_files::OPERATION_NAME,
        }
    }
}
pub struct CommitHistory;
pub mod commit_history {
    #![allow(dead_code)]
    use std::result::Result;
    pub const OPERATION_NAME: &str = "CommitHistory";
    pub const QUERY: &str = "# One page of history, newest first, walked from a fixed commit (`oid`: the\n# head when the walk began, so its cursors stay valid while the branch moves),\n# filtered by committer date (since), with every author (git author first,\n# then Co-authored-by) and the CI contexts (check runs and commit statuses) of\n# each commit.\n# Cost per page of N commits: 1 + 3N requests (parents, authors, contexts of\n# each) / 100, rounded: 3 points for 100 commits, 1 point for 49.\nquery CommitHistory(\n  $id: ID!\n  $oid: GitObjectID!\n  $first: Int!\n  $since: GitTimestamp\n  $after: String\n) {\n  rateLimit {\n    cost\n    remaining\n    resetAt\n  }\n  node(id: $id) {\n    __typename\n    ... on Repository {\n      object(oid: $oid) {\n        __typename\n        ... on Commit {\n          history(first: $first, since: $since, after: $after) {\n            pageInfo {\n              hasNextPage\n              endCursor\n            }\n            nodes {\n              ...HistoryCommit\n            }\n          }\n        }\n      }\n    }\n  }\n}\n\nfragment HistoryCommit on Commit {\n  oid\n  committedDate\n  authoredDate\n  parents(first: 1) {\n    totalCount\n  }\n  authors(first: 10) {\n    nodes {\n      name\n      email\n      user {\n        login\n      }\n    }\n  }\n  statusCheckRollup {\n    state\n    contexts(first: 20) {\n      nodes {\n        __typename\n        ... on CheckRun {\n          name\n          status\n          conclusion\n          startedAt\n          completedAt\n        }\n        ... on StatusContext {\n          context\n          state\n          createdAt\n          targetUrl\n        }\n      }\n    }\n  }\n}\n";
    use ::serde::{Serialize, Deserialize};
    use super::*;
    #[allow(dead_code)]
    type Boolean = bool;
    #[allow(dead_code)]
    type Float = f64;
    #[allow(dead_code)]
    type Int = i64;
    #[allow(dead_code)]
    type ID = String;
    type DateTime = super::DateTime;
    type GitObjectID = super::GitObjectID;
    type GitTimestamp = super::GitTimestamp;
    type URI = super::URI;
    #[derive(Clone, Debug)]
    pub enum CheckConclusionState {
        ACTION_REQUIRED,
        CANCELLED,
        FAILURE,
        NEUTRAL,
        SKIPPED,
        STALE,
        STARTUP_FAILURE,
        SUCCESS,
        TIMED_OUT,
        Other(String),
    }
    impl ::serde::Serialize for CheckConclusionState {
        fn serialize<S: ::serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
            ser.serialize_str(
                match *self {
                    CheckConclusionState::ACTION_REQUIRED => "ACTION_REQUIRED",
                    CheckConclusionState::CANCELLED => "CANCELLED",
                    CheckConclusionState::FAILURE => "FAILURE",
                    CheckConclusionState::NEUTRAL => "NEUTRAL",
                    CheckConclusionState::SKIPPED => "SKIPPED",
                    CheckConclusionState::STALE => "STALE",
                    CheckConclusionState::STARTUP_FAILURE => "STARTUP_FAILURE",
                    CheckConclusionState::SUCCESS => "SUCCESS",
                    CheckConclusionState::TIMED_OUT => "TIMED_OUT",
                    CheckConclusionState::Other(ref s) => &s,
                },
            )
        }
    }
    impl<'de> ::serde::Deserialize<'de> for CheckConclusionState {
        fn deserialize<D: ::serde::Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Self, D::Error> {
            let s: String = ::serde::Deserialize::deserialize(deserializer)?;
            match s.as_str() {
                "ACTION_REQUIRED" => Ok(CheckConclusionState::ACTION_REQUIRED),
                "CANCELLED" => Ok(CheckConclusionState::CANCELLED),
                "FAILURE" => Ok(CheckConclusionState::FAILURE),
                "NEUTRAL" => Ok(CheckConclusionState::NEUTRAL),
                "SKIPPED" => Ok(CheckConclusionState::SKIPPED),
                "STALE" => Ok(CheckConclusionState::STALE),
                "STARTUP_FAILURE" => Ok(CheckConclusionState::STARTUP_FAILURE),
                "SUCCESS" => Ok(CheckConclusionState::SUCCESS),
                "TIMED_OUT" => Ok(CheckConclusionState::TIMED_OUT),
                _ => Ok(CheckConclusionState::Other(s)),
            }
        }
    }
    #[derive(Clone, Debug)]
    pub enum CheckStatusState {
        COMPLETED,
        IN_PROGRESS,
        PENDING,
        QUEUED,
        REQUESTED,
        WAITING,
        Other(String),
    }
    impl ::serde::Serialize for CheckStatusState {
        fn serialize<S: ::serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
            ser.serialize_str(
                match *self {
                    CheckStatusState::COMPLETED => "COMPLETED",
                    CheckStatusState::IN_PROGRESS => "IN_PROGRESS",
                    CheckStatusState::PENDING => "PENDING",
                    CheckStatusState::QUEUED => "QUEUED",
                    CheckStatusState::REQUESTED => "REQUESTED",
                    CheckStatusState::WAITING => "WAITING",
                    CheckStatusState::Other(ref s) => &s,
                },
            )
        }
    }
    impl<'de> ::serde::Deserialize<'de> for CheckStatusState {
        fn deserialize<D: ::serde::Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Self, D::Error> {
            let s: String = ::serde::Deserialize::deserialize(deserializer)?;
            match s.as_str() {
                "COMPLETED" => Ok(CheckStatusState::COMPLETED),
                "IN_PROGRESS" => Ok(CheckStatusState::IN_PROGRESS),
                "PENDING" => Ok(CheckStatusState::PENDING),
                "QUEUED" => Ok(CheckStatusState::QUEUED),
                "REQUESTED" => Ok(CheckStatusState::REQUESTED),
                "WAITING" => Ok(CheckStatusState::WAITING),
                _ => Ok(CheckStatusState::Other(s)),
            }
        }
    }
    #[derive(Clone, Debug)]
    pub enum StatusState {
        ERROR,
        EXPECTED,
        FAILURE,
        PENDING,
        SUCCESS,
        Other(String),
    }
    impl ::serde::Serialize for StatusState {
        fn serialize<S: ::serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
            ser.serialize_str(
                match *self {
                    StatusState::ERROR => "ERROR",
                    StatusState::EXPECTED => "EXPECTED",
                    StatusState::FAILURE => "FAILURE",
                    StatusState::PENDING => "PENDING",
                    StatusState::SUCCESS => "SUCCESS",
                    StatusState::Other(ref s) => &s,
                },
            )
        }
    }
    impl<'de> ::serde::Deserialize<'de> for StatusState {
        fn deserialize<D: ::serde::Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Self, D::Error> {
            let s: String = ::serde::Deserialize::deserialize(deserializer)?;
            match s.as_str() {
                "ERROR" => Ok(StatusState::ERROR),
                "EXPECTED" => Ok(StatusState::EXPECTED),
                "FAILURE" => Ok(StatusState::FAILURE),
                "PENDING" => Ok(StatusState::PENDING),
                "SUCCESS" => Ok(StatusState::SUCCESS),
                _ => Ok(StatusState::Other(s)),
            }
        }
    }
    #[derive(Serialize)]
    #[serde(crate = ":: serde")]
    pub struct Variables {
        pub id: ID,
        pub oid: GitObjectID,
        pub first: Int,
        pub since: Option<GitTimestamp>,
        pub after: Option<String>,
    }
    impl Variables {}
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct HistoryCommit {
        pub oid: GitObjectID,
        #[serde(rename = "committedDate")]
        pub committed_date: DateTime,
        #[serde(rename = "authoredDate")]
        pub authored_date: DateTime,
        pub parents: HistoryCommitParents,
        pub authors: HistoryCommitAuthors,
        #[serde(rename = "statusCheckRollup")]
        pub status_check_rollup: Option<HistoryCommitStatusCheckRollup>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct HistoryCommitParents {
        #[serde(rename = "totalCount")]
        pub total_count: Int,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct HistoryCommitAuthors {
        pub nodes: Option<Vec<Option<HistoryCommitAuthorsNodes>>>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct HistoryCommitAuthorsNodes {
        pub name: Option<String>,
        pub email: Option<String>,
        pub user: Option<HistoryCommitAuthorsNodesUser>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct HistoryCommitAuthorsNodesUser {
        pub login: String,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct HistoryCommitStatusCheckRollup {
        pub state: StatusState,
        pub contexts: HistoryCommitStatusCheckRollupContexts,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct HistoryCommitStatusCheckRollupContexts {
        pub nodes: Option<Vec<Option<HistoryCommitStatusCheckRollupContextsNodes>>>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum HistoryCommitStatusCheckRollupContextsNodes {
        CheckRun(HistoryCommitStatusCheckRollupContextsNodesOnCheckRun),
        StatusContext(HistoryCommitStatusCheckRollupContextsNodesOnStatusContext),
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct HistoryCommitStatusCheckRollupContextsNodesOnCheckRun {
        pub name: String,
        pub status: CheckStatusState,
        pub conclusion: Option<CheckConclusionState>,
        #[serde(rename = "startedAt")]
        pub started_at: Option<DateTime>,
        #[serde(rename = "completedAt")]
        pub completed_at: Option<DateTime>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct HistoryCommitStatusCheckRollupContextsNodesOnStatusContext {
        pub context: String,
        pub state: StatusState,
        #[serde(rename = "createdAt")]
        pub created_at: DateTime,
        #[serde(rename = "targetUrl")]
        pub target_url: Option<URI>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct ResponseData {
        #[serde(rename = "rateLimit")]
        pub rate_limit: Option<CommitHistoryRateLimit>,
        pub node: Option<CommitHistoryNode>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct CommitHistoryRateLimit {
        pub cost: Int,
        pub remaining: Int,
        #[serde(rename = "resetAt")]
        pub reset_at: DateTime,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum CommitHistoryNode {
        User,
        Organization,
        Bot,
        License,
        Repository(CommitHistoryNodeOnRepository),
        Ref,
        Commit,
        Blob,
        Tree,
        StatusCheckRollup,
        CheckRun,
        StatusContext,
        Release,
        PullRequest,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct CommitHistoryNodeOnRepository {
        pub object: Option<CommitHistoryNodeOnRepositoryObject>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum CommitHistoryNodeOnRepositoryObject {
        Commit(CommitHistoryNodeOnRepositoryObjectOnCommit),
        Blob,
        Tree,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct CommitHistoryNodeOnRepositoryObjectOnCommit {
        pub history: CommitHistoryNodeOnRepositoryObjectOnCommitHistory,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct CommitHistoryNodeOnRepositoryObjectOnCommitHistory {
        #[serde(rename = "pageInfo")]
        pub page_info: CommitHistoryNodeOnRepositoryObjectOnCommitHistoryPageInfo,
        pub nodes: Option<
            Vec<Option<CommitHistoryNodeOnRepositoryObjectOnCommitHistoryNodes>>,
        >,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct CommitHistoryNodeOnRepositoryObjectOnCommitHistoryPageInfo {
        #[serde(rename = "hasNextPage")]
        pub has_next_page: Boolean,
        #[serde(rename = "endCursor")]
        pub end_cursor: Option<String>,
    }
    pub type CommitHistoryNodeOnRepositoryObjectOnCommitHistoryNodes = HistoryCommit;
}
impl graphql_client::GraphQLQuery for CommitHistory {
    type Variables = commit_history::Variables;
    type ResponseData = commit_history::ResponseData;
    fn build_query(
        variables: Self::Variables,
    ) -> graphql_client::QueryBody<Self::Variables> {
        graphql_client::QueryBody {
            variables,
            query: commit_history::QUERY,
            operation_name: commit_history::OPERATION_NAME,
        }
    }
}
pub struct MergedPulls;
pub mod merged_pulls {
    #![allow(dead_code)]
    use std::result::Result;
    pub const OPERATION_NAME: &str = "MergedPulls";
    pub const QUERY: &str = "# Recently merged pull requests and who merged them (observed maintainers),\n# newest update first; the collector stops paging past the window it needs.\nquery MergedPulls($id: ID!, $after: String) {\n  rateLimit {\n    cost\n    remaining\n    resetAt\n  }\n  node(id: $id) {\n    __typename\n    ... on Repository {\n      pullRequests(\n        states: [MERGED]\n        first: 100\n        after: $after\n        orderBy: { field: UPDATED_AT, direction: DESC }\n      ) {\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n        nodes {\n          number\n          mergedAt\n          updatedAt\n          mergedBy {\n            __typename\n            login\n          }\n        }\n      }\n    }\n  }\n}\n";
    use ::serde::{Serialize, Deserialize};
    use super::*;
    #[allow(dead_code)]
    type Boolean = bool;
    #[allow(dead_code)]
    type Float = f64;
    #[allow(dead_code)]
    type Int = i64;
    #[allow(dead_code)]
    type ID = String;
    type DateTime = super::DateTime;
    #[derive(Serialize)]
    #[serde(crate = ":: serde")]
    pub struct Variables {
        pub id: ID,
        pub after: Option<String>,
    }
    impl Variables {}
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct ResponseData {
        #[serde(rename = "rateLimit")]
        pub rate_limit: Option<MergedPullsRateLimit>,
        pub node: Option<MergedPullsNode>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct MergedPullsRateLimit {
        pub cost: Int,
        pub remaining: Int,
        #[serde(rename = "resetAt")]
        pub reset_at: DateTime,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum MergedPullsNode {
        User,
        Organization,
        Bot,
        License,
        Repository(MergedPullsNodeOnRepository),
        Ref,
        Commit,
        Blob,
        Tree,
        StatusCheckRollup,
        CheckRun,
        StatusContext,
        Release,
        PullRequest,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct MergedPullsNodeOnRepository {
        #[serde(rename = "pullRequests")]
        pub pull_requests: MergedPullsNodeOnRepositoryPullRequests,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct MergedPullsNodeOnRepositoryPullRequests {
        #[serde(rename = "pageInfo")]
        pub page_info: MergedPullsNodeOnRepositoryPullRequestsPageInfo,
        pub nodes: Option<Vec<Option<MergedPullsNodeOnRepositoryPullRequestsNodes>>>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct MergedPullsNodeOnRepositoryPullRequestsPageInfo {
        #[serde(rename = "hasNextPage")]
        pub has_next_page: Boolean,
        #[serde(rename = "endCursor")]
        pub end_cursor: Option<String>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct MergedPullsNodeOnRepositoryPullRequestsNodes {
        pub number: Int,
        #[serde(rename = "mergedAt")]
        pub merged_at: Option<DateTime>,
        #[serde(rename = "updatedAt")]
        pub updated_at: DateTime,
        #[serde(rename = "mergedBy")]
        pub merged_by: Option<MergedPullsNodeOnRepositoryPullRequestsNodesMergedBy>,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(crate = ":: serde")]
    pub struct MergedPullsNodeOnRepositoryPullRequestsNodesMergedBy {
        pub login: String,
        #[serde(flatten)]
        pub on: MergedPullsNodeOnRepositoryPullRequestsNodesMergedByOn,
    }
    #[derive(Deserialize, Debug, Clone)]
    #[serde(tag = "__typename")]
    pub enum MergedPullsNodeOnRepositoryPullRequestsNodesMergedByOn {
        User,
        Organization,
        Bot,
    }
}
impl graphql_client::GraphQLQuery for MergedPulls {
    type Variables = merged_pulls::Variables;
    type ResponseData = merged_pulls::ResponseData;
    fn build_query(
        variables: Self::Variables,
    ) -> graphql_client::QueryBody<Self::Variables> {
        graphql_client::QueryBody {
            variables,
            query: merged_pulls::QUERY,
            operation_name: merged_pulls::OPERATION_NAME,
        }
    }
}
