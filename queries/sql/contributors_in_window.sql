-- People behind the commits counted in `commits`: authors and co-authors by
-- identity (login, noreply login, or lower-cased email), bots excluded, with
-- how many of the counted commits each took part in.
-- Parameters as in commits_in_window.sql, plus $4 the configured bot logins
-- (lower case), applied on top of the `[bot]` rule recorded at collection.
WITH counted AS (
    SELECT DISTINCT c.node_id, c.sha
    FROM commits c
    WHERE list_contains($1, c.node_id)
      AND c.committed_at > $2
      AND c.committed_at <= $3
      AND NOT EXISTS (
          SELECT 1 FROM commit_removals r
          WHERE r.node_id = c.node_id AND r.sha = c.sha AND r.removed_at <= $3
      )
)
SELECT a.identity, count(DISTINCT a.sha) AS commits
FROM commit_authors a
JOIN counted k ON k.node_id = a.node_id AND k.sha = a.sha
WHERE NOT a.is_bot AND NOT list_contains($4, a.identity)
GROUP BY a.identity
ORDER BY commits DESC, a.identity
