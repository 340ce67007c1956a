-- `commits` and `contributors` per probe, with what tells whether collected
-- history covers the window:
--   * when the primary repo was first collected;
--   * `history_from`: the latest `covered_from` among the repos in scope whose
--     history is walked with recorded progress (`history_progress`): stored
--     history is complete from there on; `history_pending` counts those whose
--     backfill has not stored a page yet;
--   * `latest_first_seen`: for repos collected before progress was recorded,
--     the latest first collection (their history reaches back `backfill_days`
--     before it);
--   * `last_observed`: the earliest, over the repos in scope, of when history
--     was known up to the window's end: the first snapshot at or after the
--     end (that pass brought history up to the head, so a past window's
--     answer cites the same observation however many passes follow), else
--     when history was last brought up to the head (the latest snapshot for
--     older repos);
--   * when the counted commits were fetched;
--   * for the forecast of the day each count falls below its floor if nothing
--     new lands: the committer date of the $7-th newest counted commit, and the
--     latest commit of the $8-th most recently active person (NULL when there
--     are fewer). `min_commits` and `min_contributors` are $7 and $8.
SELECT s.k, s.primary_first_seen, s.latest_first_seen, s.last_observed,
       coalesce(n.commits, 0) AS commits, coalesce(pp.people, 0) AS contributors,
       n.fetched_at, s.history_from, s.history_pending,
       n.nth_commit_at, pp.nth_person_at
FROM (SELECT p.k,
             max(r.first_seen_at) FILTER (WHERE p.is_primary) AS primary_first_seen,
             max(r.first_seen_at) FILTER (WHERE h.node_id IS NULL) AS latest_first_seen,
             min(coalesce(a.settled_at, h.synced_at, x.last_observed)) AS last_observed,
             max(h.covered_from) AS history_from,
             count(*) FILTER (WHERE h.node_id IS NOT NULL AND h.covered_from IS NULL)
                 AS history_pending
      FROM probes p
      LEFT JOIN repos r ON r.node_id = p.node_id
      LEFT JOIN history_progress h ON h.node_id = p.node_id
      LEFT JOIN (SELECT node_id, max(observed_at) AS last_observed
                 FROM repo_snapshots
                 WHERE node_id IN (SELECT node_id FROM probes)
                 GROUP BY node_id) x ON x.node_id = p.node_id
      LEFT JOIN (SELECT q.k, q.node_id, f.observed_at AS settled_at
                 FROM probes q
                 ASOF JOIN (SELECT node_id, observed_at FROM repo_snapshots
                            WHERE node_id BETWEEN (SELECT min(node_id) FROM probes)
                                              AND (SELECT max(node_id) FROM probes)
                              AND observed_at >= (SELECT min(end_at) FROM probes)) f
                      ON f.node_id = q.node_id AND q.end_at <= f.observed_at) a
             ON a.k = p.k AND a.node_id = p.node_id
      GROUP BY p.k) s
LEFT JOIN (SELECT k, count(*) AS commits, max(fetched_at) AS fetched_at,
                  list_extract(list(committed_at ORDER BY committed_at DESC), $7::BIGINT)
                      AS nth_commit_at
           FROM (SELECT k, sha, max(committed_at) AS committed_at,
                        max(observed_at) AS fetched_at
                 FROM counted GROUP BY k, sha)
           GROUP BY k) n ON n.k = s.k
LEFT JOIN (SELECT k, count(*) AS people,
                  list_extract(list(last_commit ORDER BY last_commit DESC), $8::BIGINT)
                      AS nth_person_at
           FROM people GROUP BY k) pp ON pp.k = s.k
ORDER BY s.k
