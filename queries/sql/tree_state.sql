-- The primary repo's layout files, declared maintainers, governance and
-- license files reconstructed from the tree of the commit that was the head
-- at each probe's end (migration 0006): the newest stored state committed at
-- or before it. Only for probes with no snapshot at or before their end
-- (snapshots answer from then on), and none before the oldest state read.
--
-- For the license, the reference is the head at the first snapshot, whose
-- license GitHub recognised: its license files are those of the newest
-- state, and its license that snapshot's.
SELECT p.k, t.commit_oid, t.committed_at, t.layout_files, t.license_files,
       t.codeowners_users, t.codeowners_teams, t.codeowners_emails,
       t.maintainers_users, t.readme_governance, t.observed_at, t.source,
       r.license_files AS reference_files, f.license_spdx AS reference_license,
       f.observed_at AS reference_at
FROM (SELECT k, node_id, end_at FROM probes q
      WHERE is_primary
        AND NOT EXISTS (SELECT 1 FROM repo_snapshots s
                        WHERE s.node_id = q.node_id AND s.observed_at <= q.end_at)) p
ASOF JOIN tree_states t ON t.node_id = p.node_id AND p.end_at >= t.committed_at
JOIN tree_backfill b ON b.node_id = p.node_id
JOIN (SELECT node_id, arg_max(license_files, committed_at) AS license_files
      FROM tree_states GROUP BY node_id) r ON r.node_id = p.node_id
LEFT JOIN (SELECT node_id, head_oid, license_spdx, observed_at
           FROM repo_snapshots
           QUALIFY row_number() OVER (PARTITION BY node_id, head_oid ORDER BY observed_at) = 1) f
       ON f.node_id = b.node_id AND f.head_oid = b.reference_oid
ORDER BY p.k
