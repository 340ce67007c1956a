-- Each configured package as last seen at or before the probe's as-of instant:
-- whether the index knows it, the repos its metadata links to, every release
-- published by then and not yanked as of then (version, upload time, whether
-- it has a binary -- wheel or conda file -- or an sdist, whether it is marked a
-- pre-release), and the torch requirement of its latest release seen with that
-- snapshot. Which release is the latest is PEP 440 ordering, decided in Rust
-- (`requirements::packages`), which also puts the releases in version text
-- order (an ordered aggregate here took a third of the query). Starts with the
-- package_probes.sql prelude.
--
-- Before the package's first snapshot (`reconstructed`), the row is its first
-- snapshot (taken after the instant) with the releases uploaded by then, each
-- with its own metadata where it was read (`release_requirements`, migration
-- 0007), and `published`, how many releases (yanked ones included) were
-- uploaded by then: Rust reconstructs the package as it was from them
-- (`fetch::reconstruct`).
--
-- `collected_until` is the package's latest snapshot at any time: before the
-- as-of instant, collection of the package had ended by then, and Rust
-- decides whether what it saw last is stale (`[criteria] staleness_days`).
SELECT l.k, l.ecosystem, l.package, any_value(l.found) AS found,
       any_value(l.repo_links) AS repo_links, any_value(l.observed_at) AS observed_at,
       any_value(l.source) AS source,
       list({'version': r.version, 'released_us': epoch_us(r.released_at),
             'binary': r.has_binary, 'sdist': r.has_sdist, 'prerelease': r.is_prerelease,
             'requires_torch': m.requires_torch, 'torch': m.torch_specifier,
             'links': m.repo_links, 'meta_us': epoch_us(m.observed_at),
             'meta_source': m.source})
           FILTER (WHERE r.version IS NOT NULL AND NOT r.yanked) AS releases,
       any_value(q.version) AS requirement_version,
       any_value(q.requires_torch) AS requires_torch,
       any_value(q.torch_specifier) AS torch_specifier,
       any_value(l.reconstructed) AS reconstructed,
       count(r.version) AS published,
       any_value(l.last_at) AS collected_until
FROM (WITH spans AS MATERIALIZED (
          SELECT w.k, w.at, w.key, a.first_at, a.last_at
          FROM wanted w
          JOIN (SELECT ecosystem || ':' || package AS key, min(observed_at) AS first_at,
                       max(observed_at) AS last_at
                FROM package_snapshots
                WHERE ecosystem || ':' || package IN (SELECT key FROM wanted)
                GROUP BY ALL) a ON a.key = w.key)
      SELECT w.k, w.at, s.ecosystem, s.package, s.found, s.repo_links, s.observed_at,
             s.source, false AS reconstructed, w.last_at
      FROM spans w
      ASOF JOIN (SELECT *, ecosystem || ':' || package AS key FROM package_snapshots) s
           ON s.key = w.key AND w.at >= s.observed_at
      UNION ALL
      SELECT w.k, w.at, f.ecosystem, f.package, f.found, f.repo_links, f.observed_at,
             f.source, true AS reconstructed, w.last_at
      FROM spans w
      JOIN package_snapshots f ON f.ecosystem || ':' || f.package = w.key
           AND f.observed_at = w.first_at
      WHERE w.at < w.first_at) l
LEFT JOIN releases_as_of r ON r.k = l.k AND r.ecosystem = l.ecosystem
     AND r.package = l.package
LEFT JOIN release_requirements m ON l.reconstructed AND m.ecosystem = r.ecosystem
     AND m.package = r.package AND m.version = r.version
LEFT JOIN package_requirements q ON NOT l.reconstructed AND q.ecosystem = l.ecosystem
     AND q.package = l.package AND q.observed_at = l.observed_at
-- (one `l` row per probe and package)
GROUP BY l.k, l.ecosystem, l.package
ORDER BY l.k, l.ecosystem, l.package
