-- CI activity of the primary repo's default branch in the window: Actions runs,
-- check runs and commit statuses (external CI such as Buildkite counts). A run
-- counts toward the pass rate once completed, unless cancelled or skipped. The
-- default branch is the one of the latest snapshot at or before the window's end.
SELECT p.k,
       count(*) AS runs,
       count(*) FILTER (WHERE r.status = 'completed'
                          AND coalesce(r.conclusion, '') NOT IN ('cancelled', 'skipped')) AS judged,
       count(*) FILTER (WHERE r.status = 'completed'
                          AND r.conclusion IN ('success', 'neutral')) AS green
FROM probes p
JOIN ci_runs r ON r.node_id = p.node_id
LEFT JOIN primary_snapshot s ON s.k = p.k
WHERE p.is_primary AND r.created_at > p.start_at AND r.created_at <= p.end_at
  AND (r.branch IS NULL OR r.branch = s.default_branch)
GROUP BY p.k
ORDER BY p.k
