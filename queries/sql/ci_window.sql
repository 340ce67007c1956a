-- CI activity of the primary repo's default branch in the window: Actions runs,
-- check runs and commit statuses (external CI such as Buildkite counts). A run
-- counts toward the pass rate once completed, unless cancelled or skipped. The
-- default branch is the one of the latest snapshot at or before the window's end;
-- pull-request runs (a fork's branch can share the default branch's name) are out.
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
  AND (r.event IS NULL OR r.event NOT IN ('pull_request', 'pull_request_target'))
  -- A commit's check runs repeat its Actions jobs: count them only for commits
  -- without Actions runs (external CI reporting through the Checks API).
  AND NOT (r.provider = 'check' AND EXISTS (
        SELECT 1 FROM ci_runs a
        WHERE a.node_id = r.node_id AND a.provider = 'actions' AND a.head_sha = r.head_sha))
GROUP BY p.k
ORDER BY p.k
