-- The releases behind `packages` and `pytorch_support`: every release of the
-- configured packages published by the as-of instant, newest first, with its
-- yanked / files as of then (see `releases_as_of` in package_probes.sql).
SELECT k, ecosystem, package, version, released_at, is_prerelease, yanked,
       has_binary, has_sdist, observed_at, source
FROM releases_as_of
ORDER BY k, ecosystem, package, released_at DESC NULLS LAST, version
