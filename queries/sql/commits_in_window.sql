-- Commits counted for `commits`: reachable from the default branch of any repo in
-- scope, committer date in the window (start, end], distinct by SHA (one commit
-- pushed to two repos of a project counts once), merges included, and not
-- force-pushed away at or before the window's end.
-- Parameters: $1 node ids in scope (VARCHAR[]), $2 window start (exclusive),
-- $3 window end (inclusive).
SELECT c.sha, min(c.committed_at) AS committed_at, min(c.node_id) AS node_id,
       max(c.parent_count) AS parent_count
FROM commits c
WHERE list_contains($1, c.node_id)
  AND c.committed_at > $2
  AND c.committed_at <= $3
  AND NOT EXISTS (
      SELECT 1 FROM commit_removals r
      WHERE r.node_id = c.node_id AND r.sha = c.sha AND r.removed_at <= $3
  )
GROUP BY c.sha
ORDER BY committed_at, c.sha
