-- Each configured package as last seen at or before the as-of instant, with
-- whether a non-yanked release published by then has a binary (wheel or conda
-- file) or an sdist. Parameters: $1 packages as 'pypi:name' / 'conda:channel/name'
-- (VARCHAR[]), $2 as-of instant.
SELECT s.ecosystem, s.package, s.found, s.repo_links, s.observed_at, s.source,
       coalesce((SELECT bool_or(r.has_binary) FROM releases r
                 WHERE r.ecosystem = s.ecosystem AND r.package = s.package
                   AND NOT r.yanked AND (r.released_at IS NULL OR r.released_at <= $2)), false)
           AS has_binary,
       coalesce((SELECT bool_or(r.has_sdist) FROM releases r
                 WHERE r.ecosystem = s.ecosystem AND r.package = s.package
                   AND NOT r.yanked AND (r.released_at IS NULL OR r.released_at <= $2)), false)
           AS has_sdist
FROM package_snapshots s
WHERE list_contains($1, s.ecosystem || ':' || s.package) AND s.observed_at <= $2
QUALIFY row_number() OVER (PARTITION BY s.ecosystem, s.package ORDER BY s.observed_at DESC) = 1
ORDER BY s.ecosystem, s.package
