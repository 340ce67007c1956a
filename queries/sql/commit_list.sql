-- The commits behind `commits`, one row per distinct sha, oldest first, with the
-- repo it was first found in, its authors (a list, in position order) and
-- provenance.
SELECT c.k, c.sha, min(c.committed_at) AS committed_at,
       arg_min(n.name_with_owner, c.observed_at) AS repo,
       max(c.parent_count) > 1 AS is_merge,
       (SELECT list(a.identity ORDER BY a.position) FROM commit_authors a
        WHERE a.node_id = arg_min(c.node_id, c.observed_at) AND a.sha = c.sha) AS authors,
       min(c.observed_at) AS observed_at, arg_min(c.source, c.observed_at) AS source
FROM counted c
LEFT JOIN (SELECT node_id, arg_max(name_with_owner, observed_at) AS name_with_owner
           FROM repo_snapshots GROUP BY node_id) n ON n.node_id = c.node_id
GROUP BY c.k, c.sha
ORDER BY c.k, committed_at, c.sha
