-- 0001: the initial history schema.
--
-- Conventions:
--   * every time is a TIMESTAMP holding UTC (DuckDB's TIMESTAMPTZ arithmetic
--     needs the ICU extension, which the bundled build does not carry);
--   * every row says when it was observed (`observed_at`) and from which
--     upstream call (`source`, e.g. "github:graphql:repos_by_id" or
--     "pypi:GET /pypi/torch/json"), and which collection run wrote it (`run_id`);
--   * history is append-only: snapshots are new rows, facts (commits, runs,
--     releases) are written once per natural key and never updated in place;
--   * repositories are keyed by GitHub's node id so a rename or transfer
--     continues the same history.

CREATE SEQUENCE collection_run_seq START 1;

-- One row per daemon pass (or `check --live` collection).
CREATE TABLE collection_runs (
    run_id          BIGINT PRIMARY KEY DEFAULT nextval('collection_run_seq'),
    started_at      TIMESTAMP NOT NULL,
    finished_at     TIMESTAMP,
    kind            VARCHAR NOT NULL,          -- 'daemon', 'once', 'live'
    status          VARCHAR NOT NULL,          -- 'running', 'ok', 'partial', 'aborted'
    graphql_points  INTEGER NOT NULL DEFAULT 0,
    rest_requests   INTEGER NOT NULL DEFAULT 0,
    other_requests  INTEGER NOT NULL DEFAULT 0,
    tool_version    VARCHAR NOT NULL
);

-- Every failure of an upstream call, kept for `status` and for the record.
CREATE TABLE collection_errors (
    run_id       BIGINT NOT NULL,
    observed_at  TIMESTAMP NOT NULL,
    target       VARCHAR NOT NULL,             -- 'repo:owner/name', 'pypi:name', 'conda:channel/name'
    source       VARCHAR NOT NULL,             -- the upstream call that failed
    http_status  INTEGER,                      -- NULL for transport errors
    kind         VARCHAR NOT NULL,             -- 'not_found', 'rate_limited', 'server', 'transport', 'parse', 'timeout', ...
    message      VARCHAR NOT NULL,
    attempt      INTEGER NOT NULL,
    retry_at     TIMESTAMP
);

-- Per collected target: the scheduler's memory (one row per target, replaced on write).
CREATE TABLE collection_state (
    target           VARCHAR PRIMARY KEY,
    kind             VARCHAR NOT NULL,         -- 'repo', 'pypi', 'conda', 'torch'
    node_id          VARCHAR,                  -- repos: the node id the configured name resolved to
    last_attempt_at  TIMESTAMP,
    last_success_at  TIMESTAMP,
    last_error_at    TIMESTAMP,
    last_error       VARCHAR,
    failures         INTEGER NOT NULL DEFAULT 0,
    next_due_at      TIMESTAMP,
    last_head_oid    VARCHAR,                  -- skip unchanged heads
    last_stars       INTEGER
);

-- Conditional-request memory for REST (ETags), so unchanged answers cost nothing.
CREATE TABLE http_cache (
    url            VARCHAR PRIMARY KEY,
    etag           VARCHAR,
    last_modified  VARCHAR,
    observed_at    TIMESTAMP NOT NULL
);

-- What each upstream said about its budget.
CREATE TABLE rate_limit_observations (
    observed_at  TIMESTAMP NOT NULL,
    host         VARCHAR NOT NULL,
    resource     VARCHAR NOT NULL,             -- 'graphql', 'core', ...
    lim          INTEGER,
    remaining    INTEGER,
    used         INTEGER,
    reset_at     TIMESTAMP,
    source       VARCHAR NOT NULL
);

-- Repositories by GitHub node id.
CREATE TABLE repos (
    node_id        VARCHAR PRIMARY KEY,
    database_id    BIGINT,
    first_seen_at  TIMESTAMP NOT NULL,
    source         VARCHAR NOT NULL
);

-- Every owner/name a repository was seen under (renames, transfers).
CREATE TABLE repo_names (
    node_id          VARCHAR NOT NULL,
    name_with_owner  VARCHAR NOT NULL,
    first_seen_at    TIMESTAMP NOT NULL,
    source           VARCHAR NOT NULL,
    PRIMARY KEY (node_id, name_with_owner)
);

-- Point-in-time state of a repository.
CREATE TABLE repo_snapshots (
    node_id              VARCHAR NOT NULL,
    observed_at          TIMESTAMP NOT NULL,
    run_id               BIGINT NOT NULL,
    source               VARCHAR NOT NULL,
    name_with_owner      VARCHAR NOT NULL,
    stars                INTEGER NOT NULL,
    forks                INTEGER,
    is_archived          BOOLEAN,
    is_fork              BOOLEAN,
    is_empty             BOOLEAN,
    default_branch       VARCHAR,
    head_oid             VARCHAR,
    head_committed_at    TIMESTAMP,
    pushed_at            TIMESTAMP,
    license_spdx         VARCHAR,              -- NULL: no license detected
    license_key          VARCHAR,
    layout_files         VARCHAR[],            -- paths present: 'README.md', '.github/CODEOWNERS', ...
    codeowners_path      VARCHAR,              -- which CODEOWNERS file was parsed
    codeowners_users     VARCHAR[],            -- individual logins declared
    codeowners_teams     VARCHAR[],            -- '@org/team' entries
    codeowners_emails    VARCHAR[],
    maintainers_path     VARCHAR,
    maintainers_users    VARCHAR[],
    governance_path      VARCHAR,              -- GOVERNANCE file found, if any
    readme_governance    BOOLEAN,              -- README links a governance section
    ci_head_state        VARCHAR,              -- statusCheckRollup state of the head
    PRIMARY KEY (node_id, observed_at)
);

