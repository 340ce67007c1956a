-- The releases behind `packages` and `pytorch_support`: every release of the
-- configured packages published by the as-of instant, newest first. Parameters
-- as in packages.sql.
WITH wanted AS (
    SELECT unnest($1::VARCHAR[])::INTEGER AS k,
           unnest($2::VARCHAR[]) AS key,
           unnest($3::VARCHAR[])::TIMESTAMP AS at
)
SELECT w.k, r.ecosystem, r.package, r.version, r.released_at, r.is_prerelease, r.yanked,
       r.has_binary, r.has_sdist, r.observed_at, r.source
FROM wanted w
JOIN releases r ON r.ecosystem || ':' || r.package = w.key
WHERE r.released_at IS NULL OR r.released_at <= w.at
ORDER BY w.k, r.ecosystem, r.package, r.released_at DESC NULLS LAST, r.version
