-- People who merged pull requests into the primary repo in the window (observed
-- maintainers), bots excluded ($6: configured bot logins, lower case).
SELECT p.k, m.merged_by, count(*) AS merges
FROM probes p
JOIN pr_merges m ON m.node_id = p.node_id
WHERE p.is_primary AND m.merged_at > p.start_at AND m.merged_at <= p.end_at
  AND m.merged_by IS NOT NULL
  AND NOT m.merged_by LIKE '%[bot]'
  AND NOT list_contains($6::VARCHAR[], lower(m.merged_by))
GROUP BY p.k, m.merged_by
ORDER BY p.k, merges DESC, m.merged_by
