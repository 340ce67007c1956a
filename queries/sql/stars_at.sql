-- Stars of the primary repo: the latest snapshot at or before the as-of instant.
-- Parameters: $1 node id, $2 as-of instant. No row: never observed (unknown).
SELECT stars, observed_at, source
FROM repo_snapshots
WHERE node_id = $1 AND observed_at <= $2
ORDER BY observed_at DESC
LIMIT 1
