-- The primary repo's star snapshots up to each probe's end, newest first; before
-- its first snapshot, the count reconstructed from `starredAt` that `stars`
-- reports (see `star_counts` in probes.sql), dated at the end of its day.
-- Counts are BIGINT (the reconstructed ones are sums), the same in both parts.
SELECT p.k, s.observed_at, s.stars::BIGINT AS stars, s.name_with_owner, s.source
FROM probes p
JOIN repo_snapshots s ON s.node_id = p.node_id AND s.observed_at <= p.end_at
WHERE p.is_primary
UNION ALL
SELECT c.k, c.day_end_at, c.stars::BIGINT,
       (SELECT arg_max(n.name_with_owner, n.observed_at) FROM repo_snapshots n
        WHERE n.node_id = p.node_id),
       'reconstructed from starredAt: ' || c.source
FROM star_counts c
JOIN probes p ON p.k = c.k AND p.is_primary
WHERE c.known AND NOT EXISTS (SELECT 1 FROM primary_pick x WHERE x.k = c.k)
ORDER BY 1, 2 DESC
