-- People who merged pull requests in the window (observed maintainers), bots
-- excluded. Parameters: $1 node id, $2 window start (exclusive), $3 end
-- (inclusive), $4 configured bot logins (lower case).
SELECT merged_by, count(*) AS merges
FROM pr_merges
WHERE node_id = $1 AND merged_at > $2 AND merged_at <= $3
  AND merged_by IS NOT NULL
  AND NOT merged_by LIKE '%[bot]'
  AND NOT list_contains($4, merged_by)
GROUP BY merged_by
ORDER BY merges DESC, merged_by
