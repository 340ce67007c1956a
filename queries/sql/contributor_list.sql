-- The people behind `contributors`, with how many counted commits each took
-- part in, the name on their latest one, and their first and last of them in
-- the window; with provenance: when the latest of those commits (and its
-- authors) was observed, and the upstream call that returned it.
SELECT p.k, p.identity, p.name, p.commits, p.first_commit, p.last_commit,
       o.observed_at, o.source
FROM people p
JOIN (SELECT c.k, a.identity, max(c.observed_at) AS observed_at,
             arg_max(c.source, c.observed_at) AS source
      FROM counted c
      JOIN commit_authors a ON a.node_id = c.node_id AND a.sha = c.sha
      GROUP BY c.k, a.identity) o ON o.k = p.k AND o.identity = p.identity
ORDER BY p.k, p.commits DESC, p.identity
