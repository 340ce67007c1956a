-- When anything a requirement other than the rolling counts reads could have
-- changed, per project, so that `review` evaluates those requirements only on
-- the days after such a change instead of on every day of its look-back (the
-- status is the same on every day between two changes, so the first failing
-- day stays exact). Starts with the probes.sql prelude: one probe per project
-- whose window (start_at, end_at] spans the look-back and one counting window
-- before it.
--
-- Each row is (k, part, how, at), one per day at most (the latest instant):
--   * how = 'at': what `part` reads may differ before and after `at`;
--   * how = 'windowed': a row dated `at` enters the counting window at `at`
--     and leaves it one window later (Rust adds both);
--   * how = 'before': the primary repository had no snapshot before `at`, and
--     what is reconstructed from its history then (stars, trees, the head's
--     CI, history coverage) can change on any day, so every day before `at`
--     counts.
-- Snapshots are taken every pass, so for them only a change of what the rules
-- read counts: the star count's side of the floor ($7, `min_stars`), the
-- license, the layout files, CODEOWNERS and MAINTAINERS, the governance link,
-- the head's CI state and the default branch. Consecutive snapshots are
-- compared by the 64-bit hash of these stored with each snapshot
-- (`facts_hash`, migration 0008: two different sets of facts share one with a
-- chance of 2^-64), and by the side of the floor their stars are on; a
-- snapshot without a hash counts as a change.
-- Only the look-back's snapshots are compared (from two days before it): a
-- change before it falls on no day the review evaluates, and the first one
-- compared counts as a change anyway. They are joined to the probes first, so
-- that the comparison partitions by the probe's integer `k` rather than by a
-- node id string, and so that their scan, bounded in time, is planned apart
-- from the whole-history one that finds each repository's first snapshot:
-- written alike, the two were merged into one materialized scan of every
-- snapshot, which took longer than the rest of the query. Merges are paired
-- per probe the same way.
--
-- Extra parameters: $7 `min_stars`; package probes as VARCHAR[] $8 k, $9 key;
-- configured repositories as VARCHAR[] $10 k, $11 `owner/name` (lower case),
-- $12 the node id it resolved to ('' for none); $13 and $14 the start and
-- end of every probe's window (the same for all); $15 the counting window's
-- days.
--
-- (The leading comma continues the prelude's WITH list.)
, primary_nodes AS MATERIALIZED (  -- (these four: as `probes` in probes.sql)
    SELECT k, node_id, start_at, end_at FROM probes WHERE is_primary
),
snapshot_facts AS (
    SELECT p.k, s.observed_at, s.facts_hash IS NULL AS unhashed,
           (s.facts_hash, sign(s.stars - $7::BIGINT)) AS facts
    FROM primary_nodes p
    JOIN repo_snapshots s ON s.node_id = p.node_id
    WHERE s.observed_at BETWEEN (SELECT min(start_at) FROM primary_nodes)
                                + to_days($15::INTEGER) - INTERVAL 2 DAY
                            AND (SELECT max(end_at) FROM primary_nodes)
),
merges_by_person AS (
    SELECT p.k, m.merged_at,
           lag(m.merged_at) OVER w AS before, lead(m.merged_at) OVER w AS after
    FROM primary_nodes p
    JOIN pr_merges m ON m.node_id = p.node_id
    WHERE m.merged_by IS NOT NULL
      AND m.merged_at > (SELECT min(start_at) FROM primary_nodes) - to_days(2 * $15::INTEGER)
      AND m.merged_at <= (SELECT max(end_at) FROM primary_nodes) + to_days($15::INTEGER)
    WINDOW w AS (PARTITION BY p.k, m.merged_by ORDER BY m.merged_at)
),
declared_emails AS (
    SELECT DISTINCT s.node_id, lower(e.email) AS email
    FROM (SELECT node_id, codeowners_emails FROM repo_snapshots
          WHERE node_id IN (SELECT node_id FROM primary_nodes)
            AND observed_at BETWEEN (SELECT min(start_at) FROM primary_nodes)
                                AND (SELECT max(end_at) FROM primary_nodes)
            AND len(codeowners_emails) > 0) s,
         unnest(s.codeowners_emails) AS e(email)
),
wanted_packages AS MATERIALIZED (
    SELECT unnest($8::VARCHAR[])::INTEGER AS k, unnest($9::VARCHAR[]) AS key
),
wanted_repos AS MATERIALIZED (
    SELECT unnest($10::VARCHAR[])::INTEGER AS k, unnest($11::VARCHAR[]) AS slug,
           unnest($12::VARCHAR[]) AS node_id
),
package_facts AS (
    SELECT s.ecosystem || ':' || s.package AS key, s.observed_at,
           (s.found, s.repo_links, q.version, q.requires_torch, q.torch_specifier) AS facts
    FROM package_snapshots s
    LEFT JOIN package_requirements q ON q.ecosystem = s.ecosystem AND q.package = s.package
         AND q.observed_at = s.observed_at
    WHERE s.ecosystem || ':' || s.package IN (SELECT key FROM wanted_packages)
),
bounds AS MATERIALIZED (
    SELECT $13::TIMESTAMP AS lo, $14::TIMESTAMP AS hi
),
-- Everything that changed.
changes AS (
-- The primary repository's snapshots whose facts differ from the one before.
SELECT p.k, 'snapshot' AS part, 'at' AS how, s.observed_at AS at
FROM primary_nodes p
JOIN (SELECT k, observed_at,
             unhashed OR facts IS DISTINCT FROM lag(facts) OVER (PARTITION BY k
                                                                 ORDER BY observed_at)
                 AS changed
      FROM snapshot_facts) s
     ON s.k = p.k AND s.observed_at > p.start_at AND s.observed_at <= p.end_at
WHERE s.changed
UNION ALL
-- Before the primary repository's first snapshot, values are reconstructed.
SELECT p.k, 'snapshot', 'before', coalesce(f.first_at, p.end_at + INTERVAL 1 DAY)
FROM primary_nodes p
LEFT JOIN (SELECT node_id, min(observed_at) AS first_at FROM repo_snapshots
           WHERE node_id IN (SELECT node_id FROM primary_nodes) GROUP BY node_id) f
     ON f.node_id = p.node_id
WHERE f.first_at IS NULL OR f.first_at > p.start_at
UNION ALL
-- The people who merged pull requests in the window (maintainers): the set
-- changes when someone's merge enters it with none of theirs in the window
-- already, or leaves it with none of theirs after it in the window.
SELECT p.k, 'mergers', 'at', m.at
FROM primary_nodes p
JOIN (SELECT k, merged_at AS at
      FROM merges_by_person
      WHERE before IS NULL OR before <= merged_at - to_days($15::INTEGER)
      UNION ALL
      SELECT k, merged_at + to_days($15::INTEGER)
      FROM merges_by_person
      WHERE after IS NULL OR after > merged_at + to_days($15::INTEGER)) m
     ON m.k = p.k AND m.at > p.start_at AND m.at <= p.end_at
UNION ALL
-- The login behind a CODEOWNERS e-mail address is that of its latest commit
-- (the authors are filtered by the declared addresses first: there are few).
SELECT p.k, 'mergers', 'at', c.committed_at
FROM (SELECT node_id, sha, lower(email) AS email FROM commit_authors
      WHERE lower(email) IN (SELECT email FROM declared_emails)) a
JOIN declared_emails d ON d.email = a.email
JOIN primary_nodes p ON p.node_id = d.node_id
JOIN commits c ON c.node_id = a.node_id AND c.sha = a.sha
WHERE c.committed_at > p.start_at AND c.committed_at <= p.end_at
UNION ALL
-- CI runs enter and leave the window; a later observation of a run (a
-- completion, a re-run) changes what it reads as from then on.
SELECT p.k, 'ci', 'windowed', r.created_at
FROM primary_nodes p
JOIN ci_runs r ON r.node_id = p.node_id
WHERE r.created_at > p.start_at AND r.created_at <= p.end_at
UNION ALL
SELECT p.k, 'ci', 'at', r.observed_at
FROM primary_nodes p
JOIN ci_runs r ON r.node_id = p.node_id
WHERE r.created_at > p.start_at AND r.observed_at > p.start_at
  AND r.observed_at <= p.end_at
UNION ALL
-- Package snapshots whose facts differ from the one before (the first one
-- included: before it, a package is reconstructed from its releases, which
-- the next two parts date).
SELECT w.k, 'packages', 'at', s.observed_at
FROM wanted_packages w
JOIN (SELECT key, observed_at,
             facts IS DISTINCT FROM lag(facts) OVER (PARTITION BY key ORDER BY observed_at)
                 AS changed
      FROM package_facts) s ON s.key = w.key
WHERE s.changed AND s.observed_at > (SELECT lo FROM bounds)
  AND s.observed_at <= (SELECT hi FROM bounds)
UNION ALL
-- Releases uploaded, and later observations of a release (a yank, new files).
SELECT w.k, 'packages', 'at', r.released_at
FROM wanted_packages w
JOIN releases r ON r.ecosystem || ':' || r.package = w.key
WHERE r.released_at > (SELECT lo FROM bounds) AND r.released_at <= (SELECT hi FROM bounds)
UNION ALL
SELECT w.k, 'packages', 'at', c.observed_at
FROM wanted_packages w
JOIN release_changes c ON c.ecosystem || ':' || c.package = w.key
WHERE c.observed_at > (SELECT lo FROM bounds) AND c.observed_at <= (SELECT hi FROM bounds)
UNION ALL
-- A new torch release moves which PyTorch releases are the latest two.
SELECT w.k, 'packages', 'at', coalesce(t.released_at, t.observed_at)
FROM (SELECT DISTINCT k FROM wanted_packages) w
CROSS JOIN torch_releases t
WHERE coalesce(t.released_at, t.observed_at) > (SELECT lo FROM bounds)
  AND coalesce(t.released_at, t.observed_at) <= (SELECT hi FROM bounds)
UNION ALL
-- Collection failures of a configured repository (gone upstream), and the
-- first snapshot after each (it is back).
SELECT w.k, 'health', 'at', e.observed_at
FROM wanted_repos w
JOIN collection_errors e ON e.target = 'repo:' || w.slug
WHERE e.observed_at > (SELECT lo FROM bounds) AND e.observed_at <= (SELECT hi FROM bounds)
UNION ALL
SELECT w.k, 'health', 'at',
       (SELECT min(s.observed_at) FROM repo_snapshots s
        WHERE s.node_id = w.node_id AND s.observed_at > e.observed_at)
FROM wanted_repos w
JOIN collection_errors e ON e.target = 'repo:' || w.slug
WHERE w.node_id <> '' AND e.observed_at <= (SELECT hi FROM bounds)
)
-- One row per day (the same (end of day m, end of day m - 1] as Rust's
-- `candidate_days`, counted from the end $14): which instant of a day does
-- not matter to the review.
SELECT c.k, c.part, c.how, max(c.at) AS at
FROM changes c
GROUP BY c.k, c.part, c.how,
         floor(date_diff('microsecond', c.at, $14::TIMESTAMP) / 86400000000)
ORDER BY 1, 4
