-- The daily series behind `review`'s first failing day: for each probe (a
-- project as of its review instant T) and each n in 0..$4, the `commits` and
-- `contributors` counts of the window ending n days before T,
-- (T - n days - $5 days, T - n days], by the rules of `probes.sql`: commits
-- reachable from the default branch as of that window's end, distinct by sha
-- over the repos in scope, and the non-bot people behind them. Every day is
-- computed; nothing is sampled.
--
-- A commit's day index j says it was committed in (T - (j+1) days, T - j days],
-- so the window of day n holds it exactly when n <= j < n + $5: each commit is
-- expanded to the days whose window holds it (at most $5 rows), which keeps the
-- work proportional to the commits of the span rather than days x commits.
--
-- Parameters: $1 k, $2 repository node id, $3 T (VARCHAR[] of equal length, one
-- row per repo in scope); $4 the last n (INTEGER); $5 window days (INTEGER);
-- $6 the configured bot logins (lower case).
WITH probes AS (
    SELECT unnest($1::VARCHAR[])::INTEGER   AS k,
           unnest($2::VARCHAR[])            AS node_id,
           unnest($3::VARCHAR[])::TIMESTAMP AS review_at
),
spans AS (
    SELECT p.k, p.review_at, c.node_id, c.sha,
           (date_diff('microsecond', c.committed_at, p.review_at) // 86400000000)::INTEGER AS j
    FROM probes p
    JOIN commits c ON c.node_id = p.node_id
    WHERE c.committed_at <= p.review_at
      AND c.committed_at > p.review_at - to_days($4::INTEGER + $5::INTEGER)
),
hits AS (
    SELECT k, node_id, sha, n, review_at - to_days(n::INTEGER) AS day_end
    FROM (SELECT s.*,
                 unnest(range(greatest(0, s.j - $5::INTEGER + 1),
                              least($4::INTEGER, s.j) + 1)) AS n
          FROM spans s)
),
counted AS (
    SELECT h.k, h.n, h.node_id, h.sha
    FROM hits h
    ASOF LEFT JOIN commit_reachability e
         ON e.node_id = h.node_id AND e.sha = h.sha AND h.day_end >= e.observed_at
    WHERE e.reachable IS DISTINCT FROM false
)
SELECT c.k, c.n, c.commits, coalesce(p.people, 0) AS contributors
FROM (SELECT k, n, count(DISTINCT sha) AS commits FROM counted GROUP BY k, n) c
LEFT JOIN (SELECT c.k, c.n, count(DISTINCT a.identity) AS people
           FROM counted c
           JOIN commit_authors a ON a.node_id = c.node_id AND a.sha = c.sha
           WHERE NOT a.is_bot AND NOT list_contains($6::VARCHAR[], a.identity)
           GROUP BY c.k, c.n) p ON p.k = c.k AND p.n = c.n
ORDER BY c.k, c.n
