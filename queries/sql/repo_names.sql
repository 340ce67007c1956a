-- Every name a repository is known by, lower-cased, with its node id: the
-- collector's own resolution of a configured name (collection_state) after any
-- name the repo was seen under (repo_names), so a reader keeping the last row
-- per name prefers the collector's.
SELECT lower(substr(target, 6)), node_id, 0 AS pref
FROM collection_state
WHERE kind = 'repo' AND node_id IS NOT NULL
UNION ALL
SELECT lower(name_with_owner), node_id, 1
FROM repo_names
ORDER BY pref DESC
