-- CI activity of the primary repo's default branch in the window: Actions runs,
-- check runs and commit statuses (external CI such as Buildkite counts).
-- A run counts toward the pass rate once completed, unless cancelled or skipped.
-- Parameters: $1 node id, $2 window start (exclusive), $3 end (inclusive).
SELECT count(*) AS runs,
       count(*) FILTER (WHERE status = 'completed'
                          AND coalesce(conclusion, '') NOT IN ('cancelled', 'skipped')) AS judged,
       count(*) FILTER (WHERE status = 'completed' AND conclusion IN ('success', 'neutral')) AS green,
       max(observed_at) AS observed_at
FROM ci_runs
WHERE node_id = $1 AND created_at > $2 AND created_at <= $3
  AND (branch IS NULL OR branch = (
        SELECT default_branch FROM repo_snapshots
        WHERE node_id = $1 AND observed_at <= $3
        ORDER BY observed_at DESC LIMIT 1))
