-- What collection knew about each configured repository of each probe by the
-- probe's end: its latest recorded failure (kind, message, when) and its
-- latest snapshot (a repository step that succeeds always writes one). A
-- repository whose latest failure is `not_found` and later than its latest
-- snapshot was gone upstream at that instant; one without a node id never
-- resolved. Both are history (`collection_errors` is append-only), so a past
-- answer does not change after later collection.
--
-- Parameters (VARCHAR[] of equal length): $1 k, $2 configured `owner/name`
-- (lower case), $3 the node id it resolved to ('' for none), $4 as-of instant.
WITH wanted AS MATERIALIZED (  -- (as `probes` in probes.sql)
    SELECT unnest($1::VARCHAR[])::INTEGER AS k,
           unnest($2::VARCHAR[]) AS slug,
           unnest($3::VARCHAR[]) AS node_id,
           unnest($4::VARCHAR[])::TIMESTAMP AS at
),
failures AS (
    SELECT w.k, w.slug, max(e.observed_at) AS failed_at,
           arg_max(e.kind, e.observed_at) AS kind,
           arg_max(e.message, e.observed_at) AS message
    FROM wanted w
    JOIN collection_errors e ON e.target = 'repo:' || w.slug AND e.observed_at <= w.at
    GROUP BY w.k, w.slug
),
-- The latest snapshot by then: first among those of the 30 days before each
-- instant (one found there is the latest overall; the scan keeps only those
-- after the earliest such day), then, for the repositories with none there,
-- in their whole history.
recent AS (
    SELECT w.k, w.slug, max(s.observed_at) AS seen_at
    FROM wanted w
    JOIN repo_snapshots s ON s.node_id = w.node_id AND s.observed_at <= w.at
         AND s.observed_at > w.at - INTERVAL 30 DAY
    WHERE s.observed_at > (SELECT min(x.at) FROM wanted x) - INTERVAL 30 DAY
    GROUP BY w.k, w.slug
),
seen AS (
    SELECT * FROM recent
    UNION ALL
    SELECT w.k, w.slug, max(s.observed_at) AS seen_at
    FROM wanted w
    JOIN repo_snapshots s ON s.node_id = w.node_id AND s.observed_at <= w.at
    WHERE NOT EXISTS (SELECT 1 FROM recent r WHERE r.k = w.k AND r.slug = w.slug)
    GROUP BY w.k, w.slug
)
SELECT w.k, w.slug, f.failed_at, f.kind, f.message, s.seen_at
FROM wanted w
LEFT JOIN failures f ON f.k = w.k AND f.slug = w.slug
LEFT JOIN seen s ON s.k = w.k AND s.slug = w.slug
ORDER BY w.k, w.slug
