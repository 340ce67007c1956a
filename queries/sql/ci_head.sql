-- `ci` before the primary repo's first snapshot: the head at each probe's end
-- as history tells it, and the state of its CI then (the snapshot's
-- statusCheckRollup state is not known before the first snapshot), for the
-- probes without a snapshot by then. The body continues the probes.sql
-- prelude's CTE list.
--
-- * the head: the latest default-branch commit stored with committer date at
--   or before the end (none: history does not reach back to it);
-- * its contexts: Actions runs on it (check runs only when it has none, as
--   they repeat the Actions jobs) and commit statuses, created by the end,
--   each read as of the end like `window_ci`, then the latest per workflow /
--   check name / status context, as GitHub's rollup takes them;
-- * each is done when it had completed by the end (its `updated_at`, the
--   completion time, is not after it); the state is `failure` when a done one
--   failed, `error` when a status errored, `pending` when one was not done,
--   else `success`.
, head_at AS (
    SELECT p.k, p.node_id, p.end_at,
           arg_max(c.sha, c.committed_at) AS sha, max(c.committed_at) AS committed_at
    FROM probes p
    JOIN commits c ON c.node_id = p.node_id AND c.committed_at <= p.end_at
    WHERE p.is_primary AND p.k NOT IN (SELECT k FROM primary_snapshot)
    GROUP BY p.k, p.node_id, p.end_at
),
head_runs AS (
    SELECT h.k, h.end_at, r.provider, coalesce(r.name, r.run_key) AS name, r.run_key,
           r.status, r.conclusion, r.created_at, r.updated_at, r.observed_at
    FROM head_at h
    JOIN ci_runs r ON r.node_id = h.node_id AND r.head_sha = h.sha
                  AND r.created_at <= h.end_at
    WHERE NOT (r.provider = 'check' AND EXISTS (
            SELECT 1 FROM ci_runs a
            WHERE a.node_id = r.node_id AND a.provider = 'actions'
              AND a.head_sha = r.head_sha))
    QUALIFY row_number() OVER (
        PARTITION BY h.k, r.run_key
        ORDER BY CASE WHEN r.observed_at <= h.end_at THEN r.observed_at END DESC NULLS LAST,
                 r.observed_at) = 1
),
head_contexts AS (
    SELECT *,
           status = 'completed' AND (updated_at IS NULL OR updated_at <= end_at) AS done
    FROM head_runs
    QUALIFY row_number() OVER (PARTITION BY k, provider, name
                               ORDER BY created_at DESC, run_key DESC) = 1
)
SELECT h.k, h.sha, h.committed_at,
       count(x.run_key) AS contexts,
       coalesce(bool_or(x.done AND x.conclusion IN ('failure', 'timed_out', 'startup_failure',
                                                      'cancelled', 'action_required')),
                false) AS failure,
       coalesce(bool_or(x.done AND x.conclusion = 'error'), false) AS error,
       coalesce(bool_or(NOT x.done), false) AS pending,
       max(x.observed_at) AS observed_at
FROM head_at h
LEFT JOIN head_contexts x ON x.k = h.k
GROUP BY h.k, h.sha, h.committed_at
ORDER BY h.k
