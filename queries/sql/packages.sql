-- Each configured package as last seen at or before the probe's as-of instant:
-- whether the index knows it, the repos its metadata links to, whether a
-- non-yanked release published by then has a binary (wheel or conda file) or an
-- sdist, and the torch requirement of its latest release seen with that snapshot.
-- Parameters (VARCHAR[] of equal length): $1 k, $2 package key
-- ('pypi:name' / 'conda:channel/name'), $3 as-of instant.
WITH wanted AS (
    SELECT unnest($1::VARCHAR[])::INTEGER AS k,
           unnest($2::VARCHAR[]) AS key,
           unnest($3::VARCHAR[])::TIMESTAMP AS at
), latest AS (
    SELECT w.k, w.at, s.ecosystem, s.package, s.found, s.repo_links, s.observed_at, s.source
    FROM wanted w
    ASOF JOIN (SELECT *, ecosystem || ':' || package AS key FROM package_snapshots) s
         ON s.key = w.key AND w.at >= s.observed_at
)
SELECT l.k, l.ecosystem, l.package, l.found, l.repo_links, l.observed_at, l.source,
       coalesce(bool_or(r.has_binary), false) AS has_binary,
       coalesce(bool_or(r.has_sdist), false) AS has_sdist,
       any_value(q.version) AS requirement_version,
       any_value(q.requires_torch) AS requires_torch,
       any_value(q.torch_specifier) AS torch_specifier
FROM latest l
LEFT JOIN releases r ON r.ecosystem = l.ecosystem AND r.package = l.package
     AND NOT r.yanked AND (r.released_at IS NULL OR r.released_at <= l.at)
LEFT JOIN package_requirements q ON q.ecosystem = l.ecosystem AND q.package = l.package
     AND q.observed_at = l.observed_at
GROUP BY l.k, l.ecosystem, l.package, l.found, l.repo_links, l.observed_at, l.source
ORDER BY l.k, l.ecosystem, l.package
