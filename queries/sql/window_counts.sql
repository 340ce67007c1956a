-- `commits` and `contributors` per probe, with what tells whether collected
-- history covers the window: when the primary repo was first collected, the
-- latest first collection of any repo in scope (history reaches back
-- `backfill_days` before it), the latest observation of any repo in scope, and
-- when the counted commits were fetched.
SELECT s.k, s.primary_first_seen, s.latest_first_seen, o.last_observed,
       coalesce(n.commits, 0) AS commits, coalesce(pp.people, 0) AS contributors,
       n.fetched_at
FROM (SELECT p.k,
             max(r.first_seen_at) FILTER (WHERE p.is_primary) AS primary_first_seen,
             max(r.first_seen_at) AS latest_first_seen
      FROM probes p LEFT JOIN repos r ON r.node_id = p.node_id
      GROUP BY p.k) s
LEFT JOIN (SELECT p.k, max(x.last_observed) AS last_observed
           FROM probes p
           JOIN (SELECT node_id, max(observed_at) AS last_observed
                 FROM repo_snapshots GROUP BY node_id) x ON x.node_id = p.node_id
           GROUP BY p.k) o ON o.k = s.k
LEFT JOIN (SELECT k, count(DISTINCT sha) AS commits, max(observed_at) AS fetched_at
           FROM counted GROUP BY k) n ON n.k = s.k
LEFT JOIN (SELECT k, count(*) AS people FROM people GROUP BY k) pp ON pp.k = s.k
ORDER BY s.k
