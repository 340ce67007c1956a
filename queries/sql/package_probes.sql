-- Prelude of the package queries (the text after WITH): `packages.sql` and
-- `release_list.sql` read releases through it, so the summary and the list
-- agree by construction.
--
-- Parameters (VARCHAR[] of equal length): $1 k, $2 package key
-- ('pypi:name' / 'conda:channel/name'), $3 as-of instant.
wanted AS MATERIALIZED (  -- (as `probes` in probes.sql)
    SELECT unnest($1::VARCHAR[])::INTEGER AS k,
           unnest($2::VARCHAR[]) AS key,
           unnest($3::VARCHAR[])::TIMESTAMP AS at
),
-- Every release of the wanted packages published by the as-of instant (or
-- without a date), with what can change upstream (yanked, files, torch
-- requirement) as of that instant: the release's latest `release_changes` row
-- observed at or before it, else the release row as first observed (an ASOF
-- join picks it in one merge pass). `observed_at` and `source` are those of
-- the observation the values come from.
releases_as_of AS (
    SELECT x.k, x.at, x.ecosystem, x.package, x.version, x.released_at, x.is_prerelease,
           CASE WHEN c.version IS NULL THEN x.yanked ELSE c.yanked END AS yanked,
           CASE WHEN c.version IS NULL THEN x.has_binary ELSE c.has_binary END AS has_binary,
           CASE WHEN c.version IS NULL THEN x.has_sdist ELSE c.has_sdist END AS has_sdist,
           CASE WHEN c.version IS NULL THEN x.requires_torch
                ELSE c.requires_torch END AS requires_torch,
           CASE WHEN c.version IS NULL THEN x.observed_at ELSE c.observed_at END AS observed_at,
           CASE WHEN c.version IS NULL THEN x.source ELSE c.source END AS source
    FROM (SELECT w.k, w.at, r.*
          FROM wanted w
          JOIN releases r ON r.ecosystem || ':' || r.package = w.key
          WHERE r.released_at IS NULL OR r.released_at <= w.at) x
    ASOF LEFT JOIN release_changes c
         ON c.ecosystem = x.ecosystem AND c.package = x.package AND c.version = x.version
        AND x.at >= c.observed_at
)
