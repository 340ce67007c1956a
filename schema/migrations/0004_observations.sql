-- 0004: facts that can change upstream are kept as observations.
--
-- A CI run re-run or completed, a release yanked or given a wheel, a commit
-- force-pushed away (and back) is recorded as a new row with the time it was
-- observed, never as an update or a delete of an earlier row. A past as-of
-- answer therefore reads the rows observed by then and does not change after
-- later collection. (Facts first observed after T but dated upstream before T,
-- e.g. by a backfill, still count for T: that is filling history in, and the
-- window rules say when history counts as collected.)
--
-- Fact tables are insert-only from here on. The only tables the writer still
-- updates or replaces are the scheduler's memory, which no evaluation reads as
-- history: `collection_state` (one row per target), `http_cache` (ETags) and
-- `collection_runs` (a run's row is closed with its outcome).

-- CI runs: one row per observed state of a run. A run seen again gets a new row
-- only when (status, conclusion, updated_at) differ from its latest row. As of
-- T a run reads as its latest row observed at or before T, else (first
-- collected after T) as its earliest row.
--
-- DuckDB cannot change a primary key in place: the table is rebuilt. The rows
-- carried over hold the state last written by the replacing writer, observed
-- when it was written.
CREATE TABLE ci_runs_before_0004 AS SELECT * FROM ci_runs;
DROP TABLE ci_runs;
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
    PRIMARY KEY (node_id, run_key, observed_at)
);
INSERT INTO ci_runs SELECT * FROM ci_runs_before_0004;
DROP TABLE ci_runs_before_0004;

-- Releases: `releases` keeps each version as first observed; a later
-- observation whose (yanked, has_binary, has_sdist, requires_torch) differ
-- from the effective ones (the latest change, else the release row) adds a row
-- here carrying all four values. As of T a release reads as its latest change
-- observed at or before T, else as its release row. `requires_torch` NULL in an
-- observation means "not said" (PyPI gives it for the latest release only) and
-- keeps the value known before.
--
-- Rows carried over in `releases` hold the values last written by the updating
-- writer under their first observation time: that history is not recoverable.
CREATE TABLE release_changes (
    ecosystem       VARCHAR NOT NULL,
    package         VARCHAR NOT NULL,
    version         VARCHAR NOT NULL,
    observed_at     TIMESTAMP NOT NULL,
    yanked          BOOLEAN NOT NULL,
    has_binary      BOOLEAN NOT NULL,
    has_sdist       BOOLEAN NOT NULL,
    requires_torch  VARCHAR,
    run_id          BIGINT NOT NULL,
    source          VARCHAR NOT NULL,
    PRIMARY KEY (ecosystem, package, version, observed_at)
);

-- Commit reachability from the default branch, as events: `reachable = false`
-- when a complete re-read of history no longer had the commit (force push),
-- `true` when a later one had it again. A commit without events is reachable
-- since it was first observed. As of T a commit counts unless its latest event
-- at or before T is `false`. Replaces `commit_removals`, which could hold one
-- removal per commit and lost it (DELETE) when the commit came back.
CREATE TABLE commit_reachability (
    node_id      VARCHAR NOT NULL,
    sha          VARCHAR NOT NULL,
    observed_at  TIMESTAMP NOT NULL,
    reachable    BOOLEAN NOT NULL,
    run_id       BIGINT NOT NULL,
    source       VARCHAR NOT NULL,
    PRIMARY KEY (node_id, sha, observed_at)
);
INSERT INTO commit_reachability
SELECT node_id, sha, removed_at, false, run_id, source FROM commit_removals;
DROP TABLE commit_removals;
