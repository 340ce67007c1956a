-- Prelude of every batched requirement query (the text after WITH).
--
-- A probe is one (project, as-of instant) pair: `k` is its index in the batch,
-- with one row per repository in the project's scope, the primary (first) one
-- flagged. Its window is (start_at, end_at]: a row exactly at the start is out,
-- one exactly at the end is in. `report` sends one probe per project, `trend`
-- and `review` one per project and date, so each measure is one query per batch.
--
-- Parameters (VARCHAR[] of equal length): $1 k, $2 repository node id,
-- $3 is primary ('true' / 'false'), $4 window start, $5 window end; $6 the
-- configured bot logins (lower case).
--
-- `probes` is MATERIALIZED: it is read by most of the CTEs below, and DuckDB
-- would otherwise copy it, parameter lists and all, into every place it is
-- read while planning, which it does on every run of a prepared statement:
-- that planning took longer than some of the queries it planned.
probes AS MATERIALIZED (
    SELECT unnest($1::VARCHAR[])::INTEGER   AS k,
           unnest($2::VARCHAR[])            AS node_id,
           unnest($3::VARCHAR[])::BOOLEAN   AS is_primary,
           unnest($4::VARCHAR[])::TIMESTAMP AS start_at,
           unnest($5::VARCHAR[])::TIMESTAMP AS end_at
),
-- The commits `commits` counts: reachable from the default branch of a repo in
-- scope, committer date in the window, merges included, and not force-pushed
-- away as of the window's end: the commit's latest `commit_reachability` event
-- at or before the end, if any, is not `false` (an ASOF join picks it in one
-- merge pass instead of a lookup per commit). One row per (probe, repo, sha):
-- callers count DISTINCT sha, so a commit pushed to two repos of a project
-- counts once.
counted AS (
    SELECT w.k, w.node_id, w.sha, w.committed_at, w.parent_count, w.observed_at, w.source
    FROM (SELECT p.k, p.end_at, c.node_id, c.sha, c.committed_at, c.parent_count,
                 c.observed_at, c.source
          FROM probes p
          JOIN commits c ON c.node_id = p.node_id
          WHERE c.committed_at > p.start_at AND c.committed_at <= p.end_at) w
    ASOF LEFT JOIN commit_reachability e
         ON e.node_id = w.node_id AND e.sha = w.sha AND w.end_at >= e.observed_at
    WHERE e.reachable IS DISTINCT FROM false
),
-- The people behind the counted commits: authors and co-authors by identity
-- (login, noreply login, or lower-cased email), bots excluded: the `[bot]` rule
-- is applied at collection (`is_bot`), the configured list ($6) here.
people AS (
    SELECT c.k, a.identity, arg_max(a.name, c.committed_at) AS name,
           count(DISTINCT c.sha) AS commits,
           min(c.committed_at) AS first_commit, max(c.committed_at) AS last_commit
    FROM counted c
    JOIN commit_authors a ON a.node_id = c.node_id AND a.sha = c.sha
    WHERE NOT a.is_bot AND NOT list_contains($6::VARCHAR[], a.identity)
    GROUP BY c.k, a.identity
),
-- The primary repo's latest snapshot at or before each probe's end (none: the
-- repo was never observed by then, and what it would tell is unknown). It is
-- picked on the two key columns only; the wide row is then fetched by its key,
-- so the snapshot history's list columns are read for the chosen rows only.
--
-- Snapshots are taken every pass, so the pick first looks only at those of
-- the 30 days before each probe's end (`primary_recent`): the latest found
-- there is the latest overall, since every snapshot left out is older. It is
-- a hash join on the node and a max, whose work is bounded by 30 days of
-- snapshots per probe (an ASOF join is not used here: the probes come from an
-- unnested list whose length the planner cannot see, and it plans such a join
-- as a nested loop over every pair). Only probes with none there
-- (`primary_unpicked`) are picked by an ASOF join from the whole history of
-- their repos' range of node ids, which is empty when every probe has a
-- recent snapshot (the ASOF operator sorts its right side even for no probe).
primary_recent AS (
    SELECT p.k, p.node_id, max(s.observed_at) AS observed_at
    FROM (SELECT k, node_id, end_at FROM probes WHERE is_primary) p
    JOIN (SELECT node_id, observed_at FROM repo_snapshots
          WHERE node_id BETWEEN (SELECT min(node_id) FROM probes WHERE is_primary)
                            AND (SELECT max(node_id) FROM probes WHERE is_primary)
            AND observed_at > (SELECT min(end_at) FROM probes WHERE is_primary)
                              - INTERVAL 30 DAY) s
         ON s.node_id = p.node_id AND s.observed_at <= p.end_at
        AND s.observed_at > p.end_at - INTERVAL 30 DAY
    GROUP BY p.k, p.node_id
),
primary_unpicked AS (
    SELECT k, node_id, end_at FROM probes
    WHERE is_primary AND k NOT IN (SELECT k FROM primary_recent)
),
primary_pick AS (
    SELECT k, node_id, observed_at FROM primary_recent
    UNION ALL
    SELECT p.k, p.node_id, s.observed_at
    FROM primary_unpicked p
    ASOF JOIN (SELECT node_id, observed_at FROM repo_snapshots
               WHERE node_id BETWEEN (SELECT min(node_id) FROM primary_unpicked)
                                 AND (SELECT max(node_id) FROM primary_unpicked)) s
         ON s.node_id = p.node_id AND p.end_at >= s.observed_at
),
primary_snapshot AS (
    SELECT k.k, s.*
    FROM primary_pick k
    JOIN repo_snapshots s ON s.node_id = k.node_id AND s.observed_at = k.observed_at
    -- (a bound the scan can prune row groups by, the history being in time order)
    WHERE s.observed_at >= (SELECT min(observed_at) FROM primary_pick)
),
-- The primary repo's tree as of each probe's end, for probes with no snapshot
-- by then (before the first one; snapshots answer from then on): the newest
-- tree state (migration 0006) committed at or before the end, which is the
-- tree of the commit that was the head then. None before the oldest state read.
primary_tree AS (
    SELECT p.k, t.*
    FROM (SELECT k, node_id, end_at FROM probes q
          WHERE is_primary
            AND NOT EXISTS (SELECT 1 FROM repo_snapshots s
                            WHERE s.node_id = q.node_id AND s.observed_at <= q.end_at)) p
    ASOF JOIN tree_states t ON t.node_id = p.node_id AND p.end_at >= t.committed_at
),
-- The primary repo's stars reconstructed from GitHub's `starredAt` (migration
-- 0005), for as-of instants before its first snapshot. Stars are stored per
-- UTC day, so the count is taken at the end of the last whole day at or before
-- the probe's end (`day_end`: the probe's own day when it ends at that day's
-- last microsecond, as `--as-of DATE` does, else the day before): the anchor
-- count minus the stars of the days after it. It is `known` when every star
-- after that day was read (`covered_from`).
star_counts AS (
    SELECT *,
           CAST(day_end + 1 AS TIMESTAMP) - INTERVAL 1 MICROSECOND AS day_end_at,
           CAST(day_end + 1 AS TIMESTAMP) - INTERVAL 1 MICROSECOND >= covered_from AS known
    FROM (SELECT p.k, b.anchor_stars, b.anchored_at, b.covered_from, b.done, b.capped,
                 b.max_pages, b.since, b.source, p.day_end,
                 b.anchor_stars - coalesce(sum(d.stars), 0) AS stars
          FROM (SELECT k, node_id, CAST(end_at + INTERVAL 1 MICROSECOND AS DATE) - 1 AS day_end
                FROM probes WHERE is_primary) p
          JOIN star_backfill b ON b.node_id = p.node_id
          LEFT JOIN star_days d ON d.node_id = p.node_id AND d.day > p.day_end
          GROUP BY p.k, b.anchor_stars, b.anchored_at, b.covered_from, b.done, b.capped,
                   b.max_pages, b.since, b.source, p.day_end)
),
-- The primary repo's default branch as of each probe's end: the one of its
-- latest snapshot by then, else (before the first snapshot) of its first,
-- looked up only for the probes without one.
primary_branch AS (
    SELECT p.k, coalesce(s.default_branch, f.default_branch) AS default_branch
    FROM (SELECT k, node_id FROM probes WHERE is_primary) p
    LEFT JOIN primary_snapshot s ON s.k = p.k
    LEFT JOIN (SELECT node_id, arg_min(default_branch, observed_at) AS default_branch
               FROM repo_snapshots
               WHERE node_id IN (SELECT node_id FROM probes q
                                 WHERE is_primary
                                   AND k NOT IN (SELECT k FROM primary_pick))
               GROUP BY node_id) f ON f.node_id = p.node_id
),
-- The CI that `ci` judges: the primary repo's runs, check runs and commit
-- statuses created in the window on its default branch (`primary_branch`;
-- external CI such as Buildkite counts). Pull-request runs are out (a fork's branch can share the default
-- branch's name), and a commit's check runs, which repeat its Actions jobs,
-- count only for commits without Actions runs.
--
-- `ci_runs` holds one row per observed state of a run: each run is read as its
-- latest row observed at or before the window's end, so a later re-run or
-- completion does not change a past answer. A run first collected after the end
-- (a backfill) but created in the window reads as its earliest row, the closest
-- to the end that is known. The pick is one sort per (probe, run) over the rows
-- of runs created in the window, not a lookup per row.
window_ci AS (
    SELECT p.k, r.*
    FROM probes p
    JOIN ci_runs r ON r.node_id = p.node_id
    LEFT JOIN primary_branch s ON s.k = p.k
    WHERE p.is_primary AND r.created_at > p.start_at AND r.created_at <= p.end_at
      AND (r.branch IS NULL OR r.branch = s.default_branch)
      AND (r.event IS NULL OR r.event NOT IN ('pull_request', 'pull_request_target'))
      AND NOT (r.provider = 'check' AND EXISTS (
            SELECT 1 FROM ci_runs a
            WHERE a.node_id = r.node_id AND a.provider = 'actions'
              AND a.head_sha = r.head_sha))
    QUALIFY row_number() OVER (
        PARTITION BY p.k, r.run_key
        ORDER BY CASE WHEN r.observed_at <= p.end_at THEN r.observed_at END DESC NULLS LAST,
                 r.observed_at) = 1
)
