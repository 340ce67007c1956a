-- The primary repo's star snapshots up to each probe's end, newest first.
SELECT p.k, s.observed_at, s.stars, s.name_with_owner, s.source
FROM probes p
JOIN repo_snapshots s ON s.node_id = p.node_id AND s.observed_at <= p.end_at
WHERE p.is_primary
ORDER BY p.k, s.observed_at DESC