-- Stargazers with their starred-at times (backs star trends before the first snapshot).
CREATE TABLE stargazers (
    node_id      VARCHAR NOT NULL,
    login        VARCHAR NOT NULL,
    starred_at   TIMESTAMP NOT NULL,
    observed_at  TIMESTAMP NOT NULL,
    source       VARCHAR NOT NULL,
    PRIMARY KEY (node_id, login)
);

-- Commits reachable from the default branch.
CREATE TABLE commits (
    node_id        VARCHAR NOT NULL,           -- the repository
    sha            VARCHAR NOT NULL,
    committed_at   TIMESTAMP NOT NULL,         -- committer date, in UTC
    authored_at    TIMESTAMP NOT NULL,
    parent_count   INTEGER NOT NULL,           -- > 1: a merge
    observed_at    TIMESTAMP NOT NULL,
    run_id         BIGINT NOT NULL,
    source         VARCHAR NOT NULL,
    PRIMARY KEY (node_id, sha)
);

-- Authors of each commit: position 0 is the git author, then co-authors.
CREATE TABLE commit_authors (
    node_id    VARCHAR NOT NULL,
    sha        VARCHAR NOT NULL,
    position   INTEGER NOT NULL,
    name       VARCHAR,
    email      VARCHAR,
    login      VARCHAR,                        -- the linked GitHub user, if any
    identity   VARCHAR NOT NULL,               -- login, noreply-derived login, or lower-cased email
    is_bot     BOOLEAN NOT NULL,
    PRIMARY KEY (node_id, sha, position)
);

-- Commits that were once on the default branch and no longer are (force push):
-- evaluation as of T ignores a commit removed at or before T.
CREATE TABLE commit_removals (
    node_id      VARCHAR NOT NULL,
    sha          VARCHAR NOT NULL,
    removed_at   TIMESTAMP NOT NULL,           -- when we first saw it gone
    run_id       BIGINT NOT NULL,
    source       VARCHAR NOT NULL,
    PRIMARY KEY (node_id, sha)
);

-- Pull requests merged, with who merged them (observed maintainers).
CREATE TABLE pr_merges (
    node_id      VARCHAR NOT NULL,
    number       INTEGER NOT NULL,
    merged_at    TIMESTAMP NOT NULL,
    merged_by    VARCHAR,
    observed_at  TIMESTAMP NOT NULL,
    source       VARCHAR NOT NULL,
    PRIMARY KEY (node_id, number)
);

-- CI: Actions workflow runs, check runs and commit statuses (external CI).
CREATE TABLE ci_runs (
    node_id      VARCHAR NOT NULL,
    run_key      VARCHAR NOT NULL,             -- 'actions:<id>', 'check:<sha>:<name>', 'status:<sha>:<context>'
    provider     VARCHAR NOT NULL,             -- 'actions', 'check', 'status'
    name         VARCHAR,
    head_sha     VARCHAR,
    branch       VARCHAR,
    event        VARCHAR,
    status       VARCHAR,                      -- 'completed', 'in_progress', ...
    conclusion   VARCHAR,                      -- 'success', 'failure', ... (lower case)
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP,
    url          VARCHAR,
    observed_at  TIMESTAMP NOT NULL,
    source       VARCHAR NOT NULL,
    PRIMARY KEY (node_id, run_key)
);

-- Packages as seen on their index.
CREATE TABLE package_snapshots (
    ecosystem       VARCHAR NOT NULL,          -- 'pypi', 'conda'
    package         VARCHAR NOT NULL,          -- normalised PyPI name or 'channel/name'
    observed_at     TIMESTAMP NOT NULL,
    run_id          BIGINT NOT NULL,
    source          VARCHAR NOT NULL,
    found           BOOLEAN NOT NULL,
    latest_version  VARCHAR,
    repo_links      VARCHAR[],                 -- GitHub owner/name found in the metadata links
    PRIMARY KEY (ecosystem, package, observed_at)
);

-- Releases: GitHub releases, PyPI versions and conda versions.
CREATE TABLE releases (
    ecosystem       VARCHAR NOT NULL,          -- 'github', 'pypi', 'conda'
    package         VARCHAR NOT NULL,          -- repo node id, PyPI name or 'channel/name'
    version         VARCHAR NOT NULL,
    released_at     TIMESTAMP,                 -- earliest upload time
    is_prerelease   BOOLEAN,
    yanked          BOOLEAN NOT NULL DEFAULT false,
    has_binary      BOOLEAN NOT NULL DEFAULT false,   -- wheel or conda file
    has_sdist       BOOLEAN NOT NULL DEFAULT false,
    requires_torch  VARCHAR,                   -- the torch specifier from requires_dist, if any
    observed_at     TIMESTAMP NOT NULL,
    run_id          BIGINT NOT NULL,
    source          VARCHAR NOT NULL,
    PRIMARY KEY (ecosystem, package, version)
);

-- torch's own releases, from PyPI.
CREATE TABLE torch_releases (
    version      VARCHAR PRIMARY KEY,
    released_at  TIMESTAMP,
    observed_at  TIMESTAMP NOT NULL,
    source       VARCHAR NOT NULL
);
