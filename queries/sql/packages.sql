-- Each configured package as last seen at or before the probe's as-of instant:
-- whether the index knows it, the repos its metadata links to, every release
-- published by then and not yanked as of then (version, upload time, whether
-- it has a binary -- wheel or conda file -- or an sdist, whether it is marked a
-- pre-release), and the torch requirement of its latest release seen with that
-- snapshot. Which release is the latest is PEP 440 ordering, decided in Rust
-- (`requirements::packages`). Starts with the package_probes.sql prelude.
SELECT l.k, l.ecosystem, l.package, l.found, l.repo_links, l.observed_at, l.source,
       list({'version': r.version, 'released_us': epoch_us(r.released_at),
             'binary': r.has_binary, 'sdist': r.has_sdist, 'prerelease': r.is_prerelease}
            ORDER BY r.version) FILTER (WHERE r.version IS NOT NULL) AS releases,
       any_value(q.version) AS requirement_version,
       any_value(q.requires_torch) AS requires_torch,
       any_value(q.torch_specifier) AS torch_specifier
FROM (SELECT w.k, w.at, s.ecosystem, s.package, s.found, s.repo_links, s.observed_at, s.source
      FROM wanted w
      ASOF JOIN (SELECT *, ecosystem || ':' || package AS key FROM package_snapshots) s
           ON s.key = w.key AND w.at >= s.observed_at) l
LEFT JOIN releases_as_of r ON r.k = l.k AND r.ecosystem = l.ecosystem
     AND r.package = l.package AND NOT r.yanked
LEFT JOIN package_requirements q ON q.ecosystem = l.ecosystem AND q.package = l.package
     AND q.observed_at = l.observed_at
GROUP BY l.k, l.ecosystem, l.package, l.found, l.repo_links, l.observed_at, l.source
ORDER BY l.k, l.ecosystem, l.package
