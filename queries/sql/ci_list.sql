-- The CI runs behind `ci`: the primary repo's default-branch runs in the window.
SELECT p.k, r.provider, r.name, r.head_sha, r.branch, r.event, r.status, r.conclusion,
       r.created_at, r.url, r.observed_at, r.source
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
ORDER BY p.k, r.created_at, r.run_key
