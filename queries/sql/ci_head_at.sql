-- The combined CI state of the head commit in the latest snapshot at or before T
-- (GitHub's statusCheckRollup: success, failure, error, pending, expected).
-- Parameters: $1 node id, $2 as-of instant.
SELECT ci_head_state, head_oid, observed_at, source
FROM repo_snapshots
WHERE node_id = $1 AND observed_at <= $2
ORDER BY observed_at DESC
LIMIT 1
