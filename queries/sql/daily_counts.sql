-- The daily series behind `review`'s first failing day: for each probe (a
-- project as of its review instant T) and each n in 0..$4, the `commits` and
-- `contributors` counts of the window ending n days before T,
-- (T - n days - $5 days, T - n days], by the rules of `probes.sql`: commits
-- reachable from the default branch as of that window's end, distinct by sha
-- over the repos in scope, and the non-bot people behind them. Every day is
-- computed; nothing is sampled.
--
-- A commit's day index j says it was committed in (T - (j+1) days, T - j days],
-- so the window of day n holds it exactly when n <= j < n + $5: the days that
-- count it are the interval [j - $5 + 1, j] (clipped to 0..$4). A commit never
-- force-pushed away in that repo (no `false` in `commit_reachability`, by far
-- the most) counts on that whole interval. The rare others are expanded to the
-- interval's days, each kept when the commit's latest reachability event by
-- that day's end is not `false`. Each day then counts the intervals that cover
-- it: a person's intervals are first merged, so someone with commits on many
-- days counts once a day. The work is proportional to the commits of the span,
-- not to commits x days.
--
-- Parameters: $1 k, $2 repository node id, $3 T (VARCHAR[] of equal length, one
-- row per repo in scope); $4 the last n (INTEGER); $5 window days (INTEGER);
-- $6 the configured bot logins (lower case).
WITH probes AS MATERIALIZED (  -- (as in probes.sql)
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
-- Commits that were force-pushed away from a repo at some point.
removed AS (
    SELECT DISTINCT node_id, sha FROM commit_reachability
    WHERE NOT reachable AND node_id IN (SELECT node_id FROM probes)
),
marked AS (
    SELECT s.*, r.sha IS NULL AS clean,
           greatest(0, s.j - $5::INTEGER + 1) AS lo, least($4::INTEGER, s.j) AS hi
    FROM spans s
    LEFT JOIN removed r ON r.node_id = s.node_id AND r.sha = s.sha
),
-- The removed ones, one row per day their window holds them and they count.
removed_days AS (
    SELECT h.k, h.node_id, h.sha, h.n
    FROM (SELECT m.k, m.node_id, m.sha, n, m.review_at - to_days(n::INTEGER) AS day_end
          FROM (SELECT *, unnest(range(lo, hi + 1)) AS n FROM marked WHERE NOT clean) m) h
    ASOF LEFT JOIN commit_reachability e
         ON e.node_id = h.node_id AND e.sha = h.sha AND h.day_end >= e.observed_at
    WHERE e.reachable IS DISTINCT FROM false
),
-- (probe, repo, sha) and the days [lo, hi] on which it counts.
covers AS (
    SELECT k, node_id, sha, lo, hi, true AS clean FROM marked WHERE clean
    UNION ALL
    SELECT k, node_id, sha, n, n, false FROM removed_days
),
-- A sha counts once per day: its clean interval if any repo holds it clean
-- (every repo's days lie within that interval), else its distinct days.
commit_covers AS (
    SELECT DISTINCT k, sha, lo, hi
    FROM covers
    QUALIFY clean OR NOT bool_or(clean) OVER (PARTITION BY k, sha)
),
person_covers AS (
    SELECT DISTINCT c.k, a.identity, c.lo, c.hi
    FROM covers c
    JOIN commit_authors a ON a.node_id = c.node_id AND a.sha = c.sha
    WHERE NOT a.is_bot AND NOT list_contains($6::VARCHAR[], a.identity)
),
-- A person's overlapping intervals merged (gaps and islands), so each covered
-- day is covered once.
person_islands AS (
    SELECT k, identity, min(lo) AS lo, max(hi) AS hi
    FROM (SELECT *, sum(CASE WHEN reach IS NULL OR lo > reach THEN 1 ELSE 0 END)
                        OVER (PARTITION BY k, identity ORDER BY lo, hi
                              ROWS UNBOUNDED PRECEDING) AS island
          FROM (SELECT *, max(hi) OVER (PARTITION BY k, identity ORDER BY lo, hi
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
                FROM person_covers))
    GROUP BY k, identity, island
),
-- +1 where an interval starts, -1 the day after it ends; a running sum over n
-- gives the intervals covering each day.
steps AS (
    SELECT k, n, sum(dc)::BIGINT AS dc, sum(dp)::BIGINT AS dp
    FROM (SELECT k, lo AS n, 1 AS dc, 0 AS dp FROM commit_covers
          UNION ALL SELECT k, hi + 1, -1, 0 FROM commit_covers
          UNION ALL SELECT k, lo, 0, 1 FROM person_islands
          UNION ALL SELECT k, hi + 1, 0, -1 FROM person_islands)
    GROUP BY k, n
),
running AS (
    SELECT k, n,
           sum(dc) OVER (PARTITION BY k ORDER BY n ROWS UNBOUNDED PRECEDING) AS commits,
           sum(dp) OVER (PARTITION BY k ORDER BY n ROWS UNBOUNDED PRECEDING) AS contributors,
           lead(n, 1, $4::INTEGER + 1) OVER (PARTITION BY k ORDER BY n) AS next_n
    FROM steps
)
-- Each step holds until the next one: one row per day with commits.
SELECT k, n::INTEGER AS n, commits, contributors
FROM (SELECT k, unnest(range(n, least(next_n, $4::INTEGER + 1))) AS n,
             commits::BIGINT AS commits, contributors::BIGINT AS contributors
      FROM running
      WHERE commits > 0 AND n <= $4::INTEGER)
ORDER BY k, n
