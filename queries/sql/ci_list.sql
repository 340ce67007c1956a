-- The CI runs behind `ci`: the primary repo's default-branch runs in the window.
SELECT p.k, r.provider, r.name, r.head_sha, r.branch, r.event, r.status, r.conclusion,
       r.created_at, r.url, r.observed_at, r.source
FROM probes p
JOIN ci_runs r ON r.node_id = p.node_id
LEFT JOIN primary_snapshot s ON s.k = p.k
WHERE p.is_primary AND r.created_at > p.start_at AND r.created_at <= p.end_at
  AND (r.branch IS NULL OR r.branch = s.default_branch)
ORDER BY p.k, r.created_at, r.run_key
