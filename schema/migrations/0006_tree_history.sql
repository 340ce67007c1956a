-- 0006: layout files, CODEOWNERS, MAINTAINERS, the README's governance link
-- and the license files before the first snapshot, reconstructed from the
-- trees of past default-branch commits.
--
-- Once per repository, after its commit history reaches `[collect]
-- backfill_days` back, the collector reads the tree of stored commits that
-- were the head at points spread over the backfill (the root, `.github/` and
-- `docs/`, and the texts of CODEOWNERS, MAINTAINERS and README.md). Where two
-- neighbouring points differ, it reads the commits between them by
-- bisection until the commit that made each change is found. Each commit
-- read gives a row of `tree_states`; the state as of T is that of the
-- newest row committed at or before T. A change undone between two points
-- is not seen.
--
-- The license: GitHub recognises a license only for the head it shows now.
-- A past tree whose license files (name and blob) equal those of the head
-- at the first snapshot has that snapshot's license; a tree without license
-- files has none; a tree with other license files has an unknown license.

CREATE TABLE tree_states (
    node_id            VARCHAR NOT NULL,
    commit_oid         VARCHAR NOT NULL,
    committed_at       TIMESTAMP NOT NULL,
    layout_files       VARCHAR[] NOT NULL,     -- as repo_snapshots.layout_files, without owner defaults
    license_files      VARCHAR[] NOT NULL,     -- root license files as 'NAME=blob oid'
    codeowners_path    VARCHAR,
    codeowners_users   VARCHAR[],
    codeowners_teams   VARCHAR[],
    codeowners_emails  VARCHAR[],
    maintainers_path   VARCHAR,
    maintainers_users  VARCHAR[],
    governance_path    VARCHAR,
    readme_governance  BOOLEAN NOT NULL,
    observed_at        TIMESTAMP NOT NULL,
    run_id             BIGINT NOT NULL,
    source             VARCHAR NOT NULL,
    PRIMARY KEY (node_id, commit_oid)
);

-- One row per repository whose trees were read: the collector's memory, and
-- what evaluation needs to judge the license (the reference head).
CREATE TABLE tree_backfill (
    node_id        VARCHAR PRIMARY KEY,
    since          TIMESTAMP NOT NULL,     -- the oldest instant the states answer for
    reference_oid  VARCHAR NOT NULL,       -- the head at the first snapshot
    states         INTEGER NOT NULL,       -- commits read
    queries        INTEGER NOT NULL,       -- GraphQL queries spent
    source         VARCHAR NOT NULL,
    finished_at    TIMESTAMP NOT NULL,
    run_id         BIGINT NOT NULL
);
